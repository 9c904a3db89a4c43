import { and, asc, desc, eq, gte, ilike, lt, lte, sql, traceEntry, type Database, type SQL } from '@ggzy/db';
import type { TraceLeafEntry } from './leaf';
import { toHex } from './merkle';
import { rowToLeafEntry } from './row';

export interface SequencedEntry extends TraceLeafEntry {
  leafHash: string;
}

/** Sequenced entries in tree order, for verifiers: [fromSeq, fromSeq + limit). */
export async function listSequencedEntries(db: Database, options: { fromSeq: number; limit: number }): Promise<SequencedEntry[]> {
  const rows = await db
    .select()
    .from(traceEntry)
    .where(and(gte(traceEntry.seq, options.fromSeq), lt(traceEntry.seq, options.fromSeq + options.limit)))
    .orderBy(asc(traceEntry.seq));
  return rows.map((row) => ({
    ...rowToLeafEntry({ ...row, seq: row.seq! }),
    leafHash: row.leafHash ? toHex(row.leafHash) : '',
  }));
}

export interface TraceSearch {
  actor?: string | undefined;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Continue after this insertion id (newest first). */
  beforeId?: number | undefined;
  limit: number;
}

export interface SearchedEntry extends Omit<TraceLeafEntry, 'seq'> {
  seq: number | null;
}

/** Entries matching the filters, newest first, including those not yet sequenced (seq null). */
export async function searchTraceEntries(db: Database, search: TraceSearch): Promise<SearchedEntry[]> {
  const filters: SQL[] = [];
  if (search.actor) {
    const pattern = `%${search.actor.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    filters.push(sql`(${traceEntry.actorName} ilike ${pattern} or ${traceEntry.actorId}::text = ${search.actor})`);
  }
  if (search.action) filters.push(ilike(traceEntry.action, `${search.action.replace(/[%_\\]/g, (c) => `\\${c}`)}%`));
  if (search.targetType) filters.push(eq(traceEntry.targetType, search.targetType));
  if (search.targetId) filters.push(eq(traceEntry.targetId, search.targetId));
  if (search.from) filters.push(gte(traceEntry.at, search.from));
  if (search.to) filters.push(lte(traceEntry.at, search.to));
  if (search.beforeId !== undefined) filters.push(lt(traceEntry.id, search.beforeId));
  const rows = await db
    .select()
    .from(traceEntry)
    .where(filters.length ? and(...filters) : undefined)
    .orderBy(desc(traceEntry.id))
    .limit(search.limit);
  return rows.map((row) => ({ ...rowToLeafEntry({ ...row, seq: row.seq ?? -1 }), seq: row.seq }));
}

