import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors';
import { SCORING_TEMPLATES } from '../tender/scoring';
import { parseQualificationSheet, parseScoreSheet, qualificationItemSchema, scoreSheetSchema, sheetPassedBidIds, type SheetContext } from './scoring-sheet';

const method = SCORING_TEMPLATES.comprehensive; // technical 40, commercial 20, price 40
const section: SheetContext = {
  bidIds: ['bid-1', 'bid-2', 'bid-3'],
  qualificationItems: [
    { key: 'licence', name: '营业执照' },
    { key: 'bond', name: '投标保证金' },
  ],
};
const pass = (bidId: string) => ({ bidId, items: [{ key: 'licence', passed: true }, { key: 'bond', passed: true }] });
const sheet = () => ({
  expertId: 'expert-1',
  qualification: [
    pass('bid-1'),
    pass('bid-2'),
    { bidId: 'bid-3', items: [{ key: 'licence', passed: true }, { key: 'bond', passed: false, reason: '未按时缴纳投标保证金' }] },
  ],
  scores: [
    { bidId: 'bid-1', points: { technical: 35.5, commercial: 18 } },
    { bidId: 'bid-2', points: { technical: 0, commercial: 20 } },
  ],
});

function refused(value: unknown, ctx: SheetContext = section) {
  try {
    parseScoreSheet(method, ctx, value);
  } catch (e) {
    if (isAppError(e)) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('score sheet validation', () => {
  it('accepts a complete sheet: failed bids unscored, scores within 0..max with at most 2 decimals', () => {
    const parsed = parseScoreSheet(method, section, sheet());
    expect(parsed.scores).toHaveLength(2);
    expect(sheetPassedBidIds(parsed)).toEqual(['bid-1', 'bid-2']);
    // the maximum itself is allowed, and 2 decimals
    const edge = sheet();
    edge.scores[0]!.points = { technical: 40, commercial: 19.99 };
    expect(parseScoreSheet(method, section, edge).scores[0]!.points).toEqual({ technical: 40, commercial: 19.99 });
  });

  it('refuses a score above the criterion maximum, naming bid and criterion in Chinese then English', () => {
    const s = sheet();
    s.scores[0]!.points.technical = 40.01;
    const e = refused(s);
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.zh).toBe('投标 bid-1 的「技术方案」评分 40.01 超过满分 40');
    expect(e.en).toBe('the score 40.01 for "技术方案" of bid bid-1 exceeds its maximum of 40');
    expect(e.details).toMatchObject({ reason: 'invalid-score-sheet', field: 'scores.0.points.technical', problems: 1 });
  });

  it('refuses negative scores, more than 2 decimals, non-numbers', () => {
    const s = sheet();
    s.scores[0]!.points = { technical: -1, commercial: 12.345 };
    const e = refused(s);
    expect(e.zh).toBe('投标 bid-1 的「技术方案」评分不能为负；投标 bid-1 的「商务资信」评分最多保留两位小数');
    expect(e.details.problems).toBe(2);
    const t = sheet();
    (t.scores[0]!.points as Record<string, unknown>).technical = '35';
    expect(refused(t).zh).toMatch(/评分应为数字/);
    const u = sheet();
    u.scores[0]!.points.technical = 0.1 + 0.2;
    expect(refused(u).zh).toMatch(/最多保留两位小数/);
  });

  it('requires every non-price criterion and refuses a typed price score or an unknown criterion', () => {
    const s = sheet();
    s.scores[1]!.points = { technical: 10 } as never;
    expect(refused(s).zh).toBe('投标 bid-2 的「商务资信」未评分');
    const p = sheet();
    (p.scores[0]!.points as Record<string, number>).price = 40;
    expect(refused(p).zh).toBe('「投标报价」由系统按评标办法的公式根据开标记录计算，不能录入');
    const x = sheet();
    (x.scores[0]!.points as Record<string, number>).design = 3;
    expect(refused(x).zh).toBe('评分项 design 不在评标办法中');
  });

  it('keeps a bid failed on qualification out of scoring and requires every bid in scoring', () => {
    const s = sheet();
    s.scores.push({ bidId: 'bid-3', points: { technical: 30, commercial: 10 } });
    expect(refused(s).zh).toBe('投标 bid-3 未通过资格审查，不参与评分');
    const m = sheet();
    m.scores.pop();
    expect(refused(m).zh).toBe('投标 bid-2 未评分');
    const d = sheet();
    d.scores.push({ bidId: 'bid-1', points: { technical: 1, commercial: 1 } });
    expect(refused(d).zh).toBe('投标 bid-1 评分填写了两次');
    const o = sheet();
    o.scores.push({ bidId: 'bid-9', points: { technical: 1, commercial: 1 } });
    expect(refused(o).zh).toBe('投标 bid-9 不属于本标段');
  });

  it('follows the committee: bids it kept must be scored even if this expert failed them, and the others not', () => {
    const ctx = { ...section, inScoring: ['bid-1', 'bid-3'] };
    const s = sheet();
    expect(refused(s, ctx).zh).toBe('投标 bid-2 未通过资格审查，不参与评分；投标 bid-3 未评分');
    s.scores = [s.scores[0]!, { bidId: 'bid-3', points: { technical: 20, commercial: 5 } }];
    expect(parseScoreSheet(method, ctx, s).scores.map((x) => x.bidId)).toEqual(['bid-1', 'bid-3']);
  });

  it('reviews every bid on every item, with a reason on each failure', () => {
    const noReason = sheet();
    noReason.qualification[2]!.items[1] = { key: 'bond', passed: false, reason: '   ' };
    expect(refused(noReason).zh).toBe('投标 bid-3 的审查项「投标保证金」不通过，请填写理由');
    const missingItem = sheet();
    missingItem.qualification[0]!.items.pop();
    expect(refused(missingItem).zh).toBe('投标 bid-1 的审查项「投标保证金」未填写');
    const missingBid = sheet();
    missingBid.qualification.pop();
    // an unreviewed bid is not passed, so only the missing review is reported
    expect(refused(missingBid).zh).toBe('投标 bid-3 未进行资格审查');
    const unknown = sheet();
    unknown.qualification[0]!.items.push({ key: 'iso', passed: true });
    expect(refused(unknown).zh).toBe('审查项 iso 不在招标文件中');
    const twice = sheet();
    twice.qualification.push(pass('bid-1'));
    expect(refused(twice).zh).toBe('投标 bid-1 的资格审查填写了两次');
    const dupItem = sheet();
    dupItem.qualification[0]!.items.push({ key: 'bond', passed: true });
    expect(refused(dupItem).zh).toBe('投标 bid-1 的审查项「投标保证金」填写了两次');
    const longReason = sheet();
    longReason.qualification[2]!.items[1]!.reason = '理'.repeat(501);
    expect(refused(longReason).zh).toBe('理由不能超过 500 个字');
  });

  it('checks ids and shapes', () => {
    expect(refused({ ...sheet(), expertId: '' }).zh).toMatch(/^专家标识应为 1–64 个字母/);
    expect(refused({ expertId: 'e', qualification: [] }).zh).toMatch(/请填写评分/);
    expect(scoreSheetSchema(method, section).safeParse(sheet()).success).toBe(true);
    expect(qualificationItemSchema.safeParse({ key: 'a b', name: 'x' }).success).toBe(false);
  });

  it('validates the qualification phase alone', () => {
    const { scores: _, ...q } = sheet();
    expect(parseQualificationSheet(section, q).qualification).toHaveLength(3);
    try {
      parseQualificationSheet(section, { ...q, qualification: q.qualification.slice(0, 1) });
      throw new Error('not refused');
    } catch (e) {
      expect(e).toMatchObject({ zh: '投标 bid-2 未进行资格审查；投标 bid-3 未进行资格审查', details: { reason: 'invalid-qualification-sheet' } });
    }
  });

  it('scores lowest-evaluated-price criteria too (they carry no price)', () => {
    const lep = SCORING_TEMPLATES.lowestEvaluatedPrice; // compliance, max 1
    const s = { ...sheet(), scores: [{ bidId: 'bid-1', points: { compliance: 1 } }, { bidId: 'bid-2', points: { compliance: 0 } }] };
    expect(parseScoreSheet(lep, section, s).scores).toHaveLength(2);
    s.scores[0]!.points.compliance = 2;
    expect(() => parseScoreSheet(lep, section, s)).toThrow(/超过满分 1/);
  });
});
