/**
 * The rules of DESIGN.md §3 that apply before the bid deadline. Each check returns the problems it
 * finds, each with the article it comes from and a message a tenderer can act on (the earliest date
 * that would be allowed). Nothing is silently corrected, except the one rule that says the deadline
 * moves (a late amendment).
 */
import {
  addDays,
  addWorkingDays,
  daysBetween,
  instantOf,
  localDateOf,
  localTimeOf,
  missingYears,
  rollForward,
  workingDaysBetween,
  type HolidayCalendar,
  type LocalDate,
} from '../calendar/calendar';
import { TENDER_METHOD_LABELS, TRANSACTION_TYPE_LABELS, type TenderMethod, type TransactionType } from './types';

export type RuleCode =
  | 'method-type'
  | 'bid-period'
  | 'documents-period'
  | 'documents-order'
  | 'listing-notice'
  | 'listing-period'
  | 'disclosure-period'
  | 'bond-cap'
  | 'calendar-missing'
  | 'objection-too-late';

export interface RuleProblem {
  rule: RuleCode;
  /** The input field to correct. */
  field: 'method' | 'documentsFrom' | 'documentsUntil' | 'deadline' | 'listingFrom' | 'bond' | 'filedAt';
  zh: string;
  en: string;
  /** The earliest (or latest) date that satisfies the rule, when there is one. */
  limit?: LocalDate;
}

export interface ScheduleInput {
  type: TransactionType;
  method: TenderMethod;
  /** Tender documents (or the listing notice) start being issued: normally the publication time. */
  documentsFrom: Date;
  /** Tender documents stop being issued (downloadable). */
  documentsUntil: Date;
  /** Bid deadline, which is also the opening time (招标投标法 art. 34). */
  deadline: Date;
  /** Land-use listing (挂牌): the listing period starts; it ends at the deadline. */
  listingFrom?: Date | undefined;
}

const isTender = (input: { type: TransactionType; method: TenderMethod }) =>
  (input.type === 'construction' || input.type === 'procurement') && (input.method === 'open' || input.method === 'invited');

/**
 * Which methods each transaction type may use. Construction and procurement are tendered (招标投标法
 * art. 10; 政府采购法 art. 26: open or invited); land-use rights are listed or auctioned (国土资源部令
 * 第39号; their tendering is not modelled); state-owned property and emission rights are disclosed,
 * then listed or auctioned. Anything else would skip the periods of its type.
 */
export const METHODS_OF_TYPE: Readonly<Record<TransactionType, readonly TenderMethod[]>> = {
  construction: ['open', 'invited'],
  procurement: ['open', 'invited'],
  landUse: ['listing', 'auction'],
  stateProperty: ['listing', 'auction'],
  emissions: ['listing', 'auction'],
};

/**
 * The date a period that ends at `end` ends on: the CST date of the last instant it covers. A period
 * that runs until 00:00 of day 5 covers nothing of day 5, so it ends on day 4 (times count as well as
 * dates); one that runs until 17:00 of day 5 ends on day 5.
 */
export function endDateOf(end: Date): LocalDate {
  return localDateOf(new Date(end.getTime() - 1));
}

/** A working-day period over years with no holiday calendar cannot be counted: say so, to the centre. */
function calendarMissing(years: number[], field: RuleProblem['field']): RuleProblem {
  const list = years.join('、');
  return {
    rule: 'calendar-missing',
    field,
    zh: `尚未录入 ${list} 年的法定节假日安排，无法按工作日计算期限；请交易中心在“节假日设置”中录入后再试`,
    en: `The ${years.join(', ')} public-holiday calendar is not loaded, so working days cannot be counted; the trading centre must load it under Holidays first`,
  };
}

/** The earliest last day of a period of `days` calendar days after `start` (art. 201 + art. 203). */
function earliestAfterDays(start: LocalDate, days: number, calendar: HolidayCalendar): LocalDate {
  return rollForward(addDays(start, days), calendar);
}

