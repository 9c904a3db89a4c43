/**
 * The legal calendar. Periods in the tendering rules are counted in whole days on China Standard
 * Time (UTC+8, no daylight saving since 1991, so a fixed offset is exact):
 *
 * * 民法典 art. 201: the day an event happens is not counted; the period starts the next day.
 * * 民法典 art. 203: when the last day of a period is a statutory holiday, the period ends on the first
 *   day after the holiday.
 * * Working days (工作日) skip weekends and statutory holidays (法定节假日) but count the weekend days
 *   the State Council declares working days (调休上班). A deployment loads its calendar each year.
 */

/** A calendar date in China Standard Time, `YYYY-MM-DD`. */
export type LocalDate = string;

const CST_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export interface HolidayCalendar {
  /** Statutory holidays that would otherwise be working days. */
  holidays: ReadonlySet<LocalDate>;
  /** Weekend days declared working days (调休). */
  workdays: ReadonlySet<LocalDate>;
  /**
   * The years the calendar covers, when known (a deployment's calendar always says): a working-day
   * rule is refused for a year outside them. Absent: the caller vouches for every year (tests).
   */
  years?: ReadonlySet<number>;
}

/** The years from `a` to `b` (inclusive) that the calendar does not cover; none when it does not say. */
export function missingYears(a: LocalDate, b: LocalDate, calendar: HolidayCalendar): number[] {
  if (!calendar.years) return [];
  const out: number[] = [];
  for (let y = Number(a.slice(0, 4)); y <= Number(b.slice(0, 4)); y++) if (!calendar.years.has(y)) out.push(y);
  return out;
}

export const EMPTY_CALENDAR: HolidayCalendar = { holidays: new Set(), workdays: new Set() };

export function calendarOf(entries: ReadonlyArray<{ date: LocalDate; kind: 'holiday' | 'workday' }>): HolidayCalendar {
  return {
    holidays: new Set(entries.filter((e) => e.kind === 'holiday').map((e) => e.date)),
    workdays: new Set(entries.filter((e) => e.kind === 'workday').map((e) => e.date)),
  };
}

export function isLocalDate(value: string): value is LocalDate {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** The China Standard Time date of an instant. */
export function localDateOf(instant: Date): LocalDate {
  return new Date(instant.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant of a CST wall-clock time on a date (`HH:MM`, default midnight). */
export function instantOf(date: LocalDate, time = '00:00'): Date {
  return new Date(Date.parse(`${date}T${time}:00+08:00`));
}

/** The CST wall-clock time of an instant, `HH:MM:SS.mmm`. */
export function localTimeOf(instant: Date): string {
  return new Date(instant.getTime() + CST_OFFSET_MS).toISOString().slice(11, 23);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from a to b (b − a). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

export function isWorkingDay(date: LocalDate, calendar: HolidayCalendar): boolean {
  if (calendar.workdays.has(date)) return true;
  if (calendar.holidays.has(date)) return false;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** 民法典 art. 203: a period whose last day is a rest day ends on the next working day. */
export function rollForward(date: LocalDate, calendar: HolidayCalendar): LocalDate {
  let day = date;
  for (let guard = 0; !isWorkingDay(day, calendar); guard++) {
    if (guard > 60) throw new RangeError(`no working day within 60 days after ${date}: check the holiday calendar`);
    day = addDays(day, 1);
  }
  return day;
}

/**
 * The last day of a period of `days` working days that starts after `start` (art. 201: the start day
 * is not counted).
 */
export function addWorkingDays(start: LocalDate, days: number, calendar: HolidayCalendar): LocalDate {
  let day = start;
  let counted = 0;
  while (counted < days) {
    day = addDays(day, 1);
    if (isWorkingDay(day, calendar)) counted++;
  }
  return day;
}

/** Working days in (a, b]: how many working days of a period starting after a have passed by b. */
export function workingDaysBetween(a: LocalDate, b: LocalDate, calendar: HolidayCalendar): number {
  let count = 0;
  for (let day = addDays(a, 1); day <= b; day = addDays(day, 1)) if (isWorkingDay(day, calendar)) count++;
  return count;
}
