#!/usr/bin/env node
/**
 * The whole test suite: type checks, unit and integration tests (real PGlite or, with DATABASE_URL,
 * real PostgreSQL; real disk store and an S3 server the tests start), then the browser tests against
 * the built web app in Debian's Chromium. Ends with one summary line: "N passed, N failed".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(join(tmpdir(), 'ggzy-test-'));
const npx = (args) => spawnSync('npx', args, { cwd: root, stdio: 'inherit', env: process.env });
const backend = process.env.DATABASE_URL ? `PostgreSQL (${new URL(process.env.DATABASE_URL).host})` : 'PGlite (embedded)';
console.log(`\n== ggzy test suite on ${backend}\n`);

let failedSteps = 0;
const step = (name, args) => {
  console.log(`\n== ${name}`);
  const result = npx(args);
  if (result.status !== 0) {
    failedSteps++;
    console.log(`== ${name}: FAILED (exit ${result.status})`);
  }
  return result.status === 0;
};

step('typecheck', ['turbo', 'run', 'typecheck', '--output-logs=errors-only']);
step('build the web app', ['turbo', 'run', 'build', '--output-logs=errors-only']);

const counts = { passed: 0, failed: 0, skipped: 0 };
const suite = (name, config, file) => {
  const json = join(out, file);
  const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${json}`];
  if (config) args.push('--config', config);
  step(name, args);
  if (!existsSync(json)) {
    counts.failed++;
    return;
  }
  const report = JSON.parse(readFileSync(json, 'utf8'));
  counts.passed += report.numPassedTests;
  counts.failed += report.numFailedTests;
  counts.skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  if (report.numTotalTests === 0) {
    console.log(`== ${name}: no test ran`);
    counts.failed++;
  }
};

suite('unit and integration tests', null, 'unit.json');

// The browser tests need Debian's Chromium (no browser download works here). As root, install it;
// otherwise say so and skip them.
const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM) && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
  console.log('\n== installing Chromium and CJK fonts from Debian (apt-get)');
  spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk'], { stdio: 'inherit' });
}
if (existsSync(CHROMIUM)) {
  suite('browser tests', 'packages/e2e/vitest.config.ts', 'e2e.json');
} else {
  console.log(`\n== browser tests SKIPPED: ${CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)`);
  counts.skipped++;
}

console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(counts.failed > 0 || failedSteps > 0 ? 1 : 0);