export function checkSchedule(input: ScheduleInput, calendar: HolidayCalendar): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const from = localDateOf(input.documentsFrom);
  const until = endDateOf(input.documentsUntil);
  const deadline = endDateOf(input.deadline);
  const procurement = input.type === 'procurement';

  const methods = METHODS_OF_TYPE[input.type];
  if (!methods.includes(input.method)) {
    problems.push({
      rule: 'method-type',
      field: 'method',
      zh: `${TRANSACTION_TYPE_LABELS[input.type].zh}项目只能采用${methods.map((m) => TENDER_METHOD_LABELS[m].zh).join('或')}方式，不能采用${TENDER_METHOD_LABELS[input.method].zh}`,
      en: `A ${TRANSACTION_TYPE_LABELS[input.type].en.toLowerCase()} section uses ${methods.map((m) => TENDER_METHOD_LABELS[m].en.toLowerCase()).join(' or ')}, not ${TENDER_METHOD_LABELS[input.method].en.toLowerCase()}`,
    });
  }

  if (input.documentsUntil.getTime() <= input.documentsFrom.getTime() || input.documentsUntil.getTime() > input.deadline.getTime()) {
    problems.push({
      rule: 'documents-order',
      field: 'documentsUntil',
      zh: '招标文件获取截止时间应晚于开始时间，且不晚于投标截止时间',
      en: 'The documents must stop being available after they start, and no later than the bid deadline',
    });
  }

  if (isTender(input)) {
    // 招标投标法 art. 24; 政府采购法 art. 35 and 87号令 art. 20: at least 20 days from the day documents
    // are first issued.
    const earliest = earliestAfterDays(from, 20, calendar);
    if (deadline < earliest) {
      const law = procurement
        ? { zh: '政府采购法第三十五条、87号令第二十条', en: 'Government Procurement Law art. 35; MOF Order 87 art. 20' }
        : { zh: '招标投标法第二十四条', en: 'Tendering and Bidding Law art. 24' };
      problems.push({
        rule: 'bid-period',
        field: 'deadline',
        limit: earliest,
        zh: `自招标文件开始发出之日起至投标截止之日止不得少于20日（${law.zh}），投标截止日最早为 ${earliest}`,
        en: `At least 20 days must run from the day the tender documents are first issued to the bid deadline (${law.en}); the earliest deadline is ${earliest}`,
      });
    }
    if (input.type === 'procurement') {
      // 87号令 art. 18: documents available for at least 5 working days.
      const earliestUntil = addWorkingDays(from, 5, calendar);
      const missing = missingYears(from, until > earliestUntil ? until : earliestUntil, calendar);
      if (missing.length > 0) problems.push(calendarMissing(missing, 'documentsUntil'));
      else if (workingDaysBetween(from, until, calendar) < 5) {
        problems.push({
          rule: 'documents-period',
          field: 'documentsUntil',
          limit: earliestUntil,
          zh: `政府采购招标文件提供期限不得少于5个工作日（87号令第十八条），最早截止于 ${earliestUntil}`,
          en: `Procurement tender documents must be available for at least 5 working days (MOF Order 87 art. 18); the earliest end is ${earliestUntil}`,
        });
      }
    } else {
      // 实施条例 art. 16: documents on sale for at least 5 days.
      const earliestUntil = earliestAfterDays(from, 5, calendar);
      if (until < earliestUntil) {
        problems.push({
          rule: 'documents-period',
          field: 'documentsUntil',
          limit: earliestUntil,
          zh: `招标文件发售期不得少于5日（招标投标法实施条例第十六条），最早截止于 ${earliestUntil}`,
          en: `Tender documents must be available for at least 5 days (Implementing Regulations art. 16); the earliest end is ${earliestUntil}`,
        });
      }
    }
  }

  if (input.type === 'landUse' && input.method === 'auction') {
    // 国土资源部令第39号 art. 10: the auction notice at least 20 days before the auction (the deadline).
    const earliest = earliestAfterDays(from, 20, calendar);
    if (deadline < earliest) {
      problems.push({
        rule: 'listing-notice',
        field: 'deadline',
        limit: earliest,
        zh: `拍卖出让公告应在拍卖开始20日前发布（国土资源部令第39号第十条），拍卖最早于 ${earliest}`,
        en: `The auction notice must be published at least 20 days before the auction (MLR Order 39 art. 10); the earliest auction day is ${earliest}`,
      });
    }
  }

  if (input.type === 'landUse' && input.method === 'listing') {
    // 国土资源部令第39号: the listing notice at least 20 days ahead; the listing open at least 10 days.
    if (!input.listingFrom) {
      problems.push({ rule: 'listing-notice', field: 'listingFrom', zh: '挂牌出让须填写挂牌起始时间', en: 'A listing needs the start of its listing period' });
    } else {
      const listingFrom = localDateOf(input.listingFrom);
      const earliestStart = earliestAfterDays(from, 20, calendar);
      if (listingFrom < earliestStart) {
        problems.push({
          rule: 'listing-notice',
          field: 'listingFrom',
          limit: earliestStart,
          zh: `挂牌出让公告应在挂牌开始20日前发布（国土资源部令第39号），挂牌最早开始于 ${earliestStart}`,
          en: `The listing notice must be published at least 20 days before the listing starts (MLR Order 39); the earliest start is ${earliestStart}`,
        });
      }
      const earliestEnd = earliestAfterDays(listingFrom, 10, calendar);
      if (deadline < earliestEnd) {
        problems.push({
          rule: 'listing-period',
          field: 'deadline',
          limit: earliestEnd,
          zh: `挂牌时间不得少于10日（国土资源部令第39号），挂牌最早截止于 ${earliestEnd}`,
          en: `The listing must stay open for at least 10 days (MLR Order 39); the earliest end is ${earliestEnd}`,
        });
      }
    }
  }

  if (input.type === 'stateProperty') {
    // 国资委、财政部令第32号 art. 13: disclosure for at least 20 working days.
    const earliest = addWorkingDays(from, 20, calendar);
    const missing = missingYears(from, deadline > earliest ? deadline : earliest, calendar);
    if (missing.length > 0) problems.push(calendarMissing(missing, 'deadline'));
    else if (workingDaysBetween(from, deadline, calendar) < 20) {
      problems.push({
        rule: 'disclosure-period',
        field: 'deadline',
        limit: earliest,
        zh: `国有产权转让信息披露期不得少于20个工作日（国资委、财政部令第32号第十三条），最早截止于 ${earliest}`,
        en: `State-owned property transfers must be disclosed for at least 20 working days (SASAC/MOF Order 32 art. 13); the earliest end is ${earliest}`,
      });
    }
  }
  return problems;
}

