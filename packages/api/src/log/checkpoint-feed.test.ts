import { appendTrace, sequenceAll } from '@ggzy/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../testing';
import { watchCheckpoints } from './checkpoint-feed';

describe('live checkpoint feed', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform();
    await sequenceAll(p.services.db, p.services.signer);
  });
  afterAll(async () => {
    await p.close();
  });

  it('yields the current checkpoint, then each new one, to every watcher, and stops on abort', async () => {
    const controller = new AbortController();
    const a = watchCheckpoints(p.services.db, controller.signal);
    const b = watchCheckpoints(p.services.db, controller.signal);
    const firstA = (await a.next()).value!;
    const firstB = (await b.next()).value!;
    expect(firstA.size).toBeGreaterThanOrEqual(1);
    expect(firstB.size).toBe(firstA.size);

    await appendTrace(p.services.db, { actorName: 'test' }, { action: 'test.event' });
    await sequenceAll(p.services.db, p.services.signer);
    let next = (await a.next()).value!;
    // The pending count may be seen before the new checkpoint; wait for the size to move.
    while (next.size === firstA.size) next = (await a.next()).value!;
    expect(next.size).toBe(firstA.size + 1);
    expect(next.root).not.toBe(firstA.root);

    controller.abort();
    expect((await a.next()).done).toBe(true);
  });
});
