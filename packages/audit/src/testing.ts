import { executeRows, sql, type Database } from '@ggzy/db';
import { CompactTree, fromHex, toHex } from './merkle';
import { listSequencedEntries } from './entries';
import { listCheckpoints } from './proofs';
import type { LogSource } from './verify';

/** A LogSource reading straight from a database (tests and benchmarks; the CLI reads over HTTP). */
export function databaseLogSource(db: Database): LogSource {
  return {
    async checkpoints() {
      const notes: string[] = [];
      for (let from = 0; ; ) {
        const page = await listCheckpoints(db, { fromSize: from, limit: 5000 });
        notes.push(...page.map((c) => c.note));
        if (page.length < 5000) return notes;
        from = page.at(-1)!.size + 1;
      }
    },
    entries: (fromSeq, limit) => listSequencedEntries(db, { fromSeq, limit }),
  };
}

/**
 * The attack of issue 10 point 2, as the database owner (triggers off): empties the trace log and
 * inserts its history again, edited (ids and times kept, as a careful forger would), unsequenced, so that the platform's own sequencer, key untouched,
 * signs fresh checkpoints over it. `drop`: the seq of an entry left out; `blame`: an entry whose actor
 * is replaced by another account's.
 */
export async function rewriteHistory(
  db: Database,
  edit: { drop?: number; blame?: { seq: number; actorName: string; actorId?: string | null } },
): Promise<void> {
  const drop = edit.drop ?? -1;
  const blameSeq = edit.blame?.seq ?? -1;
  const blameName = edit.blame?.actorName ?? null;
  const blameId = edit.blame?.actorId ?? null;
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(sql`create temp table rewritten on commit drop as select * from trace_entry where seq is not null order by seq`);
    await tx.execute(sql`delete from trace_checkpoint`);
    await tx.execute(sql`delete from trace_node`);
    await tx.execute(sql`delete from trace_entry where seq is not null`);
    await tx.execute(sql`update trace_tree_head set size = 0, frontier = '[]'::jsonb where id = 1`);
    await tx.execute(sql`
      insert into trace_entry (id, at, actor_id, actor_name, organisation_id, role, action, outcome, target_type,
                               target_id, request_id, ip, user_agent, digests, details)
      overriding system value
      select id, at,
             case when seq = ${blameSeq} then ${blameId}::uuid else actor_id end,
             case when seq = ${blameSeq} then ${blameName}::text else actor_name end,
             organisation_id, role, action, outcome, target_type, target_id, request_id, ip, user_agent, digests, details
        from rewritten where seq <> ${drop} order by seq`);
  });
}

/**
 * A shrink, as the database owner would do it carefully (or by restoring an old backup of the
 * trace tables): every entry from `size` on, every checkpoint larger than `size` and every tree node
 * reaching past it are deleted, and the tree head is set back, so that the platform's sequencer goes
 * on from `size` as if the rest had never been.
 */
export async function truncateHistory(db: Database, size: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    const rows = await executeRows<{ h: string }>(tx, sql`select encode(leaf_hash, 'hex') as h from trace_entry where seq < ${size} order by seq`);
    if (rows.length !== size) throw new RangeError(`the log has ${rows.length} entries below ${size}`);
    const tree = new CompactTree();
    for (const row of rows) tree.append(fromHex(row.h));
    await tx.execute(sql`delete from trace_checkpoint where size > ${size}`);
    await tx.execute(sql`delete from trace_entry where seq >= ${size}`);
    await tx.execute(sql`delete from trace_node where (index + 1) * power(2, level)::bigint > ${size}`);
    await tx.execute(sql`update trace_tree_head set size = ${size}, frontier = ${JSON.stringify(tree.hashes.map(toHex))}::jsonb where id = 1`);
  });
}
