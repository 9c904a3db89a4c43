/**
 * The end of the decryption window as a timed event (docs/opening-hall.md §2a): "when the window
 * closes, bids that are still sealed are decided the same way, never silently" (issue 12, point 3).
 * Taken by the same sweep as the bid deadline (tender/timed-transitions.ts), from the database clock,
 * exactly once: each due hall is locked (`FOR UPDATE SKIP LOCKED`, so several API processes share the
 * work without taking the same hall) and `window_closed_at` is set only where it is still null. The
 * record of the close, its trace entry `hall.window.close` and the event `hall.windowClosed` (naming
 * every bid still sealed) commit together. From then on the host decides each still-sealed bid
 * (`hall.decide`), and the confirmation cannot open before every one is decided (confirm.ts).
 *
 * A hall paused before its window ended is not closed while it stands still: resuming lengthens the
 * window by the pause (host.ts). One paused after the end is closed all the same.
 */
import { appendTrace } from '@ggzy/audit';
import { and, asc, bidDecryption, eq, executeRows, inArray, organisation, sql, type Database } from '@ggzy/db';
import { publishHall } from './events';

export interface ClosedWindow {
  sectionId: string;
  endsAt: string;
  /** The bids still sealed when the window closed (waiting, or failed), which the host must decide. */
  sealed: Array<{ organisationId: string; name: string; state: 'waiting' | 'failed'; reason: string | null }>;
  /** Bids whose key arrived in time and whose decryption is still running: they finish on their own. */
  decrypting: string[];
}

const iso = (d: Date | string) => new Date(d).toISOString();

/** Closes every decryption window that is over (at most `limit`), in the caller's transaction. */
export async function closeDueWindows(tx: Database, options: { limit?: number } = {}): Promise<ClosedWindow[]> {
  const due = await executeRows<{ section_id: string; ends: Date | string }>(
    tx,
    sql`select section_id, decryption_ends_at as ends from opening_hall
        where state = 'decrypting' and window_closed_at is null and decryption_ends_at <= now()
          and (not paused or paused_at >= decryption_ends_at)
        order by decryption_ends_at
        limit ${options.limit ?? 100}
        for update skip locked`,
  );
  const closed: ClosedWindow[] = [];
  for (const hall of due) {
    // Re-checked by the update itself: another process that took this hall first has set it.
    const [marked] = await executeRows<{ at: Date | string }>(
      tx,
      sql`update opening_hall set window_closed_at = now(), updated_at = now()
          where section_id = ${hall.section_id} and window_closed_at is null and state = 'decrypting'
          returning window_closed_at as at`,
    );
    if (!marked) continue;
    const open = await tx
      .select({ organisationId: bidDecryption.organisationId, name: organisation.name, state: bidDecryption.state, reason: bidDecryption.reason })
      .from(bidDecryption)
      .innerJoin(organisation, eq(organisation.id, bidDecryption.organisationId))
      .where(and(eq(bidDecryption.sectionId, hall.section_id), inArray(bidDecryption.state, ['waiting', 'failed', 'decrypting'])))
      .orderBy(asc(organisation.name));
    const sealed = open
      .filter((b): b is typeof b & { state: 'waiting' | 'failed' } => b.state === 'waiting' || b.state === 'failed')
      .map((b) => ({ organisationId: b.organisationId, name: b.name, state: b.state, reason: b.reason }));
    const decrypting = open.filter((b) => b.state === 'decrypting').map((b) => b.organisationId);
    const endsAt = iso(hall.ends);
    await appendTrace(tx, { actorName: 'system' }, {
      action: 'hall.window.close',
      targetType: 'section',
      targetId: hall.section_id,
      details: {
        endsAt,
        closedAt: iso(marked.at),
        sealed: sealed.map((b) => `${b.organisationId}:${b.state}`).join(','),
        sealedCount: String(sealed.length),
        decrypting: decrypting.join(','),
      },
    });
    await publishHall(tx, hall.section_id, 'hall.windowClosed', { endsAt, closedAt: iso(marked.at), sealed, decrypting });
    closed.push({ sectionId: hall.section_id, endsAt, sealed, decrypting });
  }
  return closed;
}
