/**
 * Price scores (价格分), computed by the scoring method's formula from the prices of the opening
 * record (开标一览表 priceFen), never typed by an expert (DESIGN.md §3, docs/evaluation-scoring.md §2).
 * Only bids that passed the qualification review are valid; the others get no price score and do not
 * count towards the benchmark or the lowest valid price.
 */
import { AppError } from '../errors';
import type { ScoringMethod } from '../tender/scoring';
import { abs, cmp, div, fromDecimal, int, max, mul, roundHalfUp, sub, toCenti, type Fraction } from './scoring-exact';

export interface PricedBid {
  bidId: string;
  /** The price read out at the opening, whole fen. */
  priceFen: number;
  /** Passed the committee's qualification review (资格审查/符合性审查). */
  qualified: boolean;
}

export interface PriceScore {
  bidId: string;
  priceFen: number;
  /** The price score, rounded half up to 2 decimals. */
  points: number;
  /** The same in hundredths of a point (an integer: the figure totals are summed from). */
  centi: number;
  /** Comprehensive method only: (price − benchmark) / benchmark × 100, rounded half away from zero to 2 decimals. */
  deviationPercent?: number;
}

export interface BenchmarkPriceEvaluation {
  kind: 'comprehensive';
  criterionKey: string;
  maxPoints: number;
  /** The benchmark price (评标基准价), whole fen; null when no bid is valid. */
  benchmarkFen: number | null;
  /** Whether the highest and lowest valid prices were left out of the mean (only with ≥ 3 valid bids). */
  extremesDropped: boolean;
  /** The bids whose prices were left out of the mean (one highest, one lowest), else empty. */
  droppedBidIds: string[];
  scores: PriceScore[];
  /** Bids that failed qualification: no price score. */
  excludedBidIds: string[];
}

export interface LowPriceEvaluation {
  kind: 'procurementLowPrice';
  criterionKey: string;
  maxPoints: number;
  /** The lowest valid price (评标基准价 of 87号令 art. 55), whole fen; null when no bid is valid. */
  lowestValidPriceFen: number | null;
  scores: PriceScore[];
  excludedBidIds: string[];
}

export interface EvaluatedPriceOrder {
  kind: 'lowestEvaluatedPrice';
  /** Valid bids by evaluated price, lowest first (ties in bidId byte order here; the ranking breaks them by its tie rule). */
  order: Array<{ bidId: string; priceFen: number }>;
  excludedBidIds: string[];
}

export type PriceEvaluation = BenchmarkPriceEvaluation | LowPriceEvaluation | EvaluatedPriceOrder;

const invalid = (zh: string, en: string, reason: string, details: Record<string, string | number> = {}) =>
  new AppError('INVALID_INPUT', { zh, en }, { reason, ...details });

