/**
 * One expert's sheet (评分表): the qualification review item by item, then the scores of every
 * non-price criterion for every bid still in scoring (docs/evaluation-scoring.md §3). The price score
 * is never on a sheet: it is computed from the opening record (scoring-price.ts).
 *
 * The schemas are built for one section (its bids, its qualification items, its scoring method), so
 * each refusal names the bid and the criterion, Chinese first, English second.
 */
import { z } from 'zod';
import { AppError } from '../errors';
import type { ScoringMethod } from '../tender/scoring';
import { hasAtMostDecimals } from './scoring-exact';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const id = (zh: string, en: string) =>
  z.string({ error: `请填写${zh} / ${en} is required` }).regex(ID, { error: `${zh}应为 1–64 个字母、数字或 . _ : - / ${en} must be 1–64 letters, digits or . _ : -` });

/** A qualification review item (资格审查/符合性审查项) of the tender documents. */
export const qualificationItemSchema = z.object({
  key: id('审查项代号', 'the review item key'),
  name: z.string().trim().min(1, { error: '请填写审查项名称 / name the review item' }).max(100),
});
export type QualificationItem = z.infer<typeof qualificationItemSchema>;

const REASON_MAX = 500;
const reviewItem = z.object({
  key: z.string({ error: '请填写审查项代号 / the review item key is required' }),
  passed: z.boolean({ error: '请选择通过或不通过 / choose pass or fail' }),
  reason: z
    .string({ error: '理由应为文字 / the reason is text' })
    .trim()
    .max(REASON_MAX, { error: `理由不能超过 ${REASON_MAX} 个字 / the reason is at most ${REASON_MAX} characters` })
    .optional(),
});

const bidReview = z.object({ bidId: id('投标标识', 'the bid id'), items: z.array(reviewItem) });

const bidScores = z.object({
  bidId: id('投标标识', 'the bid id'),
  points: z.record(z.string(), z.number({ error: '评分应为数字 / a score is a number' })),
});

const qualificationShape = {
  expertId: id('专家标识', 'the expert id'),
  qualification: z.array(bidReview, { error: '请逐项填写资格审查 / the qualification review is required' }),
};

export type QualificationSheet = z.infer<z.ZodObject<typeof qualificationShape>>;
export type ScoreSheet = QualificationSheet & { scores: Array<z.infer<typeof bidScores>> };

/** The section a sheet belongs to. */
export interface SheetContext {
  /** Every bid opened in the section (the ones the review covers). */
  bidIds: readonly string[];
  qualificationItems: readonly QualificationItem[];
  /**
   * The bids in scoring: those the committee kept after its qualification review
   * (committeeQualification). Without it, the bids this sheet passes on every item.
   */
  inScoring?: readonly string[];
}

/** The bids a sheet passes on every qualification item. */
export function sheetPassedBidIds(sheet: QualificationSheet): string[] {
  return sheet.qualification.filter((q) => q.items.every((i) => i.passed)).map((q) => q.bidId);
}

