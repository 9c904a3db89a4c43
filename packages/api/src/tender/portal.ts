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
  objection,
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
import { METHODS_OF_TYPE, type SectionState, type TenderMethod, type TransactionType } from '@ggzy/domain';
import { LRUCache } from 'lru-cache';

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

/**
 * Totals are exact up to this many (ten pages of 20); past it the portal shows the planner's
 * estimate ("约 14,000 条"), never lower than what the pages shown prove. An exact count of a broad
 * filter walks thousands of rows on every request and was most of the uncached path's time.
 */
export const COUNT_CAP = 200;

/**
 * How long a filter's "more than COUNT_CAP" estimate is reused. The estimate is the planner's guess
 * and shown as one ("约 N"); reusing it for half a minute lets every further page of that filter walk
 * only offset + pageSize rows instead of the COUNT_CAP + 1 the count needs. Exact counts (up to
 * COUNT_CAP) are never reused: a filter at or under the cap is counted on every request.
 */
export const ESTIMATE_SECONDS = 30;

/** Per database: filter → its estimated total, known to be above COUNT_CAP. */
const estimates = new WeakMap<Database, LRUCache<string, { estimate: number }>>();
const estimatesOf = (db: Database) => {
  let cache = estimates.get(db);
  if (!cache) estimates.set(db, (cache = new LRUCache({ max: 5_000, ttl: ESTIMATE_SECONDS * 1000 })));
  return cache;
};

