/**
 * China's public-holiday calendars. The State Council's General Office publishes each year's
 * arrangement (放假安排) in the autumn before; a deployment loads it (the centre's 节假日设置 page,
 * `calendar.setHolidays`). What ships here:
 *
 * * OFFICIAL: years whose notice has been published, copied from it. The demo data loads these.
 * * PROJECTED: years not yet published, laid out the way the 2025 revision of the 全国年节及纪念日
 *   放假办法 and recent notices do it (the lunar dates checked against the Chinese calendar of
 *   `Intl`). They are for tests that must cross Spring Festival and National Day with their
 *   make-up working days; never load them into a deployment as if they were the notice.
 */
import { addDays, calendarOf, type HolidayCalendar, type LocalDate } from './calendar';

export interface HolidayEntry {
  date: LocalDate;
  kind: 'holiday' | 'workday';
  name: string;
}

/** Every day from `from` to `to` inclusive as a holiday named `name`. */
function off(from: LocalDate, to: LocalDate, name: string): HolidayEntry[] {
  const out: HolidayEntry[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push({ date: d, kind: 'holiday', name });
  return out;
}

const work = (date: LocalDate, name: string): HolidayEntry => ({ date, kind: 'workday', name });

/** 国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号, published 2025-11-04). */
const CN_2026: HolidayEntry[] = [
  ...off('2026-01-01', '2026-01-03', '元旦'),
  work('2026-01-04', '元旦调休'),
  work('2026-02-14', '春节调休'),
  ...off('2026-02-15', '2026-02-23', '春节'),
  work('2026-02-28', '春节调休'),
  ...off('2026-04-04', '2026-04-06', '清明节'),
  ...off('2026-05-01', '2026-05-05', '劳动节'),
  work('2026-05-09', '劳动节调休'),
  ...off('2026-06-19', '2026-06-21', '端午节'),
  work('2026-09-20', '国庆节调休'),
  ...off('2026-09-25', '2026-09-27', '中秋节'),
  ...off('2026-10-01', '2026-10-07', '国庆节'),
  work('2026-10-10', '国庆节调休'),
];

/** Projected, not published: 除夕 2027-02-06, 端午 06-09, 中秋 09-15 (Intl chinese calendar). */
const CN_2027_PROJECTED: HolidayEntry[] = [
  ...off('2027-01-01', '2027-01-03', '元旦'),
  ...off('2027-02-06', '2027-02-14', '春节'),
  work('2027-02-20', '春节调休'),
  ...off('2027-04-03', '2027-04-05', '清明节'),
  work('2027-04-25', '劳动节调休'),
  ...off('2027-05-01', '2027-05-05', '劳动节'),
  work('2027-05-08', '劳动节调休'),
  ...off('2027-06-09', '2027-06-09', '端午节'),
  ...off('2027-09-15', '2027-09-15', '中秋节'),
  work('2027-09-26', '国庆节调休'),
  ...off('2027-10-01', '2027-10-07', '国庆节'),
  work('2027-10-09', '国庆节调休'),
];

/** Projected, not published: 除夕 2028-01-25, 端午 05-28, 中秋 10-03 (inside National Day). */
const CN_2028_PROJECTED: HolidayEntry[] = [
  ...off('2028-01-01', '2028-01-03', '元旦'),
  work('2028-01-23', '春节调休'),
  ...off('2028-01-25', '2028-02-02', '春节'),
  work('2028-02-05', '春节调休'),
  ...off('2028-04-02', '2028-04-04', '清明节'),
  work('2028-04-08', '清明节调休'),
  work('2028-04-23', '劳动节调休'),
  ...off('2028-04-29', '2028-05-05', '劳动节'),
  work('2028-05-06', '劳动节调休'),
  ...off('2028-05-27', '2028-05-29', '端午节'),
  work('2028-09-30', '国庆节调休'),
  ...off('2028-10-01', '2028-10-08', '国庆节、中秋节'),
  work('2028-10-14', '国庆节调休'),
];

/** Published arrangements, by year. */
export const OFFICIAL_CN_HOLIDAYS: Readonly<Record<number, readonly HolidayEntry[]>> = { 2026: CN_2026 };

/** Plausible arrangements for years not yet published: tests only. */
export const PROJECTED_CN_HOLIDAYS: Readonly<Record<number, readonly HolidayEntry[]>> = { 2027: CN_2027_PROJECTED, 2028: CN_2028_PROJECTED };

/** The calendar of the official years and, for tests, the projected ones. */
export function cnCalendar(options: { projected?: boolean } = {}): HolidayCalendar {
  const years = { ...(options.projected ? PROJECTED_CN_HOLIDAYS : {}), ...OFFICIAL_CN_HOLIDAYS };
  return calendarOf(Object.values(years).flat());
}

/**
 * The cautious calendar: every weekend and every holiday known here (official or projected) is a
 * rest day, and no weekend is a working day. A date that satisfies a rule on it satisfies the rule on
 * any calendar whose rest days are among these (rest days only push the earliest dates later), so
 * fixtures built on it hold whatever a test database loaded.
 */
export function cautiousCalendar(): HolidayCalendar {
  return { holidays: cnCalendar({ projected: true }).holidays, workdays: new Set() };
}
