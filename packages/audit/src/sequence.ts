import { asc, eq, isNull, sql, traceCheckpoint, traceEntry, traceNode, traceTreeHead, type Database } from '@ggzy/db';
import type { CheckpointSigner } from './checkpoint';
import { leafHashOfEntry } from './leaf';
import { CompactTree, fromHex, toHex, type Hash, type NodeId } from './merkle';
import { rowToLeafEntry } from './row';

export interface SequenceResult {
  /** Entries given a place in the tree by this run. */
  sequenced: number;
  /** Tree size after the run. */
  size: number;
  /** False when another process held the sequencer; nothing was done. */
  ran: boolean;
}

const INSERT_CHUNK = 2000;

/**
 * Gives committed, unsequenced trace entries their places in the Merkle tree, stores the perfect
 * nodes they complete, and signs a checkpoint of the new size. One transaction; across processes one
 * sequencer runs at a time (the head row is locked, others skip). Appends never wait on this: see
 * docs/decisions/002-trace-log.md.
 */
export async function sequenceTrace(
  db: Database,
  signer: CheckpointSigner,
  options: { batchSize?: number } = {},
): Promise<SequenceResult> {
  const batchSize = options.batchSize ?? 5000;
  return db.transaction(async (tx) => {
    const [head] = await tx
      .select()
      .from(traceTreeHead)
      .where(eq(traceTreeHead.id, 1))
      .for('update', { skipLocked: true });
    if (!head) return { sequenced: 0, size: -1, ran: false };

    const pending = await tx
      .select()
      .from(traceEntry)
      .where(isNull(traceEntry.seq))
      .orderBy(asc(traceEntry.id))
      .limit(batchSize);
    if (pending.length === 0) return { sequenced: 0, size: head.size, ran: true };

    const tree = new CompactTree(head.size, head.frontier.map(fromHex));
    const ids: string[] = [];
    const seqs: string[] = [];
    const hashes: string[] = [];
    const nodes: Array<NodeId & { hash: Hash }> = [];
    for (const row of pending) {
      const seq = tree.size;
      const leafHash = leafHashOfEntry(rowToLeafEntry({ ...row, seq }));
      ids.push(String(row.id));
      seqs.push(String(seq));
      hashes.push(toHex(leafHash));
      nodes.push(...tree.append(leafHash));
    }

    await tx.execute(sql`
      update trace_entry as t
         set seq = u.seq, leaf_hash = decode(u.h, 'hex')
        from unnest(${`{${ids.join(',')}}`}::bigint[], ${`{${seqs.join(',')}}`}::bigint[], ${`{${hashes.join(',')}}`}::text[])
             as u(id, seq, h)
       where t.id = u.id`);
    for (let i = 0; i < nodes.length; i += INSERT_CHUNK) {
      await tx.insert(traceNode).values(nodes.slice(i, i + INSERT_CHUNK));
    }
    const root = tree.root();
    await tx
      .update(traceTreeHead)
      .set({ size: tree.size, frontier: tree.hashes.map(toHex) })
      .where(eq(traceTreeHead.id, 1));
    await tx.insert(traceCheckpoint).values({ size: tree.size, rootHash: root, note: signer.sign(tree.size, root) });
    return { sequenced: pending.length, size: tree.size, ran: true };
  });
}

/** Sequences until nothing is pending (tests, benchmarks, shutdown). */
export async function sequenceAll(db: Database, signer: CheckpointSigner): Promise<number> {
  let size = 0;
  for (;;) {
    const result = await sequenceTrace(db, signer);
    size = result.size;
    if (result.ran && result.sequenced === 0) return size;
    if (!result.ran) await new Promise((r) => setTimeout(r, 20));
  }
}
