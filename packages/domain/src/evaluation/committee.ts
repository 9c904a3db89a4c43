/**
 * The composition of the evaluation committee (评标委员会), DESIGN.md §3:
 *
 * * 招标投标法 art. 37 / 实施条例 art. 46: an odd number, at least 5; technical and economic experts
 *   at least two thirds, the tenderer's representatives the rest;
 * * 87号令 art. 47 (government procurement): the same, and at least 7 where the budget is
 *   ¥10 million or more ("1000万元以上" includes the figure itself, 民法典 art. 1259).
 *
 * Nothing is corrected: each problem names the smallest committee that would be allowed.
 */
import { AppError } from '../errors';
import type { TransactionType } from '../tender/types';

export type CommitteeRule = 'committee-size' | 'committee-odd' | 'committee-experts' | 'committee-large-budget';

export interface CommitteeProblem {
  rule: CommitteeRule;
  zh: string;
  en: string;
}

export interface CommitteeComposition {
  type: TransactionType;
  /** The estimated contract price, or the procurement budget, in fen. */
  budgetFen: number;
  /** Drawn technical and economic experts. */
  experts: number;
  /** The tenderer's (or purchaser's) representatives. */
  tendererRepresentatives: number;
}

/** ¥10,000,000 in fen: from here a procurement committee has at least 7 members (87号令 art. 47). */
export const LARGE_PROCUREMENT_BUDGET_FEN = 1_000_000_000;

export function checkCommittee(c: CommitteeComposition): CommitteeProblem[] {
  if (![c.experts, c.tendererRepresentatives, c.budgetFen].every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new AppError('INVALID_INPUT', { zh: '委员会人数和预算应为非负整数', en: 'committee counts and the budget are non-negative integers' }, { reason: 'invalid-committee' });
  }
  const procurement = c.type === 'procurement';
  const law = procurement ? { zh: '87号令第四十七条', en: 'MOF Order 87 art. 47' } : { zh: '招标投标法第三十七条', en: 'Tendering and Bidding Law art. 37' };
  const total = c.experts + c.tendererRepresentatives;
  const problems: CommitteeProblem[] = [];
  if (total < 5) {
    problems.push({
      rule: 'committee-size',
      zh: `评标委员会成员应为5人以上单数（${law.zh}），现为 ${total} 人`,
      en: `The evaluation committee has an odd number of members, at least 5 (${law.en}); it has ${total}`,
    });
  } else if (total % 2 === 0) {
    problems.push({
      rule: 'committee-odd',
      zh: `评标委员会成员应为单数（${law.zh}），现为 ${total} 人；可改为 ${total - 1} 或 ${total + 1} 人`,
      en: `The evaluation committee has an odd number of members (${law.en}); it has ${total}: make it ${total - 1} or ${total + 1}`,
    });
  }
  // Integers only: experts / total ≥ 2/3 ⇔ 3 × experts ≥ 2 × total.
  if (3 * c.experts < 2 * total) {
    const least = Math.ceil((2 * total) / 3);
    problems.push({
      rule: 'committee-experts',
      zh: `技术、经济等方面的专家不得少于成员总数的三分之二（${law.zh}）：${total} 人的委员会至少需 ${least} 名专家，现为 ${c.experts} 名`,
      en: `Technical and economic experts make up at least two thirds of the committee (${law.en}): a committee of ${total} needs at least ${least} experts; it has ${c.experts}`,
    });
  }
  if (procurement && c.budgetFen >= LARGE_PROCUREMENT_BUDGET_FEN && total < 7) {
    problems.push({
      rule: 'committee-large-budget',
      zh: `采购预算金额在1000万元以上的项目，评标委员会成员应为7人以上单数（87号令第四十七条），现为 ${total} 人`,
      en: `A procurement with a budget of ¥10 million or more needs an odd committee of at least 7 (MOF Order 87 art. 47); it has ${total}`,
    });
  }
  return problems;
}

/** Refuses a committee that breaks a rule, with every problem in the message (RULE_VIOLATION). */
export function assertCommittee(c: CommitteeComposition): void {
  const problems = checkCommittee(c);
  if (problems.length === 0) return;
  throw new AppError(
    'RULE_VIOLATION',
    { zh: problems.map((p) => p.zh).join('；'), en: problems.map((p) => p.en).join('; ') },
    { reason: problems[0]!.rule, rules: problems.map((p) => p.rule).join(','), members: c.experts + c.tendererRepresentatives, experts: c.experts },
  );
}
