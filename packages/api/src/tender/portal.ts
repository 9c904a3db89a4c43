import {
  alias,
  and,
  asc,
  clarificationQuestion,
  desc,
  eq,
  executeRows,
  gte,
  inArray,
  isNotNull,
  lte,
  ne,
  notice,
  openingKey,
  organisation,
  project,
  region,
  section,
  sql,
  tenderDocument,
  type Database,
  type SQL,
} from '@ggzy/db';
import type { SectionState, TenderMethod, TransactionType } from '@ggzy/domain';

import { regionScope } from '../directory/region-scope';
import { SECTION_NOT_FOUND } from './access';

export interface PortalSearch {
  type?: TransactionType | undefined;
  method?: TenderMethod | undefined;
  state?: SectionState | undefined;
  regionCode?: string | undefined;
  keyword?: string | undefined;
  publishedFrom?: Date | undefined;
  publishedTo?: Date | undefined;
  deadlineFrom?: Date | undefined;
  deadlineTo?: Date | undefined;
  page: number;
  pageSize: number;
}

/** Totals beyond this are shown as "1000+": past 50 pages a person refines the search instead. */
const COUNT_CAP = 1000;

/** The portal's list: published sections only, newest first, filtered; keyword on name or code. */
export async function searchSections(db: Database, search: PortalSearch) {
  const filters: SQL[] = [ne(section.state, 'draft'), isNotNull(section.publishedAt)];
  // Everything filtered and ordered here lives on the section row (decision 004): one table, its indexes.
  if (search.type) filters.push(eq(section.type, search.type));
  if (search.method) filters.push(eq(section.method, search.method));
  if (search.state) filters.push(eq(section.state, search.state));
  if (search.regionCode) filters.push(inArray(section.regionCode, await regionScope(db, search.regionCode)));
  if (search.keyword) {
    const pattern = `%${search.keyword.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    filters.push(sql`${section.searchText} ilike ${pattern}`);
  }
  if (search.publishedFrom) filters.push(gte(section.publishedAt, search.publishedFrom));
  if (search.publishedTo) filters.push(lte(section.publishedAt, search.publishedTo));
  if (search.deadlineFrom) filters.push(gte(section.deadline, search.deadlineFrom));
  if (search.deadlineTo) filters.push(lte(section.deadline, search.deadlineTo));
  const where = and(...filters);

  const [items, counted] = await Promise.all([
    db
      .select({
        id: section.id,
        code: section.code,
        name: section.name,
        state: section.state,
        deadline: section.deadline,
        publishedAt: section.publishedAt,
        estimatedPrice: section.estimatedPrice,
        projectName: project.name,
        type: section.type,
        method: section.method,
        regionCode: section.regionCode,
        regionName: region.name,
      })
      .from(section)
      .innerJoin(project, eq(project.id, section.projectId))
      .innerJoin(region, eq(region.code, section.regionCode))
      .where(where)
      .orderBy(sql`${section.publishedAt} desc nulls last`, asc(section.id))
      .limit(search.pageSize)
      .offset((search.page - 1) * search.pageSize),
    executeRows<{ n: number }>(
      db,
      // Ordered like the page itself, so the count walks the same index and stops at the cap
      // (an unordered count may scan the table for filter combinations no index covers).
      sql`select count(*)::int as n from (select 1 from ${section} where ${where}
           order by ${section.publishedAt} desc nulls last limit ${COUNT_CAP + 1}) capped`,
    ),
  ]);
  const total = counted[0]?.n ?? 0;
  return {
    items: items.map((i) => ({ ...i, deadline: i.deadline.toISOString(), publishedAt: i.publishedAt?.toISOString() ?? null })),
    total: Math.min(total, COUNT_CAP),
    totalCapped: total > COUNT_CAP,
    page: search.page,
    pageSize: search.pageSize,
  };
}

const agencyOrg = alias(organisation, 'agency_org');

/** A published section for the public: notices, documents, answered questions, timeline. */
export async function getPublicSection(db: Database, sectionId: string) {
  const [row] = await db
    .select({ section, project, buyer: organisation, agency: agencyOrg, regionName: region.name })
    .from(section)
    .innerJoin(project, eq(project.id, section.projectId))
    .innerJoin(organisation, eq(organisation.id, project.tendererId))
    .leftJoin(agencyOrg, eq(agencyOrg.id, project.agencyId))
    .innerJoin(region, eq(region.code, project.regionCode))
    .where(and(eq(section.id, sectionId), ne(section.state, 'draft')));
  if (!row) throw SECTION_NOT_FOUND;
  const [centre] = await db.select({ id: organisation.id, name: organisation.name }).from(organisation).where(eq(organisation.id, row.project.centreId));
  const notices = await db
    .select()
    .from(notice)
    .where(and(eq(notice.sectionId, sectionId), isNotNull(notice.publishedAt)))
    .orderBy(asc(notice.publishedAt));
  const documents = await db
    .select()
    .from(tenderDocument)
    .where(and(eq(tenderDocument.sectionId, sectionId), isNotNull(tenderDocument.publishedAt)))
    .orderBy(asc(tenderDocument.version), asc(tenderDocument.filename));
  const answered = await db
    .select({ id: clarificationQuestion.id, question: clarificationQuestion.question, noticeId: clarificationQuestion.answerNoticeId, askedAt: clarificationQuestion.askedAt })
    .from(clarificationQuestion)
    .where(and(eq(clarificationQuestion.sectionId, sectionId), isNotNull(clarificationQuestion.answerNoticeId)))
    .orderBy(asc(clarificationQuestion.askedAt));
  // The public half bidders seal to when custodians may also open (docs/sealed-bids.md §2).
  const [key] = await db.select().from(openingKey).where(eq(openingKey.sectionId, sectionId));
  const s = row.section;
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const timeline = [
    { key: 'published', at: iso(s.publishedAt) },
    { key: 'documentsFrom', at: iso(s.documentsFrom) },
    ...notices.filter((n) => n.kind !== 'tender').map((n) => ({ key: `notice:${n.kind}`, at: iso(n.publishedAt), noticeId: n.id, title: n.title })),
    { key: 'documentsUntil', at: iso(s.documentsUntil) },
    { key: 'deadline', at: iso(s.deadline) },
    ...(s.state !== 'announced' ? [{ key: `state:${s.state}`, at: iso(s.stateChangedAt) }] : []),
  ].sort((a, b) => (a.at ?? '').localeCompare(b.at ?? ''));
  return {
    section: {
      id: s.id,
      code: s.code,
      name: s.name,
      state: s.state,
      stateReason: s.stateReason,
      estimatedPrice: s.estimatedPrice,
      bond: s.bond,
      bidValidityDays: s.bidValidityDays,
      scoringMethod: s.scoringMethod,
      documentsFrom: s.documentsFrom.toISOString(),
      documentsUntil: s.documentsUntil.toISOString(),
      deadline: s.deadline.toISOString(),
      listingFrom: iso(s.listingFrom),
      openingMode: s.openingMode,
      publishedAt: iso(s.publishedAt),
      stateChangedAt: s.stateChangedAt.toISOString(),
    },
    project: { id: row.project.id, code: row.project.code, name: row.project.name, type: row.project.type, method: row.project.method },
    buyer: { id: row.buyer.id, name: row.buyer.name, creditCode: row.buyer.creditCode },
    agency: row.agency ? { id: row.agency.id, name: row.agency.name, creditCode: row.agency.creditCode } : null,
    centre: centre!,
    region: { code: row.project.regionCode, name: row.regionName },
    notices: notices.map((n) => ({ id: n.id, kind: n.kind, title: n.title, bodyHtml: n.bodyHtml, publishedAt: n.publishedAt!.toISOString(), affectsBids: n.affectsBids, deadlineBefore: iso(n.deadlineBefore), deadlineAfter: iso(n.deadlineAfter) })),
    documents: documents.map((d) => ({ id: d.id, filename: d.filename, contentType: d.contentType, size: d.size, sha256: d.sha256, version: d.version, uploadedAt: d.uploadedAt.toISOString(), superseded: d.supersededAt !== null })),
    clarifications: answered.map((q) => ({ id: q.id, question: q.question, noticeId: q.noticeId!, askedAt: q.askedAt.toISOString() })),
    timeline,
    openingKey: key ? { suite: key.suite, keyId: key.keyId, publicKeySpki: Buffer.from(key.publicKeySpki).toString('base64') } : null,
  };
}