/**
 * Bid bond caps, amounts in fen (分), integers:
 * * construction (施工): ≤ 2 % of the estimated contract price (实施条例 art. 26) and never more than
 *   ¥800,000 (工程建设项目施工招标投标办法 art. 37);
 * * procurement: ≤ 2 % of the budget (政府采购法实施条例 art. 33; 87号令 art. 8);
 * * property, land-use and emission rights: no statutory cap (deposits are set by the notice).
 */
export const CONSTRUCTION_BOND_CEILING_FEN = 80_000_000;

export function checkBond(input: { type: TransactionType; estimatedPrice: number; bond: number }): RuleProblem[] {
  if (input.type !== 'construction' && input.type !== 'procurement') return [];
  const yuan = (fen: number) => (fen / 100).toFixed(2);
  const twoPercent = Math.floor(input.estimatedPrice / 50);
  if (input.type === 'procurement') {
    if (input.bond * 50 <= input.estimatedPrice) return [];
    return [
      {
        rule: 'bond-cap',
        field: 'bond',
        zh: `投标保证金不得超过采购预算的2%，即不超过 ¥${yuan(twoPercent)}（政府采购法实施条例第三十三条）`,
        en: `The bid bond may not exceed 2 % of the budget, i.e. ¥${yuan(twoPercent)} (Government Procurement Law Implementing Regulations art. 33)`,
      },
    ];
  }
  const overTwoPercent = input.bond * 50 > input.estimatedPrice;
  const overCeiling = input.bond > CONSTRUCTION_BOND_CEILING_FEN;
  if (!overTwoPercent && !overCeiling) return [];
  const cap = Math.min(twoPercent, CONSTRUCTION_BOND_CEILING_FEN);
  if (overTwoPercent && twoPercent <= CONSTRUCTION_BOND_CEILING_FEN) {
    return [
      {
        rule: 'bond-cap',
        field: 'bond',
        zh: `投标保证金不得超过招标项目估算价的2%，即不超过 ¥${yuan(cap)}（招标投标法实施条例第二十六条）`,
        en: `The bid bond may not exceed 2 % of the estimated contract price, i.e. ¥${yuan(cap)} (Implementing Regulations art. 26)`,
      },
    ];
  }
  return [
    {
      rule: 'bond-cap',
      field: 'bond',
      zh: `施工招标投标保证金最高不得超过80万元，即不超过 ¥${yuan(cap)}（工程建设项目施工招标投标办法第三十七条）`,
      en: `A construction bid bond may not exceed ¥800,000, i.e. ¥${yuan(cap)} (Measures for Construction Tendering art. 37)`,
    },
  ];
}

/**
 * 实施条例 art. 21; 87号令 art. 27: a clarification or amendment that may affect the preparation of
 * bids must be issued at least 15 days before the deadline; when it comes later, the deadline moves
 * so that 15 days remain (same time of day, rolled forward past rest days).
 */
export function deadlineAfterAmendment(
  input: { deadline: Date; issuedAt: Date; affectsBids: boolean },
  calendar: HolidayCalendar,
): { deadline: Date; moved: boolean } {
  if (!input.affectsBids) return { deadline: input.deadline, moved: false };
  const issued = localDateOf(input.issuedAt);
  if (daysBetween(issued, localDateOf(input.deadline)) >= 15) return { deadline: input.deadline, moved: false };
  const newDate = earliestAfterDays(issued, 15, calendar);
  return { deadline: instantOf(newDate, localTimeOf(input.deadline).slice(0, 5)), moved: true };
}

