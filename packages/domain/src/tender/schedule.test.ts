import { describe, expect, it } from 'vitest';
import { addDays, EMPTY_CALENDAR, instantOf, isWorkingDay, localDateOf, type HolidayCalendar } from '../calendar/calendar';
import { cautiousCalendar, cnCalendar } from '../calendar/cn-holidays';
import { checkSchedule, METHODS_OF_TYPE } from './rules';
import { legalSchedule } from './schedule';
import { TRANSACTION_TYPES } from './types';

const TIMES = ['00:00', '12:00', '23:59'];

/** Every day from 2026-01-01 to 2028-12-31 as "today", at the start, middle and end of the day (CST). */
function* everyMoment(): Generator<Date> {
  for (let day = '2026-01-01'; day <= '2028-12-31'; day = addDays(day, 1)) for (const time of TIMES) yield instantOf(day, time);
}

describe('a schedule from the rules holds on every day', () => {
  const calendars: Array<[string, HolidayCalendar]> = [
    ['the 2026 notice and the projected 2027–2028 arrangements', cnCalendar({ projected: true })],
    ['no holidays loaded', EMPTY_CALENDAR],
    ['the cautious calendar', cautiousCalendar()],
  ];

  it.each(calendars)('for every transaction type and method, 2026 to 2028, on %s', (_name, calendar) => {
    const refused: string[] = [];
    let checked = 0;
    for (const now of everyMoment()) {
      for (const type of TRANSACTION_TYPES) {
        for (const method of METHODS_OF_TYPE[type]) {
          const s = legalSchedule({ type, method, documentsFrom: new Date(now.getTime() - 1000), calendar });
          const problems = checkSchedule({ type, method, ...s }, calendar);
          if (problems.length > 0) refused.push(`${now.toISOString()} ${type}/${method}: ${problems.map((p) => p.rule).join(',')}`);
          if (!isWorkingDay(localDateOf(s.deadline), calendar)) refused.push(`${now.toISOString()} ${type}/${method}: deadline on a rest day`);
          if (s.documentsUntil > s.deadline || s.documentsUntil <= s.documentsFrom) refused.push(`${now.toISOString()} ${type}/${method}: documents out of order`);
          checked++;
        }
      }
    }
    expect(refused.slice(0, 10)).toEqual([]);
    expect(checked).toBe(1096 * TIMES.length * Object.values(METHODS_OF_TYPE).flat().length);
  });

  it('a schedule on the cautious calendar holds on the real one and on none', () => {
    const real = cnCalendar({ projected: true });
    const refused: string[] = [];
    for (const now of everyMoment()) {
      for (const type of TRANSACTION_TYPES) {
        const method = METHODS_OF_TYPE[type][0]!;
        const s = legalSchedule({ type, method, documentsFrom: now, calendar: cautiousCalendar() });
        for (const calendar of [real, EMPTY_CALENDAR]) {
          const problems = checkSchedule({ type, method, ...s }, calendar);
          if (problems.length > 0) refused.push(`${now.toISOString()} ${type}: ${problems.map((p) => p.rule).join(',')}`);
        }
      }
    }
    expect(refused.slice(0, 10)).toEqual([]);
  });

  it('a fixed offset does not: 21 days ahead is refused for a listing published on Sunday 2026-12-06', () => {
    const now = instantOf('2026-12-06', '10:00');
    const calendar = cnCalendar();
    const fixed = checkSchedule(
      { type: 'landUse', method: 'listing', documentsFrom: now, listingFrom: instantOf(addDays('2026-12-06', 21), '09:00'), documentsUntil: instantOf('2027-01-07', '17:00'), deadline: instantOf('2027-01-08', '10:00') },
      calendar,
    );
    expect(fixed.map((p) => [p.rule, p.limit])).toEqual([['listing-notice', '2026-12-28']]);
    const s = legalSchedule({ type: 'landUse', method: 'listing', documentsFrom: now, calendar, marginDays: 0 });
    expect(localDateOf(s.listingFrom!)).toBe('2026-12-28');
  });

  it('National Day: a tender published on 2026-09-11 with no margin closes on 2026-10-08, not on the holiday', () => {
    // The 20th day after 09-11 is 10-01 (国庆节), off until 10-07; art. 203 moves the end to 10-08.
    const s = legalSchedule({ type: 'construction', method: 'open', documentsFrom: instantOf('2026-09-11', '10:00'), calendar: cnCalendar(), marginDays: 0 });
    expect(localDateOf(s.deadline)).toBe('2026-10-08');
    // A procurement's 5 working days from 2026-09-16 skip 09-25 (中秋) but count Sunday 09-20 (调休).
    const p = legalSchedule({ type: 'procurement', method: 'open', documentsFrom: instantOf('2026-09-16', '10:00'), calendar: cnCalendar(), marginDays: 0 });
    expect(localDateOf(p.documentsUntil)).toBe('2026-09-22');
  });
});
