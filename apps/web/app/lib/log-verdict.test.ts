/**
 * The browser's overall verdict on the trace log, over a real database: what the supervisor's viewer
 * (every entry) and the public /verify page (consistency proofs) conclude after the attacks of issue
 * 10 — a rewrite re-signed by the platform's own sequencer, a rollback, another key.
 */
import { appendTrace, createCheckpointSigner, getCheckpoint, getConsistencyProof, getTraceStatus, sequenceAll, type CheckpointSigner } from '@ggzy/audit';
import { databaseLogSource, rewriteHistory } from '@ggzy/audit/testing';
import { sql, type Database } from '@ggzy/db';
import { createTestDatabase, type TestDatabase } from '@ggzy/db/testing';
import { isAppError } from '@ggzy/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkLatestCheckpoint, checkWholeLog, firstDifference, loadRemembered, type CheckDependencies, type LogMemory } from './log-verdict';

const origin = 'ggzy.test/trace-log';
const signer = createCheckpointSigner({ origin, seed: new Uint8Array(32).fill(3) });
const other = createCheckpointSigner({ origin, seed: new Uint8Array(32).fill(9) });

async function append(db: Database, count: number, by: CheckpointSigner = signer) {
  for (let n = 0; n < count; n++) {
    await appendTrace(db, { actorName: `user${n % 3}`, role: 'centre', ip: '127.0.0.1' }, { action: 'test.step', targetType: 'thing', targetId: String(n) });
  }
  await sequenceAll(db, by);
}

/** The platform as the browser reaches it, serving whatever the database holds, and advertising `advertised`'s key. */
function dependencies(db: Database, memory: LogMemory, advertised: CheckpointSigner = signer): CheckDependencies {
  return {
    memory,
    endpoint: {
      ...databaseLogSource(db),
      async status() {
        const [status, latest] = await Promise.all([getTraceStatus(db), getCheckpoint(db)]);
        return { ...status, origin, verifierKey: advertised.verifierKey, checkpoint: latest ? { note: latest.note } : null };
      },
      async consistencyProof(size1, size2) {
        try {
          return (await getConsistencyProof(db, { size1, size2 })).proof;
        } catch (error) {
          if (isAppError(error) && error.code === 'NOT_FOUND') return null;
          throw error;
        }
      },
    },
  };
}

function memoryStore(): LogMemory & { text: string | null } {
  const store = {
    text: null as string | null,
    read: () => store.text,
    write: (text: string) => {
      store.text = text;
    },
  };
  return store;
}