/** The portal's list: published sections only, newest first, filtered; keyword on name or code. */
export async function searchSections(db: Database, search: PortalSearch) {
  // A type and a method that never go together (METHODS_OF_TYPE, refused at creation by the
  // method-type rule) match nothing; no need to walk an index to find that out.
  if (search.type && search.method && !METHODS_OF_TYPE[search.type].includes(search.method))
    return { items: [], total: 0, totalCapped: false, page: search.page, pageSize: search.pageSize };
  const filters: SQL[] = [ne(section.state, 'draft'), isNotNull(section.publishedAt)];
  // Everything filtered and ordered here lives on the section row (decision 004): one table, its indexes.
  if (search.type) filters.push(eq(section.type, search.type));
  if (search.method) filters.push(eq(section.method, search.method));
  if (search.state) filters.push(eq(section.state, search.state));
  if (search.regionCode) {
    // The region and every region below it, in the same statement (no round trip of its own).
    filters.push(sql`${section.regionCode} in (with recursive scope(code) as (
        select code from region where code = ${search.regionCode}
        union all
        select r.code from region r join scope s on r.parent_code = s.code)
      select code from scope)`);
  }
  if (search.keyword) {
    const pattern = `%${search.keyword.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    filters.push(sql`${section.searchText} like ${pattern}`);
  }
  if (search.publishedFrom) filters.push(gte(section.publishedAt, search.publishedFrom));
  if (search.publishedTo) filters.push(lte(section.publishedAt, search.publishedTo));
  if (search.deadlineFrom) filters.push(gte(section.deadline, search.deadlineFrom));
  if (search.deadlineTo) filters.push(lte(section.deadline, search.deadlineTo));
  const where = and(...filters);

  const offset = (search.page - 1) * search.pageSize;
  const { page: _page, pageSize: _size, ...filter } = search;
  const filterKey = JSON.stringify(filter);
  const known = estimatesOf(db).get(filterKey);
  // A filter known to match more than COUNT_CAP: walk only to this page's end (plus one row, which
  // proves whether a further page exists), keeping the estimate.
  const walk = known ? offset + search.pageSize + 1 : Math.max(COUNT_CAP + 1, offset + search.pageSize);
  // One statement: the capped count (ordered like the page, so it walks the same index and stops at
  // the cap; unordered, the planner may pick a sequential scan that reads far more for narrow
  // filters) beside the page itself, joined laterally so an empty page still answers the count.
  const rows = await executeRows<{
    n: number;
    id: string | null;
    code: string;
    name: string;
    state: SectionState;
    deadline: Date | string;
    published_at: Date | string | null;
    estimated_price: string;
    project_name: string;
    type: TransactionType;
    method: TenderMethod;
    region_code: string;
    region_name: string;
    suspended: boolean;
  }>(
    db,
    // One ordered walk serves both: the first max(201, offset + pageSize) matches, counted (exact up
    // to COUNT_CAP), and the page cut from them; only the page's rows are joined.
    sql`with firsts as materialized (
          select ${section.id} as first_id, ${section.publishedAt} as first_at from ${section} where ${where}
           order by ${section.publishedAt} desc nulls last, ${section.id}
           limit ${walk})
        select (select count(*)::int from firsts) as n, i.* from (select 1) one
        left join lateral (
          select ${section.id} as id, ${section.code} as code, ${section.name} as name, ${section.state} as state,
                 ${section.deadline} as deadline, ${section.publishedAt} as published_at,
                 ${section.estimatedPrice}::text as estimated_price, ${project.name} as project_name,
                 ${section.type} as type, ${section.method} as method, ${section.regionCode} as region_code, ${region.name} as region_name,
                 (${section.state} = 'announced' and exists (select 1 from ${objection} where ${objection.sectionId} = ${section.id} and ${objection.answeredAt} is null)) as suspended
            from (select first_id, first_at from firsts order by first_at desc nulls last, first_id
                   limit ${search.pageSize} offset ${offset}) page
            join ${section} on ${section.id} = page.first_id
            join ${project} on ${project.id} = ${section.projectId}
            join ${region} on ${region.code} = ${section.regionCode}
           order by page.first_at desc nulls last, page.first_id) i on true`,
  );
  const iso = (v: Date | string) => new Date(v).toISOString();
  const items = rows
    .filter((r) => r.id !== null)
    .map((r) => ({
      id: r.id!,
      code: r.code,
      name: r.name,
      state: r.state,
      deadline: iso(r.deadline),
      publishedAt: r.published_at === null ? null : iso(r.published_at),
      estimatedPrice: Number(r.estimated_price),
      projectName: r.project_name,
      type: r.type,
      method: r.method,
      regionCode: r.region_code,
      regionName: r.region_name,
      /** Bidding suspended while an objection is open (实施条例 art. 22). */
      suspended: r.suspended,
    }));
  const walked = rows[0]?.n ?? 0;
  const proven = offset + items.length + (walked > offset + items.length ? 1 : 0);
  let total = walked;
  let capped = walked > COUNT_CAP;
  if (known) {
    capped = true;
    total = Math.max(known.estimate, proven, COUNT_CAP + 1);
  } else if (capped) {
    // The planner's row estimate: planning only, no rows read. Never below what this page proves.
    const [plan] = await executeRows<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(db, sql`explain (format json) select 1 from ${section} where ${where}`);
    const estimate = Math.round(plan?.['QUERY PLAN']?.[0]?.Plan['Plan Rows'] ?? 0);
    estimatesOf(db).set(filterKey, { estimate });
    total = Math.max(estimate, proven, COUNT_CAP + 1);
  }
  return {
    items,
    /** Exact when `totalCapped` is false; otherwise an estimate of more than COUNT_CAP. */
    total,
    totalCapped: capped,
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
  // 实施条例 art. 22: bidding is suspended while an objection is open. That bidding is suspended, since
  // when and until when an answer is due are public; who objected, how many did and what they wrote
  // are not (the answer is published, without the objector's name).
  const [suspension] = await executeRows<{ n: number; since: Date | string | null; due: Date | string | null }>(
    db,
    sql`select count(*)::int as n, min(${objection.filedAt}) as since, max(${objection.answerDue}) as due
          from ${objection} where ${objection.sectionId} = ${sectionId} and ${objection.answeredAt} is null`,
  );
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
    /** Bidding suspended by an open objection (实施条例 art. 22), or null. */
    suspension:
      suspension && suspension.n > 0 && s.state === 'announced'
        ? { since: new Date(suspension.since!).toISOString(), answerDue: new Date(suspension.due!).toISOString() }
        : null,
    openingKey: key ? { suite: key.suite, keyId: key.keyId, publicKeySpki: Buffer.from(key.publicKeySpki).toString('base64') } : null,
  };
}
