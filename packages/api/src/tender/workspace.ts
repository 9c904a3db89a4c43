import {
  account,
  and,
  asc,
  calendarYear,
  clarificationQuestion,
  desc,
  documentDownload,
  eq,
  gte,
  holiday,
  inArray,
  isNull,
  lt,
  notice,
  objection,
  or,
  organisation,
  project,
  section,
  sql,
  tenderDocument,
  type Database,
} from '@ggzy/db';
import { appendTrace } from '@ggzy/audit';
import { AppError, isLocalDate } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { regionScope } from '../directory/region-scope';
import { requireOwnSection } from './access';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** The tenderer's or agency's own sections, every state, drafts included. */
export async function listOwnSections(db: Database, account: SessionAccount) {
  if (!account.organisationId) return [];
  const rows = await db
    .select({ section, project })
    .from(section)
    .innerJoin(project, eq(project.id, section.projectId))
    .where(or(eq(project.tendererId, account.organisationId), eq(project.agencyId, account.organisationId)))
    .orderBy(desc(section.createdAt));
  return rows.map(({ section: s, project: p }) => ({
    id: s.id,
    code: s.code,
    name: s.name,
    state: s.state,
    deadline: s.deadline.toISOString(),
    publishedAt: iso(s.publishedAt),
    projectName: p.name,
    type: p.type,
    method: p.method,
  }));
}

/**
 * One of the caller's own sections with what the tenderer needs to run it: drafts of documents,
 * questions (never who asked) and objections (who objected is known to the tenderer, as on paper).
 * Who obtained the documents is not shown (实施条例 art. 22 keeps potential bidders confidential).
 */
export async function getOwnSection(db: Database, account: SessionAccount, sectionId: string) {
  const { section: s, project: p } = await requireOwnSection(db, sectionId, account);
  const documents = await db.select().from(tenderDocument).where(eq(tenderDocument.sectionId, s.id)).orderBy(asc(tenderDocument.version), asc(tenderDocument.filename));
  const questions = await db
    .select({ id: clarificationQuestion.id, question: clarificationQuestion.question, askedAt: clarificationQuestion.askedAt, answerNoticeId: clarificationQuestion.answerNoticeId })
    .from(clarificationQuestion)
    .where(eq(clarificationQuestion.sectionId, s.id))
    .orderBy(asc(clarificationQuestion.askedAt));
  const objections = await db.select().from(objection).where(eq(objection.sectionId, s.id)).orderBy(asc(objection.filedAt));
  const notices = await db.select().from(notice).where(eq(notice.sectionId, s.id)).orderBy(asc(notice.createdAt));
  return {
    section: {
      ...s,
      documentsFrom: s.documentsFrom.toISOString(),
      documentsUntil: s.documentsUntil.toISOString(),
      deadline: s.deadline.toISOString(),
      listingFrom: iso(s.listingFrom),
      publishedAt: iso(s.publishedAt),
      stateChangedAt: s.stateChangedAt.toISOString(),
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    },
    project: { ...p, createdAt: p.createdAt.toISOString() },
    documents: documents.map((d) => ({ id: d.id, filename: d.filename, version: d.version, size: d.size, sha256: d.sha256, published: d.publishedAt !== null, superseded: d.supersededAt !== null })),
    questions: questions.map((q) => ({ ...q, askedAt: q.askedAt.toISOString() })),
    objections: objections.map((o) => ({ id: o.id, text: o.text, filedAt: o.filedAt.toISOString(), answerDue: o.answerDue.toISOString(), answer: o.answer, answeredAt: iso(o.answeredAt) })),
    notices: notices.map((n) => ({ id: n.id, kind: n.kind, title: n.title, publishedAt: iso(n.publishedAt), deadlineAfter: iso(n.deadlineAfter) })),
  };
}

/** The bidder's view: what its company obtained, asked and objected to, and the answers. */
export async function listOwnBidding(db: Database, account: SessionAccount) {
  if (!account.organisationId) return { sections: [], questions: [], objections: [], notices: [] };
  const org = account.organisationId;
  const sections = await db
    .selectDistinctOn([section.id], { id: section.id, code: section.code, name: section.name, state: section.state, deadline: section.deadline, firstObtainedAt: documentDownload.at })
    .from(documentDownload)
    .innerJoin(section, eq(section.id, documentDownload.sectionId))
    .where(eq(documentDownload.organisationId, org))
    .orderBy(section.id, asc(documentDownload.at));
  const questions = await db
    .select({ id: clarificationQuestion.id, sectionId: clarificationQuestion.sectionId, question: clarificationQuestion.question, askedAt: clarificationQuestion.askedAt, answerNoticeId: clarificationQuestion.answerNoticeId, answerHtml: notice.bodyHtml, answeredAt: notice.publishedAt })
    .from(clarificationQuestion)
    .leftJoin(notice, eq(notice.id, clarificationQuestion.answerNoticeId))
    .where(eq(clarificationQuestion.organisationId, org))
    .orderBy(desc(clarificationQuestion.askedAt));
  const objections = await db.select().from(objection).where(eq(objection.organisationId, org)).orderBy(desc(objection.filedAt));
  // Clarifications and amendments of every section it obtained: "answers go to everyone who obtained the documents".
  const sectionIds = sections.map((s) => s.id);
  const notices = sectionIds.length
    ? await db
        .select({ id: notice.id, sectionId: notice.sectionId, kind: notice.kind, title: notice.title, publishedAt: notice.publishedAt, deadlineAfter: notice.deadlineAfter })
        .from(notice)
        .where(and(inArray(notice.sectionId, sectionIds), sql`${notice.kind} <> 'tender'`, sql`${notice.publishedAt} is not null`))
        .orderBy(desc(notice.publishedAt))
    : [];
  // 实施条例 art. 22: which of them have bidding suspended by an open objection.
  const held = new Set(
    sectionIds.length
      ? (await db.select({ sectionId: objection.sectionId }).from(objection).where(and(inArray(objection.sectionId, sectionIds), isNull(objection.answeredAt)))).map((o) => o.sectionId)
      : [],
  );
  return {
    sections: sections.map((s) => ({ ...s, deadline: s.deadline.toISOString(), firstObtainedAt: s.firstObtainedAt.toISOString(), suspended: s.state === 'announced' && held.has(s.id) })),
    questions: questions.map((q) => ({ ...q, askedAt: q.askedAt.toISOString(), answeredAt: iso(q.answeredAt) })),
    objections: objections.map((o) => ({ id: o.id, sectionId: o.sectionId, text: o.text, filedAt: o.filedAt.toISOString(), answerDue: o.answerDue.toISOString(), answer: o.answer, answeredAt: iso(o.answeredAt) })),
    notices: notices.map((n) => ({ ...n, publishedAt: iso(n.publishedAt), deadlineAfter: iso(n.deadlineAfter) })),
  };
}

