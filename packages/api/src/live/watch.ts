import { and, asc, eq, gt, liveEvent, lt, type Database, type DatabaseHandle } from '@ggzy/db';
import { LIVE_CHANNEL, type LiveEvent } from './publish';

/** How often a watcher without a hub (unit tests, a process without LISTEN) reads the table. */
const POLL_MS = 250;
/** Rows read at once (replay, gaps, the hub's fetch after a notification). */
const PAGE = 500;
/** A watcher whose consumer falls this far behind drops its buffer and reads the table instead. */
const MAX_BUFFER = 2000;

type Row = typeof liveEvent.$inferSelect;

function toEvent(row: Row): LiveEvent {
  return { topic: row.topic, seq: Number(row.seq), kind: row.kind, payload: row.payload, audience: row.audience, at: new Date(row.at).toISOString() };
}

/** The stored events of a topic with after < seq < before (before absent: no upper bound), in order. */
export async function readEvents(db: Database, topic: string, after: number, before?: number, limit = PAGE): Promise<LiveEvent[]> {
  const rows = await db
    .select()
    .from(liveEvent)
    .where(and(eq(liveEvent.topic, topic), gt(liveEvent.seq, after), before === undefined ? undefined : lt(liveEvent.seq, before)))
    .orderBy(asc(liveEvent.seq))
    .limit(limit);
  return rows.map(toEvent);
}

export interface LiveHub {
  /** Resolves once the process LISTENs (rejects if it cannot: watchers then poll). */
  readonly ready: Promise<void>;
  /**
   * Calls `onEvents` with the events of `topic` this process learns of from NOTIFY, read once per
   * process and shared by every subscriber (possibly with gaps: see watchLive). Returns the unsubscribe.
   */
  subscribe(topic: string, onEvents: (events: LiveEvent[]) => void): () => void;
  /** Subscribers now, for the benchmarks and the logs. */
  readonly watchers: number;
}

interface TopicState {
  subscribers: Set<(events: LiveEvent[]) => void>;
  /** Highest seq read from the table for this topic (null: nothing read yet). */
  cursor: number | null;
  /** Lowest seq notified since the last read, used while cursor is null. */
  notifiedFrom: number | null;
  fetching: boolean;
  again: boolean;
}

/**
 * One LISTEN connection per process on `ggzy_live`; a notification `<topic> <seq>` of a topic
 * somebody watches here makes the hub read that topic's new rows once and hand them to every
 * subscriber (in memory: a watcher costs a closure and a buffer, not a connection). When the
 * driver re-LISTENs after a lost connection, every watched topic is read again from its cursor, so
 * notifications lost while disconnected cost nothing but a little delay.
 */
export function createLiveHub(handle: Pick<DatabaseHandle, 'db' | 'listen'>): LiveHub & { close(): Promise<void> } {
  const topics = new Map<string, TopicState>();
  let closed = false;
  let watchers = 0;

  const fetchTopic = async (topic: string, state: TopicState): Promise<void> => {
    if (state.fetching) {
      state.again = true;
      return;
    }
    state.fetching = true;
    try {
      do {
        state.again = false;
        const from = state.cursor ?? (state.notifiedFrom === null ? null : state.notifiedFrom - 1);
        if (from === null) break;
        const events = await readEvents(handle.db, topic, from);
        state.notifiedFrom = null;
        if (events.length === 0) continue;
        state.cursor = events[events.length - 1]!.seq;
        for (const subscriber of [...state.subscribers]) subscriber(events);
        if (events.length === PAGE) state.again = true;
      } while (state.again && !closed && topics.get(topic) === state);
    } catch {
      // A failed read (a dropped connection): the next notification or re-LISTEN reads again, and a
      // watcher that then sees a gap reads it from the table itself.
    } finally {
      state.fetching = false;
    }
  };

  const onPayload = (payload: string) => {
    const space = payload.lastIndexOf(' ');
    const topic = payload.slice(0, space);
    const seq = Number(payload.slice(space + 1));
    const state = topics.get(topic);
    if (!state || !Number.isSafeInteger(seq)) return;
    if (state.cursor !== null && seq <= state.cursor) return;
    if (state.cursor === null) state.notifiedFrom = Math.min(state.notifiedFrom ?? seq, seq);
    void fetchTopic(topic, state);
  };
  const onListen = () => {
    for (const [topic, state] of topics) if (state.cursor !== null) void fetchTopic(topic, state);
  };

  const listening = handle.listen(LIVE_CHANNEL, onPayload, onListen);
  const ready = listening.then(() => undefined);
  ready.catch(() => {});

  return {
    ready,
    get watchers() {
      return watchers;
    },
    subscribe(topic, onEvents) {
      let state = topics.get(topic);
      if (!state) {
        state = { subscribers: new Set(), cursor: null, notifiedFrom: null, fetching: false, again: false };
        topics.set(topic, state);
      }
      const subscriber = (events: LiveEvent[]) => onEvents(events);
      state.subscribers.add(subscriber);
      watchers += 1;
      const own = state;
      return () => {
        if (!own.subscribers.delete(subscriber)) return;
        watchers -= 1;
        if (own.subscribers.size === 0 && topics.get(topic) === own) topics.delete(topic);
      };
    },
    async close() {
      closed = true;
      topics.clear();
      const unlisten = await listening.catch(() => null);
      await unlisten?.().catch(() => {});
    },
  };
}

