import { sql } from 'drizzle-orm';
import { bigint, boolean, date, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { account } from './account';
import { organisation } from './organisation';
import { region } from './region';

export const transactionType = pgEnum('transaction_type', ['construction', 'procurement', 'stateProperty', 'landUse', 'emissions']);
export const tenderMethod = pgEnum('tender_method', ['open', 'invited', 'listing', 'auction']);
export const sectionState = pgEnum('section_state', [
  'draft',
  'announced',
  'opening',
  'evaluating',
  'publicity',
  'awarded',
  'archived',
  'failed',
  'cancelled',
]);
export const openingMode = pgEnum('opening_mode', ['bidderKey', 'bidderAndCustodians']);

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** A project (项目): one tenderer's undertaking, tendered in one or more sections, hosted by a centre. */
export const project = pgTable(
  'project',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    /** 项目编号, unique across the platform. */
    code: text('code').notNull().unique(),
    name: text('name').notNull(),
    type: transactionType('type').notNull(),
    method: tenderMethod('method').notNull(),
    regionCode: text('region_code')
      .notNull()
      .references(() => region.code),
    centreId: uuid('centre_id')
      .notNull()
      .references(() => organisation.id),
    tendererId: uuid('tenderer_id')
      .notNull()
      .references(() => organisation.id),
    agencyId: uuid('agency_id').references(() => organisation.id),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => account.id),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('project_tenderer_idx').on(t.tendererId), index('project_agency_idx').on(t.agencyId)],
);

/**
 * A section (标段/包): what bidders bid for. Amounts are integers in fen (分). The scoring method is
 * data (DESIGN.md §3). Times are instants; the rules count days on China Standard Time.
 */
export const section = pgTable(
  'section',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid('project_id')
      .notNull()
      .references(() => project.id),
    /** 标段编号 */
    code: text('code').notNull().unique(),
    /**
     * Copied from the project at creation and never changed: the portal filters and orders sections
     * by these without a join (docs/decisions/004-portal-read-path.md).
     */
    type: transactionType('type').notNull(),
    method: tenderMethod('method').notNull(),
    regionCode: text('region_code')
      .notNull()
      .references(() => region.code),
    name: text('name').notNull(),
    /** Name, code and project name, for the portal's keyword search (one trigram index). */
    searchText: text('search_text').notNull().default(''),
    state: sectionState('state').notNull().default('draft'),
    /** Estimated contract price (construction) or budget (procurement) or listing price, in fen. */
    estimatedPrice: bigint('estimated_price', { mode: 'number' }).notNull(),
    bond: bigint('bond', { mode: 'number' }).notNull(),
    bidValidityDays: integer('bid_validity_days').notNull(),
    scoringMethod: jsonb('scoring_method').$type<Record<string, unknown>>().notNull(),
    documentsFrom: ts('documents_from').notNull(),
    documentsUntil: ts('documents_until').notNull(),
    /** Bid deadline = opening time (招标投标法 art. 34). */
    deadline: ts('deadline').notNull(),
    listingFrom: ts('listing_from'),
    openingMode: openingMode('opening_mode').notNull().default('bidderKey'),
    custodianThreshold: integer('custodian_threshold'),
    custodianIds: jsonb('custodian_ids').$type<string[]>().notNull().default([]),
    /** The sealed-bid envelope suite bidders must use (docs/envelope.md): RSA/AES or the GM/T suite. */
    envelopeSuite: text('envelope_suite').notNull().default('rsa-oaep-sha256/aes-256-gcm-stream'),
    retenderOf: uuid('retender_of').references((): AnyPgColumn => section.id),
    publishedAt: ts('published_at'),
    stateChangedAt: ts('state_changed_at').notNull().defaultNow(),
    stateReason: text('state_reason'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('section_project_idx').on(t.projectId),
    index('section_state_deadline_idx').on(t.state, t.deadline),
    index('section_published_idx').on(t.publishedAt.desc(), t.id).where(sql`state <> 'draft'`),
    index('section_type_published_idx').on(t.type, t.publishedAt.desc()).where(sql`state <> 'draft'`),
    index('section_region_published_idx').on(t.regionCode, t.publishedAt.desc()).where(sql`state <> 'draft'`),
    index('section_state_published_idx').on(t.state, t.publishedAt.desc()),
    index('section_method_published_idx').on(t.method, t.publishedAt.desc()).where(sql`state <> 'draft'`),
    index('section_search_trgm_idx').using('gin', sql`${t.searchText} gin_trgm_ops`),
  ],
);

