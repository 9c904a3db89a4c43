import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { region, traceEntry } from './schema';
import { createTestDatabase, type TestDatabase } from './testing';

/** drizzle wraps the driver's error: the database's own message is the cause. */
const dbError = (pattern: RegExp) => ({ cause: expect.objectContaining({ message: expect.stringMatching(pattern) }) });

describe('database (migrated, on the configured backend)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs the migrations and round-trips a row', async () => {
    await t.db.insert(region).values({ code: '990100', name: '示例市', level: 'city' });
    const rows = await t.db.select().from(region).where(eq(region.code, '990100'));
    expect(rows).toEqual([{ code: '990100', name: '示例市', level: 'city', parentCode: null }]);
  });

  it('refuses to delete, truncate or rewrite trace entries', async () => {
    const [entry] = await t.db.insert(traceEntry).values({ action: 'test.append' }).returning();
    expect(entry?.seq).toBeNull();
    await expect(t.db.delete(traceEntry).where(eq(traceEntry.id, entry!.id))).rejects.toMatchObject(dbError(/append-only/));
    await expect(t.db.execute(sql`truncate trace_entry`)).rejects.toMatchObject(dbError(/append-only/));
    await expect(
      t.db.update(traceEntry).set({ action: 'test.forged' }).where(eq(traceEntry.id, entry!.id)),
    ).rejects.toMatchObject(dbError(/only the sequencer/));
    // The sequencer's one-time assignment is allowed, and only once.
    await t.db.update(traceEntry).set({ seq: 0, leafHash: new Uint8Array(32) }).where(eq(traceEntry.id, entry!.id));
    await expect(
      t.db.update(traceEntry).set({ seq: 1, leafHash: new Uint8Array(32) }).where(eq(traceEntry.id, entry!.id)),
    ).rejects.toMatchObject(dbError(/only the sequencer/));
    const [after] = await t.db.select().from(traceEntry).where(eq(traceEntry.id, entry!.id));
    expect(after?.action).toBe('test.append');
    expect(after?.seq).toBe(0);
  });
});
