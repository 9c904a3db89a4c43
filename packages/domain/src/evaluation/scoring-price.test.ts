import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors';
import { procurementPriceScore, SCORING_TEMPLATES, type ScoringMethod } from '../tender/scoring';
import { fromDecimal, hasAtMostDecimals, roundHalfUp } from './scoring-exact';
import { evaluatePrices, type PricedBid } from './scoring-price';

// Every expected figure below is worked out by hand in the comment beside it.
type Comprehensive = Extract<ScoringMethod, { kind: 'comprehensive' }>;
const comprehensive = (drop: boolean): Comprehensive => ({
  kind: 'comprehensive',
  criteria: [
    { key: 'technical', name: '技术方案', category: 'technical', maxPoints: 40 },
    { key: 'commercial', name: '商务资信', category: 'commercial', maxPoints: 20 },
    { key: 'price', name: '投标报价', category: 'price', maxPoints: 40 },
  ],
  price: { formula: 'benchmark', dropHighestAndLowest: drop, deductionPerPercentAbove: 1, deductionPerPercentBelow: 0.5 },
});

const bids: PricedBid[] = [
  { bidId: 'A', priceFen: 1_000_000, qualified: true },
  { bidId: 'B', priceFen: 950_000, qualified: true },
  { bidId: 'C', priceFen: 900_000, qualified: true },
  { bidId: 'D', priceFen: 1_100_000, qualified: true },
  { bidId: 'E', priceFen: 800_000, qualified: false },
];

const points = (ev: ReturnType<typeof evaluatePrices>) =>
  'scores' in ev ? Object.fromEntries(ev.scores.map((s) => [s.bidId, s.points])) : {};

