#!/usr/bin/env node
/**
 * The README's first command on a fresh data folder: `npm start` (build, then the API on PGlite and
 * the disk store with the demo data, and the web server), then asks the portal what a visitor sees:
 * the home page, and the published demo sections through the portal API. Exits 0 when both answer.
 *
 * CI runs it under a shifted clock (Debian's faketime) on awkward dates, so a seed or a rule that
 * only holds on weekdays shows up here: `faketime '2027-09-30 08:00:00' node scripts/smoke-start.mjs`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const [webPort, apiPort] = [await freePort(), await freePort()];
const dataDir = mkdtempSync(join(tmpdir(), 'ggzy-smoke-'));
const env = { ...process.env, PORT: String(webPort), API_PORT: String(apiPort), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
delete env.DATABASE_URL;
delete env.S3_ENDPOINT;

const output = [];
const child = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
child.stdout.on('data', (chunk) => output.push(chunk));
child.stderr.on('data', (chunk) => output.push(chunk));
let exited = null;
child.once('exit', (code, signal) => (exited = signal ?? code));

const stop = async () => {
  if (exited === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // gone already
    }
    for (let i = 0; i < 40 && exited === null; i++) await new Promise((r) => setTimeout(r, 250));
    if (exited === null) process.kill(-child.pid, 'SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
};

const fail = async (message) => {
  process.stderr.write(`${Buffer.concat(output).toString('utf8')}\n`);
  console.error(`✗ smoke (${new Date().toISOString()}): ${message}`);
  await stop();
  process.exit(1);
};

const base = `http://127.0.0.1:${webPort}`;
const until = Date.now() + 300_000;
let home = null;
while (Date.now() < until && exited === null) {
  try {
    const response = await fetch(`${base}/`, { signal: AbortSignal.timeout(5_000) });
    if (response.ok) {
      home = await response.text();
      break;
    }
  } catch {
    // not up yet
  }
  await new Promise((r) => setTimeout(r, 500));
}
if (home === null) await fail(exited === null ? 'the portal did not answer within 5 minutes' : `npm start exited (${exited}) before the portal answered`);

// tRPC over GET: the portal's search, as the sections page asks for it.
const input = encodeURIComponent(JSON.stringify({ json: {} }));
const search = await fetch(`${base}/api/trpc/portal.search?input=${input}`).then((r) => r.json(), () => null);
const items = search?.result?.data?.json?.items ?? search?.result?.data?.items;
if (!Array.isArray(items)) await fail(`portal.search did not answer with a list: ${JSON.stringify(search).slice(0, 300)}`);
const types = items.map((i) => i.type).sort();
for (const type of ['construction', 'landUse', 'procurement']) {
  if (!types.includes(type)) await fail(`the demo ${type} section is missing from the portal (found ${types.join(', ') || 'none'})`);
}
const { now } = await fetch(`${base}/api/time`).then((r) => r.json(), () => ({}));
console.log(`✓ npm start at ${now ?? new Date().toISOString()} (database clock): the portal answers and lists ${items.length} demo sections (${types.join(', ')})`);
await stop();
process.exit(0);
