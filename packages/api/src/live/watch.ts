/**
 * TEMPORARY: a polling stand-in for the real watcher (LISTEN/NOTIFY, built on another branch with
 * exactly this signature; it replaces this file at merge). Reads the live_event table every 250 ms.
 */
import { and, asc, eq, gt, liveEvent, sql, type Database } from '@ggzy/db';
import type { LiveEvent } from './publish';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface LiveHub {}

const POLL_MS = 250;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Yields the events of `topic` with seq > `after`, in seq order, whose audience is empty or shares
 * an entry with `audiences`, until `signal` aborts.
 */
export async function* watchLive(
  ctx: { db: Database; live?: LiveHub | undefined },
  options: { topic: string; after: number; audiences: string[]; signal?: AbortSignal },
): AsyncGenerator<LiveEvent> {
  let after = options.after;
  const audiences = JSON.stringify(options.audiences);
  while (!options.signal?.aborted) {
    const rows = await ctx.db
      .select()
      .from(liveEvent)
      .where(
        and(
          eq(liveEvent.topic, options.topic),
          gt(liveEvent.seq, after),
          sql`(cardinality(${liveEvent.audience}) = 0 or ${liveEvent.audience} && array(select jsonb_array_elements_text(${audiences}::jsonb)))`,
        ),
      )
      .orderBy(asc(liveEvent.seq))
      .limit(500);
    // Seq numbers of a topic commit in order (publishLive), so nothing below the highest seen can appear later.
    for (const row of rows) {
      if (options.signal?.aborted) return;
      after = row.seq;
      yield { topic: row.topic, seq: row.seq, kind: row.kind, payload: row.payload, audience: row.audience, at: row.at.toISOString() };
    }
    if (rows.length < 500) await sleep(POLL_MS, options.signal);
  }
}
