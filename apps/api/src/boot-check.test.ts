import { createS3Store } from '@ggzy/storage';
import { startS3rver, type TestS3Server } from '@ggzy/storage/testing';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBoot } from './boot-check';
import { loadConfig } from './config';

// The entry `npm start` runs (scripts/start.mjs): node --import tsx apps/api/src/main.ts.
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const PG = process.env.DATABASE_URL;

/** A loopback port nothing listens on: bound by us, then released. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The same server as DATABASE_URL with another user or database. */
function pgUrl(change: { user?: string; database?: string }): string {
  const url = new URL(PG!);
  if (change.user) url.username = change.user;
  if (change.database) url.pathname = `/${change.database}`;
  return url.toString();
}

interface Run {
  code: number | null;
  output: string;
}

/** Starts the real API with only these settings (no inherited DATABASE_URL or S3_*). */
function startApi(env: Record<string, string>): Promise<Run> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|S3_|DATA_DIR|UPLOAD_DIR|API_PORT|LOG_LEVEL|NODE_ENV|SEED_DEMO)/.test(k)),
  );
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', MAIN],
      { env: { ...base, API_PORT: '0', LOG_LEVEL: 'info', SEED_DEMO: 'false', ...env }, timeout: 25_000 },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, output: `${stdout}${stderr}` }),
    );
  });
}

function expectOneBilingualLine(run: Run, setting: string): string {
  expect(run.code).toBe(78);
  const lines = run.output.split('\n').filter((l) => l.trim() !== '');
  expect(lines, run.output).toHaveLength(1);
  const [line] = lines as [string];
  // No stack frame (`at fn (file:line:col)`), on this line or any other.
  expect(run.output).not.toMatch(/^\s+at |\bat .*\(?[^\s()]+:\d+:\d+\)?$/m);
  expect(line).not.toMatch(/Error:/);
  // Chinese first, then English, and the setting to fix.
  expect(line).toMatch(/^[^A-Za-z]*[\u4e00-\u9fff].* \/ [A-Z][a-z]+ [a-z]+/);
  expect(line).toContain(setting);
  return line;
}

describe('the boot check, on the real API process', () => {
  let dataDir: string;
  let s3: TestS3Server;
  const s3Env = () => ({ S3_ENDPOINT: s3.endPoint, S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: s3.secretKey, S3_BUCKET: 'ggzy-boot' });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ggzy-boot-'));
    s3 = await startS3rver();
    // The bucket exists: made through the store (the probe must find it, not create it).
    await createS3Store({ endPoint: s3.endPoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket: 'ggzy-boot' }).ensureReady();
  });
  afterAll(async () => {
    await s3.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a database nobody listens on: DATABASE_URL, exit 78', async () => {
    const port = await unusedPort();
    const run = await startApi({ DATA_DIR: dataDir, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/ggzy` });
    const line = expectOneBilingualLine(run, 'DATABASE_URL');
    expect(line).toContain(`127.0.0.1:${port}`);
    expect(line).toContain('ECONNREFUSED');
  });

  it.runIf(PG)('a role the server does not have: login refused, DATABASE_URL, exit 78', async () => {
    const run = await startApi({ DATA_DIR: dataDir, DATABASE_URL: pgUrl({ user: 'ggzy_no_such_role' }) });
    const line = expectOneBilingualLine(run, 'DATABASE_URL');
    expect(line).toMatch(/拒绝了用户 ggzy_no_such_role 的登录.*refused the login of user ggzy_no_such_role/);
  });

  it.runIf(PG)('a database that does not exist: DATABASE_URL, exit 78', async () => {
    const run = await startApi({ DATA_DIR: dataDir, DATABASE_URL: pgUrl({ database: 'ggzy_no_such_database' }) });
    const line = expectOneBilingualLine(run, 'DATABASE_URL');
    expect(line).toMatch(/数据库 ggzy_no_such_database .*不存在.*The database ggzy_no_such_database does not exist/);
  });

  it('an S3 endpoint nobody listens on: S3_ENDPOINT, exit 78', async () => {
    const port = await unusedPort();
    const run = await startApi({ DATA_DIR: dataDir, ...s3Env(), S3_ENDPOINT: `http://127.0.0.1:${port}` });
    const line = expectOneBilingualLine(run, 'S3_ENDPOINT');
    expect(line).toContain(`127.0.0.1:${port}`);
  });

  it('an access key the S3 server does not know: S3_ACCESS_KEY, exit 78', async () => {
    const run = await startApi({ DATA_DIR: dataDir, ...s3Env(), S3_ACCESS_KEY: 'NOT-A-KEY' });
    const line = expectOneBilingualLine(run, 'S3_ACCESS_KEY');
    expect(line).toContain('InvalidAccessKeyId');
    expect(line).toContain('S3_SECRET_KEY');
  });

  it('a bucket that does not exist: S3_BUCKET, exit 78, and it is not created', async () => {
    const run = await startApi({ DATA_DIR: dataDir, ...s3Env(), S3_BUCKET: 'ggzy-typo' });
    const line = expectOneBilingualLine(run, 'S3_BUCKET');
    expect(line).toMatch(/存储桶 ggzy-typo .*The bucket ggzy-typo does not exist/);
    const again = await checkBoot(loadConfig({ DATA_DIR: dataDir, ...s3Env(), S3_BUCKET: 'ggzy-typo' }), { timeoutMs: 2000 });
    expect(again?.setting).toBe('S3_BUCKET');
  });

  it('a data folder that cannot be written: DATA_DIR, exit 78', async () => {
    const file = join(dataDir, 'a-file');
    await writeFile(file, 'not a folder');
    const run = await startApi({ DATA_DIR: join(file, 'data') });
    expectOneBilingualLine(run, 'DATA_DIR');
  });

  it('a value the schema refuses: one line naming each, exit 78', async () => {
    const run = await startApi({ DATA_DIR: dataDir, API_PORT: 'abc', S3_BUCKET: 'Not_A_Bucket' });
    const line = expectOneBilingualLine(run, 'API_PORT');
    expect(line).toContain('S3_BUCKET');
  });

  it('the full error only at debug level', async () => {
    const port = await unusedPort();
    const run = await startApi({ DATA_DIR: dataDir, LOG_LEVEL: 'debug', DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/ggzy` });
    expect(run.code).toBe(78);
    const lines = run.output.split('\n').filter((l) => l.trim() !== '');
    const debug = lines.map((l) => (l.startsWith('{') ? (JSON.parse(l) as { level: number; msg: string; err?: { stack?: string } }) : null)).find((l) => l?.msg === 'boot check failed');
    expect(debug?.level).toBe(20);
    expect(debug?.err?.stack).toMatch(/ECONNREFUSED/);
    expect(lines.filter((l) => !l.startsWith('{'))).toHaveLength(1);
  });

  it('passes what is right: the data folder, the S3 bucket and (with DATABASE_URL) PostgreSQL', async () => {
    expect(await checkBoot(loadConfig({ DATA_DIR: dataDir, ...s3Env(), ...(PG ? { DATABASE_URL: PG } : {}) }), { timeoutMs: 2000 })).toBeNull();
    expect(await checkBoot(loadConfig({ DATA_DIR: dataDir }), { timeoutMs: 2000 })).toBeNull();
  });
});
