import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { account } from './account';
import { region } from './region';
import { section } from './tender';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * The specialty tree of evaluation experts (评标专家专业分类): a child's code is its parent's code
 * followed by more characters (A01 → A0101 → A010101), so "holds A01" means a code starting with A01
 * (docs/expert-draw.md §2.1).
 */
export const specialty = pgTable(
  'specialty',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    parentCode: text('parent_code').references((): AnyPgColumn => specialty.code),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    check('specialty_code_format', sql`${t.code} ~ '^[A-Za-z0-9]{1,32}$'`),
    check('specialty_code_below_parent', sql`${t.parentCode} is null or (length(${t.code}) > length(${t.parentCode}) and left(${t.code}, length(${t.parentCode})) = ${t.parentCode})`),
    index('specialty_parent_idx').on(t.parentCode),
  ],
);

export const expertStatus = pgEnum('expert_status', ['active', 'disabled']);

/**
 * An evaluation expert in the pool (评标专家库). An individual, linked to a sign-in account when they
 * have one. The ID number is never stored: only its SHA-256 under a fixed tag (the pool's unique key)
 * and a masked form to show. Employer and declared conflicts are by 统一社会信用代码, which is what
 * recusal compares with the bidders and the tenderer (docs/expert-draw.md §3.1).
 */
export const expert = pgTable(
  'expert',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    accountId: uuid('account_id')
      .unique()
      .references(() => account.id),
    name: text('name').notNull(),
    /** SHA-256 (hex) of `ggzy-expert-id/v1:` ‖ the upper-case ID number: the pool's unique key. */
    idNumberSha256: text('id_number_sha256').notNull().unique(),
    /** e.g. 3301**********123X: enough for staff to recognise a person, not to rebuild the number. */
    idNumberMasked: text('id_number_masked').notNull(),
    /** 职称, e.g. 高级工程师. */
    title: text('title').notNull(),
    regionCode: text('region_code')
      .notNull()
      .references(() => region.code),
    employerName: text('employer_name'),
    employerCreditCode: text('employer_credit_code'),
    phone: text('phone'),
    status: expertStatus('status').notNull().default('active'),
    statusReason: text('status_reason'),
    /** Periods the expert is not available (inclusive China Standard Time dates, YYYY-MM-DD). */
    unavailable: jsonb('unavailable').$type<Array<{ from: string; to: string; reason?: string }>>().notNull().default([]),
    /** Organisations the expert declared an interest in (former employers, relatives' companies): credit codes. */
    conflicts: jsonb('conflicts').$type<string[]>().notNull().default([]),
    createdBy: uuid('created_by').references(() => account.id),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('expert_region_idx').on(t.regionCode, t.status), index('expert_employer_idx').on(t.employerCreditCode)],
);

/** The specialties an expert holds (1–32). */
export const expertSpecialty = pgTable(
  'expert_specialty',
  {
    expertId: uuid('expert_id')
      .notNull()
      .references(() => expert.id),
    specialtyCode: text('specialty_code')
      .notNull()
      .references(() => specialty.code),
  },
  (t) => [primaryKey({ columns: [t.expertId, t.specialtyCode] }), index('expert_specialty_code_idx').on(t.specialtyCode)],
);

/**
 * The centre's request for a section's evaluation committee: per specialty how many experts, from
 * the centre's own region or across regions (跨区域), and how many of the tenderer's representatives
 * sit with them (checked against DESIGN.md §3 when asked).
 */
export const committeeRequest = pgTable('committee_request', {
  sectionId: uuid('section_id')
    .primaryKey()
    .references(() => section.id),
  /** In draw order. */
  needs: jsonb('needs').$type<Array<{ specialty: string; count: number }>>().notNull(),
  regionScope: text('region_scope', { enum: ['own', 'cross'] }).notNull(),
  tendererRepresentatives: integer('tenderer_representatives').notNull(),
  evaluationStartsAt: ts('evaluation_starts_at').notNull(),
  /** 异地评审: the 2-working-day limit of 财库〔2016〕198号 does not apply. */
  offSite: boolean('off_site').notNull().default(false),
  requestedBy: uuid('requested_by')
    .notNull()
    .references(() => account.id),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/**
 * One section's draw (docs/expert-draw.md): the commitment to the secret, made before any round, and
 * the secret itself, kept here to draw the rounds and revealed (trace entry `committee.draw.reveal`)
 * once the first round is stored.
 */
export const expertDraw = pgTable('expert_draw', {
  sectionId: uuid('section_id')
    .primaryKey()
    .references(() => section.id),
  commitment: text('commitment').notNull(),
  secret: text('secret').notNull(),
  /** The trace entry that revealed the secret; null until then. */
  revealEntryId: bigint('reveal_entry_id', { mode: 'number' }),
  revealedAt: ts('revealed_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const drawRoundState = pgEnum('draw_round_state', ['committed', 'drawn']);

/**
 * A round of a draw: 0 first, each refill after declines the next. `committed`: its digests are in
 * the trace log (`commitEntryId`) and its inputs frozen here; `drawn`: the public value (root of the
 * first checkpoint signed after that entry) and the result are stored. A committed round is always
 * completed, never replaced (else the platform could draw again until it liked the committee).
 */
export const drawRound = pgTable(
  'draw_round',
  {
    sectionId: uuid('section_id')
      .notNull()
      .references(() => expertDraw.sectionId),
    round: integer('round').notNull(),
    state: drawRoundState('state').notNull().default('committed'),
    /** The draw inputs of docs/expert-draw.md §2.1 (pool snapshot included), as committed. */
    inputs: jsonb('inputs').$type<Record<string, unknown>>().notNull(),
    poolDigest: text('pool_digest').notNull(),
    inputsDigest: text('inputs_digest').notNull(),
    commitEntryId: bigint('commit_entry_id', { mode: 'number' }).notNull(),
    checkpointSize: bigint('checkpoint_size', { mode: 'number' }),
    publicValue: text('public_value'),
    /** Per need, the experts drawn in draw order. */
    result: jsonb('result').$type<Array<{ specialty: string; expertIds: string[] }>>(),
    drawEntryId: bigint('draw_entry_id', { mode: 'number' }),
    committedAt: ts('committed_at').notNull().defaultNow(),
    drawnAt: ts('drawn_at'),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.round] })],
);

export const committeeMemberState = pgEnum('committee_member_state', ['drawn', 'confirmed', 'declined', 'replaced']);

/**
 * A drawn expert of a section's committee: `drawn` (notified), `confirmed`, `declined` (with a
 * reason; the gap waits for the next round), `replaced` (declined and the gap filled by `replacedBy`).
 */
export const committeeMember = pgTable(
  'committee_member',
  {
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    expertId: uuid('expert_id')
      .notNull()
      .references(() => expert.id),
    round: integer('round').notNull(),
    specialty: text('specialty').notNull(),
    /** Place in the round's draw order for its specialty. */
    position: integer('position').notNull(),
    state: committeeMemberState('state').notNull().default('drawn'),
    reason: text('reason'),
    respondedAt: ts('responded_at'),
    replacedBy: uuid('replaced_by').references(() => expert.id),
    drawnAt: ts('drawn_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.expertId] }), index('committee_member_expert_idx').on(t.expertId, t.drawnAt)],
);
