import { describe, expect, it } from 'vitest';
import { addDays, calendarOf, daysBetween, EMPTY_CALENDAR, instantOf, localDateOf } from '../calendar/calendar';
import { cnCalendar } from '../calendar/cn-holidays';
import {
  checkBond,
  checkObjectionFiling,
  checkSchedule,
  DAYS_AFTER_OBJECTION_ANSWER,
  deadlineAfterAmendment,
  deadlineAfterObjectionAnswer,
  objectionAnswerDue,
  overdueDates,
  type ScheduleInput,
} from './rules';

const at = (date: string, time = '09:30') => instantOf(date, time);
const rules = (input: Partial<ScheduleInput>, calendar = EMPTY_CALENDAR) =>
  checkSchedule(
    {
      type: 'construction',
      method: 'open',
      documentsFrom: at('2026-12-01'),
      documentsUntil: at('2026-12-07', '17:00'),
      deadline: at('2026-12-22'),
      ...input,
    },
    calendar,
  ).map((p) => p.rule);

describe('20 days from issuing the documents to the deadline (招标投标法 art. 24; 87号令 art. 20)', () => {
  // Documents first issued Tue Dec 1; day 20 is Mon Dec 21.
  it.each([
    ['2026-12-20', ['bid-period']],
    ['2026-12-21', []],
    ['2026-12-22', []],
  ])('deadline %s → %j', (deadline, expected) => {
    expect(rules({ deadline: at(deadline) })).toEqual(expected);
    expect(rules({ type: 'procurement', documentsUntil: at('2026-12-08', '17:00'), deadline: at(deadline) })).toEqual(expected);
  });

  it('names the earliest allowed date, in Chinese and English', () => {
    const [problem] = checkSchedule(
      { type: 'construction', method: 'open', documentsFrom: at('2026-12-01'), documentsUntil: at('2026-12-07'), deadline: at('2026-12-20') },
      EMPTY_CALENDAR,
    );
    expect(problem).toMatchObject({ field: 'deadline', limit: '2026-12-21' });
    expect(problem!.zh).toContain('投标截止日最早为 2026-12-21');
    expect(problem!.en).toContain('the earliest deadline is 2026-12-21');
  });

  it('rolls the 20th day forward past a holiday', () => {
    // Day 20 after Sep 11 is Oct 1 (holiday): the earliest deadline is the first working day after.
    const cal = calendarOf(['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'].map((date) => ({ date, kind: 'holiday' as const })));
    expect(rules({ documentsFrom: at('2026-09-11'), documentsUntil: at('2026-09-17'), deadline: at('2026-10-07') }, cal)).toEqual(['bid-period']);
    expect(rules({ documentsFrom: at('2026-09-11'), documentsUntil: at('2026-09-17'), deadline: at('2026-10-08') }, cal)).toEqual([]);
  });
});

describe('documents available ≥ 5 days (实施条例 art. 16); procurement ≥ 5 working days (87号令 art. 18)', () => {
  it.each([
    ['2026-12-05', ['documents-period']],
    ['2026-12-06', ['documents-period']], // Sunday: the 5th day rolls to Monday Dec 7
    ['2026-12-07', []],
    ['2026-12-08', []],
  ])('construction, documents until %s → %j', (until, expected) => {
    expect(rules({ documentsUntil: at(until, '17:00') })).toEqual(expected);
  });

  // From Tue Dec 1: working days Dec 2, 3, 4, 7, 8 → the 5th working day is Tue Dec 8.
  it.each([
    ['2026-12-07', ['documents-period']],
    ['2026-12-08', []],
    ['2026-12-09', []],
  ])('procurement, documents until %s → %j', (until, expected) => {
    expect(rules({ type: 'procurement', documentsUntil: at(until, '17:00') })).toEqual(expected);
  });

  it('refuses documents that stop before they start or after the deadline', () => {
    expect(rules({ documentsUntil: at('2026-11-30') })).toContain('documents-order');
    expect(rules({ documentsUntil: at('2026-12-23') })).toContain('documents-order');
  });
});

