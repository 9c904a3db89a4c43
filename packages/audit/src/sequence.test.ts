import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql, traceEntry, type Database } from '@ggzy/db';
import { createTestDatabase, type TestDatabase } from '@ggzy/db/testing';
import { appendTrace } from './append';
import { createCheckpointSigner, openCheckpoint, parseVerifierKey } from './checkpoint';
import { listSequencedEntries } from './entries';
import { getConsistencyProof, getFirstInclusionProof, getInclusionProof, getTraceStatus } from './proofs';
import { sequenceTrace } from './sequence';
import { databaseLogSource } from './testing';
import { verifyLog } from './verify';
import { fromHex, rootOfLeafHashes, verifyConsistency, verifyInclusion } from './merkle';

const signer = createCheckpointSigner({ origin: 'ggzy.test/trace-log', seed: new Uint8Array(32).fill(3) });
const key = parseVerifierKey(signer.verifierKey);

/** 50 entries sequenced in batches of 10, so there are checkpoints at 10, 20, …, 50. */
async function fillLog(db: Database) {
  for (let batch = 0; batch < 5; batch++) {
    for (let i = 0; i < 10; i++) {
      const n = batch * 10 + i;
      await appendTrace(
        db,
        { actorName: `user${n % 3}`, role: 'centre', ip: '127.0.0.1', requestId: `r${n}` },
        { action: 'test.step', targetType: 'thing', targetId: String(n), digests: { after: 'ab'.repeat(32) } },
      );
    }
    await sequenceTrace(db, signer);
  }
}

/** As the database owner: with triggers off, as someone with full access to the database would. */
async function asOwner(db: Database, statement: ReturnType<typeof sql>) {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(statement);
  });
}

const verify = (db: Database) => verifyLog(databaseLogSource(db), { key, origin: 'ggzy.test/trace-log' });

describe('trace log: sequencer, proofs and the offline verifier', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase();
    await fillLog(t.db);
  });
  afterEach(async () => {
    await t.close();
  });

  it('sequences entries, signs checkpoints, and serves proofs that verify offline', async () => {
    expect(await getTraceStatus(t.db)).toEqual({ sequenced: 50, pending: 0 });
    const report = await verify(t.db);
    expect(report).toMatchObject({ ok: true, size: 50, entriesChecked: 50, checkpointsChecked: 5, problems: [] });

    const inclusion = await getInclusionProof(t.db, { index: 37 });
    const checkpoint = openCheckpoint(inclusion.checkpoint.note, key);
    expect(verifyInclusion(37, checkpoint.size, fromHex(inclusion.leafHash), inclusion.proof.map(fromHex), checkpoint.root)).toBe(true);

    const consistency = await getConsistencyProof(t.db, { size1: 20, size2: 50 });
    const first = openCheckpoint(consistency.first!.note, key);
    const second = openCheckpoint(consistency.second.note, key);
    expect(verifyConsistency(20, 50, first.root, second.root, consistency.proof.map(fromHex))).toBe(true);

    // The first checkpoint covering an entry is the one its sequencer run signed (what a receipt carries).
    const firstInclusion = (await getFirstInclusionProof(t.db, 37))!;
    expect(firstInclusion.checkpoint.size).toBe(40);
    const forty = openCheckpoint(firstInclusion.checkpoint.note, key);
    expect(verifyInclusion(37, 40, fromHex(firstInclusion.leafHash), firstInclusion.proof.map(fromHex), forty.root)).toBe(true);
    expect(await getFirstInclusionProof(t.db, 50)).toBeNull();

    // A consistency proof also starts from a size without a checkpoint of its own.
    const leaves = (await listSequencedEntries(t.db, { fromSeq: 0, limit: 23 })).map((e) => fromHex(e.leafHash));
    const fromUnsigned = await getConsistencyProof(t.db, { size1: 23, size2: 50 });
    expect(fromUnsigned.first).toBeNull();
    expect(verifyConsistency(23, 50, rootOfLeafHashes(leaves), second.root, fromUnsigned.proof.map(fromHex))).toBe(true);
  });

  it('reports an edited entry by its index', async () => {
    await asOwner(t.db, sql`update trace_entry set actor_name = 'someone else' where seq = 17`);
    const report = await verify(t.db);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'altered', index: 17 })]);
  });

  it('reports a deleted entry by its index, in the middle and at the end', async () => {
    await asOwner(t.db, sql`delete from trace_entry where seq in (23, 49)`);
    const report = await verify(t.db);
    expect(report.problems.filter((p) => p.kind === 'missing').map((p) => p.index)).toEqual([23, 49]);
  });

  it('reports reordered entries by their indices', async () => {
    await asOwner(t.db, sql`update trace_entry set seq = -1 where seq = 5`);
    await asOwner(t.db, sql`update trace_entry set seq = 5 where seq = 9`);
    await asOwner(t.db, sql`update trace_entry set seq = 9 where seq = -1`);
    const report = await verify(t.db);
    // Both moved entries are pinned; the moved rows' recorded hashes then also break the signed root.
    expect(report.problems.filter((p) => p.index !== undefined).map((p) => [p.kind, p.index])).toEqual([
      ['altered', 5],
      ['altered', 9],
    ]);
    expect(report.problems.at(-1)).toMatchObject({ kind: 'root-mismatch', range: [0, 9] });
  });

  it('reports an inserted entry at the index where it was put', async () => {
    await asOwner(t.db, sql`update trace_entry set seq = seq + 1000 where seq >= 20`);
    await asOwner(t.db, sql`update trace_entry set seq = seq - 999 where seq >= 1000`);
    await asOwner(
      t.db,
      sql`insert into trace_entry (seq, leaf_hash, action) values (20, decode(repeat('00', 32), 'hex'), 'test.forged')`,
    );
    const report = await verify(t.db);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ kind: 'altered', index: 20 });
  });

  it('catches an edit even when the stored leaf hash is rewritten to match, within the checkpoint that covers it', async () => {
    const [row] = await t.db.select().from(traceEntry).where(sql`seq = 33`);
    await asOwner(t.db, sql`update trace_entry set action = 'test.rewritten' where seq = 33`);
    // Recompute the leaf hash as a careful forger would (with the same code the platform uses).
    const { leafHashOfEntry } = await import('./leaf');
    const { rowToLeafEntry } = await import('./row');
    const forged = leafHashOfEntry(rowToLeafEntry({ ...row!, action: 'test.rewritten', seq: 33 }));
    await asOwner(t.db, sql`update trace_entry set leaf_hash = ${Buffer.from(forged)} where seq = 33`);
    const report = await verify(t.db);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'root-mismatch', range: [30, 39] })]);
  });

  it('refuses a rolled-back log against a checkpoint seen before', async () => {
    const before = await verify(t.db);
    await asOwner(t.db, sql`delete from trace_checkpoint where size > 30`);
    await asOwner(t.db, sql`delete from trace_entry where seq >= 30`);
    const report = await verifyLog(databaseLogSource(t.db), { key, previous: { size: before.size, root: before.root! } });
    expect(report.problems.map((p) => p.kind)).toEqual(['rollback', 'shrink']);
  });
});
