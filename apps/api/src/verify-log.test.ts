/** `ggzy verify-log` (packages/cli) against this API server, started for real. */
import { sequenceAll } from '@ggzy/audit';
import { connect, formatReport, verifyRemoteLog } from '@ggzy/cli';
import { sql, type Database } from '@ggzy/db';
import { createTestDatabase, type TestDatabase } from '@ggzy/db/testing';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { startPlatform, type RunningPlatform } from './platform';

/** The installed `ggzy` command of the CLI package. */
const BIN = join(dirname(createRequire(import.meta.url).resolve('@ggzy/cli/package.json')), 'bin', 'ggzy.mjs');
const PASSWORD = 'Ggzy@2026';

async function asOwner(db: Database, statement: ReturnType<typeof sql>) {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(statement);
  });
}

describe('ggzy verify-log against a running platform', () => {
  let platform: RunningPlatform;
  let dataDir: string;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ggzy-cli-'));
    if (process.env.DATABASE_URL) database = await createTestDatabase({ max: 1 });
    const config = loadConfig({
      DATA_DIR: dataDir,
      API_PORT: '0',
      SEED_DEMO: 'true',
      SEQUENCER_INTERVAL_MS: '60000',
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
    });
    platform = await startPlatform(config, pino({ level: 'silent' }));
    // Some history: sign-ins and a failed one, as over the real HTTP API.
    for (const username of ['bidder1', 'centre', 'tenderer', 'expert2']) {
      await connect(platform.url).auth.login.mutate({ username, password: PASSWORD });
    }
    await connect(platform.url).auth.login.mutate({ username: 'bidder1', password: 'wrong' }).catch(() => {});
    await sequenceAll(platform.services.db, platform.services.signer);
  });

  afterAll(async () => {
    await platform?.close();
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('verifies an untouched log and remembers what it saw', async () => {
    const state = join(dataDir, 'verifier-state.json');
    const result = await verifyRemoteLog({ url: platform.url, username: 'supervisor', password: PASSWORD, state });
    expect(result.report).toMatchObject({ ok: true, problems: [] });
    expect(result.report.entriesChecked).toBeGreaterThanOrEqual(6);
    expect(formatReport(result)).toContain('✓ 追溯日志完整');
  });

  it('runs as the `ggzy` command and exits 0 on an intact log', async () => {
    await sequenceAll(platform.services.db, platform.services.signer);
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'verify-log', '--url', platform.url], {
      env: { ...process.env, GGZY_PASSWORD: PASSWORD },
    });
    expect(stdout).toMatch(/✓ 追溯日志完整：已核验 \d+ 条记录/);
  });

  it('refuses a reader without the permission, with the platform’s message', async () => {
    await expect(verifyRemoteLog({ url: platform.url, username: 'bidder1', password: PASSWORD })).rejects.toThrow(
      /没有权限执行此操作.*read:trace:any/,
    );
  });

  it('reports edited, deleted and reordered rows by index, and exits 1', async () => {
    await sequenceAll(platform.services.db, platform.services.signer);
    const db = platform.services.db;
    await asOwner(db, sql`update trace_entry set ip = '10.0.0.1' where seq = 2`);
    await asOwner(db, sql`delete from trace_entry where seq = 4`);
    await asOwner(db, sql`update trace_entry set seq = -1 where seq = 0`);
    await asOwner(db, sql`update trace_entry set seq = 0 where seq = 1`);
    await asOwner(db, sql`update trace_entry set seq = 1 where seq = -1`);

    const result = await verifyRemoteLog({ url: platform.url, username: 'supervisor', password: PASSWORD });
    expect(result.report.ok).toBe(false);
    const pinned = result.report.problems.filter((p) => p.index !== undefined).map((p) => `${p.kind}@${p.index}`);
    expect(pinned).toEqual(expect.arrayContaining(['altered@0', 'altered@1', 'altered@2', 'missing@4']));

    const run = promisify(execFile)(process.execPath, [BIN, 'verify-log', '--url', platform.url, '--password', PASSWORD]);
    await expect(run).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/\[missing\] entry 4/) });
  });
});
