import { executeRows, sql } from '@ggzy/db';
import { instantOf, OFFICIAL_CN_HOLIDAYS } from '@ggzy/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../seed/demo';
import { createTestPlatform, signedIn, type TestPlatform } from '../testing';
import { sectionDraft } from './fixtures';
import { loadShippedHolidays } from './shipped-holidays';

describe('the holiday calendar shipped with the platform', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform({ seed: false });
    await seedDemo(p.services.db);
  });
  afterAll(async () => {
    await p.close();
  });

  const isHoliday = async (date: string) =>
    (await executeRows<{ n: number }>(p.services.db, sql`select count(*)::int as n from holiday where date = ${date} and kind = 'holiday'`))[0]!.n === 1;

  it('a fresh database counts National Day 2026 as holidays once the platform boots, traced; a second boot adds nothing', async () => {
    expect(await isHoliday('2026-10-01')).toBe(false);
    expect(await loadShippedHolidays(p.services.db)).toEqual([2026]);
    expect(await isHoliday('2026-10-01')).toBe(true);
    expect(await loadShippedHolidays(p.services.db)).toEqual([]);
    const traced = await executeRows<{ details: Record<string, string> }>(p.services.db, sql`select details from trace_entry where action = 'calendar.load'`);
    expect(traced.map((t) => t.details.source)).toEqual(['published']);
    const centre = await signedIn(p.services, 'centre');
    expect(await centre.caller.calendar.years()).toEqual([expect.objectContaining({ year: 2026, source: 'published' })]);
  });

  it('the centre amends a year, even to nothing, and the shipped data never overwrites it', async () => {
    const centre = await signedIn(p.services, 'centre');
    await centre.caller.calendar.setHolidays({ year: 2026, entries: [{ date: '2026-10-01', kind: 'holiday', name: '国庆节' }] });
    expect(await loadShippedHolidays(p.services.db)).toEqual([]);
    expect(await isHoliday('2026-10-02')).toBe(false);
    expect(await centre.caller.calendar.years()).toEqual([expect.objectContaining({ year: 2026, source: 'centre' })]);
    await centre.caller.calendar.setHolidays({ year: 2026, entries: OFFICIAL_CN_HOLIDAYS[2026]!.map((e) => ({ ...e })) });
  });

  it('refuses a working-day period over a year with no calendar, telling the tenderer the centre must load it', async () => {
    const tenderer = await signedIn(p.services, 'tenderer');
    // Documents from 2099-12-28: five working days run into 2100, which nobody loaded (2099 neither).
    const draft = sectionDraft(instantOf('2099-12-28', '10:00'), {
      documentsFrom: instantOf('2099-12-28', '10:00'),
      documentsUntil: instantOf('2100-01-06', '17:00'),
      deadline: instantOf('2100-01-20', '09:30'),
    });
    await expect(tenderer.caller.tender.create({ ...draft, project: { ...draft.project, type: 'procurement' } })).rejects.toMatchObject({
      cause: { code: 'RULE_VIOLATION', details: { rules: 'calendar-missing', fields: 'documentsUntil' }, zh: expect.stringContaining('尚未录入 2099、2100 年的法定节假日安排') },
    });
  });
});