/** Published texts: the tender notice, amendments, clarification answers, later results. */
export const notice = pgTable(
  'notice',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    kind: text('kind', { enum: ['tender', 'amendment', 'clarification', 'objectionAnswer', 'failure'] }).notNull(),
    title: text('title').notNull(),
    /** Sanitised HTML (only a safe subset of tags survives). */
    bodyHtml: text('body_html').notNull(),
    affectsBids: boolean('affects_bids').notNull().default(false),
    deadlineBefore: ts('deadline_before'),
    deadlineAfter: ts('deadline_after'),
    publishedAt: ts('published_at'),
    /** Null for what the platform publishes by itself (the failure notice at the deadline). */
    createdBy: uuid('created_by').references(() => account.id),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('notice_section_idx').on(t.sectionId, t.publishedAt)],
);

/** Tender documents, versioned: an amendment adds a version; earlier ones stay, marked superseded. */
export const tenderDocument = pgTable(
  'tender_document',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    version: integer('version').notNull(),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    objectKey: text('object_key').notNull().unique(),
    uploadedBy: uuid('uploaded_by')
      .notNull()
      .references(() => account.id),
    uploadedAt: ts('uploaded_at').notNull().defaultNow(),
    /** Null while the file waits for the section's publication or for the amendment that issues it. */
    publishedAt: ts('published_at'),
    supersededAt: ts('superseded_at'),
  },
  (t) => [uniqueIndex('tender_document_version_idx').on(t.sectionId, t.version, t.filename)],
);

/** Every download by a bidder company: a company that never obtained the documents cannot bid. */
export const documentDownload = pgTable(
  'document_download',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    documentId: uuid('document_id')
      .notNull()
      .references(() => tenderDocument.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisation.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => account.id),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('document_download_section_org_idx').on(t.sectionId, t.organisationId)],
);

/** A bidder's question. Who asked is never shown to anyone but the supervisor; answers go to all. */
export const clarificationQuestion = pgTable(
  'clarification_question',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    question: text('question').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisation.id),
    askedBy: uuid('asked_by')
      .notNull()
      .references(() => account.id),
    askedAt: ts('asked_at').notNull().defaultNow(),
    answerNoticeId: uuid('answer_notice_id').references(() => notice.id),
  },
  (t) => [index('clarification_section_idx').on(t.sectionId)],
);

/** An objection to the tender documents (实施条例 art. 22): answered within 3 days, deadline held. */
export const objection = pgTable(
  'objection',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisation.id),
    filedBy: uuid('filed_by')
      .notNull()
      .references(() => account.id),
    text: text('text').notNull(),
    filedAt: ts('filed_at').notNull().defaultNow(),
    answerDue: ts('answer_due').notNull(),
    answer: text('answer'),
    answeredAt: ts('answered_at'),
  },
  (t) => [index('objection_open_idx').on(t.sectionId).where(sql`answered_at is null`)],
);

/** The deployment's holiday calendar (法定节假日 and 调休 working days), loaded each year. */
export const holiday = pgTable('holiday', {
  date: date('date', { mode: 'string' }).primaryKey(),
  kind: text('kind', { enum: ['holiday', 'workday'] }).notNull(),
  name: text('name').notNull(),
});

/**
 * The years the holiday calendar covers, and where each came from: the State Council's notice as
 * shipped with the platform (`published`), the centre's own entry (`centre`), or a projected
 * arrangement the demo data uses for a year not yet published (`projected`). A working-day rule is
 * refused for a year that is not here.
 */
export const calendarYear = pgTable('calendar_year', {
  year: integer('year').primaryKey(),
  source: text('source', { enum: ['published', 'centre', 'projected'] }).notNull(),
  loadedAt: timestamp('loaded_at', { withTimezone: true }).notNull().defaultNow(),
});
