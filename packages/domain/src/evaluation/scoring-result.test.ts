import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors';
import { SCORING_TEMPLATES, scoringMethodSchema, type ScoringMethod } from '../tender/scoring';
import { committeeQualification, compareBids, computeCommitteeResult, findOutliers, type BidResult, type OpeningRecordBid } from './scoring-result';
import type { QualificationItem } from './scoring-sheet';

/*
 * The worked example of docs/evaluation-scoring.md §8, figure for figure.
 */
const method: ScoringMethod = { ...SCORING_TEMPLATES.comprehensive, dropHighestAndLowestExpertScores: true };
const items: QualificationItem[] = [
  { key: 'licence', name: '营业执照' },
  { key: 'bond', name: '投标保证金' },
];
const at = (hhmm: string) => new Date(`2026-12-07T${hhmm}:00+08:00`);
const bids: OpeningRecordBid[] = [
  { bidId: 'b1', creditCode: '91110000000000001A', priceFen: 1_000_000, receivedAt: at('09:00') },
  { bidId: 'b2', creditCode: '91110000000000002B', priceFen: 950_000, receivedAt: at('09:10') },
  { bidId: 'b3', creditCode: '91110000000000003C', priceFen: 900_000, receivedAt: at('09:20') },
  { bidId: 'b4', creditCode: '91110000000000004D', priceFen: 1_100_000, receivedAt: at('09:30') },
  { bidId: 'b5', creditCode: '91110000000000005E', priceFen: 800_000, receivedAt: at('09:40') },
];
const experts = ['e1', 'e2', 'e3', 'e4', 'e5'];
// scores[bid][criterion] = the five experts' scores, e1..e5
const table: Record<string, { technical: number[]; commercial: number[] }> = {
  b1: { technical: [30, 32, 34, 31, 33], commercial: [15, 16, 15, 17, 16] },
  b2: { technical: [35, 36, 20, 34, 35], commercial: [18, 18, 18, 18, 18] },
  b3: { technical: [28, 29, 30, 28.5, 29.5], commercial: [19, 18.5, 19, 18, 19.5] },
  b4: { technical: [25, 26, 27, 25, 26], commercial: [12, 13, 14, 12.5, 13.5] },
};

function sheets(t = table, ids = experts) {
  return ids.map((expertId, e) => ({
    expertId,
    qualification: bids.map(({ bidId }) => ({
      bidId,
      items: [
        // e5 alone fails b4's licence: b4 stays qualified (4 of 5) and e5 still scores it
        expertId === 'e5' && bidId === 'b4' ? { key: 'licence', passed: false, reason: '营业执照已过期' } : { key: 'licence', passed: true },
        // e1, e2, e3 fail b5's bond: 3 of 5, b5 is out
        bidId === 'b5' && ['e1', 'e2', 'e3'].includes(expertId) ? { key: 'bond', passed: false, reason: '保证金未到账' } : { key: 'bond', passed: true },
      ],
    })),
    scores: Object.entries(t).map(([bidId, s]) => ({ bidId, points: { technical: s.technical[e]!, commercial: s.commercial[e]! } })),
  }));
}

function refusal(f: () => unknown) {
  try {
    f();
  } catch (e) {
    if (isAppError(e)) return e;
    throw e;
  }
  throw new Error('not refused');
}

const criterion = (r: BidResult, key: string) => r.criteria.find((c) => c.key === key)!;

