/**
 * hall.watch over HTTP (opening/hall-stream.ts, live/sse.ts): the API's own SSE answer, fed by the
 * hub with bytes serialised once per event. Real server, real database, read as the browser's
 * EventSource would (a fetch-based reader: Node 20 has no EventSource); with the hub and, without
 * one, polling. The failover across processes is apps/api/src/live-failover.test.ts.
 */
import { executeRows, sql } from '@ggzy/db';
import { tracked } from '@trpc/server';
import { sseStreamProducer } from '@trpc/server/unstable-core-do-not-import';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announcedSection, signInOverHttp, startTestServer } from '../bidding/test-support';
import { publishLive, type LiveEvent } from '../live/publish';
import { CONNECTED, frameOf } from '../live/sse';
import { createLiveHub, type LiveHub } from '../live/watch';
import { createTestPlatform, type TestPlatform } from '../testing';
import { hallTopic, HOST_AUDIENCE } from './events';

interface Watch {
  /** Every message as it came: event name (null for data), id and data. */
  messages: Array<{ event: string | null; id: string | null; data: string | null }>;
  events: () => LiveEvent[];
  /** Resolves once `n` events arrived (rejects after 15 s). */
  until(n: number): Promise<LiveEvent[]>;
  close(): void;
  status: Promise<number>;
}

/** Opens `path` as an SSE stream and parses it as EventSource does (blocks split at a blank line). */
function watch(base: string, path: string, headers: Record<string, string> = {}): Watch {
  const messages: Watch['messages'] = [];
  const controller = new AbortController();
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const events = () => messages.filter((m) => m.event === null && m.data !== null).map((m) => JSON.parse(m.data!) as LiveEvent);
  const check = () => {
    const count = events().length;
    for (const w of waiters.splice(0)) (count >= w.n ? w.resolve : () => waiters.push(w))();
  };
  let ended = false;
  const status = (async () => {
    const response = await fetch(`${base}${path}`, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const field = (name: string) => new RegExp(`^${name}: ?(.*)$`, 'm').exec(block)?.[1] ?? null;
            const lines = block.split('\n').filter(Boolean);
            if (lines.every((line) => line.startsWith(':'))) continue; // a blank line or a heartbeat comment
            messages.push({ event: field('event'), id: field('id'), data: field('data') });
          }
          check();
        }
      } catch {
        // aborted
      }
      ended = true;
    })();
    return response.status;
  })();
  return {
    messages,
    events,
    status,
    until: (n) =>
      new Promise<LiveEvent[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`got ${events().length} of ${n} events${ended ? ' (stream ended)' : ''}`)), 15_000);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve(events())) });
        check();
      }),
    close: () => controller.abort(),
  };
}

const pathFor = (sectionId: string, lastEventId?: string) =>
  `/api/trpc/hall.watch?input=${encodeURIComponent(JSON.stringify({ sectionId, ...(lastEventId ? { lastEventId } : {}) }))}`;

let p: TestPlatform;
let hub: LiveHub & { close(): Promise<void> };
beforeAll(async () => {
  p = await createTestPlatform();
  hub = createLiveHub(p.database);
  await hub.ready;
});
afterAll(async () => {
  await hub?.close();
  await p?.close();
});

async function hallOf(): Promise<string> {
  const { id } = await announcedSection(p.services.db);
  await executeRows(p.services.db, sql`insert into opening_hall (section_id) values (${id})`);
  return id;
}

const publish = (sectionId: string, n: number, audience?: string[]) =>
  p.services.db.transaction((tx) => publishLive(tx, { topic: hallTopic(sectionId), kind: 'hall.message', payload: { n }, ...(audience ? { audience } : {}) }));

it('writes each event as tRPC writes a tracked value, so httpSubscriptionLink reads it unchanged', async () => {
  const event: LiveEvent = { topic: 'hall:x', seq: 7, kind: 'hall.message', payload: { text: '开标 "quoted"\nline' }, audience: [], at: new Date(0).toISOString() };
  const stream = sseStreamProducer({
    data: (async function* () {
      yield tracked('7', event);
    })(),
    serialize: (v) => v,
  });
  let text = '';
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) text += new TextDecoder().decode(chunk);
  // Byte for byte (tRPC then ends the stream with `event: return`: a hall stream never ends).
  expect(text.startsWith(Buffer.concat([CONNECTED, frameOf(event)]).toString('utf8'))).toBe(true);
});

