import { AppError, type RuleProblem } from '@ggzy/domain';

/** One RULE_VIOLATION naming every problem found, each with its field and limit. */
export function ruleViolation(problems: RuleProblem[]): AppError {
  return new AppError(
    'RULE_VIOLATION',
    { zh: problems.map((p) => p.zh).join('；'), en: problems.map((p) => p.en).join('; ') },
    {
      rules: problems.map((p) => p.rule).join(','),
      fields: problems.map((p) => p.field).join(','),
      ...(problems[0]?.limit ? { limit: problems[0].limit } : {}),
    },
  );
}
