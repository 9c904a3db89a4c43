import { connect } from '@ggzy/cli';
import { createTestDatabase, type TestDatabase } from '@ggzy/db/testing';
import { startS3rver, type TestS3Server } from '@ggzy/storage/testing';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { startPlatform } from './platform';

const PASSWORD = 'Ggzy@2026';
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const quiet = pino({ level: 'silent' });

describe('the API server as deployed', () => {
  let dataDir: string;
  let database: TestDatabase | undefined;
  let s3: TestS3Server;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ggzy-platform-'));
    s3 = await startS3rver();
  });
  afterAll(async () => {
    await s3.stop();
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const configFor = async (extra: Record<string, string> = {}) => {
    if (process.env.DATABASE_URL && !database) database = await createTestDatabase({ max: 1 });
    return loadConfig({
      DATA_DIR: dataDir,
      API_PORT: '0',
      SEED_DEMO: 'true',
      SEQUENCER_INTERVAL_MS: '100',
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
      ...extra,
    });
  };

  it('keeps its data, its sessions and its signing key across a restart', async () => {
    const first = await startPlatform(await configFor(), quiet);
    const login = await fetch(`${first.url}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'ggzy_csrf=t', 'x-csrf-token': 't' },
      body: JSON.stringify({ username: 'centre', password: PASSWORD }),
    });
    expect(login.ok).toBe(true);
    const sessionCookie = login.headers.getSetCookie().find((c) => c.startsWith('ggzy_session='))!.split(';')[0]!;
    const key = (await connect(first.url).log.status.query()).verifierKey;
    await first.close();

    const second = await startPlatform(await configFor(), quiet);
    try {
      // The session from before the restart is still valid; same accounts, same signing key.
      const again = (await (await fetch(`${second.url}/api/trpc/auth.me`, { headers: { cookie: sessionCookie } })).json()) as {
        result: { data: { username: string } | null };
      };
      expect(again.result.data).toMatchObject({ username: 'centre' });
      const status = await connect(second.url).log.status.query();
      expect(status.verifierKey).toBe(key);
      expect(status.sequenced).toBeGreaterThanOrEqual(2);
      const relogin = connect(second.url);
      await relogin.auth.login.mutate({ username: 'centre', password: PASSWORD });
      const accounts = await relogin.directory.accounts.query();
      expect(accounts.map((a) => a.username)).toContain('bidder1');
      // Demo data was loaded once, not twice.
      expect(accounts.filter((a) => a.username === 'bidder1')).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('stores objects in S3 when S3_ENDPOINT is configured', async () => {
    const platform = await startPlatform(
      await configFor({ S3_ENDPOINT: s3.endPoint, S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: s3.secretKey, S3_BUCKET: 'ggzy-platform-test' }),
      quiet,
    );
    try {
      const health = (await (await fetch(`${platform.url}/api/health`)).json()) as { ok: boolean; storage: string };
      expect(health).toMatchObject({ ok: true, storage: 's3' });
      const stored = await platform.services.store.put('health/probe.txt', new TextEncoder().encode('存储'));
      expect(await platform.services.store.head(stored.key)).toMatchObject({ size: 6 });
    } finally {
      await platform.close();
    }
  });

  it('refuses to start on a wrong configuration, says which value is wrong, and writes nothing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ggzy-badconfig-'));
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, DATA_DIR: empty, API_PORT: 'abc', DATABASE_URL: 'mysql://x' },
    });
    await expect(run).rejects.toMatchObject({
      code: 78,
      stderr: expect.stringMatching(/配置错误 \/ Configuration error:[\s\S]*API_PORT: [\s\S]*DATABASE_URL: /),
    });
    expect(await readdir(empty)).toEqual([]);
    await rm(empty, { recursive: true, force: true });
  });
});