describe('the worked example (docs/evaluation-scoring.md §8)', () => {
  const result = computeCommitteeResult({ method, bids, qualificationItems: items, sheets: sheets() });

  it('decides qualification by majority, item by item', () => {
    expect(result.qualification.map((q) => [q.bidId, q.qualified])).toEqual([['b1', true], ['b2', true], ['b3', true], ['b4', true], ['b5', false]]);
    expect(result.qualification[3]!.items[0]).toEqual({ key: 'licence', name: '营业执照', passes: 4, fails: 1, passed: true, reasons: [{ expertId: 'e5', reason: '营业执照已过期' }] });
    expect(result.qualification[4]!.items[1]).toMatchObject({ passes: 2, fails: 3, passed: false });
    expect(result.qualification[4]!.items[1]!.reasons.map((r) => r.expertId)).toEqual(['e1', 'e2', 'e3']);
  });

  it('computes the price scores from the qualified bids only', () => {
    // b5 out; drop b4 (highest) and b3 (lowest): benchmark (1,000,000 + 950,000) / 2 = 975,000
    expect(result.price).toMatchObject({ kind: 'comprehensive', benchmarkFen: 975_000, droppedBidIds: ['b4', 'b3'], excludedBidIds: ['b5'] });
    expect(result.ranking.map((r) => [r.bidId, r.priceScore?.points])).toEqual([['b2', 38.72], ['b1', 37.44], ['b3', 36.15], ['b4', 27.18]]);
  });

  it('averages without the highest and the lowest expert score', () => {
    const byId = Object.fromEntries(result.ranking.map((r) => [r.bidId, r]));
    // b1 technical: drop 34 (e3) and 30 (e1): (32 + 31 + 33) / 3 = 32
    expect(criterion(byId.b1!, 'technical')).toMatchObject({ average: 32, averageCenti: 3200, extremesDropped: true });
    expect(criterion(byId.b1!, 'technical').expertScores.filter((s) => s.dropped).map((s) => s.expertId)).toEqual(['e1', 'e3']);
    // b1 commercial: drop 17 (e4) and the last of the 15s (e3): (15 + 16 + 16) / 3 = 15.667 → 15.67
    expect(criterion(byId.b1!, 'commercial').average).toBe(15.67);
    expect(criterion(byId.b1!, 'commercial').expertScores.filter((s) => s.dropped).map((s) => s.expertId)).toEqual(['e3', 'e4']);
    // b2 technical: drop 36 (e2) and 20 (e3): (35 + 34 + 35) / 3 = 34.667 → 34.67
    expect(criterion(byId.b2!, 'technical').average).toBe(34.67);
    // b2 commercial: all 18: drop e1 (first of the highest) and e5 (last of the lowest): 18
    expect(criterion(byId.b2!, 'commercial').expertScores.filter((s) => s.dropped).map((s) => s.expertId)).toEqual(['e1', 'e5']);
    expect(criterion(byId.b2!, 'commercial').average).toBe(18);
    // b3: (29 + 28.5 + 29.5) / 3 = 29; (19 + 18.5 + 19) / 3 = 18.833 → 18.83
    expect([criterion(byId.b3!, 'technical').average, criterion(byId.b3!, 'commercial').average]).toEqual([29, 18.83]);
    // b4: drop 27 (e3) and the last 25 (e4): (25 + 26 + 26) / 3 = 25.667 → 25.67; (13 + 12.5 + 13.5) / 3 = 13
    expect([criterion(byId.b4!, 'technical').average, criterion(byId.b4!, 'commercial').average]).toEqual([25.67, 13]);
    expect(criterion(byId.b4!, 'technical').expertScores.filter((s) => s.dropped).map((s) => s.expertId)).toEqual(['e3', 'e4']);
  });

  it('flags the one score far from the others', () => {
    // b2 technical, e3: 20 against the others' mean (35 + 36 + 34 + 35) / 4 = 35: 15 > 0.3 × 40 = 12
    expect(result.outliers).toEqual([{ bidId: 'b2', criterionKey: 'technical', expertId: 'e3', points: 20, meanOfOthers: 35, deviation: 15, limit: 12, confirmed: false }]);
    expect(result.final).toBe(false);
  });

  it('sums and ranks, with at most 3 candidates', () => {
    // b2 34.67 + 18 + 38.72 = 91.39; b1 32 + 15.67 + 37.44 = 85.11; b3 29 + 18.83 + 36.15 = 83.98; b4 25.67 + 13 + 27.18 = 65.85
    expect(result.ranking.map((r) => [r.rank, r.bidId, r.total, r.technical])).toEqual([
      [1, 'b2', 91.39, 34.67],
      [2, 'b1', 85.11, 32],
      [3, 'b3', 83.98, 29],
      [4, 'b4', 65.85, 25.67],
    ]);
    expect(result.ranking.map((r) => r.totalCenti)).toEqual([9139, 8511, 8398, 6585]);
    expect(result.candidates).toEqual([
      { rank: 1, bidId: 'b2', creditCode: '91110000000000002B', priceFen: 950_000, total: 91.39 },
      { rank: 2, bidId: 'b1', creditCode: '91110000000000001A', priceFen: 1_000_000, total: 85.11 },
      { rank: 3, bidId: 'b3', creditCode: '91110000000000003C', priceFen: 900_000, total: 83.98 },
    ]);
  });

  it('is final once the expert confirms the score with a reason, or revises it', () => {
    const confirmed = computeCommitteeResult({
      method, bids, qualificationItems: items, sheets: sheets(),
      confirmations: [{ expertId: 'e3', bidId: 'b2', criterionKey: 'technical', points: 20, reason: '技术方案未响应关键参数' }],
    });
    expect(confirmed.outliers[0]).toMatchObject({ confirmed: true, reason: '技术方案未响应关键参数' });
    expect(confirmed.final).toBe(true);
    // a confirmation of another score does not count
    const stale = computeCommitteeResult({
      method, bids, qualificationItems: items, sheets: sheets(),
      confirmations: [{ expertId: 'e3', bidId: 'b2', criterionKey: 'technical', points: 21, reason: '旧分' }],
    });
    expect(stale.final).toBe(false);
    expect(() => computeCommitteeResult({ method, bids, qualificationItems: items, sheets: sheets(), confirmations: [{ expertId: 'e3', bidId: 'b2', criterionKey: 'technical', points: 20, reason: ' ' }] })).toThrow(/请填写确认理由/);
    // revised to 33: (35 + 36 + 34 + 35) / 4 = 35, |33 − 35| = 2: no outlier
    const revised = structuredClone(table);
    revised.b2!.technical[2] = 33;
    const after = computeCommitteeResult({ method, bids, qualificationItems: items, sheets: sheets(revised) });
    expect(after.outliers).toEqual([]);
    expect(after.final).toBe(true);
    // drop 36 (e2) and 33 (e3): still (35 + 34 + 35) / 3 = 34.67
    expect(criterion(after.ranking[0]!, 'technical').average).toBe(34.67);
  });
});