describe('land-use listing (国土资源部令第39号): notice ≥ 20 days ahead, open ≥ 10 days', () => {
  const listing = (listingFrom: string, deadline: string) =>
    rules({ type: 'landUse', method: 'listing', listingFrom: at(listingFrom), documentsUntil: at(deadline), deadline: at(deadline) });
  it.each([
    ['2026-12-20', ['listing-notice']],
    ['2026-12-21', []],
    ['2026-12-22', []],
  ])('listing starts %s → %j', (from, expected) => {
    expect(listing(from, '2027-01-05')).toEqual(expected);
  });
  it.each([
    ['2026-12-30', ['listing-period']],
    ['2026-12-31', []],
    ['2027-01-01', []],
  ])('listing from Dec 21 ends %s → %j', (end, expected) => {
    expect(listing('2026-12-21', end)).toEqual(expected);
  });
});

describe('state-owned property disclosure ≥ 20 working days (国资委、财政部令第32号)', () => {
  // From Tue Dec 1, the 20th working day is Tue Dec 29.
  it.each([
    ['2026-12-28', ['disclosure-period']],
    ['2026-12-29', []],
    ['2026-12-30', []],
  ])('deadline %s → %j', (deadline, expected) => {
    expect(rules({ type: 'stateProperty', method: 'listing', documentsUntil: at(deadline), deadline: at(deadline) })).toEqual(expected);
  });
});

describe('bid bond ≤ 2 % (实施条例 art. 26; 政府采购法实施条例 art. 33)', () => {
  // Estimated price ¥10,000,000.00 = 1,000,000,000 fen: the cap is ¥200,000.00.
  it.each([
    [19_999_999, []],
    [20_000_000, []],
    [20_000_001, ['bond-cap']],
  ])('bond %i fen → %j', (bond, expected) => {
    expect(checkBond({ type: 'construction', estimatedPrice: 1_000_000_000, bond }).map((p) => p.rule)).toEqual(expected);
  });
  it('states the cap in yuan and says budget for procurement, citing procurement law; does not apply to property rights', () => {
    const [problem] = checkBond({ type: 'procurement', estimatedPrice: 1_000_000_000, bond: 30_000_000 });
    expect(problem!.zh).toContain('采购预算的2%，即不超过 ¥200000.00');
    expect(problem!.zh).toContain('政府采购法实施条例第三十三条');
    expect(problem!.zh).not.toContain('招标投标法');
    expect(checkBond({ type: 'stateProperty', estimatedPrice: 100, bond: 30 })).toEqual([]);
  });
});

describe('a late amendment moves the deadline (实施条例 art. 21; 87号令 art. 27)', () => {
  const deadline = at('2026-12-22', '09:30');
  it.each([
    ['2026-12-06', false, '2026-12-22T01:30:00.000Z'], // 16 days before: unchanged
    ['2026-12-07', false, '2026-12-22T01:30:00.000Z'], // exactly 15 days: unchanged
    ['2026-12-08', true, '2026-12-23T01:30:00.000Z'], // 14 days: moves to Dec 23, same time
  ])('issued %s → moved %s, deadline %s', (issued, moved, expected) => {
    const result = deadlineAfterAmendment({ deadline, issuedAt: at(issued, '16:00'), affectsBids: true }, EMPTY_CALENDAR);
    expect(result.moved).toBe(moved);
    expect(result.deadline.toISOString()).toBe(expected);
  });
  it('leaves the deadline when the amendment cannot affect bids, and rolls past a weekend', () => {
    expect(deadlineAfterAmendment({ deadline, issuedAt: at("2026-12-20"), affectsBids: false }, EMPTY_CALENDAR).moved).toBe(false);
    // Issued Sat Dec 12 → day 15 is Sun Dec 27 → Monday Dec 28.
    const moved = deadlineAfterAmendment({ deadline, issuedAt: at('2026-12-12'), affectsBids: true }, EMPTY_CALENDAR);
    expect(moved.deadline.toISOString()).toBe('2026-12-28T01:30:00.000Z');
  });
});

describe('objections to the documents ≥ 10 days before the deadline (实施条例 art. 22)', () => {
  const deadline = at('2026-12-22');
  it.each([
    ['2026-12-11', null],
    ['2026-12-12', null],
    ['2026-12-13', 'objection-too-late'],
  ])('filed %s → %s', (filed, expected) => {
    expect(checkObjectionFiling({ deadline, filedAt: at(filed, '23:59') })?.rule ?? null).toBe(expected);
  });
});

