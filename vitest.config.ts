import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.{ts,tsx}', 'apps/*/src/**/*.test.ts', 'apps/*/app/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'packages/e2e/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // One esbuild bundle of the `ggzy` sources for the tests that start the binary (GGZY_TEST_CLI).
    globalSetup: ['scripts/test-cli-bundle.ts'],
  },
});
