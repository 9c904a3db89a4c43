/**
 * The committee's result (评标结果), docs/evaluation-scoring.md §4–§7: the qualification review by
 * majority, per-bid per-criterion averages of the experts' scores (without the highest and the lowest
 * where the method says so), the price scores from the opening record, scores far from the others
 * flagged, totals, and the ranking with a written tie rule, of which at most 3 are candidates
 * (实施条例 art. 53).
 */
import { z } from 'zod';
import { AppError } from '../errors';
import type { ScoringMethod } from '../tender/scoring';
import { abs, add, cmp, fromDecimal, int, mul, roundHalfUp, sub, toCenti, type Fraction } from './scoring-exact';
import { compareBytes, evaluatePrices, type PriceEvaluation, type PriceScore } from './scoring-price';
import { parseQualificationSheet, parseScoreSheet, type QualificationItem, type QualificationSheet, type ScoreSheet } from './scoring-sheet';

/** A bid as the opening record has it. */
export interface OpeningRecordBid {
  bidId: string;
  /** The bidder's 统一社会信用代码 (the last step of the tie rule). */
  creditCode: string;
  priceFen: number;
  /** When the platform received the bid (its receipt time). */
  receivedAt: Date;
}

export interface ItemConclusion {
  key: string;
  name: string;
  passes: number;
  fails: number;
  /** More than half of the sheets pass the item. */
  passed: boolean;
  /** The reasons of the experts who failed it, in expertId byte order. */
  reasons: Array<{ expertId: string; reason: string }>;
}

export interface BidQualification {
  bidId: string;
  /** Every item passed by a majority. */
  qualified: boolean;
  items: ItemConclusion[];
}

const invalid = (zh: string, en: string, reason: string, details: Record<string, string | number> = {}) =>
  new AppError('INVALID_INPUT', { zh, en }, { reason, ...details });

function checkExperts(sheets: readonly { expertId: string }[]): void {
  if (sheets.length === 0) throw invalid('尚无专家提交评审表', 'no expert has submitted a sheet', 'no-sheets');
  const seen = new Set<string>();
  for (const s of sheets) {
    if (seen.has(s.expertId)) throw invalid(`专家 ${s.expertId} 提交了两份评审表`, `expert ${s.expertId} has two sheets`, 'duplicate-sheet', { expertId: s.expertId });
    seen.add(s.expertId);
  }
}

/**
 * The committee's qualification review: an item passes when strictly more than half of the sheets pass
 * it (a tie fails it); a bid is qualified when every item passes. Each sheet is validated first.
 */
export function committeeQualification(
  section: { bidIds: readonly string[]; qualificationItems: readonly QualificationItem[] },
  sheets: readonly unknown[],
): BidQualification[] {
  const parsed: QualificationSheet[] = sheets.map((s) => parseQualificationSheet(section, s));
  checkExperts(parsed);
  const ordered = [...parsed].sort((a, b) => compareBytes(a.expertId, b.expertId));
  return section.bidIds.map((bidId) => {
    const items = section.qualificationItems.map((def) => {
      let passes = 0;
      const reasons: ItemConclusion['reasons'] = [];
      for (const sheet of ordered) {
        const answer = sheet.qualification.find((q) => q.bidId === bidId)!.items.find((i) => i.key === def.key)!;
        if (answer.passed) passes++;
        else reasons.push({ expertId: sheet.expertId, reason: answer.reason! });
      }
      const fails = ordered.length - passes;
      return { key: def.key, name: def.name, passes, fails, passed: 2 * passes > ordered.length, reasons };
    });
    return { bidId, qualified: items.every((i) => i.passed), items };
  });
}

/** A score far from the others, confirmed by its expert with a reason (a revision is simply a new sheet). */
export const outlierConfirmationSchema = z.object({
  expertId: z.string().min(1),
  bidId: z.string().min(1),
  criterionKey: z.string().min(1),
  /** The score confirmed: a confirmation holds only while the score is still this one. */
  points: z.number({ error: '请填写所确认的评分 / give the score you confirm' }),
  reason: z
    .string({ error: '请填写确认理由 / give the reason for keeping the score' })
    .trim()
    .min(1, { error: '请填写确认理由 / give the reason for keeping the score' })
    .max(500, { error: '理由不能超过 500 个字 / the reason is at most 500 characters' }),
});
export type OutlierConfirmation = z.infer<typeof outlierConfirmationSchema>;