function refusal(f: () => unknown) {
  try {
    f();
  } catch (e) {
    if (isAppError(e)) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('exact arithmetic', () => {
  it('reads numbers as the decimals they are written as', () => {
    expect(fromDecimal(0.3)).toEqual({ n: 3n, d: 10n });
    expect(fromDecimal(12.5)).toEqual({ n: 125n, d: 10n });
    expect(fromDecimal(1e-7)).toEqual({ n: 1n, d: 10_000_000n });
    expect(fromDecimal(-2)).toEqual({ n: -2n, d: 1n });
    expect(fromDecimal(1e21)).toEqual({ n: 10n ** 21n, d: 1n });
    expect(() => fromDecimal(Number.NaN)).toThrow(/不是有限的数/);
  });

  it('rounds half up, away from zero', () => {
    expect(roundHalfUp({ n: 12345n, d: 1000n }, 100n)).toBe(1235n); // 12.345 → 12.35
    expect(roundHalfUp({ n: -12345n, d: 1000n }, 100n)).toBe(-1235n);
    expect(roundHalfUp({ n: 12344n, d: 1000n }, 100n)).toBe(1234n);
    expect(roundHalfUp({ n: 1n, d: 2n }, 1n)).toBe(1n);
    expect(roundHalfUp({ n: 1n, d: 3n }, 1n)).toBe(0n);
  });

  it('counts decimals exactly', () => {
    expect(hasAtMostDecimals(12.25, 2)).toBe(true);
    expect(hasAtMostDecimals(7, 2)).toBe(true);
    expect(hasAtMostDecimals(12.255, 2)).toBe(false);
    expect(hasAtMostDecimals(0.1 + 0.2, 2)).toBe(false);
    expect(hasAtMostDecimals(Number.POSITIVE_INFINITY, 2)).toBe(false);
  });
});

describe('comprehensive method: benchmark price (综合评估法)', () => {
  it('drops the highest and lowest valid price and deducts per percent above and below', () => {
    const ev = evaluatePrices(comprehensive(true), bids);
    if (ev.kind !== 'comprehensive') throw new Error(ev.kind);
    // Valid: A, B, C, D (E failed qualification). Drop D (highest) and C (lowest): B = (1,000,000 + 950,000) / 2 = 975,000.
    expect(ev.benchmarkFen).toBe(975_000);
    expect(ev.extremesDropped).toBe(true);
    expect(ev.droppedBidIds).toEqual(['D', 'C']);
    expect(ev.excludedBidIds).toEqual(['E']);
    expect(points(ev)).toEqual({
      A: 37.44, // +25,000 / 975,000 = +2.5641 % × 1 → 40 − 2.5641 = 37.4359
      B: 38.72, // −25,000 / 975,000 = −2.5641 % × 0.5 = 1.28205 → 38.71795
      C: 36.15, // −75,000 / 975,000 = −7.6923 % × 0.5 = 3.8462 → 36.1538
      D: 27.18, // +125,000 / 975,000 = +12.8205 % × 1 → 27.1795
    });
    expect(Object.fromEntries(ev.scores.map((s) => [s.bidId, s.deviationPercent]))).toEqual({ A: 2.56, B: -2.56, C: -7.69, D: 12.82 });
    expect(ev.scores.map((s) => s.centi)).toEqual([3744, 3872, 3615, 2718]);
  });

  it('without dropping, the benchmark is the mean of every valid price', () => {
    const ev = evaluatePrices(comprehensive(false), bids);
    if (ev.kind !== 'comprehensive') throw new Error(ev.kind);
    // (1,000,000 + 950,000 + 900,000 + 1,100,000) / 4 = 987,500; E's 800,000 does not count.
    expect(ev.benchmarkFen).toBe(987_500);
    expect(ev.extremesDropped).toBe(false);
    expect(ev.droppedBidIds).toEqual([]);
    expect(points(ev)).toEqual({
      A: 38.73, // +12,500 / 987,500 = +1.26582 % → 38.73418
      B: 38.1, // −37,500 / 987,500 = −3.79747 % × 0.5 = 1.89873 → 38.10127
      C: 35.57, // −87,500 / 987,500 = −8.86076 % × 0.5 = 4.43038 → 35.56962
      D: 28.61, // +112,500 / 987,500 = +11.39241 % → 28.60759
    });
  });

  it('with fewer than 3 valid bids nothing is dropped, and the benchmark is rounded half up to whole fen', () => {
    const two = [
      { bidId: 'X', priceFen: 1_000_000, qualified: true },
      { bidId: 'Y', priceFen: 1_000_001, qualified: true },
      { bidId: 'Z', priceFen: 10, qualified: false },
    ];
    const ev = evaluatePrices(comprehensive(true), two);
    if (ev.kind !== 'comprehensive') throw new Error(ev.kind);
    expect(ev.extremesDropped).toBe(false);
    expect(ev.droppedBidIds).toEqual([]);
    expect(ev.benchmarkFen).toBe(1_000_001); // 1,000,000.5 → 1,000,001
    // X: −1 / 1,000,001 × 100 % × 0.5 = 0.0000499… → 39.99995… → 40.00
    expect(points(ev)).toEqual({ X: 40, Y: 40 });
    const one = evaluatePrices(comprehensive(true), [{ bidId: 'S', priceFen: 123, qualified: true }]);
    expect(one).toMatchObject({ benchmarkFen: 123, extremesDropped: false, scores: [{ bidId: 'S', points: 40 }] });
  });

  it('drops exactly one bid at each end when prices tie', () => {
    const tied = [
      { bidId: 'A', priceFen: 1000, qualified: true },
      { bidId: 'B', priceFen: 1000, qualified: true },
      { bidId: 'C', priceFen: 900, qualified: true },
      { bidId: 'D', priceFen: 900, qualified: true },
    ];
    const ev = evaluatePrices(comprehensive(true), tied);
    if (ev.kind !== 'comprehensive') throw new Error(ev.kind);
    // Left out: A (first of the highest) and D (last of the lowest): B = (1000 + 900) / 2 = 950.
    expect(ev.droppedBidIds).toEqual(['A', 'D']);
    expect(ev.benchmarkFen).toBe(950);
    // 1000: +50 / 950 = +5.26316 % → 34.73684; 900: −5.26316 % × 0.5 = 2.63158 → 37.36842
    expect(points(ev)).toEqual({ A: 34.74, B: 34.74, C: 37.37, D: 37.37 });
    const same = evaluatePrices(comprehensive(true), ['P', 'Q', 'R'].map((bidId) => ({ bidId, priceFen: 5000, qualified: true })));
    expect(same).toMatchObject({ droppedBidIds: ['P', 'R'], benchmarkFen: 5000 });
    expect(points(same)).toEqual({ P: 40, Q: 40, R: 40 });
  });

  it('never goes below 0 and never above the maximum', () => {
    const far = [
      { bidId: 'lo', priceFen: 1, qualified: true },
      { bidId: 'mid', priceFen: 1_000_000, qualified: true },
      { bidId: 'hi', priceFen: 3_000_000, qualified: true },
    ];
    const ev = evaluatePrices(comprehensive(false), far);
    if (ev.kind !== 'comprehensive') throw new Error(ev.kind);
    // B = 4,000,001 / 3 = 1,333,333.67 → 1,333,334.
    expect(ev.benchmarkFen).toBe(1_333_334);
    // hi: +125 % → 40 − 125 < 0 → 0. lo: −99.999925 % × 0.5 = 49.99996 → 40 − 49.99996 < 0 → 0.
    // mid: −333,334 / 1,333,334 = −25.0000188 % × 0.5 = 12.5000094 → 27.4999906 → 27.50
    expect(points(ev)).toEqual({ lo: 0, mid: 27.5, hi: 0 });
    const noDeduction: ScoringMethod = { ...comprehensive(false), price: { formula: 'benchmark', dropHighestAndLowest: false, deductionPerPercentAbove: 0, deductionPerPercentBelow: 0 } };
    expect(points(evaluatePrices(noDeduction, far))).toEqual({ lo: 40, mid: 40, hi: 40 });
  });

  it('rounds the exact score half up where floating point would not', () => {
    const pair = [
      { bidId: 'up', priceFen: 1_000_125, qualified: true },
      { bidId: 'down', priceFen: 999_875, qualified: true },
    ];
    // B = 1,000,000. up: +0.0125 % → 39.9875 → 39.99. down: −0.0125 % × 0.5 = 0.00625 → 39.99375 → 39.99.
    expect(points(evaluatePrices(comprehensive(false), pair))).toEqual({ up: 39.99, down: 39.99 });
  });

  it('gives no benchmark when no bid is valid, and refuses a benchmark of 0 or a method without one price criterion', () => {
    expect(evaluatePrices(comprehensive(true), [{ bidId: 'A', priceFen: 5, qualified: false }])).toMatchObject({ benchmarkFen: null, scores: [], excludedBidIds: ['A'] });
    expect(refusal(() => evaluatePrices(comprehensive(false), [{ bidId: 'A', priceFen: 0, qualified: true }])).zh).toMatch(/评标基准价为 0/);
    const twoPrices: ScoringMethod = { ...comprehensive(false), criteria: [{ key: 'p1', name: '报价一', category: 'price', maxPoints: 50 }, { key: 'p2', name: '报价二', category: 'price', maxPoints: 50 }] };
    expect(refusal(() => evaluatePrices(twoPrices, bids))).toMatchObject({ code: 'RULE_VIOLATION', details: { reason: 'price-criterion-count', count: 2 } });
  });

  it('refuses fractional, negative or duplicate prices', () => {
    expect(refusal(() => evaluatePrices(comprehensive(false), [{ bidId: 'A', priceFen: 10.5, qualified: true }])).zh).toMatch(/非负整数（分）/);
    expect(refusal(() => evaluatePrices(comprehensive(false), [{ bidId: 'A', priceFen: -1, qualified: true }])).details.reason).toBe('invalid-price');
    expect(refusal(() => evaluatePrices(comprehensive(false), [bids[0]!, bids[0]!])).details.reason).toBe('duplicate-bid');
  });
});

describe('government procurement low-price formula (87号令 art. 55)', () => {
  const method = SCORING_TEMPLATES.procurementLowPrice; // price 30 points, weight 0.3
  it('scores lowest valid price / price × weight × 100', () => {
    const ev = evaluatePrices(method, [
      { bidId: 'a', priceFen: 1_000_000, qualified: true },
      { bidId: 'b', priceFen: 1_200_000, qualified: true },
      { bidId: 'c', priceFen: 1_300_000, qualified: true },
      { bidId: 'd', priceFen: 3_000_000, qualified: true },
      { bidId: 'e', priceFen: 500_000, qualified: false }, // failed qualification: not the lowest valid price
    ]);
    expect(ev).toMatchObject({ kind: 'procurementLowPrice', lowestValidPriceFen: 1_000_000, criterionKey: 'price', excludedBidIds: ['e'] });
    // a: 30; b: 1/1.2 × 30 = 25; c: 30 / 1.3 = 23.0769 → 23.08; d: 30 / 3 = 10
    expect(points(ev)).toEqual({ a: 30, b: 25, c: 23.08, d: 10 });
  });

  it('rounds half up exactly: 67 / 2000 × 30 = 1.005 → 1.01 (floating point gives 1.00)', () => {
    expect(procurementPriceScore(2000, 67, 0.3)).toBe(1); // the draft-time helper in tender/scoring.ts, for contrast
    expect(points(evaluatePrices(method, [
      { bidId: 'low', priceFen: 67, qualified: true },
      { bidId: 'high', priceFen: 2000, qualified: true },
    ]))).toEqual({ low: 30, high: 1.01 });
  });

  it('refuses a zero price and gives nothing without valid bids', () => {
    expect(refusal(() => evaluatePrices(method, [{ bidId: 'z', priceFen: 0, qualified: true }, { bidId: 'y', priceFen: 10, qualified: true }])).details).toMatchObject({ reason: 'zero-price', bidId: 'z' });
    expect(evaluatePrices(method, [{ bidId: 'z', priceFen: 0, qualified: false }])).toMatchObject({ lowestValidPriceFen: null, scores: [] });
  });
});

describe('lowest evaluated price (经评审的最低投标价法)', () => {
  it('orders valid bids by price and gives no points', () => {
    const ev = evaluatePrices(SCORING_TEMPLATES.lowestEvaluatedPrice, bids);
    expect(ev).toEqual({
      kind: 'lowestEvaluatedPrice',
      order: [
        { bidId: 'C', priceFen: 900_000 },
        { bidId: 'B', priceFen: 950_000 },
        { bidId: 'A', priceFen: 1_000_000 },
        { bidId: 'D', priceFen: 1_100_000 },
      ],
      excludedBidIds: ['E'],
    });
  });
});
