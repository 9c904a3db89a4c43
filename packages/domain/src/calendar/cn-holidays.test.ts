import { describe, expect, it } from 'vitest';
import { isWorkingDay } from './calendar';
import { cautiousCalendar, cnCalendar, OFFICIAL_CN_HOLIDAYS, PROJECTED_CN_HOLIDAYS, type HolidayEntry } from './cn-holidays';

const lunar = new Intl.DateTimeFormat('en-u-ca-chinese', { timeZone: 'UTC', month: 'numeric', day: 'numeric' });
const lunarOf = (date: string) => lunar.format(new Date(`${date}T00:00:00Z`));
const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();
const all = { ...OFFICIAL_CN_HOLIDAYS, ...PROJECTED_CN_HOLIDAYS };

describe('the holiday arrangements', () => {
  it.each(Object.entries(all))('%s: the lunar festivals fall inside their holidays, and make-up days are weekends', (year, entries: readonly HolidayEntry[]) => {
    const named = (name: string) => entries.filter((e) => e.kind === 'holiday' && e.name.includes(name)).map((e) => lunarOf(e.date));
    expect(named('春节')).toContain('1/1');
    expect(named('端午')).toContain('5/5');
    expect([...named('中秋'), ...named('国庆节、中秋节')]).toContain('8/15');
    expect(entries.filter((e) => e.name === '国庆节' || e.name === '国庆节、中秋节').map((e) => e.date)).toContain(`${year}-10-01`);
    for (const e of entries) expect(e.date.startsWith(`${year}-`)).toBe(true);
    for (const e of entries.filter((x) => x.kind === 'workday')) expect([0, 6]).toContain(weekday(e.date));
    expect(new Set(entries.map((e) => e.date)).size).toBe(entries.length);
  });

  it('2026 as the State Council published it: Spring Festival 02-15 to 02-23, with Saturdays 02-14 and 02-28 worked', () => {
    const calendar = cnCalendar();
    expect(isWorkingDay('2026-02-13', calendar)).toBe(true);
    expect(isWorkingDay('2026-02-14', calendar)).toBe(true);
    for (const d of ['2026-02-15', '2026-02-18', '2026-02-23']) expect(isWorkingDay(d, calendar)).toBe(false);
    expect(isWorkingDay('2026-02-24', calendar)).toBe(true);
    expect(isWorkingDay('2026-02-28', calendar)).toBe(true);
    expect(isWorkingDay('2026-09-20', calendar)).toBe(true);
    expect(isWorkingDay('2026-10-10', calendar)).toBe(true);
    // Projected years are not loaded unless asked for.
    expect(isWorkingDay('2027-10-04', calendar)).toBe(true);
    expect(isWorkingDay('2027-10-04', cnCalendar({ projected: true }))).toBe(false);
  });

  it('the cautious calendar rests on every weekend, make-up days included', () => {
    expect(isWorkingDay('2026-02-14', cautiousCalendar())).toBe(false);
    expect(isWorkingDay('2027-10-04', cautiousCalendar())).toBe(false);
  });
});
