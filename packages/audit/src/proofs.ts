import { and, desc, eq, executeRows, gt, gte, lte, or, sql, traceCheckpoint, traceNode, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import {
  consistencyProofRanges,
  hashOfRange,
  inclusionProofRanges,
  perfectNodesOfRange,
  toHex,
  type Hash,
  type NodeId,
  type Range,
} from './merkle';

export interface StoredCheckpoint {
  size: number;
  root: string;
  note: string;
  createdAt: Date;
}

function toStored(row: typeof traceCheckpoint.$inferSelect): StoredCheckpoint {
  return { size: row.size, root: toHex(row.rootHash), note: row.note, createdAt: row.createdAt };
}

/** The latest signed checkpoint, or the one of the given size. */
export async function getCheckpoint(db: Database, size?: number): Promise<StoredCheckpoint | null> {
  const rows =
    size === undefined
      ? await db.select().from(traceCheckpoint).orderBy(desc(traceCheckpoint.size)).limit(1)
      : await db.select().from(traceCheckpoint).where(eq(traceCheckpoint.size, size));
  return rows[0] ? toStored(rows[0]) : null;
}

export async function listCheckpoints(
  db: Database,
  options: { fromSize?: number; toSize?: number; limit: number },
): Promise<StoredCheckpoint[]> {
  const rows = await db
    .select()
    .from(traceCheckpoint)
    .where(and(gte(traceCheckpoint.size, options.fromSize ?? 0), lte(traceCheckpoint.size, options.toSize ?? Number.MAX_SAFE_INTEGER)))
    .orderBy(traceCheckpoint.size)
    .limit(options.limit);
  return rows.map(toStored);
}

async function fetchNodes(db: Database, ids: NodeId[]): Promise<Map<string, Hash>> {
  const found = new Map<string, Hash>();
  if (ids.length === 0) return found;
  const rows = await db
    .select()
    .from(traceNode)
    .where(or(...ids.map((id) => and(eq(traceNode.level, id.level), eq(traceNode.index, id.index)))));
  for (const row of rows) found.set(`${row.level}:${row.index}`, row.hash);
  return found;
}

async function hashesOfRanges(db: Database, ranges: Range[]): Promise<string[]> {
  const needed = ranges.flatMap(([start, end]) => perfectNodesOfRange(start, end));
  const nodes = await fetchNodes(db, needed);
  return ranges.map(([start, end]) =>
    toHex(
      hashOfRange(start, end, (id) => {
        const hash = nodes.get(`${id.level}:${id.index}`);
        if (!hash) throw new AppError('INTERNAL', { zh: '默克尔树节点缺失', en: `Merkle node ${id.level}:${id.index} is missing` });
        return hash;
      }),
    ),
  );
}

async function requireCheckpoint(db: Database, size: number): Promise<StoredCheckpoint> {
  const checkpoint = await getCheckpoint(db, size);
  if (!checkpoint) {
    throw new AppError('NOT_FOUND', {
      zh: `没有规模为 ${size} 的已签名检查点`,
      en: `There is no signed checkpoint of size ${size}`,
    });
  }
  return checkpoint;
}

/** An inclusion proof of leaf `index` in the tree of a signed checkpoint (the latest by default). */
export async function getInclusionProof(db: Database, options: { index: number; size?: number }) {
  const checkpoint = options.size === undefined ? await getCheckpoint(db) : await requireCheckpoint(db, options.size);
  if (!checkpoint || options.index >= checkpoint.size) {
    throw new AppError('NOT_FOUND', {
      zh: `第 ${options.index} 条记录尚未纳入已签名的检查点`,
      en: `Entry ${options.index} is not yet covered by a signed checkpoint`,
    });
  }
  const [leaf] = await hashesOfRanges(db, [[options.index, options.index + 1]]);
  const proof = await hashesOfRanges(db, inclusionProofRanges(options.index, checkpoint.size));
  return { index: options.index, leafHash: leaf!, proof, checkpoint };
}

/**
 * The inclusion proof of entry `index` under the first signed checkpoint that covers it: the one the
 * sequencer signed when it placed the entry (same transaction), so asking again later gives the same
 * answer. A receipt carries it (docs/trace-log.md, receipts as witnesses). Null when the entry has no
 * checkpoint yet.
 */
export async function getFirstInclusionProof(db: Database, index: number) {
  const [row] = await db.select().from(traceCheckpoint).where(gt(traceCheckpoint.size, index)).orderBy(traceCheckpoint.size).limit(1);
  if (!row) return null;
  const checkpoint = toStored(row);
  const [leaf, ...proof] = await hashesOfRanges(db, [[index, index + 1], ...inclusionProofRanges(index, checkpoint.size)]);
  return { index, leafHash: leaf!, proof, checkpoint };
}

/**
 * A consistency proof from the tree of size `size1` to the signed checkpoint of size `size2`. The
 * smaller size need not have a checkpoint of its own (a verifier may remember any size, e.g. from a
 * receipt): `first` is then null, and the proof is checked against the root the verifier holds.
 */
export async function getConsistencyProof(db: Database, options: { size1: number; size2: number }) {
  if (options.size1 > options.size2) {
    throw new AppError('INVALID_INPUT', {
      zh: '第一个检查点不能大于第二个',
      en: 'The first checkpoint cannot be larger than the second',
    });
  }
  const second = await requireCheckpoint(db, options.size2);
  const first = await getCheckpoint(db, options.size1);
  const proof = await hashesOfRanges(db, consistencyProofRanges(options.size1, options.size2));
  return { first, second, proof };
}

/** Current number of sequenced entries and of entries still waiting for the sequencer. */
export async function getTraceStatus(db: Database) {
  const [row] = await executeRows<{ sequenced: string; pending: string }>(db, sql`
    select (select size from trace_tree_head where id = 1)::text as sequenced,
           (select count(*) from trace_entry where seq is null)::text as pending`);
  return { sequenced: Number(row?.sequenced ?? 0), pending: Number(row?.pending ?? 0) };
}