it('reads a gap from the table when the hub skips events (a lost notification), still in order with no duplicate', async () => {
  // The real hub, but every third batch it hands this server's watchers is lost.
  let batches = 0;
  const lossy: LiveHub = {
    ready: hub.ready,
    get watchers() {
      return hub.watchers;
    },
    subscribe: (topic, onEvents) => hub.subscribe(topic, (events) => (++batches % 3 === 0 ? undefined : onEvents(events))),
  };
  const server = await startTestServer({ ...p.services, live: lossy });
  try {
    const sectionId = await hallOf();
    const watcher = watch(server.base, pathFor(sectionId));
    expect(await watcher.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 1; i <= 60; i++) await publish(sectionId, i);
    // The last batch may be the lost one: a few more events make the gap show.
    for (let extra = 61; watcher.events().length < 60 && extra <= 65; extra++) {
      await publish(sectionId, extra);
      await new Promise((r) => setTimeout(r, 200));
    }
    await watcher.until(60);
    const seqs = watcher.events().map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(batches).toBeGreaterThanOrEqual(3);
    watcher.close();
  } finally {
    await server.close();
  }
});

for (const mode of ['hub', 'polling'] as const) {
  describe(`hall.watch over SSE (${mode})`, () => {
    let base: string;
    let close: () => Promise<void>;
    beforeAll(async () => {
      const server = await startTestServer({ ...p.services, live: mode === 'hub' ? hub : undefined });
      base = server.base;
      close = server.close;
    });
    afterAll(async () => close?.());

    it('replays the stored events, then goes live, with no gap and no duplicate under concurrent commits, resuming after the id given', async () => {
      const sectionId = await hallOf();
      for (let i = 0; i < 20; i++) await publish(sectionId, i);
      const fromStart = watch(base, pathFor(sectionId));
      // The EventSource's own reconnect sends Last-Event-ID; httpSubscriptionLink's puts it in the input.
      const fromHeader = watch(base, pathFor(sectionId), { 'last-event-id': '10' });
      const fromInput = watch(base, pathFor(sectionId, '15'));
      expect(await fromStart.status).toBe(200);
      await Promise.all(
        Array.from({ length: 5 }, async (_, w) => {
          for (let i = 0; i < 40; i++) await publish(sectionId, 1000 * w + i);
        }),
      );
      const seqs = (events: LiveEvent[]) => events.map((e) => e.seq);
      expect(seqs(await fromStart.until(220))).toEqual(Array.from({ length: 220 }, (_, i) => i + 1));
      expect(seqs(await fromHeader.until(210))).toEqual(Array.from({ length: 210 }, (_, i) => i + 11));
      expect(seqs(await fromInput.until(205))).toEqual(Array.from({ length: 205 }, (_, i) => i + 16));
      // tRPC's opening message first; every event's SSE id is its seq.
      expect(fromStart.messages[0]).toEqual({ event: 'connected', id: null, data: '{}' });
      expect(fromStart.messages.slice(1).every((m) => m.event === null && m.id === String((JSON.parse(m.data!) as LiveEvent).seq))).toBe(true);
      for (const w of [fromStart, fromHeader, fromInput]) w.close();
    });

    it("filters by the caller's session: the public sees public events only, the host also the host's", async () => {
      const sectionId = await hallOf();
      const hostHeaders = await signInOverHttp(base, 'centre');
      const anyone = watch(base, pathFor(sectionId));
      const host = watch(base, pathFor(sectionId), { cookie: hostHeaders.cookie! });
      await publish(sectionId, 1);
      await publish(sectionId, 2, [HOST_AUDIENCE]);
      await publish(sectionId, 3, [`bidder:${randomUUID()}`]);
      await publish(sectionId, 4);
      expect((await host.until(3)).map((e) => e.payload.n)).toEqual([1, 2, 4]);
      expect((await anyone.until(2)).map((e) => e.payload.n)).toEqual([1, 4]);
      // Nothing more arrives for the public (the host-only event was not merely late).
      await publish(sectionId, 5, [HOST_AUDIENCE]);
      await host.until(4);
      expect(anyone.events().map((e) => e.payload.n)).toEqual([1, 4]);
      anyone.close();
      host.close();
    });

    it('leaves refusals to tRPC: an unknown hall and a malformed id get the refusal the procedure gives', async () => {
      const unknown = await fetch(`${base}${pathFor(randomUUID())}`, { headers: { accept: 'text/event-stream' } });
      const unknownText = await unknown.text();
      expect(unknownText).toContain('event: serialized-error');
      expect(unknownText).toContain('"code":"NOT_FOUND"');
      const malformed = await fetch(`${base}${pathFor(await hallOf())}`, { headers: { accept: 'text/event-stream', 'last-event-id': 'x1' } });
      const malformedText = await malformed.text();
      expect(malformedText).toContain('"code":"INVALID_INPUT"');
    });

    if (mode === 'hub') {
      it('lets go of the hub when the watcher goes away', async () => {
        const sectionId = await hallOf();
        const before = hub.watchers;
        const watchers = Array.from({ length: 5 }, () => watch(base, pathFor(sectionId)));
        await publish(sectionId, 1);
        await Promise.all(watchers.map((w) => w.until(1)));
        expect(hub.watchers).toBe(before + 5);
        for (const w of watchers) w.close();
        const deadline = Date.now() + 5000;
        while (hub.watchers !== before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(hub.watchers).toBe(before);
      });
    }
  });
}
