import { createTestDatabase, type TestDatabase } from '@ggzy/db/testing';
import { executeRows, sql } from '@ggzy/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishLive } from './publish';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

describe('publishLive', () => {
  it('numbers events per topic in commit order and keeps nothing of a rolled-back change', async () => {
    const { db } = database;
    const first = await db.transaction((tx) => publishLive(tx, { topic: 'hall:a', kind: 'hall.opened', payload: { n: 1 } }));
    await db.transaction((tx) => publishLive(tx, { topic: 'hall:b', kind: 'hall.opened' }));
    await expect(
      db.transaction(async (tx) => {
        await publishLive(tx, { topic: 'hall:a', kind: 'hall.message', payload: { text: 'lost' } });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const second = await db.transaction((tx) => publishLive(tx, { topic: 'hall:a', kind: 'hall.message', payload: { text: 'kept' }, audience: ['host', 'supervisor'] }));
    expect([first.seq, second.seq]).toEqual([1, 2]);
    const rows = await executeRows<{ topic: string; seq: string | number; kind: string; audience: string[] }>(db, sql`select topic, seq, kind, audience from live_event order by topic, seq`);
    expect(rows.map((r) => [r.topic, Number(r.seq), r.kind, r.audience])).toEqual([
      ['hall:a', 1, 'hall.opened', []],
      ['hall:a', 2, 'hall.message', ['host', 'supervisor']],
      ['hall:b', 1, 'hall.opened', []],
    ]);
  });
});