function matches(event: LiveEvent, audiences: string[]): boolean {
  return event.audience.length === 0 || event.audience.some((a) => audiences.includes(a));
}

/**
 * Every event of `topic` with seq > `after` that the audiences may see, in seq order, first the
 * stored ones (replay) and then live ones, with no gap and no duplicate: the watcher subscribes to
 * the hub before it replays, buffers what arrives meanwhile, and skips what it has passed; an event
 * further on than the next expected seq sends it to the table for the gap. Without a hub it reads
 * the table every 250 ms. Ends when `signal` aborts.
 */
export async function* watchLive(
  ctx: { db: Database; live?: LiveHub | undefined },
  options: { topic: string; after: number; audiences: string[]; signal?: AbortSignal },
): AsyncGenerator<LiveEvent> {
  const { db } = ctx;
  const { topic, audiences, signal } = options;
  let last = Math.max(0, Math.floor(options.after));
  let buffer: LiveEvent[] = [];
  let overflowed = false;
  let wake: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });

  let hub = ctx.live;
  if (hub) {
    try {
      await Promise.race([hub.ready, aborted]);
    } catch {
      hub = undefined;
    }
  }
  const unsubscribe = hub?.subscribe(topic, (events) => {
    if (buffer.length + events.length > MAX_BUFFER) {
      buffer = [];
      overflowed = true;
    } else {
      for (const event of events) buffer.push(event);
    }
    wake?.();
  });

  try {
    // Everything stored after `last`, page by page; `before` bounds a gap read.
    const readFromTable = async function* (before?: number): AsyncGenerator<LiveEvent> {
      for (;;) {
        const events = await readEvents(db, topic, last, before);
        for (const event of events) {
          if (signal?.aborted) return;
          last = event.seq;
          if (matches(event, audiences)) yield event;
        }
        if (events.length < PAGE) return;
      }
    };

    yield* readFromTable();
    while (!signal?.aborted) {
      if (!hub) {
        await Promise.race([new Promise((r) => setTimeout(r, POLL_MS)), aborted]);
        if (signal?.aborted) break;
        yield* readFromTable();
        continue;
      }
      if (buffer.length === 0 && !overflowed) {
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
        wake = undefined;
        continue;
      }
      if (overflowed) {
        overflowed = false;
        yield* readFromTable();
        continue;
      }
      const events = buffer;
      buffer = [];
      for (const event of events) {
        if (signal?.aborted) break;
        if (event.seq <= last) continue;
        if (event.seq > last + 1) yield* readFromTable(event.seq);
        if (event.seq <= last) continue;
        last = event.seq;
        if (matches(event, audiences)) yield event;
      }
    }
  } finally {
    unsubscribe?.();
  }
}