describe('an objection answered late moves the deadline (实施条例 art. 22: bidding is suspended until the answer)', () => {
  // Filed Tue 2026-12-08: the tenderer answers by the end of Fri 12-11 (answerDue Sat 12-12 00:00).
  const filed = at('2026-12-08', '15:00');
  const answerDue = objectionAnswerDue(filed);
  const deadline = at('2026-12-21', '09:30');
  const after = (answeredAt: Date, calendar = EMPTY_CALENDAR) => deadlineAfterObjectionAnswer({ deadline, answer: { answerDue, answeredAt } }, calendar);

  it('gives the tenderer 3 days after the day of filing', () => {
    expect(answerDue.toISOString()).toBe(instantOf('2026-12-12').toISOString());
  });

  it.each([
    // [answered at, days overdue, new deadline]
    [at('2026-12-11', '23:59'), 0, '2026-12-21T01:30:00.000Z'], // the last day: on time, nothing moves
    [instantOf('2026-12-12'), 0, '2026-12-21T01:30:00.000Z'], // 00:00 of the 4th day: the 3 days are just over
    [at('2026-12-12', '00:01'), 1, '2026-12-22T01:30:00.000Z'], // a minute late is a day late
    [at('2026-12-14', '09:00'), 3, '2026-12-24T01:30:00.000Z'], // Sat, Sun, Mon: 3 days, weekends count
    [at('2026-12-16', '09:00'), 5, '2026-12-28T01:30:00.000Z'], // Sat 12-26 → rolled to Mon 12-28
  ])('answered %s → %i days overdue, deadline %s', (answeredAt, days, expected) => {
    const result = after(answeredAt);
    expect(result.daysOverdue).toBe(days);
    expect(result.daysAdded).toBe(days);
    expect(result.moved).toBe(days > 0);
    expect(result.deadline.toISOString()).toBe(expected);
  });

  it('rolls the moved deadline past a statutory holiday (民法典 art. 203)', () => {
    // Deadline Tue 2026-09-29 09:30; filed Sat 09-19 (the latest day), answer due by Tue 09-22;
    // answered Thu 09-24: 2 days overdue → Thu 10-01, 国庆节 (off to 10-07) → Thu 10-08.
    const due = objectionAnswerDue(at('2026-09-19', '10:00'));
    const result = deadlineAfterObjectionAnswer({ deadline: at('2026-09-29', '09:30'), answer: { answerDue: due, answeredAt: at('2026-09-24', '08:00') } }, cnCalendar());
    expect(result).toMatchObject({ moved: true, daysOverdue: 2 });
    expect(result.deadline.toISOString()).toBe(at('2026-10-08', '09:30').toISOString());
    // On an empty calendar the same answer moves it to 10-01 itself.
    expect(deadlineAfterObjectionAnswer({ deadline: at('2026-09-29', '09:30'), answer: { answerDue: due, answeredAt: at('2026-09-24', '08:00') } }, EMPTY_CALENDAR).deadline.toISOString()).toBe(
      at('2026-10-01', '09:30').toISOString(),
    );
  });

  it('moves a deadline that passed while the objection was open into the future', () => {
    // Answered Wed 12-23, two days after the deadline: 12 days overdue (12-12 … 12-23) → Sat 2027-01-02 → Mon 01-04.
    const result = after(at('2026-12-23', '10:00'));
    expect(result).toMatchObject({ moved: true, daysOverdue: 12 });
    expect(result.deadline.toISOString()).toBe(at('2027-01-04', '09:30').toISOString());
  });

  it('counts a day on which several objections held bidding once', () => {
    // A filed 12-01 (due by 12-04) and B filed 12-06 (due by 12-09), both answered Thu 12-10.
    const a = { answerDue: objectionAnswerDue(at('2026-12-01')), answeredAt: at('2026-12-10', '10:00') };
    const b = { answerDue: objectionAnswerDue(at('2026-12-06')), answeredAt: at('2026-12-10', '11:00') };
    expect(overdueDates(a)).toEqual(['2026-12-05', '2026-12-06', '2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10']);
    expect(overdueDates(b)).toEqual(['2026-12-10']);
    const first = deadlineAfterObjectionAnswer({ deadline, answer: a }, EMPTY_CALENDAR);
    expect(first).toMatchObject({ daysOverdue: 6, daysAdded: 6 });
    expect(first.deadline.toISOString()).toBe(at('2026-12-28', '09:30').toISOString()); // 12-27 is a Sunday
    const second = deadlineAfterObjectionAnswer({ deadline: first.deadline, answer: b, earlier: [a] }, EMPTY_CALENDAR);
    expect(second).toMatchObject({ moved: false, daysOverdue: 1, daysAdded: 0 });
    // Either order ends on the same deadline.
    const bFirst = deadlineAfterObjectionAnswer({ deadline, answer: b }, EMPTY_CALENDAR);
    const aSecond = deadlineAfterObjectionAnswer({ deadline: bFirst.deadline, answer: a, earlier: [b] }, EMPTY_CALENDAR);
    expect(aSecond.daysAdded + bFirst.daysAdded).toBe(6);
    expect(aSecond.deadline.toISOString()).toBe(first.deadline.toISOString());
  });

  it('never leaves fewer than 7 days after a late answer', () => {
    // A deadline already behind the answer and overdue days already counted: the floor decides.
    const answer = { answerDue: instantOf('2026-12-12'), answeredAt: at('2026-12-14', '16:00') };
    const result = deadlineAfterObjectionAnswer({ deadline: at('2026-12-14', '09:30'), answer, earlier: [answer] }, EMPTY_CALENDAR);
    expect(result).toMatchObject({ moved: true, daysAdded: 0 });
    expect(result.deadline.toISOString()).toBe(at('2026-12-21', '09:30').toISOString());
  });

  it('leaves, for any filing day of 2026–2027 and any delay, at least the time an on-time answer would have left', () => {
    const calendar = cnCalendar({ projected: true });
    for (let filedDate = '2026-01-01'; filedDate <= '2027-12-31'; filedDate = addDays(filedDate, 1)) {
      const filedAt = at(filedDate, '14:00');
      const due = objectionAnswerDue(filedAt);
      const lastDay = addDays(filedDate, 3);
      for (const lead of [10, 11, 17, 30]) {
        const original = at(addDays(filedDate, lead), '09:30');
        for (const delay of [0, 1, 2, 5, 9, 14]) {
          const answeredAt = at(addDays(lastDay, delay), '16:00');
          const result = deadlineAfterObjectionAnswer({ deadline: original, answer: { answerDue: due, answeredAt } }, calendar);
          const answered = localDateOf(answeredAt);
          const left = daysBetween(answered, localDateOf(result.deadline));
          expect(result.moved).toBe(delay > 0);
          expect(result.daysOverdue).toBe(delay);
          expect(left).toBeGreaterThanOrEqual(daysBetween(lastDay, localDateOf(original)));
          expect(left).toBeGreaterThanOrEqual(DAYS_AFTER_OBJECTION_ANSWER);
          expect(result.deadline.getTime()).toBeGreaterThan(answeredAt.getTime());
        }
      }
    }
  });
});

