import type { ServerResponse } from 'node:http';
import type { Database } from '@ggzy/db';
import type { LiveEvent } from './publish';
import { readEvents, type LiveHub } from './watch';

/** A heartbeat comment this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** A connection whose socket holds this much unsent is dropped; its reconnect replays from the table. */
const MAX_UNSENT_BYTES = 1 << 20;

/**
 * Each event's SSE message, serialised once per process however many connections receive it: the
 * hub hands the same event objects to every subscriber, so the bytes are made on first use and
 * shared (collected with the event). The bytes are those tRPC's SSE producer writes for a tracked
 * value (`data: <json>`, `id: <seq>`, and its extra blank line), so httpSubscriptionLink reads them
 * unchanged (pinned by hall-stream.test.ts against @trpc/server's own producer).
 */
const frames = new WeakMap<LiveEvent, Buffer>();
export function frameOf(event: LiveEvent): Buffer {
  let frame = frames.get(event);
  if (!frame) {
    frame = Buffer.from(`data: ${JSON.stringify(event)}\nid: ${event.seq}\n\n\n`);
    frames.set(event, frame);
  }
  return frame;
}

/** tRPC's first message (`connected` with the client options: none here). */
export const CONNECTED = Buffer.from('event: connected\ndata: {}\n\n\n');
const HEARTBEAT = Buffer.from(': ping\n\n');

export const LIVE_SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
} as const;

function matches(event: LiveEvent, audiences: string[]): boolean {
  return event.audience.length === 0 || event.audience.some((a) => audiences.includes(a));
}

/**
 * Streams every event of `topic` after `after` that `audiences` may see to `res` as SSE, in seq
 * order with no gap and no duplicate, until the client goes away (docs/live-events.md "Over the
 * wire"). The same guarantee as watchLive, without an async generator per watcher: a connection
 * subscribes to the hub first and buffers, replays `seq > after` from the table, drains the buffer,
 * and from then on the hub's callback writes the shared bytes straight to the socket. A seq that
 * jumps past the next one sends the connection back to the table. Without a hub it polls the table.
 * Resolves when the stream ends.
 */
export function streamLive(
  ctx: { db: Database; live?: LiveHub | undefined },
  res: ServerResponse,
  options: { topic: string; after: number; audiences: string[]; headers?: Record<string, string> },
): Promise<void> {
  const { db } = ctx;
  const { topic, audiences } = options;
  let last = Math.max(0, Math.floor(options.after));
  let closed = false;
  /** Events from the hub while the connection reads the table (null: live, written as they come). */
  let pending: LiveEvent[] | null = [];
  let unsubscribe: (() => void) | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let poller: ReturnType<typeof setTimeout> | undefined;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe?.();
    clearInterval(timer);
    clearTimeout(poller);
    if (!res.destroyed) res.destroy();
    finish();
  };
  res.on('close', close);
  res.on('error', close);
  // The client may have gone while the caller checked its access.
  if (res.destroyed || !res.socket || res.socket.destroyed) close();

  const send = (event: LiveEvent) => {
    last = event.seq;
    if (!matches(event, audiences)) return;
    res.write(frameOf(event));
    // A watcher that does not read: drop it rather than hold its backlog; it reconnects and replays.
    if (res.writableLength > MAX_UNSENT_BYTES) close();
  };

  /** Everything stored after `last`, then what the hub delivered meanwhile; then live. */
  const catchUp = async () => {
    try {
      for (;;) {
        for (;;) {
          const events = await readEvents(db, topic, last);
          if (closed) return;
          for (const event of events) send(event);
          if (events.length < 500 || closed) break;
        }
        if (!pending) return;
        const buffered = pending;
        pending = [];
        let gap = false;
        for (const event of buffered) {
          if (closed) return;
          if (event.seq <= last) continue;
          if (event.seq > last + 1) {
            gap = true;
            break;
          }
          send(event);
        }
        if (!gap && pending.length === 0) {
          pending = null;
          return;
        }
      }
    } catch {
      // The table could not be read (a dropped connection): end; the client reconnects with its last id.
      close();
    }
  };

  const onEvents = (events: LiveEvent[]) => {
    if (closed) return;
    if (pending) {
      for (const event of events) pending.push(event);
      return;
    }
    for (const event of events) {
      if (closed) return;
      if (event.seq <= last) continue;
      if (event.seq > last + 1) {
        // A gap (the hub read past what this connection has): back to the table for it.
        pending = [];
        void catchUp();
        return;
      }
      send(event);
    }
  };

  const start = async () => {
    let hub = ctx.live;
    if (hub) {
      try {
        await hub.ready;
      } catch {
        hub = undefined;
      }
    }
    if (closed) return;
    res.writeHead(200, { ...LIVE_SSE_HEADERS, ...options.headers });
    res.write(CONNECTED);
    timer = setInterval(() => res.write(HEARTBEAT), HEARTBEAT_MS);
    timer.unref?.();
    if (hub) {
      unsubscribe = hub.subscribe(topic, onEvents);
      await catchUp();
      return;
    }
    // No LISTEN: read the table every 250 ms.
    pending = null;
    const poll = async () => {
      try {
        for (;;) {
          const events = await readEvents(db, topic, last);
          if (closed) return;
          for (const event of events) send(event);
          if (events.length < 500 || closed) break;
        }
      } catch {
        close();
        return;
      }
      if (!closed) poller = setTimeout(() => void poll(), 250);
    };
    await poll();
  };
  void start().catch(close);
  return done;
}