/** An expert's score whose distance from the mean of the other experts' scores exceeds the limit. */
export interface Outlier {
  bidId: string;
  criterionKey: string;
  expertId: string;
  points: number;
  /** The mean of the other experts' scores on this criterion and bid (2 decimals, for display). */
  meanOfOthers: number;
  /** |points − meanOfOthers| (2 decimals, for display; the test is exact). */
  deviation: number;
  /** threshold × the criterion's maximum. */
  limit: number;
  confirmed: boolean;
  reason?: string;
}

export interface ExpertScore {
  expertId: string;
  points: number;
  /** Left out of the average as the highest or the lowest score. */
  dropped: boolean;
}

export interface CriterionResult {
  key: string;
  name: string;
  category: 'technical' | 'commercial';
  maxPoints: number;
  /** In expertId byte order. */
  expertScores: ExpertScore[];
  /** Whether the highest and lowest scores were left out (the method says so and there are ≥ 3 scores). */
  extremesDropped: boolean;
  /** The average, rounded half up to 2 decimals. */
  average: number;
  averageCenti: number;
}

export interface BidResult {
  bidId: string;
  creditCode: string;
  priceFen: number;
  receivedAt: Date;
  criteria: CriterionResult[];
  /** Absent for the lowest evaluated price method. */
  priceScore?: PriceScore;
  /** The sum of the technical criteria's averages. */
  technical: number;
  technicalCenti: number;
  /** The sum of every criterion's rounded average and the rounded price score. */
  total: number;
  totalCenti: number;
  /** 1 = first. */
  rank: number;
}

export interface RankedCandidate {
  rank: number;
  bidId: string;
  creditCode: string;
  priceFen: number;
  total: number;
}

export interface CommitteeResult {
  kind: ScoringMethod['kind'];
  qualification: BidQualification[];
  price: PriceEvaluation;
  /** Qualified bids in rank order. */
  ranking: BidResult[];
  /** The ranked winning candidates (中标候选人), at most 3. */
  candidates: RankedCandidate[];
  outliers: Outlier[];
  /** No outlier is waiting for its expert to confirm or revise it. */
  final: boolean;
}

export interface CommitteeResultInput {
  method: ScoringMethod;
  bids: readonly OpeningRecordBid[];
  qualificationItems: readonly QualificationItem[];
  /** Every member's sheet (validated here against the committee's qualification). */
  sheets: readonly unknown[];
  /** Fraction of a criterion's maximum beyond which a score is an outlier; default 0.3. */
  outlierThreshold?: number;
  confirmations?: readonly OutlierConfirmation[];
  /** How many ranked candidates, 1 to 3; default 3. */
  candidateCount?: number;
}

export const DEFAULT_OUTLIER_THRESHOLD = 0.3;
export const MAX_CANDIDATES = 3;

const pointsToCenti = (points: number): bigint => {
  const f = fromDecimal(points);
  return (f.n * 100n) / f.d; // exact: scores have at most 2 decimals
};
const centiNumber = (f: Fraction) => toCenti(f) / 100;

interface Pick {
  expertId: string;
  centi: bigint;
}

/** The one highest (first in expertId order among equals) and one lowest (last among equals) to leave out. */
function extremes(scores: readonly Pick[]): Set<string> {
  const top = scores.reduce((m, s) => (s.centi > m ? s.centi : m), scores[0]!.centi);
  const bottom = scores.reduce((m, s) => (s.centi < m ? s.centi : m), scores[0]!.centi);
  const high = scores.find((s) => s.centi === top)!;
  const low = [...scores].reverse().find((s) => s.centi === bottom)!;
  return new Set([high.expertId, low.expertId]);
}

