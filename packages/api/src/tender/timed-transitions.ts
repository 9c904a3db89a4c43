import { appendTrace } from '@ggzy/audit';
import { and, bid, eq, executeRows, lte, objection, section, sql, type Database } from '@ggzy/db';
import { MINIMUM_BIDS, nextSectionState } from '@ggzy/domain';
import { openHall, publishFailureNotice } from '../opening/open-hall';
import { closeDueWindows } from '../opening/window-close';

/** A section's deadline taken (`from` → `to`), or an opening hall's decryption window closed (`to: 'window-closed'`, with the bids still sealed). */
export type TimedTransition = { sectionId: string; from: string; to: string; sealed?: string[] };

/**
 * Takes the transitions that fall due at a time (the bid deadline), from the database clock, exactly
 * once: each due section is locked (`FOR UPDATE SKIP LOCKED`, so several API processes share the work
 * without taking the same one), its state is re-read under the lock, and the state change and its
 * trace entry commit together. A process killed mid-way leaves the section as it was, and the next
 * run (in any process) takes it. A section that opens gets its opening hall, one that fails its
 * failure notice, in the same transaction (opening/open-hall.ts).
 *
 * Then, in a transaction of its own and under the same rules, the opening halls whose decryption
 * window is over are recorded as closed, once each (opening/window-close.ts).
 */
export async function takeDueTransitions(db: Database, options: { limit?: number } = {}): Promise<TimedTransition[]> {
  const deadlines = await takeDueDeadlines(db, options);
  const windows = await db.transaction((tx) => closeDueWindows(tx, options));
  return [...deadlines, ...windows.map((w) => ({ sectionId: w.sectionId, from: 'decrypting', to: 'window-closed', sealed: w.sealed.map((b) => b.organisationId) }))];
}

async function takeDueDeadlines(db: Database, options: { limit?: number }): Promise<TimedTransition[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: section.id, state: section.state, deadline: section.deadline })
      .from(section)
      .where(and(eq(section.state, 'announced'), lte(section.deadline, sql`now()`)))
      .orderBy(section.deadline)
      .limit(options.limit ?? 100)
      .for('update', { skipLocked: true });
    const taken: Array<{ sectionId: string; from: string; to: string }> = [];
    for (const row of due) {
      const [open] = await executeRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from ${objection} where ${objection.sectionId} = ${row.id} and ${objection.answeredAt} is null`,
      );
      // The bids that stand, counted under the section's row lock: a submit takes the same lock, so
      // every submit either committed before this count (and is in it) or finds the section closed.
      // Uploads that were never submitted, and withdrawn bids, do not count (docs/sealed-bids.md §7).
      const [counted] = await executeRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from ${bid} where ${bid.sectionId} = ${row.id} and ${bid.status} = 'submitted'`,
      );
      const bids = counted?.n ?? 0;
      const next = nextSectionState(row.state, { type: 'deadline', bids, objectionsOpen: open?.n ?? 0 });
      if (next === null) continue; // held by an open objection (实施条例 art. 22)
      const reason = next === 'failed' ? `投标人少于${MINIMUM_BIDS}个，依法不予开标（实施条例第四十四条）/ fewer than ${MINIMUM_BIDS} bids: no opening (Implementing Regulations art. 44)` : null;
      await tx.update(section).set({ state: next, stateReason: reason, stateChangedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(section.id, row.id));
      await appendTrace(tx, { actorName: 'system' }, {
        action: 'section.deadline',
        targetType: 'section',
        targetId: row.id,
        details: { from: row.state, to: next, deadline: row.deadline.toISOString(), bids: String(bids) },
      });
      // In the same transaction: the opening hall (招标投标法 art. 34: the opening is at the deadline),
      // or the published failure notice naming the rule (docs/opening-hall.md §2).
      if (next === 'opening') await openHall(tx, row.id);
      else await publishFailureNotice(tx, row.id, bids);
      taken.push({ sectionId: row.id, from: row.state, to: next });
    }
    return taken;
  });
}
