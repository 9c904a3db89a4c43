/**
 * A verifier that remembers a checkpoint (and the leaf hashes under it) catches a rewritten history
 * even when the platform's own sequencer, key untouched, signed fresh checkpoints over it (issue 10).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql, type Database } from '@ggzy/db';
import { createTestDatabase, type TestDatabase } from '@ggzy/db/testing';
import { appendTrace } from './append';
import { createCheckpointSigner, parseVerifierKey } from './checkpoint';
import { sequenceAll, sequenceTrace } from './sequence';
import { databaseLogSource, rewriteHistory, truncateHistory } from './testing';
import { verifyLog, type RememberedCheckpoint } from './verify';

const origin = 'ggzy.test/trace-log';
const signer = createCheckpointSigner({ origin, seed: new Uint8Array(32).fill(3) });
const key = parseVerifierKey(signer.verifierKey);

async function append(db: Database, from: number, count: number) {
  for (let n = from; n < from + count; n++) {
    await appendTrace(
      db,
      { actorName: `user${n % 3}`, role: 'centre', ip: '127.0.0.1', requestId: `r${n}` },
      { action: 'test.step', targetType: 'thing', targetId: String(n) },
    );
  }
  await sequenceTrace(db, signer);
}

async function asOwner(db: Database, statement: ReturnType<typeof sql>) {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(statement);
  });
}

describe('verifying against a remembered checkpoint', () => {
  let t: TestDatabase;
  let remembered: RememberedCheckpoint;
  beforeEach(async () => {
    t = await createTestDatabase();
    await append(t.db, 0, 12);
    await append(t.db, 12, 8);
    const first = await verifyLog(databaseLogSource(t.db), { key, origin, collectLeafHashes: true });
    expect(first).toMatchObject({ ok: true, size: 20 });
    expect(first.leafHashes).toHaveLength(20);
    remembered = { size: first.size, root: first.root!, leafHashes: first.leafHashes! };
  });
  afterEach(async () => {
    await t.close();
  });

  const verify = (previous: RememberedCheckpoint) => verifyLog(databaseLogSource(t.db), { key, origin, previous });

  it('accepts a log that extends the remembered checkpoint', async () => {
    await append(t.db, 20, 5);
    expect(await verify(remembered)).toMatchObject({ ok: true, size: 25, problems: [] });
  });

  it('names a fork at its first index after a rewrite re-signed by the platform’s own sequencer', async () => {
    await rewriteHistory(t.db, { drop: 7, blame: { seq: 11, actorName: 'someone else' } });
    await sequenceAll(t.db, signer);
    await append(t.db, 100, 3);
    // On its own, the rewritten log is consistent: every checkpoint is signed by the platform's key.
    expect(await verifyLog(databaseLogSource(t.db), { key, origin })).toMatchObject({ ok: true });
    const report = await verify(remembered);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'fork', index: 7 })]);
  });

  it('names a fork by the blamed entry when nothing was left out', async () => {
    await rewriteHistory(t.db, { blame: { seq: 11, actorName: 'someone else' } });
    await sequenceAll(t.db, signer);
    const report = await verify(remembered);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'fork', index: 11 })]);
  });

  it('still reports a fork without remembered leaf hashes, over the whole range', async () => {
    await rewriteHistory(t.db, { drop: 3 });
    await sequenceAll(t.db, signer);
    await append(t.db, 100, 2);
    const report = await verify({ size: remembered.size, root: remembered.root });
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'fork', range: [0, 19] })]);
  });

  it('names a shrink: the log now ends before the remembered size', async () => {
    await rewriteHistory(t.db, { drop: 19 });
    await sequenceAll(t.db, signer);
    const report = await verify(remembered);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'rollback', index: 19 }),
      expect.objectContaining({ kind: 'shrink', index: 19 }),
    ]);
  });

  it('names a shrink and a rollback after the log was set back to an older size, and a fork once it grew again', async () => {
    await truncateHistory(t.db, 12);
    // The truncated log is consistent on its own, and the platform's sequencer goes on from there.
    expect(await verifyLog(databaseLogSource(t.db), { key, origin })).toMatchObject({ ok: true, size: 12 });
    expect((await verify(remembered)).problems).toEqual([
      expect.objectContaining({ kind: 'rollback', index: 12 }),
      expect.objectContaining({ kind: 'shrink', index: 12 }),
    ]);
    await append(t.db, 200, 10);
    expect(await verifyLog(databaseLogSource(t.db), { key, origin })).toMatchObject({ ok: true, size: 22 });
    expect((await verify(remembered)).problems).toEqual([expect.objectContaining({ kind: 'fork', index: 12 })]);
  });

  it('names a rollback: the latest checkpoint is older than the remembered one, entries still there', async () => {
    await asOwner(t.db, sql`delete from trace_checkpoint where size = 20`);
    const report = await verify(remembered);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'rollback', index: 12 })]);
  });

  it('names a checkpoint signed by another key than the pinned one', async () => {
    const other = createCheckpointSigner({ origin, seed: new Uint8Array(32).fill(9) });
    await rewriteHistory(t.db, {});
    await sequenceAll(t.db, other);
    const report = await verify(remembered);
    expect(report.problems.map((p) => p.kind)).toEqual(['wrong-key', 'rollback']);
    expect(report.problems[0]!.message).toMatch(/signed by another key/);
  });
});