/**
 * The outlier rule: a score s among n ≥ 2 scores on one criterion of one bid is an outlier when
 * |s − mean of the other n − 1 scores| > threshold × maxPoints (strictly), computed exactly. All n
 * scores take part (dropping the extremes for the average does not hide them from this test).
 */
export function findOutliers(
  scores: readonly { expertId: string; points: number }[],
  maxPoints: number,
  threshold: number = DEFAULT_OUTLIER_THRESHOLD,
): Array<{ expertId: string; points: number; meanOfOthers: number; deviation: number; limit: number }> {
  checkThreshold(threshold);
  const n = scores.length;
  if (n < 2) return [];
  const limit = mul(fromDecimal(threshold), fromDecimal(maxPoints));
  const values = scores.map((s) => fromDecimal(s.points));
  const sum = values.reduce((a, b) => add(a, b), int(0));
  const found = [];
  for (let i = 0; i < n; i++) {
    const others = sub(sum, values[i]!);
    const mean: Fraction = { n: others.n, d: others.d * BigInt(n - 1) };
    const deviation = abs(sub(values[i]!, mean));
    if (cmp(deviation, limit) > 0) {
      found.push({ expertId: scores[i]!.expertId, points: scores[i]!.points, meanOfOthers: centiNumber(mean), deviation: centiNumber(deviation), limit: centiNumber(limit) });
    }
  }
  return found;
}

function checkThreshold(threshold: number): void {
  if (!(Number.isFinite(threshold) && threshold > 0 && threshold <= 1)) {
    throw invalid(
      `偏离阈值应大于 0 且不超过 1（评分项满分的比例），现为 ${threshold}`,
      `the outlier threshold is a fraction of the criterion maximum, above 0 and at most 1; it is ${threshold}`,
      'invalid-threshold',
    );
  }
}

function checkBids(bids: readonly OpeningRecordBid[]): void {
  const seen = new Set<string>();
  for (const b of bids) {
    if (seen.has(b.bidId)) throw invalid(`投标 ${b.bidId} 重复`, `bid ${b.bidId} appears twice`, 'duplicate-bid', { bidId: b.bidId });
    seen.add(b.bidId);
    if (!(b.receivedAt instanceof Date) || Number.isNaN(b.receivedAt.getTime())) {
      throw invalid(`投标 ${b.bidId} 的递交时间无效`, `the receipt time of bid ${b.bidId} is not a valid date`, 'invalid-receipt-time', { bidId: b.bidId });
    }
    if (typeof b.creditCode !== 'string' || b.creditCode === '') {
      throw invalid(`投标 ${b.bidId} 缺少投标人统一社会信用代码`, `bid ${b.bidId} has no bidder credit code`, 'invalid-credit-code', { bidId: b.bidId });
    }
  }
}

/**
 * The tie rule (docs/evaluation-scoring.md §6). Scored methods: higher total, then lower price, then
 * higher technical score, then earlier receipt, then the credit code in byte order (then the bid id,
 * for two bids of one bidder). Lowest evaluated price: lower price, then higher total, then the same.
 */
export function compareBids(kind: ScoringMethod['kind'], a: BidResult, b: BidResult): number {
  const byTotal = b.totalCenti - a.totalCenti;
  const byPrice = a.priceFen - b.priceFen;
  const first = kind === 'lowestEvaluatedPrice' ? [byPrice, byTotal] : [byTotal, byPrice];
  for (const d of first) if (d !== 0) return d;
  return (
    b.technicalCenti - a.technicalCenti ||
    a.receivedAt.getTime() - b.receivedAt.getTime() ||
    compareBytes(a.creditCode, b.creditCode) ||
    compareBytes(a.bidId, b.bidId)
  );
}