/** 实施条例 art. 22: objections to the tender documents are filed at least 10 days before the deadline. */
export function checkObjectionFiling(input: { deadline: Date; filedAt: Date }): RuleProblem | null {
  const latest = addDays(localDateOf(input.deadline), -10);
  if (localDateOf(input.filedAt) <= latest) return null;
  return {
    rule: 'objection-too-late',
    field: 'filedAt',
    limit: latest,
    zh: `对招标文件的异议应在投标截止时间10日前提出（招标投标法实施条例第二十二条），本项目最迟于 ${latest} 提出`,
    en: `Objections to the tender documents must be filed at least 10 days before the deadline (Implementing Regulations art. 22); for this section by ${latest}`,
  };
}

/** 实施条例 art. 22: the tenderer answers an objection within 3 days of receiving it. */
export function objectionAnswerDue(filedAt: Date): Date {
  return instantOf(addDays(localDateOf(filedAt), 4));
}

/**
 * The least time an objection answered on time leaves before the deadline: filed on the deadline's
 * date − 10 at the latest and answered within the 3 days after, so 7 days remain (实施条例 art. 22).
 */
export const DAYS_AFTER_OBJECTION_ANSWER = 7;

/** When an objection was due to be answered and when it was. */
export interface ObjectionAnswerTimes {
  answerDue: Date;
  answeredAt: Date;
}

/**
 * The dates on which bidding stayed suspended past the 3 days the tenderer had to answer: from the
 * day after the last day of the answer period to the date the answer was published, both counted
 * as `endDateOf` counts a period's end (an answer at 00:00 of a day covers nothing of that day). A
 * minute late is a whole day late (decision 005 counts dates, not hours).
 */
export function overdueDates(times: ObjectionAnswerTimes): LocalDate[] {
  if (times.answeredAt.getTime() <= times.answerDue.getTime()) return [];
  const dates: LocalDate[] = [];
  const last = endDateOf(times.answeredAt);
  for (let day = addDays(endDateOf(times.answerDue), 1); day <= last; day = addDays(day, 1)) dates.push(day);
  return dates;
}

/**
 * 实施条例 art. 22: while an objection is open, bidding is suspended (作出答复前，应当暂停招标投标活动).
 * The tenderer has 3 days to answer; the deadline was set knowing that. An answer that comes later
 * has kept bidders from bidding for longer than the law allows, so the deadline moves by the days
 * the answer was overdue, at the same time of day, and rolls past rest days (民法典 art. 203, as
 * for a late amendment). Two rules together:
 *
 * * **By the overdue days.** Each date on which bidding was held past an answer period counts once,
 *   whatever number of objections held it: the dates already counted for the section's earlier
 *   answers (`earlier`) are not counted again.
 * * **Never less than an on-time answer leaves.** After a late answer at least
 *   `DAYS_AFTER_OBJECTION_ANSWER` (7) days remain, the least an on-time answer can leave. For one
 *   objection the first rule gives this already (the deadline − the last day to answer ≥ 7, and
 *   both move by the same days); it matters when the deadline has already passed while the
 *   objection was open (the deadline's close was held), which must end in a deadline in the future.
 *
 * An answer on time moves nothing.
 */
export function deadlineAfterObjectionAnswer(
  input: { deadline: Date; answer: ObjectionAnswerTimes; earlier?: readonly ObjectionAnswerTimes[] },
  calendar: HolidayCalendar,
): { deadline: Date; moved: boolean; daysOverdue: number; daysAdded: number } {
  const overdue = overdueDates(input.answer);
  if (overdue.length === 0) return { deadline: input.deadline, moved: false, daysOverdue: 0, daysAdded: 0 };
  const counted = new Set((input.earlier ?? []).flatMap(overdueDates));
  const daysAdded = overdue.filter((d) => !counted.has(d)).length;
  const time = localTimeOf(input.deadline).slice(0, 5);
  const byOverdue = daysAdded > 0 ? rollForward(addDays(localDateOf(input.deadline), daysAdded), calendar) : localDateOf(input.deadline);
  const floor = earliestAfterDays(localDateOf(input.answer.answeredAt), DAYS_AFTER_OBJECTION_ANSWER, calendar);
  const date = byOverdue > floor ? byOverdue : floor;
  const deadline = date === localDateOf(input.deadline) ? input.deadline : instantOf(date, time);
  return { deadline, moved: deadline.getTime() !== input.deadline.getTime(), daysOverdue: overdue.length, daysAdded };
}
