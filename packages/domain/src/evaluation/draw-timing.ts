/**
 * When a government procurement draw may be taken: 政府采购评审专家管理办法 (财库〔2016〕198号) art. 13,
 * "抽取评审专家的开始时间原则上不得早于评审活动开始前2个工作日", except for competitive negotiation
 * and consultation and for off-site evaluation (异地评审). And for every type: before the evaluation
 * starts. Counted on China Standard Time dates with the deployment's holiday calendar (decision 005).
 */
import { addDays, localDateOf, missingYears, workingDaysBetween, type HolidayCalendar, type LocalDate } from '../calendar/calendar';
import type { TransactionType } from '../tender/types';

export type DrawTimingRule = 'draw-after-start' | 'draw-too-early' | 'calendar-missing';

export interface DrawTimingProblem {
  rule: DrawTimingRule;
  zh: string;
  en: string;
  /** The earliest date the draw may be taken on, when that is the problem. */
  limit?: LocalDate;
}

/** Working days a procurement draw may come before the evaluation (财库〔2016〕198号 art. 13). */
export const PROCUREMENT_DRAW_WORKING_DAYS = 2;

/** The earliest date from which at most `PROCUREMENT_DRAW_WORKING_DAYS` working days remain to the evaluation date. */
export function earliestProcurementDrawDate(evaluationDate: LocalDate, calendar: HolidayCalendar): LocalDate {
  let day = evaluationDate;
  while (workingDaysBetween(addDays(day, -1), evaluationDate, calendar) <= PROCUREMENT_DRAW_WORKING_DAYS) day = addDays(day, -1);
  return day;
}

export function checkDrawTiming(
  input: { type: TransactionType; drawAt: Date; evaluationStartsAt: Date; offSite?: boolean; negotiated?: boolean },
  calendar: HolidayCalendar,
): DrawTimingProblem[] {
  if (input.drawAt.getTime() >= input.evaluationStartsAt.getTime()) {
    return [{ rule: 'draw-after-start', zh: '专家抽取应在评标开始之前进行', en: 'The experts are drawn before the evaluation starts' }];
  }
  if (input.type !== 'procurement' || input.offSite || input.negotiated) return [];
  const evaluation = localDateOf(input.evaluationStartsAt);
  const draw = localDateOf(input.drawAt);
  const missing = missingYears(addDays(evaluation, -31), evaluation, calendar);
  if (missing.length > 0) {
    return [
      {
        rule: 'calendar-missing',
        zh: `尚未录入 ${missing.join('、')} 年的法定节假日安排，无法按工作日计算抽取时间；请交易中心在“节假日设置”中录入后再试`,
        en: `The ${missing.join(', ')} public-holiday calendar is not loaded, so working days cannot be counted; the trading centre must load it under Holidays first`,
      },
    ];
  }
  const earliest = earliestProcurementDrawDate(evaluation, calendar);
  if (draw >= earliest) return [];
  return [
    {
      rule: 'draw-too-early',
      limit: earliest,
      zh: `政府采购评审专家的抽取时间原则上不得早于评审活动开始前2个工作日（财库〔2016〕198号第十三条），本项目最早于 ${earliest} 抽取`,
      en: `Procurement experts are drawn no earlier than 2 working days before the evaluation starts (MOF Caiku [2016] 198 art. 13); for this evaluation from ${earliest}`,
    },
  ];
}
