import { and, calendarYear, documentDownload, eq, holiday, inArray, organisation, project, section, type Database } from '@ggzy/db';
import { AppError, calendarOf, type HolidayCalendar } from '@ggzy/domain';
import type { SessionAccount } from '../context';
import { regionScope } from '../directory/region-scope';

export const SECTION_NOT_FOUND = new AppError('NOT_FOUND', { zh: '没有这个标段', en: 'No such section' });

/**
 * A section the caller's organisation runs, as its tenderer or its agency; locked for update when
 * asked. Anything else is NOT_FOUND, so other companies' drafts stay invisible.
 */
export async function requireOwnSection(db: Database, sectionId: string, account: SessionAccount, options: { lock?: boolean } = {}) {
  if (!account.organisationId) throw SECTION_NOT_FOUND;
  const query = db
    .select({ section, project })
    .from(section)
    .innerJoin(project, eq(project.id, section.projectId))
    .where(eq(section.id, sectionId));
  const [row] = options.lock ? await query.for('update', { of: section }) : await query;
  if (!row || (row.project.tendererId !== account.organisationId && row.project.agencyId !== account.organisationId)) {
    throw SECTION_NOT_FOUND;
  }
  return row;
}

/** A section visible to centre staff and supervisors: those in their region and below. */
export async function requireRegionSection(db: Database, sectionId: string, account: SessionAccount) {
  const scope = await regionScope(db, account.regionCode);
  const [row] = await db
    .select({ section, project })
    .from(section)
    .innerJoin(project, eq(project.id, section.projectId))
    .where(and(eq(section.id, sectionId), inArray(project.regionCode, scope)));
  if (!row) throw SECTION_NOT_FOUND;
  return row;
}

/** The deployment's holiday calendar, as loaded by the centre. */
export async function loadHolidayCalendar(db: Database): Promise<HolidayCalendar> {
  const rows = await db.select().from(holiday);
  const years = await db.select({ year: calendarYear.year }).from(calendarYear);
  return { ...calendarOf(rows.map((r) => ({ date: r.date, kind: r.kind }))), years: new Set(years.map((y) => y.year)) };
}

export async function organisationOfKind(db: Database, id: string, kind: 'tenderer' | 'agency') {
  const [row] = await db.select().from(organisation).where(and(eq(organisation.id, id), eq(organisation.kind, kind)));
  if (!row) {
    throw new AppError('INVALID_INPUT', {
      zh: kind === 'agency' ? '所选招标代理机构不存在' : '所选招标人不存在',
      en: kind === 'agency' ? 'The chosen agency does not exist' : 'The chosen tenderer does not exist',
    });
  }
  return row;
}

/** A bidder company may ask or object only about documents it obtained. */
export async function requireObtained(db: Database, sectionId: string, organisationId: string) {
  const [obtained] = await db
    .select({ id: documentDownload.id })
    .from(documentDownload)
    .where(and(eq(documentDownload.sectionId, sectionId), eq(documentDownload.organisationId, organisationId)))
    .limit(1);
  if (!obtained) {
    throw new AppError('RULE_VIOLATION', { zh: '请先获取招标文件', en: 'Obtain the tender documents first' });
  }
}