/** The centre's calendar (and the supervisor's view): sections of the region by deadline and opening time. */
export async function listRegionCalendar(db: Database, account: SessionAccount, range: { from: Date; to: Date }) {
  const scope = await regionScope(db, account.regionCode);
  const rows = await db
    .select({ id: section.id, code: section.code, name: section.name, state: section.state, deadline: section.deadline, publishedAt: section.publishedAt, projectName: project.name, type: section.type, regionCode: section.regionCode })
    .from(section)
    .innerJoin(project, eq(project.id, section.projectId))
    .where(and(inArray(section.regionCode, scope), gte(section.deadline, range.from), lt(section.deadline, range.to), sql`${section.state} <> 'draft'`))
    .orderBy(asc(section.deadline));
  const openObjections = await db
    .select({ sectionId: objection.sectionId })
    .from(objection)
    .where(isNull(objection.answeredAt));
  const held = new Set(openObjections.map((o) => o.sectionId));
  return rows.map((r) => ({ ...r, deadline: r.deadline.toISOString(), publishedAt: iso(r.publishedAt), held: held.has(r.id) }));
}

export async function listHolidays(db: Database, year: number) {
  return db.select().from(holiday).where(sql`${holiday.date} between ${`${year}-01-01`} and ${`${year}-12-31`}`).orderBy(asc(holiday.date));
}

/** The years the calendar covers and where each came from (the shipped notice, the centre, a projection). */
export async function listCalendarYears(db: Database) {
  const rows = await db.select().from(calendarYear).orderBy(asc(calendarYear.year));
  return rows.map((r) => ({ year: r.year, source: r.source, loadedAt: r.loadedAt.toISOString() }));
}

/** The centre loads a year's holiday calendar (replacing that year's entries). */
export async function setHolidays(options: {
  db: Database;
  request: RequestInfo;
  account: SessionAccount;
  year: number;
  entries: Array<{ date: string; kind: 'holiday' | 'workday'; name: string }>;
}) {
  for (const e of options.entries) {
    if (!isLocalDate(e.date) || !e.date.startsWith(`${options.year}-`)) {
      throw new AppError('INVALID_INPUT', { zh: `日期 ${e.date} 不属于 ${options.year} 年或格式有误`, en: `${e.date} is not a date in ${options.year}` });
    }
  }
  return options.db.transaction(async (tx) => {
    await tx.delete(holiday).where(sql`${holiday.date} between ${`${options.year}-01-01`} and ${`${options.year}-12-31`}`);
    if (options.entries.length > 0) await tx.insert(holiday).values(options.entries);
    // The centre's word for the year, even an empty one: shipped data never overwrites it.
    await tx
      .insert(calendarYear)
      .values({ year: options.year, source: 'centre' })
      .onConflictDoUpdate({ target: calendarYear.year, set: { source: 'centre', loadedAt: sql`now()` } });
    await appendTrace(tx, actorOf(options.request, options.account), {
      action: 'calendar.set',
      targetType: 'calendar',
      targetId: String(options.year),
      details: { holidays: String(options.entries.filter((e) => e.kind === 'holiday').length), workdays: String(options.entries.filter((e) => e.kind === 'workday').length) },
    });
    return { count: options.entries.length };
  });
}

/** For the supervisor: which bidder companies obtained a section's documents, and when. */
export async function listDocumentDownloads(db: Database, sectionId: string) {
  const rows = await db
    .select({ at: documentDownload.at, organisationName: organisation.name, creditCode: organisation.creditCode, username: account.username, filename: tenderDocument.filename, version: tenderDocument.version })
    .from(documentDownload)
    .innerJoin(organisation, eq(organisation.id, documentDownload.organisationId))
    .innerJoin(account, eq(account.id, documentDownload.accountId))
    .innerJoin(tenderDocument, eq(tenderDocument.id, documentDownload.documentId))
    .where(eq(documentDownload.sectionId, sectionId))
    .orderBy(asc(documentDownload.at));
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}
