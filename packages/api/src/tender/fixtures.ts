import { addDays, instantOf, localDateOf, SCORING_TEMPLATES, type CreateSectionRequest } from '@ggzy/domain';

/** A valid construction section whose documents start now, for tests and demo data. */
export function sectionDraft(now: Date, overrides: Partial<Record<'documentsFrom' | 'documentsUntil' | 'deadline', Date>> & Partial<Omit<CreateSectionRequest['section'], 'documentsFrom' | 'documentsUntil' | 'deadline'>> = {}): CreateSectionRequest {
  const today = localDateOf(now);
  return {
    project: { name: '示例市第一中学教学楼新建工程', type: 'construction', method: 'open' },
    section: {
      name: '施工总承包',
      estimatedPrice: 1_000_000_000, // ¥10,000,000.00
      bond: 20_000_000, // ¥200,000.00: exactly 2 %
      bidValidityDays: 90,
      scoringMethod: SCORING_TEMPLATES.comprehensive,
      openingMode: 'bidderKey',
      custodianIds: [],
      ...overrides,
      documentsFrom: (overrides.documentsFrom ?? new Date(now.getTime() - 5_000)).toISOString(),
      documentsUntil: (overrides.documentsUntil ?? instantOf(addDays(today, 10), '17:00')).toISOString(),
      deadline: (overrides.deadline ?? instantOf(addDays(today, 25), '09:30')).toISOString(),
    },
  };
}