export function computeCommitteeResult(input: CommitteeResultInput): CommitteeResult {
  const { method, bids, qualificationItems } = input;
  const threshold = input.outlierThreshold ?? DEFAULT_OUTLIER_THRESHOLD;
  checkThreshold(threshold);
  const candidateCount = input.candidateCount ?? MAX_CANDIDATES;
  if (!Number.isInteger(candidateCount) || candidateCount < 1 || candidateCount > MAX_CANDIDATES) {
    throw new AppError(
      'RULE_VIOLATION',
      { zh: `中标候选人应为 1 至 3 名（招标投标法实施条例第五十三条），现为 ${candidateCount} 名`, en: `there are 1 to 3 ranked candidates (Implementing Regulations art. 53); asked for ${candidateCount}` },
      { reason: 'candidate-count', count: candidateCount },
    );
  }
  checkBids(bids);
  const bidIds = bids.map((b) => b.bidId);
  const qualification = committeeQualification({ bidIds, qualificationItems }, input.sheets);
  const inScoring = qualification.filter((q) => q.qualified).map((q) => q.bidId);
  const sheets: ScoreSheet[] = input.sheets
    .map((s) => parseScoreSheet(method, { bidIds, qualificationItems, inScoring }, s))
    .sort((a, b) => compareBytes(a.expertId, b.expertId));
  const price = evaluatePrices(method, bids.map((b) => ({ bidId: b.bidId, priceFen: b.priceFen, qualified: inScoring.includes(b.bidId) })));
  const confirmations = (input.confirmations ?? []).map((c) => outlierConfirmationSchema.parse(c));
  const drop = method.dropHighestAndLowestExpertScores === true;

  const outliers: Outlier[] = [];
  const results: BidResult[] = bids
    .filter((b) => inScoring.includes(b.bidId))
    .map((bid) => {
      const criteria: CriterionResult[] = [];
      for (const c of method.criteria) {
        if (c.category === 'price') continue;
        const picks: Pick[] = sheets.map((s) => ({ expertId: s.expertId, centi: pointsToCenti(s.scores.find((e) => e.bidId === bid.bidId)!.points[c.key]!) }));
        const extremesDropped = drop && picks.length >= 3;
        const left = extremesDropped ? extremes(picks) : new Set<string>();
        const kept = picks.filter((p) => !left.has(p.expertId));
        const averageCenti = Number(roundHalfUp({ n: kept.reduce((a, p) => a + p.centi, 0n), d: BigInt(kept.length) }, 1n));
        const expertScores = picks.map((p) => ({ expertId: p.expertId, points: Number(p.centi) / 100, dropped: left.has(p.expertId) }));
        criteria.push({ key: c.key, name: c.name, category: c.category, maxPoints: c.maxPoints, expertScores, extremesDropped, average: averageCenti / 100, averageCenti });
        for (const o of findOutliers(expertScores, c.maxPoints, threshold)) {
          const confirmation = confirmations.find((k) => k.expertId === o.expertId && k.bidId === bid.bidId && k.criterionKey === c.key && k.points === o.points);
          outliers.push({ bidId: bid.bidId, criterionKey: c.key, ...o, confirmed: confirmation !== undefined, ...(confirmation ? { reason: confirmation.reason } : {}) });
        }
      }
      const priceScore = 'scores' in price ? price.scores.find((s) => s.bidId === bid.bidId) : undefined;
      const technicalCenti = criteria.filter((c) => c.category === 'technical').reduce((a, c) => a + c.averageCenti, 0);
      const totalCenti = criteria.reduce((a, c) => a + c.averageCenti, 0) + (priceScore?.centi ?? 0);
      return {
        bidId: bid.bidId,
        creditCode: bid.creditCode,
        priceFen: bid.priceFen,
        receivedAt: bid.receivedAt,
        criteria,
        ...(priceScore ? { priceScore } : {}),
        technical: technicalCenti / 100,
        technicalCenti,
        total: totalCenti / 100,
        totalCenti,
        rank: 0,
      };
    });
  results.sort((a, b) => compareBids(method.kind, a, b));
  results.forEach((r, i) => (r.rank = i + 1));
  const candidates = results.slice(0, candidateCount).map((r) => ({ rank: r.rank, bidId: r.bidId, creditCode: r.creditCode, priceFen: r.priceFen, total: r.total }));
  return { kind: method.kind, qualification, price, ranking: results, candidates, outliers, final: outliers.every((o) => o.confirmed) };
}