describe('construction bonds are also capped at ¥800,000 (工程建设项目施工招标投标办法 art. 37)', () => {
  // Estimated price ¥50,000,000: 2 % would be ¥1,000,000, above the ceiling.
  it.each([
    [80_000_000, []],
    [80_000_001, ['bond-cap']],
  ])('bond %i fen on ¥50 million → %j', (bond, expected) => {
    expect(checkBond({ type: 'construction', estimatedPrice: 5_000_000_000, bond }).map((p) => p.rule)).toEqual(expected);
  });
  it('names the ceiling and its article; procurement has no such ceiling', () => {
    const [problem] = checkBond({ type: 'construction', estimatedPrice: 5_000_000_000, bond: 90_000_000 });
    expect(problem!.zh).toContain('最高不得超过80万元，即不超过 ¥800000.00（工程建设项目施工招标投标办法第三十七条）');
    expect(checkBond({ type: 'procurement', estimatedPrice: 5_000_000_000, bond: 90_000_000 })).toEqual([]);
  });
});

describe('type and method go together (no side door past the periods)', () => {
  it.each([
    ['construction', 'auction'],
    ['construction', 'listing'],
    ['procurement', 'listing'],
    ['landUse', 'open'],
    ['stateProperty', 'invited'],
  ] as const)('%s by %s is refused, even with a 3-day deadline that would otherwise slip through', (type, method) => {
    const problems = rules({ type, method, documentsUntil: at('2026-12-03', '17:00'), deadline: at('2026-12-04'), listingFrom: at('2026-12-02') });
    expect(problems).toContain('method-type');
  });
  it('says which methods the type allows', () => {
    const [problem] = checkSchedule({ type: 'construction', method: 'auction', documentsFrom: at('2026-12-01'), documentsUntil: at('2026-12-07', '17:00'), deadline: at('2026-12-22') }, EMPTY_CALENDAR);
    expect(problem).toMatchObject({ rule: 'method-type', field: 'method' });
    expect(problem!.zh).toBe('工程建设项目只能采用公开招标或邀请招标方式，不能采用拍卖');
  });
  it('a land-use auction needs its 20-day notice too', () => {
    expect(rules({ type: 'landUse', method: 'auction', documentsUntil: at('2026-12-03', '17:00'), deadline: at('2026-12-04') })).toEqual(['listing-notice']);
    expect(rules({ type: 'landUse', method: 'auction', documentsUntil: at('2026-12-20', '17:00'), deadline: at('2026-12-21') })).toEqual([]);
  });
});

