import { createTestDatabase, type TestDatabase } from '@ggzy/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishLive, type LiveEvent } from './publish';
import { createLiveHub, watchLive, type LiveHub } from './watch';
import { liveSubscription } from './subscription';

let database: TestDatabase;
let hub: LiveHub & { close(): Promise<void> };
beforeAll(async () => {
  database = await createTestDatabase({ max: 8 });
  hub = createLiveHub(database);
  await hub.ready;
});
afterAll(async () => {
  await hub.close();
  await database.close();
});

const publish = (topic: string, n: number, audience?: string[]) =>
  database.db.transaction((tx) => publishLive(tx, { topic, kind: 'test.event', payload: { n }, ...(audience ? { audience } : {}) }));

/** Collects from a watcher until `count` events arrived (or fails after 15 s), then aborts it. */
async function collect(gen: AsyncGenerator<LiveEvent>, count: number, controller: AbortController): Promise<LiveEvent[]> {
  const got: LiveEvent[] = [];
  const timer = setTimeout(() => controller.abort(), 15_000);
  for await (const event of gen) {
    got.push(event);
    if (got.length >= count) break;
  }
  clearTimeout(timer);
  controller.abort();
  return got;
}

for (const mode of ['hub', 'polling'] as const) {
  describe(`watchLive (${mode})`, () => {
    const ctx = () => ({ db: database.db, live: mode === 'hub' ? hub : undefined });

    it('replays the stored events, then goes live, with no gap and no duplicate under concurrent commits', async () => {
      const topic = `hall:${mode}-concurrent`;
      for (let i = 0; i < 20; i++) await publish(topic, i);
      // 200 more from 5 concurrent writers, while the watchers start (one from 0, one from 10).
      const writers = Promise.all(
        Array.from({ length: 5 }, async (_, w) => {
          for (let i = 0; i < 40; i++) await publish(topic, 1000 * w + i);
        }),
      );
      const a = new AbortController();
      const b = new AbortController();
      const [fromStart, fromTen] = await Promise.all([
        collect(watchLive(ctx(), { topic, after: 0, audiences: [], signal: a.signal }), 220, a),
        collect(watchLive(ctx(), { topic, after: 10, audiences: [], signal: b.signal }), 210, b),
        writers,
      ]);
      expect(fromStart.map((e) => e.seq)).toEqual(Array.from({ length: 220 }, (_, i) => i + 1));
      expect(fromTen.map((e) => e.seq)).toEqual(Array.from({ length: 210 }, (_, i) => i + 11));
      expect(fromStart.every((e) => e.topic === topic && e.kind === 'test.event')).toBe(true);
    });

    it('gives each audience only what it may see, public events to everyone', async () => {
      const topic = `hall:${mode}-audience`;
      await publish(topic, 1);
      await publish(topic, 2, ['host', 'supervisor']);
      await publish(topic, 3, ['bidder:x']);
      const pub = new AbortController();
      const host = new AbortController();
      const publicEvents = collect(watchLive(ctx(), { topic, after: 0, audiences: [], signal: pub.signal }), 2, pub);
      const hostEvents = collect(watchLive(ctx(), { topic, after: 0, audiences: ['host'], signal: host.signal }), 3, host);
      await publish(topic, 4);
      await publish(topic, 5, ['supervisor']);
      await publish(topic, 6, ['host']);
      expect((await publicEvents).map((e) => e.payload.n)).toEqual([1, 4]);
      expect((await hostEvents).map((e) => e.payload.n)).toEqual([1, 2, 4]);
    });

    it('ends when the signal aborts, also while waiting for events', async () => {
      const topic = `hall:${mode}-abort`;
      await publish(topic, 1);
      const controller = new AbortController();
      const got: number[] = [];
      const done = (async () => {
        for await (const event of watchLive(ctx(), { topic, after: 0, audiences: [], signal: controller.signal })) got.push(event.seq);
      })();
      await new Promise((r) => setTimeout(r, 400));
      controller.abort();
      await done;
      expect(got).toEqual([1]);
      if (mode === 'hub') expect(hub.watchers).toBe(0);
    });
  });
}

describe('liveSubscription', () => {
  it('continues after the last event id, each event tracked by its seq', async () => {
    const topic = 'hall:tracked';
    for (let i = 1; i <= 4; i++) await publish(topic, i);
    const controller = new AbortController();
    const ids: string[] = [];
    for await (const envelope of liveSubscription({ db: database.db, live: hub }, topic, '2', [], controller.signal)) {
      ids.push(envelope[0]);
      expect(envelope[1].seq).toBe(Number(envelope[0]));
      if (ids.length === 2) controller.abort();
    }
    expect(ids).toEqual(['3', '4']);
  });

  it('a slow watcher does not hold a fast one up', async () => {
    const topic = 'hall:slow';
    const slow = new AbortController();
    const fast = new AbortController();
    const slowGen = watchLive({ db: database.db, live: hub }, { topic, after: 0, audiences: [], signal: slow.signal });
    const slowFirst = slowGen.next(); // subscribed, then never read again until the end
    const fastGot = collect(watchLive({ db: database.db, live: hub }, { topic, after: 0, audiences: [], signal: fast.signal }), 30, fast);
    for (let i = 1; i <= 30; i++) await publish(topic, i);
    expect((await fastGot).map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect((await slowFirst).value?.seq).toBe(1);
    expect((await slowGen.next()).value?.seq).toBe(2);
    slow.abort();
    await slowGen.return(undefined);
  });
});
