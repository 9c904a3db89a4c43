import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Browser tests against the real platform (API + web server as child processes). One file at a
// time: each file starts its own platform, and two of them plus Chromium would crowd 2 cores.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    include: ['src/**/*.test.ts'],
    fileParallelism: false,
    // One esbuild bundle of the `ggzy` sources for the tests that start the binary (GGZY_TEST_CLI).
    globalSetup: [fileURLToPath(new URL('../../scripts/test-cli-bundle.ts', import.meta.url))],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
    // What a person sees arrives after the URL changes (React renders in a transition): poll for it.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