describe('the overall verdict against what this browser remembers', () => {
  let t: TestDatabase;
  let memory: ReturnType<typeof memoryStore>;
  beforeEach(async () => {
    t = await createTestDatabase();
    memory = memoryStore();
    await append(t.db, 12);
  });
  afterEach(async () => {
    await t.close();
  });

  it('is intact on the first visit, pins the key, and remembers the checkpoint with leaf prefixes', async () => {
    const verdict = await checkWholeLog(dependencies(t.db, memory));
    expect(verdict).toMatchObject({ state: 'intact', size: 12, firstVisit: true, key: signer.verifierKey, keySource: 'first-visit' });
    const remembered = loadRemembered(memory)!;
    expect(remembered).toMatchObject({ key: signer.verifierKey, checkpoint: { size: 12 } });
    expect(remembered.leafPrefixes).toHaveLength(12 * 8);
    await append(t.db, 3);
    expect(await checkLatestCheckpoint(dependencies(t.db, memory))).toMatchObject({ state: 'intact', size: 15, firstVisit: false, remembered: { size: 12 } });
    expect(await checkWholeLog(dependencies(t.db, memory))).toMatchObject({ state: 'intact', size: 15, remembered: { size: 15 } });
  });

  it('names the fork at its first index after a rewrite re-signed by the platform’s own sequencer', async () => {
    await checkWholeLog(dependencies(t.db, memory));
    // The public page moved the remembered checkpoint on (without leaf prefixes past 12).
    await append(t.db, 2);
    expect(await checkLatestCheckpoint(dependencies(t.db, memory))).toMatchObject({ state: 'intact', size: 14 });
    await rewriteHistory(t.db, { drop: 9, blame: { seq: 5, actorName: 'someone else' } });
    await sequenceAll(t.db, signer);
    await append(t.db, 3);

    const viewer = await checkWholeLog(dependencies(t.db, memory));
    expect(viewer).toMatchObject({ state: 'broken', remembered: { size: 14 } });
    expect(viewer.state === 'broken' && viewer.problems).toEqual([expect.objectContaining({ kind: 'fork', index: 5, size: 14 })]);
    // A red verdict does not move what is remembered: the next visit is red too.
    expect(loadRemembered(memory)!.checkpoint).toMatchObject({ size: 14 });
    const publicPage = await checkLatestCheckpoint(dependencies(t.db, memory));
    expect(publicPage.state === 'broken' && publicPage.problems.map((p) => p.kind)).toEqual(['fork']);
  });

  it('names a shrink and a rollback when the log was cut back', async () => {
    await checkWholeLog(dependencies(t.db, memory));
    await rewriteHistory(t.db, { drop: 11 });
    await sequenceAll(t.db, signer);
    const viewer = await checkWholeLog(dependencies(t.db, memory));
    expect(viewer.state === 'broken' && viewer.problems.map((p) => p.kind).sort()).toEqual(['rollback', 'shrink']);
    const publicPage = await checkLatestCheckpoint(dependencies(t.db, memory));
    expect(publicPage.state === 'broken' && publicPage.problems.map((p) => [p.kind, p.index])).toEqual([
      ['shrink', 11],
      ['rollback', 11],
    ]);
  });

  it('names a rollback when newer checkpoints were deleted', async () => {
    await append(t.db, 4);
    await checkLatestCheckpoint(dependencies(t.db, memory));
    await t.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`delete from trace_checkpoint where size = 16`);
    });
    const verdict = await checkLatestCheckpoint(dependencies(t.db, memory));
    expect(verdict.state === 'broken' && verdict.problems).toEqual([expect.objectContaining({ kind: 'rollback', index: 12, size: 16 })]);
  });

  it('refuses a log signed by another key than the pinned one, though the platform now advertises that key', async () => {
    await checkWholeLog(dependencies(t.db, memory));
    await rewriteHistory(t.db, {});
    await sequenceAll(t.db, other);
    const viewer = await checkWholeLog(dependencies(t.db, memory, other));
    expect(viewer).toMatchObject({ state: 'broken', key: signer.verifierKey });
    expect(viewer.state === 'broken' && viewer.problems[0]!.kind).toBe('wrong-key');
    const publicPage = await checkLatestCheckpoint(dependencies(t.db, memory, other));
    expect(publicPage.state === 'broken' && publicPage.problems.map((p) => p.kind)).toEqual(['wrong-key']);
  });

  it('pins the build’s key over the one the platform advertises on the first visit', async () => {
    const verdict = await checkLatestCheckpoint({ ...dependencies(t.db, memory, other), buildKey: signer.verifierKey });
    expect(verdict).toMatchObject({ state: 'intact', key: signer.verifierKey, keySource: 'build' });
    const wrong = await checkLatestCheckpoint({ ...dependencies(t.db, memoryStore(), signer), buildKey: other.verifierKey });
    expect(wrong.state === 'broken' && wrong.problems.map((p) => p.kind)).toEqual(['wrong-key']);
  });
});

describe('firstDifference', () => {
  it('finds the first leaf whose remembered prefix differs, within the remembered size', () => {
    const hashes = ['aa'.repeat(32), 'bb'.repeat(32), 'cc'.repeat(32)];
    const prefixes = hashes.map((h) => h.slice(0, 8)).join('');
    expect(firstDifference(prefixes, hashes, 3)).toBeUndefined();
    expect(firstDifference(prefixes, [hashes[0]!, 'dd'.repeat(32), hashes[2]!], 3)).toBe(1);
    expect(firstDifference(prefixes, [hashes[0]!, hashes[1]!, 'dd'.repeat(32)], 2)).toBeUndefined();
  });
});
