/**
 * Scoring methods (评标办法) are data, not code paths (DESIGN.md §3): a template names its criteria
 * with maximum points and one price formula. The evaluation work computes scores from this; here it is
 * validated when a section is drafted.
 */
import { z } from 'zod';

const criterion = z.object({
  key: z.string().regex(/^[a-z][a-zA-Z0-9]{0,39}$/, { error: '评分项代号应为英文字母开头的字母数字 / criterion keys are alphanumeric, starting with a letter' }),
  name: z.string().trim().min(1, { error: '请填写评分项名称 / name the criterion' }).max(100),
  category: z.enum(['technical', 'commercial', 'price']),
  maxPoints: z.number().positive({ error: '分值应大于 0 / points must be positive' }).max(100),
});

/**
 * Whether each criterion's committee average drops the highest and the lowest expert score (去掉一个
 * 最高分和一个最低分). Optional, absent = false, so methods stored before it existed keep their meaning
 * (docs/evaluation-scoring.md §4).
 */
const dropHighestAndLowestExpertScores = z.boolean().optional();

/** 综合评估法: benchmark = mean of valid bids (optionally without the highest and lowest). */
const comprehensive = z.object({
  kind: z.literal('comprehensive'),
  criteria: z.array(criterion).min(1),
  dropHighestAndLowestExpertScores,
  price: z.object({
    formula: z.literal('benchmark'),
    dropHighestAndLowest: z.boolean(),
    /** Points deducted per percent above the benchmark price. */
    deductionPerPercentAbove: z.number().min(0).max(10),
    /** Points deducted per percent below the benchmark price. */
    deductionPerPercentBelow: z.number().min(0).max(10),
  }),
});

/** 经评审的最低投标价法: bids that pass the review are ranked by evaluated price; no points. */
const lowestEvaluatedPrice = z.object({
  kind: z.literal('lowestEvaluatedPrice'),
  criteria: z.array(criterion.extend({ category: z.enum(['technical', 'commercial']) })),
  dropHighestAndLowestExpertScores,
});

/** 87号令 art. 55: price score = (lowest valid price / bid price) × price weight × 100. */
const procurementLowPrice = z.object({
  kind: z.literal('procurementLowPrice'),
  criteria: z.array(criterion).min(1),
  dropHighestAndLowestExpertScores,
  /** The price's share of the total, e.g. 0.3 for goods (87号令: goods 30–60 %, services 10–30 %). */
  priceWeight: z.number().gt(0).lt(1),
});

export const scoringMethodSchema = z
  .discriminatedUnion('kind', [comprehensive, lowestEvaluatedPrice, procurementLowPrice], {
    error: '请选择评标办法 / choose a scoring method',
  })
  .superRefine((method, ctx) => {
    const keys = method.criteria.map((c) => c.key);
    if (new Set(keys).size !== keys.length) {
      ctx.addIssue({ code: 'custom', path: ['criteria'], message: '评分项代号重复 / criterion keys must be unique' });
    }
    if (method.kind === 'lowestEvaluatedPrice') return;
    const total = method.criteria.reduce((sum, c) => sum + c.maxPoints, 0);
    if (Math.abs(total - 100) > 1e-9) {
      ctx.addIssue({
        code: 'custom',
        path: ['criteria'],
        message: `各评分项满分合计应为 100 分，现为 ${total} 分 / the criteria must add up to 100 points, not ${total}`,
      });
    }
    if (method.kind === 'procurementLowPrice') {
      const pricePoints = method.criteria.filter((c) => c.category === 'price').reduce((s, c) => s + c.maxPoints, 0);
      if (Math.abs(pricePoints - method.priceWeight * 100) > 1e-9) {
        ctx.addIssue({
          code: 'custom',
          path: ['priceWeight'],
          message: `价格分 ${pricePoints} 分与价格权重 ${method.priceWeight} 不一致 / price points ${pricePoints} do not match the price weight ${method.priceWeight}`,
        });
      }
    }
  });

export type ScoringMethod = z.infer<typeof scoringMethodSchema>;

export const SCORING_METHOD_LABELS: Record<ScoringMethod['kind'], { zh: string; en: string }> = {
  comprehensive: { zh: '综合评估法', en: 'Comprehensive evaluation' },
  lowestEvaluatedPrice: { zh: '经评审的最低投标价法', en: 'Lowest evaluated price' },
  procurementLowPrice: { zh: '综合评分法（低价优先法计算价格分）', en: 'Scoring with the low-price formula (MOF Order 87 art. 55)' },
};

/** 87号令 art. 55: (lowest valid price / bid price) × weight × 100, rounded to 2 decimals. */
export function procurementPriceScore(bidPrice: number, lowestValidPrice: number, priceWeight: number): number {
  if (bidPrice <= 0 || lowestValidPrice <= 0) throw new RangeError('prices must be positive');
  return Math.round((lowestValidPrice / bidPrice) * priceWeight * 100 * 100) / 100;
}

/** Templates a tenderer starts from; edited freely before publication. */
export const SCORING_TEMPLATES: Record<ScoringMethod['kind'], ScoringMethod> = {
  comprehensive: {
    kind: 'comprehensive',
    criteria: [
      { key: 'technical', name: '技术方案', category: 'technical', maxPoints: 40 },
      { key: 'commercial', name: '商务资信', category: 'commercial', maxPoints: 20 },
      { key: 'price', name: '投标报价', category: 'price', maxPoints: 40 },
    ],
    price: { formula: 'benchmark', dropHighestAndLowest: true, deductionPerPercentAbove: 1, deductionPerPercentBelow: 0.5 },
  },
  lowestEvaluatedPrice: {
    kind: 'lowestEvaluatedPrice',
    criteria: [{ key: 'compliance', name: '实质性响应', category: 'technical', maxPoints: 1 }],
  },
  procurementLowPrice: {
    kind: 'procurementLowPrice',
    criteria: [
      { key: 'technical', name: '技术部分', category: 'technical', maxPoints: 50 },
      { key: 'commercial', name: '商务部分', category: 'commercial', maxPoints: 20 },
      { key: 'price', name: '价格分', category: 'price', maxPoints: 30 },
    ],
    priceWeight: 0.3,
  },
};
