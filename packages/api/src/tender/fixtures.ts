import { cautiousCalendar, legalSchedule, SCORING_TEMPLATES, type CreateSectionRequest } from '@ggzy/domain';

/**
 * A valid construction section whose documents start now, for tests. Its dates come from the rules
 * (legalSchedule on the cautious calendar, which holds whatever holidays a test loaded), so it is
 * valid on any day: the documents close 10 days on, the deadline about 25 days on, on working days.
 */
export function sectionDraft(now: Date, overrides: Partial<Record<'documentsFrom' | 'documentsUntil' | 'deadline', Date>> & Partial<Omit<CreateSectionRequest['section'], 'documentsFrom' | 'documentsUntil' | 'deadline'>> = {}): CreateSectionRequest {
  const documentsFrom = overrides.documentsFrom ?? new Date(now.getTime() - 5_000);
  const legal = legalSchedule({ type: 'construction', method: 'open', documentsFrom, calendar: cautiousCalendar() });
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
      documentsFrom: documentsFrom.toISOString(),
      documentsUntil: (overrides.documentsUntil ?? legal.documentsUntil).toISOString(),
      deadline: (overrides.deadline ?? legal.deadline).toISOString(),
    },
  };
}
