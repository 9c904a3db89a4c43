/**
 * Vitest global setup: bundles the `ggzy` command line (packages/cli/src/main.ts) once per test run
 * with esbuild, and names the bundle in GGZY_TEST_CLI for the tests that start the binary.
 * bin/ggzy.mjs compiles every TypeScript module through tsx at each start (about a second of CPU);
 * the bundle is the same sources, compiled once (third-party packages stay external, and each
 * module keeps its own import.meta.url, so files it finds beside itself are found as before).
 */
import { build } from 'esbuild';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export default async function setup(): Promise<() => Promise<void>> {
  // Inside the repository, so that its bare imports resolve from the root node_modules.
  const dir = join(root, 'node_modules', '.cache', `ggzy-test-cli-${process.pid}`);
  await mkdir(dir, { recursive: true });
  const outfile = join(dir, 'ggzy.mjs');
  await build({
    entryPoints: [join(root, 'packages/cli/src/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    plugins: [
      {
        name: 'ggzy-sources-only',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@ggzy/') ? undefined : { external: true }));
          b.onLoad({ filter: /\.tsx?$/ }, async (args) => ({
            contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
            loader: args.path.endsWith('x') ? 'tsx' : 'ts',
          }));
        },
      },
    ],
  });
  process.env.GGZY_TEST_CLI = outfile;
  return () => rm(dir, { recursive: true, force: true });
}