type Ctx = z.core.$RefinementCtx<QualificationSheet>;
const issue = (ctx: Ctx, path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

function refineQualification(sheet: QualificationSheet, ctx: Ctx, section: SheetContext): void {
  const bids = new Set(section.bidIds);
  const items = new Map(section.qualificationItems.map((i) => [i.key, i]));
  const reviewed = new Set<string>();
  sheet.qualification.forEach((review, r) => {
    const at = ['qualification', r];
    if (!bids.has(review.bidId)) return issue(ctx, [...at, 'bidId'], `投标 ${review.bidId} 不属于本标段 / bid ${review.bidId} is not in this section`);
    if (reviewed.has(review.bidId)) return issue(ctx, [...at, 'bidId'], `投标 ${review.bidId} 的资格审查填写了两次 / bid ${review.bidId} is reviewed twice`);
    reviewed.add(review.bidId);
    const seen = new Set<string>();
    review.items.forEach((item, i) => {
      const def = items.get(item.key);
      if (!def) return issue(ctx, [...at, 'items', i, 'key'], `审查项 ${item.key} 不在招标文件中 / review item ${item.key} is not in the tender documents`);
      if (seen.has(item.key)) return issue(ctx, [...at, 'items', i, 'key'], `投标 ${review.bidId} 的审查项「${def.name}」填写了两次 / review item "${def.name}" of bid ${review.bidId} appears twice`);
      seen.add(item.key);
      if (!item.passed && !item.reason) {
        issue(ctx, [...at, 'items', i, 'reason'], `投标 ${review.bidId} 的审查项「${def.name}」不通过，请填写理由 / review item "${def.name}" of bid ${review.bidId} fails: give the reason`);
      }
    });
    for (const def of section.qualificationItems) {
      if (!seen.has(def.key)) issue(ctx, [...at, 'items'], `投标 ${review.bidId} 的审查项「${def.name}」未填写 / review item "${def.name}" of bid ${review.bidId} is not answered`);
    }
  });
  for (const bidId of section.bidIds) {
    if (!reviewed.has(bidId)) issue(ctx, ['qualification'], `投标 ${bidId} 未进行资格审查 / bid ${bidId} is not reviewed`);
  }
}

function refineScores(sheet: ScoreSheet, ctx: Ctx, method: ScoringMethod, section: SheetContext): void {
  const bids = new Set(section.bidIds);
  const inScoring = new Set(section.inScoring ?? sheetPassedBidIds(sheet));
  const criteria = new Map(method.criteria.map((c) => [c.key, c]));
  const scored = new Set<string>();
  sheet.scores.forEach((entry, s) => {
    const at = ['scores', s];
    if (!bids.has(entry.bidId)) return issue(ctx, [...at, 'bidId'], `投标 ${entry.bidId} 不属于本标段 / bid ${entry.bidId} is not in this section`);
    if (!inScoring.has(entry.bidId)) {
      return issue(ctx, [...at, 'bidId'], `投标 ${entry.bidId} 未通过资格审查，不参与评分 / bid ${entry.bidId} failed the qualification review and is not scored`);
    }
    if (scored.has(entry.bidId)) return issue(ctx, [...at, 'bidId'], `投标 ${entry.bidId} 评分填写了两次 / bid ${entry.bidId} is scored twice`);
    scored.add(entry.bidId);
    for (const [key, points] of Object.entries(entry.points)) {
      const c = criteria.get(key);
      const where = [...at, 'points', key];
      if (!c) {
        issue(ctx, where, `评分项 ${key} 不在评标办法中 / criterion ${key} is not in the scoring method`);
      } else if (c.category === 'price') {
        issue(ctx, where, `「${c.name}」由系统按评标办法的公式根据开标记录计算，不能录入 / "${c.name}" is computed from the opening record by the method's formula and cannot be typed`);
      } else if (!Number.isFinite(points) || points < 0) {
        issue(ctx, where, `投标 ${entry.bidId} 的「${c.name}」评分不能为负 / the score for "${c.name}" of bid ${entry.bidId} cannot be negative`);
      } else if (points > c.maxPoints) {
        issue(ctx, where, `投标 ${entry.bidId} 的「${c.name}」评分 ${points} 超过满分 ${c.maxPoints} / the score ${points} for "${c.name}" of bid ${entry.bidId} exceeds its maximum of ${c.maxPoints}`);
      } else if (!hasAtMostDecimals(points, 2)) {
        issue(ctx, where, `投标 ${entry.bidId} 的「${c.name}」评分最多保留两位小数 / the score for "${c.name}" of bid ${entry.bidId} has at most 2 decimals`);
      }
    }
    for (const c of method.criteria) {
      if (c.category !== 'price' && !(c.key in entry.points)) {
        issue(ctx, [...at, 'points'], `投标 ${entry.bidId} 的「${c.name}」未评分 / "${c.name}" of bid ${entry.bidId} is not scored`);
      }
    }
  });
  for (const bidId of section.bidIds) {
    if (inScoring.has(bidId) && !scored.has(bidId)) issue(ctx, ['scores'], `投标 ${bidId} 未评分 / bid ${bidId} is not scored`);
  }
}

/** The first phase: the qualification review alone. */
export function qualificationSheetSchema(section: SheetContext) {
  return z.object(qualificationShape).superRefine((sheet, ctx) => refineQualification(sheet, ctx, section));
}

/** The whole sheet: the qualification review and the scores of every bid in scoring. */
export function scoreSheetSchema(method: ScoringMethod, section: SheetContext) {
  return z
    .object({ ...qualificationShape, scores: z.array(bidScores, { error: '请填写评分 / the scores are required' }) })
    .superRefine((sheet, ctx) => {
      refineQualification(sheet, ctx, section);
      refineScores(sheet, ctx, method, section);
    });
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, reason: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const split = parsed.error.issues.map((i) => {
    const at = i.message.indexOf(' / ');
    return at < 0 ? [i.message, i.message] : [i.message.slice(0, at), i.message.slice(at + 3)];
  });
  throw new AppError(
    'INVALID_INPUT',
    { zh: split.map((s) => s[0]).join('；'), en: split.map((s) => s[1]).join('; ') },
    { reason, field: parsed.error.issues[0]!.path.join('.'), problems: split.length },
  );
}

/** Validates a qualification sheet; refuses (INVALID_INPUT) with every problem in the message. */
export function parseQualificationSheet(section: SheetContext, value: unknown): QualificationSheet {
  return parseWith(qualificationSheetSchema(section), value, 'invalid-qualification-sheet');
}

/** Validates a score sheet against the method; refuses (INVALID_INPUT) with every problem in the message. */
export function parseScoreSheet(method: ScoringMethod, section: SheetContext, value: unknown): ScoreSheet {
  return parseWith(scoreSheetSchema(method, section), value, 'invalid-score-sheet');
}
