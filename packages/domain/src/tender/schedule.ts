/**
 * A legal schedule from the rules, for demo data, fixtures and the draft form's suggestion: each date
 * is the earliest the rules of checkSchedule allow (counted the same way: art. 201 and art. 203 of
 * the Civil Code, working days on the loaded calendar), plus a margin, on a working day. Never fixed
 * offsets from today: 21 days ahead is legal on a Monday and refused on a Sunday (the 20th day after
 * a Sunday is a Saturday, which rolls forward to the Monday after).
 */
import { addDays, addWorkingDays, instantOf, localDateOf, rollForward, type HolidayCalendar, type LocalDate } from '../calendar/calendar';
import { checkSchedule } from './rules';
import type { TenderMethod, TransactionType } from './types';

/** The loaded calendar does not cover a year a working-day period crosses: the centre must load it. */
export class CalendarMissingError extends Error {
  constructor(readonly problem: { zh: string; en: string }) {
    super(problem.en);
    this.name = 'CalendarMissingError';
  }
}

export interface LegalScheduleInput {
  type: TransactionType;
  method: TenderMethod;
  /** When the documents (or the notice) start being issued: normally the publication time. */
  documentsFrom: Date;
  calendar: HolidayCalendar;
  /** Extra days beyond each earliest date (working days where the rule counts working days). */
  marginDays?: number;
  /** CST wall-clock times. */
  documentsUntilTime?: string;
  deadlineTime?: string;
  listingTime?: string;
}

export interface LegalSchedule {
  documentsFrom: Date;
  documentsUntil: Date;
  deadline: Date;
  listingFrom?: Date;
}

/** The first working day on or after the day `days` calendar days after `start`. */
const afterDays = (start: LocalDate, days: number, calendar: HolidayCalendar) => rollForward(addDays(start, days), calendar);

/** The working day before `date`. */
function workingDayBefore(date: LocalDate, calendar: HolidayCalendar): LocalDate {
  let day = addDays(date, -1);
  for (let guard = 0; guard < 60 && rollForward(day, calendar) !== day; guard++) day = addDays(day, -1);
  return day;
}

export function legalSchedule(input: LegalScheduleInput): LegalSchedule {
  const { type, method, calendar } = input;
  const margin = input.marginDays ?? 5;
  const untilTime = input.documentsUntilTime ?? '17:00';
  const deadlineTime = input.deadlineTime ?? '09:30';
  const from = localDateOf(input.documentsFrom);
  const isTender = (type === 'construction' || type === 'procurement') && (method === 'open' || method === 'invited');

  let untilDate: LocalDate;
  let deadlineDate: LocalDate;
  let listingFrom: Date | undefined;
  if (isTender) {
    // 招标投标法 art. 24: 20 days to the deadline; documents 5 days (实施条例 art. 16) or 5 working
    // days (87号令 art. 18).
    deadlineDate = afterDays(from, 20 + margin, calendar);
    untilDate = type === 'procurement' ? addWorkingDays(from, 5 + margin, calendar) : afterDays(from, 5 + margin, calendar);
  } else if (type === 'landUse' && method === 'listing') {
    // 国土资源部令第39号: the notice 20 days before the listing starts; the listing open 10 days.
    const listingDate = afterDays(from, 20 + margin, calendar);
    listingFrom = instantOf(listingDate, input.listingTime ?? '09:00');
    deadlineDate = afterDays(listingDate, 10 + margin, calendar);
    untilDate = workingDayBefore(deadlineDate, calendar);
  } else if (type === 'stateProperty') {
    // 国资委、财政部令第32号 art. 13: disclosure for 20 working days.
    deadlineDate = addWorkingDays(from, 20 + margin, calendar);
    untilDate = workingDayBefore(deadlineDate, calendar);
  } else {
    // No period in DESIGN.md §3 (auctions, emission rights): the same 20 days as a tender.
    deadlineDate = afterDays(from, 20 + margin, calendar);
    untilDate = workingDayBefore(deadlineDate, calendar);
  }
  if (untilDate <= from) untilDate = deadlineDate;

  const schedule: LegalSchedule = {
    documentsFrom: input.documentsFrom,
    documentsUntil: instantOf(untilDate, untilDate === deadlineDate ? deadlineTime : untilTime),
    deadline: instantOf(deadlineDate, deadlineTime),
    ...(listingFrom ? { listingFrom } : {}),
  };
  const problems = checkSchedule({ type, method, ...schedule }, calendar);
  const missing = problems.find((p) => p.rule === 'calendar-missing');
  if (missing) throw new CalendarMissingError(missing);
  if (problems.length > 0) {
    // A schedule built from the rules that the rules refuse is a bug here, not bad input.
    throw new Error(`legalSchedule built a schedule its own rules refuse: ${problems.map((p) => p.en).join('; ')}`);
  }
  return schedule;
}
