import { describe, expect, it } from 'vitest';
import { procurementPriceScore, SCORING_TEMPLATES, scoringMethodSchema } from './scoring';

describe('scoring methods as data', () => {
  it('accepts every template', () => {
    for (const template of Object.values(SCORING_TEMPLATES)) expect(scoringMethodSchema.parse(template)).toEqual(template);
  });

  it('refuses criteria that do not add up to 100, duplicate keys, and a price weight that disagrees', () => {
    const bad = { ...SCORING_TEMPLATES.comprehensive, criteria: [{ key: 'a', name: 'A', category: 'technical', maxPoints: 60 }] };
    expect(scoringMethodSchema.safeParse(bad).error?.issues[0]?.message).toMatch(/合计应为 100 分，现为 60 分/);
    const dup = { ...SCORING_TEMPLATES.procurementLowPrice, criteria: [...SCORING_TEMPLATES.procurementLowPrice.criteria.slice(0, 2), { key: 'technical', name: 'x', category: 'price', maxPoints: 30 }] };
    expect(scoringMethodSchema.safeParse(dup).error?.issues.map((i) => i.message)).toContainEqual(expect.stringMatching(/重复/));
    const weight = { ...SCORING_TEMPLATES.procurementLowPrice, priceWeight: 0.4 };
    expect(scoringMethodSchema.safeParse(weight).error?.issues[0]?.message).toMatch(/价格权重 0.4/);
  });

  it('computes the 87号令 art. 55 price score', () => {
    expect(procurementPriceScore(1_000_000, 1_000_000, 0.3)).toBe(30);
    expect(procurementPriceScore(1_200_000, 1_000_000, 0.3)).toBe(25);
    expect(procurementPriceScore(3_000_000, 1_000_000, 0.1)).toBe(3.33);
  });
});