describe('the document', () => {
  it('prints the ranking the code computes', () => {
    const doc = readFileSync(new URL('../../../../docs/evaluation-scoring.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('**Totals and ranking.**'));
    const rows = [...section.matchAll(/^\| (\d) \| (b\d) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| \*\*([\d.]+)\*\* \|$/gm)].map((m) => m.slice(1).map((x) => (x.startsWith('b') ? x : Number(x))));
    const result = computeCommitteeResult({ method, bids, qualificationItems: items, sheets: sheets() });
    expect(rows).toEqual(result.ranking.map((r) => [r.rank, r.bidId, criterion(r, 'technical').average, criterion(r, 'commercial').average, r.priceScore!.points, r.total]));
    expect(rows).toHaveLength(4);
    expect(section).toContain(`Candidates: ${result.candidates.map((c) => c.bidId).join(', ')}.`);
  });
});

describe('averages', () => {
  it('the method flag is optional and boolean', () => {
    expect(scoringMethodSchema.parse(method).dropHighestAndLowestExpertScores).toBe(true);
    expect(scoringMethodSchema.safeParse({ ...SCORING_TEMPLATES.procurementLowPrice, dropHighestAndLowestExpertScores: 'yes' }).success).toBe(false);
    expect(scoringMethodSchema.parse({ ...SCORING_TEMPLATES.lowestEvaluatedPrice, dropHighestAndLowestExpertScores: false }).dropHighestAndLowestExpertScores).toBe(false);
  });

  it('without the method flag, every score counts (flag absent = false, as before)', () => {
    const plain = scoringMethodSchema.parse(SCORING_TEMPLATES.comprehensive);
    expect(plain.dropHighestAndLowestExpertScores).toBeUndefined();
    const result = computeCommitteeResult({ method: plain, bids, qualificationItems: items, sheets: sheets() });
    const b2 = result.ranking.find((r) => r.bidId === 'b2')!;
    // (35 + 36 + 20 + 34 + 35) / 5 = 32; (18 × 5) / 5 = 18
    expect(criterion(b2, 'technical')).toMatchObject({ average: 32, extremesDropped: false });
    expect(criterion(b2, 'technical').expertScores.every((s) => !s.dropped)).toBe(true);
    // 32 + 18 + 38.72 = 88.72
    expect(b2.total).toBe(88.72);
  });

  it('keeps every score with fewer than 3 sheets, and rounds the mean half up', () => {
    const two = { b1: { technical: [10.01, 10.02], commercial: [1, 2] }, b2: { technical: [0, 0], commercial: [0, 0] }, b3: { technical: [0, 0], commercial: [0, 0] }, b4: { technical: [0, 0], commercial: [0, 0] } };
    const result = computeCommitteeResult({ method, bids, qualificationItems: items, sheets: sheets(two, ['e1', 'e2']) });
    // With two sheets b5's bond fails 2 of 2 (e1, e2) and b4's licence passes 2 of 2.
    const b1 = result.ranking.find((r) => r.bidId === 'b1')!;
    // (10.01 + 10.02) / 2 = 10.015 → 10.02; (1 + 2) / 2 = 1.5
    expect(criterion(b1, 'technical')).toMatchObject({ average: 10.02, extremesDropped: false });
    expect(criterion(b1, 'commercial').average).toBe(1.5);
  });
});

describe('outlier rule', () => {
  it('is strictly more than the threshold times the maximum, against the mean of the others', () => {
    const s = (...p: number[]) => p.map((points, i) => ({ expertId: `e${i + 1}`, points }));
    // 28 against (40 + 40 + 40 + 40) / 4 = 40: exactly 12 = 0.3 × 40, not more: no outlier
    expect(findOutliers(s(28, 40, 40, 40, 40), 40)).toEqual([]);
    // 27.99: 12.01 > 12
    expect(findOutliers(s(27.99, 40, 40, 40, 40), 40)).toEqual([{ expertId: 'e1', points: 27.99, meanOfOthers: 40, deviation: 12.01, limit: 12 }]);
    // configurable: at 0.5 × 40 = 20 it is not one
    expect(findOutliers(s(27.99, 40, 40, 40, 40), 40, 0.5)).toEqual([]);
    // two experts far apart flag each other; one score alone flags nothing
    expect(findOutliers(s(0, 10), 10).map((o) => o.expertId)).toEqual(['e1', 'e2']);
    expect(findOutliers(s(3), 10)).toEqual([]);
    // means that are not whole hundredths are compared exactly: others (10 + 10 + 11) / 3 = 10.333…
    // 7.33 → 3.00333… > 3 (0.3 × 10): flagged; 7.34 → 2.99333…: not
    expect(findOutliers(s(7.33, 10, 10, 11), 10).map((o) => [o.expertId, o.meanOfOthers, o.deviation])).toEqual([['e1', 10.33, 3]]);
    expect(findOutliers(s(7.34, 10, 10, 11), 10)).toEqual([]);
    // more than 2 decimals (not from a sheet) are still exact: 6.999 against 10: 3.001 > 3
    expect(findOutliers(s(6.999, 10), 10).map((o) => o.expertId)).toEqual(['e1', 'e2']);
    expect(findOutliers(s(7.001, 10), 10)).toEqual([]);
  });

  it('refuses a threshold outside (0, 1]', () => {
    for (const t of [0, -0.1, 1.5, Number.NaN]) expect(refusal(() => findOutliers([], 10, t)).details.reason).toBe('invalid-threshold');
    expect(refusal(() => computeCommitteeResult({ method, bids, qualificationItems: items, sheets: sheets(), outlierThreshold: 2 })).zh).toMatch(/偏离阈值/);
    // 1 is allowed: nothing in the example is further than 40 from the others
    expect(computeCommitteeResult({ method, bids, qualificationItems: items, sheets: sheets(), outlierThreshold: 1 }).outliers).toEqual([]);
  });
});

describe('tie rule', () => {
  const base = (over: Partial<BidResult>): BidResult => ({
    bidId: 'x', creditCode: 'C', priceFen: 100, receivedAt: at('09:00'), criteria: [], technical: 0, technicalCenti: 0, total: 0, totalCenti: 5000, rank: 0, ...over,
  });
  it('orders scored methods by total, price, technical score, receipt time, credit code, bid id', () => {
    const order = (...list: BidResult[]) => [...list].sort((a, b) => compareBids('comprehensive', a, b)).map((r) => r.bidId);
    expect(order(base({ bidId: 'lo', totalCenti: 4999 }), base({ bidId: 'hi', totalCenti: 5000 }))).toEqual(['hi', 'lo']);
    expect(order(base({ bidId: 'dear', priceFen: 101 }), base({ bidId: 'cheap', priceFen: 100 }))).toEqual(['cheap', 'dear']);
    expect(order(base({ bidId: 'weak', technicalCenti: 100 }), base({ bidId: 'strong', technicalCenti: 101 }))).toEqual(['strong', 'weak']);
    expect(order(base({ bidId: 'late', receivedAt: at('09:01') }), base({ bidId: 'early', receivedAt: at('09:00') }))).toEqual(['early', 'late']);
    expect(order(base({ bidId: 'q', creditCode: '91B' }), base({ bidId: 'p', creditCode: '91A' }))).toEqual(['p', 'q']);
    expect(order(base({ bidId: 'b' }), base({ bidId: 'a' }))).toEqual(['a', 'b']);
    // a higher total wins over a lower price
    expect(order(base({ bidId: 'cheap', priceFen: 1, totalCenti: 4000 }), base({ bidId: 'good', priceFen: 999, totalCenti: 4001 }))).toEqual(['good', 'cheap']);
  });

  it('orders the lowest evaluated price method by price first, then total', () => {
    const order = (...list: BidResult[]) => [...list].sort((a, b) => compareBids('lowestEvaluatedPrice', a, b)).map((r) => r.bidId);
    expect(order(base({ bidId: 'good', priceFen: 101, totalCenti: 9000 }), base({ bidId: 'cheap', priceFen: 100, totalCenti: 1 }))).toEqual(['cheap', 'good']);
    expect(order(base({ bidId: 'worse', totalCenti: 1 }), base({ bidId: 'better', totalCenti: 2 }))).toEqual(['better', 'worse']);
  });

  it('breaks an exact tie of totals end to end by the lower price', () => {
    // b1 and b2 get the same non-price points; with 87号令 prices 1,000,000 and 1,000,000 both score 30.
    const lowPrice = SCORING_TEMPLATES.procurementLowPrice; // technical 50, commercial 20, price 30
    const tied: OpeningRecordBid[] = [
      { bidId: 'late', creditCode: '91A', priceFen: 1_000_000, receivedAt: at('10:00') },
      { bidId: 'early', creditCode: '91B', priceFen: 1_000_000, receivedAt: at('09:00') },
      { bidId: 'third', creditCode: '91C', priceFen: 2_000_000, receivedAt: at('08:00') },
      { bidId: 'fourth', creditCode: '91D', priceFen: 4_000_000, receivedAt: at('08:00') },
    ];
    const s = experts.map((expertId) => ({
      expertId,
      qualification: tied.map(({ bidId }) => ({ bidId, items: [] })),
      scores: tied.map(({ bidId }) => ({ bidId, points: { technical: 40, commercial: 10 } })),
    }));
    const r = computeCommitteeResult({ method: lowPrice, bids: tied, qualificationItems: [], sheets: s });
    // late, early: 40 + 10 + 30 = 80, same price, same technical: the earlier receipt first
    // third: 40 + 10 + 15 = 65; fourth: 40 + 10 + 7.5 = 57.5 (not a candidate)
    expect(r.ranking.map((x) => [x.bidId, x.total])).toEqual([['early', 80], ['late', 80], ['third', 65], ['fourth', 57.5]]);
    expect(r.candidates.map((c) => c.bidId)).toEqual(['early', 'late', 'third']);
    expect(computeCommitteeResult({ method: lowPrice, bids: tied, qualificationItems: [], sheets: s, candidateCount: 1 }).candidates.map((c) => c.bidId)).toEqual(['early']);
  });

  it('ranks the lowest evaluated price method by the opening prices, never typed', () => {
    const lep = SCORING_TEMPLATES.lowestEvaluatedPrice;
    const s = experts.map((expertId) => ({
      expertId,
      qualification: bids.map(({ bidId }) => ({ bidId, items: [] })),
      scores: bids.map(({ bidId }) => ({ bidId, points: { compliance: 1 } })),
    }));
    const r = computeCommitteeResult({ method: lep, bids, qualificationItems: [], sheets: s });
    expect(r.price.kind).toBe('lowestEvaluatedPrice');
    expect(r.ranking.map((x) => [x.rank, x.bidId, x.priceFen, x.priceScore])).toEqual([
      [1, 'b5', 800_000, undefined],
      [2, 'b3', 900_000, undefined],
      [3, 'b2', 950_000, undefined],
      [4, 'b1', 1_000_000, undefined],
      [5, 'b4', 1_100_000, undefined],
    ]);
    expect(r.candidates).toHaveLength(3);
  });
});

describe('refusals', () => {
  it('refuses more than 3 candidates (实施条例 art. 53)', () => {
    const e = refusal(() => computeCommitteeResult({ method, bids, qualificationItems: items, sheets: sheets(), candidateCount: 4 }));
    expect(e.code).toBe('RULE_VIOLATION');
    expect(e.zh).toBe('中标候选人应为 1 至 3 名（招标投标法实施条例第五十三条），现为 4 名');
    expect(refusal(() => computeCommitteeResult({ method, bids, qualificationItems: items, sheets: sheets(), candidateCount: 0 })).details.reason).toBe('candidate-count');
  });

  it('refuses no sheets, two sheets of one expert, a sheet missing a qualified bid, a typed score above the maximum', () => {
    expect(refusal(() => computeCommitteeResult({ method, bids, qualificationItems: items, sheets: [] })).details.reason).toBe('no-sheets');
    const dup = sheets();
    dup[1]!.expertId = 'e1';
    expect(refusal(() => computeCommitteeResult({ method, bids, qualificationItems: items, sheets: dup })).zh).toBe('专家 e1 提交了两份评审表');
    // e5 failed b4 but the committee kept it: e5's sheet must score it
    const missing = sheets();
    missing[4]!.scores = missing[4]!.scores.filter((x) => x.bidId !== 'b4');
    expect(refusal(() => computeCommitteeResult({ method, bids, qualificationItems: items, sheets: missing })).zh).toBe('投标 b4 未评分');
    const above = sheets();
    above[0]!.scores[0]!.points.technical = 41;
    expect(refusal(() => computeCommitteeResult({ method, bids, qualificationItems: items, sheets: above })).zh).toBe('投标 b1 的「技术方案」评分 41 超过满分 40');
  });

  it('refuses bad receipt times and missing credit codes', () => {
    const bad = bids.map((b, i) => (i === 0 ? { ...b, receivedAt: new Date('nope') } : b));
    expect(refusal(() => computeCommitteeResult({ method, bids: bad, qualificationItems: items, sheets: sheets() })).details.reason).toBe('invalid-receipt-time');
    expect(refusal(() => computeCommitteeResult({ method, bids: [...bids, bids[0]!], qualificationItems: items, sheets: sheets() })).zh).toBe('投标 b1 重复');
    const noCode = bids.map((b, i) => (i === 0 ? { ...b, creditCode: '' } : b));
    expect(refusal(() => computeCommitteeResult({ method, bids: noCode, qualificationItems: items, sheets: sheets() })).details.reason).toBe('invalid-credit-code');
  });

  it('decides a tied item against the bid', () => {
    const q = committeeQualification({ bidIds: ['x'], qualificationItems: [{ key: 'k', name: '资质' }] }, [
      { expertId: 'a', qualification: [{ bidId: 'x', items: [{ key: 'k', passed: true }] }] },
      { expertId: 'b', qualification: [{ bidId: 'x', items: [{ key: 'k', passed: false, reason: '无资质' }] }] },
    ]);
    expect(q).toEqual([{ bidId: 'x', qualified: false, items: [{ key: 'k', name: '资质', passes: 1, fails: 1, passed: false, reasons: [{ expertId: 'b', reason: '无资质' }] }] }]);
  });
});