/** UTF-8 byte order of two strings (the order of the tie rule's last steps). */
export function compareBytes(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function checkBids(bids: readonly PricedBid[]): void {
  const seen = new Set<string>();
  for (const b of bids) {
    if (typeof b.bidId !== 'string' || b.bidId === '') throw invalid('投标标识不能为空', 'a bid id is required', 'invalid-bid');
    if (seen.has(b.bidId)) throw invalid(`投标 ${b.bidId} 重复`, `bid ${b.bidId} appears twice`, 'duplicate-bid', { bidId: b.bidId });
    seen.add(b.bidId);
    if (!Number.isSafeInteger(b.priceFen) || b.priceFen < 0) {
      throw invalid(`投标 ${b.bidId} 的报价应为非负整数（分）`, `the price of bid ${b.bidId} must be a non-negative whole number of fen`, 'invalid-price', { bidId: b.bidId });
    }
  }
}

/** The one price criterion of a method that scores price; refused when there is none or several. */
export function priceCriterion(method: ScoringMethod): { key: string; maxPoints: number } {
  const price = method.criteria.filter((c) => c.category === 'price');
  if (price.length !== 1) {
    throw new AppError(
      'RULE_VIOLATION',
      { zh: `评标办法应有且只有一个价格评分项，现有 ${price.length} 个`, en: `the scoring method needs exactly one price criterion; it has ${price.length}` },
      { reason: 'price-criterion-count', count: price.length },
    );
  }
  return { key: price[0]!.key, maxPoints: price[0]!.maxPoints };
}

const byBytes = (a: PricedBid, b: PricedBid) => compareBytes(a.bidId, b.bidId);

/**
 * The price evaluation of a section by its method:
 *
 * * comprehensive: benchmark B = mean of the valid prices, rounded half up to whole fen; with
 *   `dropHighestAndLowest` and at least 3 valid bids, one highest and one lowest price are left out
 *   of the mean first (with fewer than 3, nothing is left out). A price P scores
 *   max − above × 100·(P − B)/B when P > B, max − below × 100·(B − P)/B when P < B, max when P = B;
 *   never below 0, never above max; rounded once, half up, to 2 decimals.
 * * procurementLowPrice: L / P × priceWeight × 100, L the lowest valid price (87号令 art. 55).
 * * lowestEvaluatedPrice: no points; the valid bids in order of evaluated price (the opening price).
 */
export function evaluatePrices(method: ScoringMethod, bids: readonly PricedBid[]): PriceEvaluation {
  checkBids(bids);
  const valid = bids.filter((b) => b.qualified).sort(byBytes);
  const excludedBidIds = bids.filter((b) => !b.qualified).map((b) => b.bidId).sort(compareBytes);

  if (method.kind === 'lowestEvaluatedPrice') {
    const order = [...valid].sort((a, b) => a.priceFen - b.priceFen || byBytes(a, b)).map(({ bidId, priceFen }) => ({ bidId, priceFen }));
    return { kind: 'lowestEvaluatedPrice', order, excludedBidIds };
  }

  const criterion = priceCriterion(method);
  const maxPoints = fromDecimal(criterion.maxPoints);

  if (method.kind === 'procurementLowPrice') {
    if (valid.length === 0) return { kind: 'procurementLowPrice', criterionKey: criterion.key, maxPoints: criterion.maxPoints, lowestValidPriceFen: null, scores: [], excludedBidIds };
    const zero = valid.find((b) => b.priceFen === 0);
    if (zero) {
      throw invalid(
        `投标 ${zero.bidId} 报价为 0，无法按低价优先法（87号令第五十五条）计算价格分`,
        `bid ${zero.bidId} is priced at 0: the low-price formula (MOF Order 87 art. 55) cannot be applied`,
        'zero-price',
        { bidId: zero.bidId },
      );
    }
    const lowest = Math.min(...valid.map((b) => b.priceFen));
    const weight100 = mul(fromDecimal(method.priceWeight), int(100));
    const scores = valid.map((b) => {
      const exact = mul(div(int(lowest), int(b.priceFen)), weight100);
      const centi = toCenti(exact);
      return { bidId: b.bidId, priceFen: b.priceFen, points: centi / 100, centi };
    });
    return { kind: 'procurementLowPrice', criterionKey: criterion.key, maxPoints: criterion.maxPoints, lowestValidPriceFen: lowest, scores, excludedBidIds };
  }

  // comprehensive
  const base = { kind: 'comprehensive' as const, criterionKey: criterion.key, maxPoints: criterion.maxPoints };
  if (valid.length === 0) return { ...base, benchmarkFen: null, extremesDropped: false, droppedBidIds: [], scores: [], excludedBidIds };
  let inMean = valid;
  let droppedBidIds: string[] = [];
  const extremesDropped = method.price.dropHighestAndLowest && valid.length >= 3;
  if (extremesDropped) {
    // One of each end. Among equal prices the choice cannot change the mean; for the report, the highest
    // dropped is the first such bid in bidId byte order and the lowest dropped the last one, so the two
    // are different bids even when every price is the same.
    const top = Math.max(...valid.map((b) => b.priceFen));
    const bottom = Math.min(...valid.map((b) => b.priceFen));
    const high = valid.find((b) => b.priceFen === top)!;
    const low = [...valid].reverse().find((b) => b.priceFen === bottom)!;
    droppedBidIds = [high.bidId, low.bidId];
    inMean = valid.filter((b) => b !== high && b !== low);
  }
  const sum = inMean.reduce((s, b) => s + BigInt(b.priceFen), 0n);
  const benchmark = roundHalfUp({ n: sum, d: BigInt(inMean.length) }, 1n);
  if (benchmark === 0n) {
    throw invalid('评标基准价为 0，无法按偏离百分比计算价格分', 'the benchmark price is 0: deviations from it cannot be computed', 'zero-benchmark');
  }
  const B = int(benchmark);
  const above = fromDecimal(method.price.deductionPerPercentAbove);
  const below = fromDecimal(method.price.deductionPerPercentBelow);
  const scores = valid.map((b) => {
    const P = int(b.priceFen);
    const percent: Fraction = mul(div(sub(P, B), B), int(100));
    const rate = cmp(P, B) > 0 ? above : below;
    let exact = sub(maxPoints, mul(rate, abs(percent)));
    exact = max(exact, int(0));
    if (cmp(exact, maxPoints) > 0) exact = maxPoints;
    const centi = toCenti(exact);
    return { bidId: b.bidId, priceFen: b.priceFen, points: centi / 100, centi, deviationPercent: Number(roundHalfUp(percent, 100n)) / 100 };
  });
  return { ...base, benchmarkFen: Number(benchmark), extremesDropped, droppedBidIds, scores, excludedBidIds };
}
