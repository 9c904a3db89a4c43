import { describe, expect, it } from 'vitest';
import {
  addDays,
  addWorkingDays,
  calendarOf,
  daysBetween,
  EMPTY_CALENDAR,
  instantOf,
  isLocalDate,
  isWorkingDay,
  localDateOf,
  rollForward,
  workingDaysBetween,
} from './calendar';

// The State Council's 2026 National Day arrangement as a deployment would load it: Oct 1–7 off,
// Sunday Sep 20 and Saturday Oct 10 worked (illustrative data for the tests).
const cal = calendarOf([
  ...['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'].map((date) => ({ date, kind: 'holiday' as const })),
  { date: '2026-09-20', kind: 'workday' },
  { date: '2026-10-10', kind: 'workday' },
]);

describe('the legal calendar (China Standard Time)', () => {
  it('takes dates on China Standard Time, not the server’s zone', () => {
    expect(localDateOf(new Date('2026-11-22T15:59:59.999Z'))).toBe('2026-11-22');
    expect(localDateOf(new Date('2026-11-22T16:00:00.000Z'))).toBe('2026-11-23');
    expect(instantOf('2026-11-23', '09:30').toISOString()).toBe('2026-11-23T01:30:00.000Z');
  });

  it('counts calendar days across months and years', () => {
    expect(addDays('2026-12-25', 20)).toBe('2027-01-14');
    expect(daysBetween('2026-02-20', '2026-03-02')).toBe(10);
    expect(isLocalDate('2026-02-29')).toBe(false);
    expect(isLocalDate('2028-02-29')).toBe(true);
  });

  it('knows weekends, holidays and declared working days', () => {
    expect(isWorkingDay('2026-11-23', EMPTY_CALENDAR)).toBe(true); // Monday
    expect(isWorkingDay('2026-11-22', EMPTY_CALENDAR)).toBe(false); // Sunday
    expect(isWorkingDay('2026-10-05', cal)).toBe(false); // Monday, holiday
    expect(isWorkingDay('2026-10-10', cal)).toBe(true); // Saturday, declared working day
  });

  it('rolls a period ending on a rest day forward to the next working day (民法典 art. 203)', () => {
    expect(rollForward('2026-10-01', cal)).toBe('2026-10-08');
    expect(rollForward('2026-11-21', EMPTY_CALENDAR)).toBe('2026-11-23');
    expect(rollForward('2026-11-23', EMPTY_CALENDAR)).toBe('2026-11-23');
  });

  it('counts working days, starting the day after (民法典 art. 201)', () => {
    expect(addWorkingDays('2026-11-20', 5, EMPTY_CALENDAR)).toBe('2026-11-27'); // Fri + 5 = next Fri
    // After Wed Sep 30: Oct 1–7 off (holidays and a weekend), then Oct 8, 9, 10 (a worked Saturday), 12, 13.
    expect(addWorkingDays('2026-09-30', 5, cal)).toBe('2026-10-13');
    expect(workingDaysBetween('2026-09-30', '2026-10-13', cal)).toBe(5);
    expect(workingDaysBetween('2026-09-30', '2026-10-12', cal)).toBe(4);
  });
});