describe('periods count times as well as dates', () => {
  // Documents from Wed Dec 2: day 5 is Mon Dec 7.
  it('documents obtainable until 00:00 of day 5 is four days; until 00:01 of day 5 reaches day 5', () => {
    expect(rules({ documentsFrom: at('2026-12-02'), documentsUntil: at('2026-12-07', '00:00'), deadline: at('2026-12-23') })).toEqual(['documents-period']);
    expect(rules({ documentsFrom: at('2026-12-02'), documentsUntil: at('2026-12-07', '00:01'), deadline: at('2026-12-23') })).toEqual([]);
  });
  // Documents from Tue Dec 1: day 20 is Mon Dec 21.
  it('a deadline at 00:00 of day 20 leaves 19 days; 00:00 of the day after covers day 20 whole', () => {
    expect(rules({ deadline: at('2026-12-21', '00:00') })).toEqual(['bid-period']);
    expect(rules({ deadline: at('2026-12-21', '09:30') })).toEqual([]);
    expect(rules({ deadline: at('2026-12-22', '00:00') })).toEqual([]);
  });
  it('procurement: the bid period cites the procurement law, not the tendering law', () => {
    const [problem] = checkSchedule({ type: 'procurement', method: 'open', documentsFrom: at('2026-12-01'), documentsUntil: at('2026-12-08', '17:00'), deadline: at('2026-12-10') }, EMPTY_CALENDAR);
    expect(problem!.zh).toContain('政府采购法第三十五条');
    expect(problem!.zh).not.toContain('招标投标法');
  });
});

describe('working days need the holiday calendar of every year they cross', () => {
  const covered = (years: number[]) => ({ ...EMPTY_CALENDAR, years: new Set(years) });
  it('a procurement whose 5 working days run into a year with no calendar is refused, naming the year, for the centre', () => {
    const input = { type: 'procurement' as const, method: 'open' as const, documentsFrom: at('2027-12-28'), documentsUntil: at('2028-01-05', '17:00'), deadline: at('2028-01-20') };
    const problems = checkSchedule(input, covered([2027]));
    expect(problems.map((p) => [p.rule, p.field])).toEqual([['calendar-missing', 'documentsUntil']]);
    expect(problems[0]!.zh).toContain('尚未录入 2028 年的法定节假日安排');
    expect(problems[0]!.zh).toContain('请交易中心在“节假日设置”中录入');
    expect(checkSchedule(input, covered([2027, 2028]))).toEqual([]);
  });
  it('state-owned property disclosure too; a calendar-day rule only rolls past what is loaded', () => {
    const disclosure = { type: 'stateProperty' as const, method: 'listing' as const, documentsFrom: at('2026-12-01'), documentsUntil: at('2027-01-10'), deadline: at('2027-01-11') };
    expect(checkSchedule(disclosure, covered([2026])).map((p) => p.rule)).toEqual(['calendar-missing']);
    expect(checkSchedule(disclosure, covered([2026, 2027]))).toEqual([]);
    expect(rules({ documentsFrom: at('2026-12-30'), documentsUntil: at('2027-01-06', '17:00'), deadline: at('2027-01-20') }, covered([2026]))).toEqual([]);
  });
});
