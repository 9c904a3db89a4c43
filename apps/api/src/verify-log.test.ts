/** `ggzy verify-log` (packages/cli) against this API server, started for real. */
import { createCheckpointSigner, sequenceAll } from '@ggzy/audit';
import { rewriteHistory, truncateHistory } from '@ggzy/audit/testing';
import { connect, formatReport, verifyRemoteLog } from '@ggzy/cli';
import { executeRows, sql, type Database } from '@ggzy/db';
import { createTestDatabase, type TestDatabase } from '@ggzy/db/testing';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { startPlatform, type RunningPlatform } from './platform';

/** The installed `ggzy` command of the CLI package. */
const BIN = process.env.GGZY_TEST_CLI ?? join(dirname(createRequire(import.meta.url).resolve('@ggzy/cli/package.json')), 'bin', 'ggzy.mjs');
const PASSWORD = 'Ggzy@2026';

async function asOwner(db: Database, statement: ReturnType<typeof sql>) {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(statement);
  });
}

/** Runs the installed `ggzy` command; never throws on a non-zero exit. */
async function ggzy(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, GGZY_PASSWORD: PASSWORD } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
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

  /**
   * The attacks of issue 10 point 2, as the database owner while the platform runs with its
   * checkpoint key untouched: each leaves a log that verifies on its own (the platform's sequencer
   * signs it), and each is named by a verifier that remembers what it saw (`--state`).
   */
  describe('with --state, a history rewritten by the database owner', () => {
    const sequenceNow = () => platform.services.sequenceNow();
    const remember = async (name: string) => {
      await sequenceNow();
      const state = join(dataDir, `${name}-state.json`);
      const first = await ggzy('verify-log', '--url', platform.url, '--state', state);
      expect(first, first.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('已记住此检查点') });
      const saved = await readFile(state, 'utf8');
      // The verifier's own sign-in and reads are appended after what it verified.
      await sequenceNow();
      return { state, saved, size: (JSON.parse(saved) as { size: number }).size };
    };

    it('names the fork at its first index after the log was emptied and an edited history re-signed by the platform', async () => {
      const { state, saved, size } = await remember('rewrite');
      const db = platform.services.db;
      const entries = await executeRows<{ seq: string; action: string; actor_name: string | null }>(
        db,
        sql`select seq::text, action, actor_name from trace_entry where seq < ${size} order by seq`,
      );
      // One entry left out (the failed sign-in), one blamed on another account (a sign-in of the centre).
      const drop = Number(entries.find((e) => e.action === 'auth.login.failed')!.seq);
      const blamed = Number(entries.findLast((e) => e.action === 'auth.login' && e.actor_name === 'centre')!.seq);
      const [other] = await executeRows<{ id: string }>(db, sql`select id from account where username = 'expert2'`);
      await rewriteHistory(db, { drop, blame: { seq: blamed, actorName: 'expert2', actorId: other!.id } });
      await sequenceNow();

      // Without a memory, the rewritten log looks intact: every checkpoint is the platform's own.
      expect((await verifyRemoteLog({ url: platform.url, username: 'supervisor', password: PASSWORD })).report).toMatchObject({ ok: true });
      const run = await ggzy('verify-log', '--url', platform.url, '--state', state);
      expect(run.code).toBe(3);
      expect(run.stdout).not.toContain('✓ 追溯日志完整');
      expect(run.stdout).toContain('追溯日志的历史被改写');
      expect(run.stdout).toMatch(new RegExp(`\\[fork\\] entry ${Math.min(drop, blamed)}: 分叉`));
      // The memory is kept as it was: the next run reports the fork again.
      expect(await readFile(state, 'utf8')).toBe(saved);
      expect((await ggzy('verify-log', '--url', platform.url, '--state', state)).code).toBe(3);
    });

    it('names a rollback when the latest checkpoints were deleted, and accepts the log once it is signed past them again', async () => {
      const { state, saved, size } = await remember('rollback');
      await asOwner(platform.services.db, sql`delete from trace_checkpoint where size >= ${size}`);
      const run = await ggzy('verify-log', '--url', platform.url, '--state', state);
      expect(run.code).toBe(3);
      expect(run.stdout).toMatch(/\[rollback\] entry \d+: 回滚/);
      expect(run.stdout).not.toMatch(/\[(fork|shrink)\]/);
      expect(await readFile(state, 'utf8')).toBe(saved);

      // The entries were all there: once the sequencer signs a larger checkpoint the log extends the memory.
      await sequenceNow();
      const healed = await ggzy('verify-log', '--url', platform.url, '--state', state);
      expect(healed, healed.stdout).toMatchObject({ code: 0, stdout: expect.stringContaining('延续上次核验的检查点') });
    });

    it('names checkpoints signed by another key than the one pinned in the state, and exits 4', async () => {
      const { state } = await remember('wrong-key');
      // As if the state had been made against another platform key (or the platform's key was swapped).
      const other = createCheckpointSigner({ origin: platform.services.signer.origin, seed: new Uint8Array(32).fill(42) });
      const pinned = JSON.parse(await readFile(state, 'utf8')) as { key: string };
      await writeFile(state, JSON.stringify({ ...pinned, key: other.verifierKey }));
      const run = await ggzy('verify-log', '--url', platform.url, '--state', state);
      expect(run.code).toBe(4);
      expect(run.stderr).toContain('平台公布的验证密钥与所信任的不同');
      expect(run.stdout).toMatch(/\[wrong-key\] entry \d+: 检查点由另一把密钥签名/);
      expect(run.stdout).not.toContain('✓ 追溯日志完整');
    });

    it('names a shrink when entries were deleted from the end with their checkpoints', async () => {
      const { state, saved, size } = await remember('shrink');
      const [row] = await executeRows<{ size: number }>(
        platform.services.db,
        sql`select max(size)::int as size from trace_checkpoint where size <= ${size - 5}`,
      );
      await truncateHistory(platform.services.db, row!.size);
      const run = await ggzy('verify-log', '--url', platform.url, '--state', state);
      expect(run.code).toBe(3);
      expect(run.stdout).toMatch(new RegExp(`\\[shrink\\] entry ${row!.size}: 缩短`));
      expect(run.stdout).toContain('[rollback]');
      expect(await readFile(state, 'utf8')).toBe(saved);
    });
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
