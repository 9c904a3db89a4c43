import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { account } from './account';
import { bidSubmission } from './bid';
import { certificate } from './certificate';
import { organisation } from './organisation';
import { section } from './tender';
import { bytea } from './trace';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * The opening hall's states (docs/opening-hall.md): `open` from the deadline (bidders sign in),
 * `decrypting` while the decryption window runs, `reading` once every bid is settled (decrypted,
 * recovered, revoked or withdrawn: the record is complete), `confirming` while bidders confirm or
 * object, `closed` when the host has closed the record (the section moves to `evaluating`).
 */
export const hallState = pgEnum('hall_state', ['open', 'decrypting', 'reading', 'confirming', 'closed']);

/** One opening hall per section that reached its deadline with enough bids (招标投标法 art. 34). */
export const openingHall = pgTable('opening_hall', {
  sectionId: uuid('section_id')
    .primaryKey()
    .references(() => section.id),
  state: hallState('state').notNull().default('open'),
  /** Paused by the host (a network fault, a power cut): nothing but resume changes the hall meanwhile. */
  paused: boolean('paused').notNull().default(false),
  pauseReason: text('pause_reason'),
  pausedAt: ts('paused_at'),
  /** Length of the decryption window the host set (minutes), 30 by default. */
  windowMinutes: integer('window_minutes').notNull().default(30),
  decryptionStartedAt: ts('decryption_started_at'),
  decryptionEndsAt: ts('decryption_ends_at'),
  /** The one extension the host may grant, with its reason. */
  extendedAt: ts('extended_at'),
  extensionMinutes: integer('extension_minutes'),
  extensionReason: text('extension_reason'),
  /**
   * When the timed sweep recorded the decryption window as over (traced `hall.window.close`, event
   * `hall.windowClosed`): set once; from then on the host decides every bid still sealed.
   */
  windowClosedAt: ts('window_closed_at'),
  confirmationEndsAt: ts('confirmation_ends_at'),
  /** SHA-256 (hex) of the canonical JSON of the record the bidders confirm (set when confirmation opens). */
  confirmationRecordSha256: text('confirmation_record_sha256'),
  /** SHA-256 (hex) of the canonical JSON of the closed record; the signed PDF's object key once rendered. */
  recordSha256: text('record_sha256'),
  recordPdfKey: text('record_pdf_key'),
  openedAt: ts('opened_at').notNull().defaultNow(),
  closedAt: ts('closed_at'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** A sign-in challenge of the hall: random bytes for one account and one section, single use, 2 minutes. */
export const hallChallenge = pgTable('hall_challenge', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  sectionId: uuid('section_id')
    .notNull()
    .references(() => section.id),
  accountId: uuid('account_id')
    .notNull()
    .references(() => account.id),
  challenge: bytea('challenge').notNull(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
});

/** A bidder's attendance (签到): the signed challenge is the record. One per company and section. */
export const hallAttendance = pgTable(
  'hall_attendance',
  {
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisation.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => account.id),
    certificateId: uuid('certificate_id')
      .notNull()
      .references(() => certificate.id),
    challengeId: uuid('challenge_id')
      .notNull()
      .references(() => hallChallenge.id),
    /** The exact signed text (canonical JSON) and the signature over it. */
    signedMessage: text('signed_message').notNull(),
    signature: bytea('signature').notNull(),
    signedAt: ts('signed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.organisationId] })],
);

export const bidDecryptionState = pgEnum('bid_decryption_state', ['waiting', 'decrypting', 'decrypted', 'failed', 'recovered', 'revoked', 'withdrawn']);

/**
 * Each standing bid's way through the hall: `waiting` from the deadline; `decrypting` while the server
 * opens it with the handed-over content key (or rebuilt opening key); `decrypted` / `recovered`
 * (by the custodians); `failed` (the key did not open it: the bidder may try again within the window);
 * `revoked` / `withdrawn` as the host decided (电子招标投标办法 art. 31).
 */
export const bidDecryption = pgTable(
  'bid_decryption',
  {
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisation.id),
    submissionId: uuid('submission_id')
      .notNull()
      .references(() => bidSubmission.id),
    state: bidDecryptionState('state').notNull().default('waiting'),
    reason: text('reason'),
    /** When the key arrived (the decryption queue's order). */
    handedOverAt: ts('handed_over_at'),
    /** SHA-256 of the handed-over content key, to recognise the same key handed over again. */
    keySha256: text('key_sha256'),
    attempts: integer('attempts').notNull().default(0),
    /** Where the plaintext bid bundle lives (only the evaluation and the supervisor may read it). */
    plaintextKey: text('plaintext_key'),
    plaintextSha256: text('plaintext_sha256'),
    plaintextBytes: bigint('plaintext_bytes', { mode: 'number' }),
    /** The envelope read from the store has the digest of the bidder's receipt. */
    matchesReceipt: boolean('matches_receipt'),
    decidedBy: uuid('decided_by').references(() => account.id),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.organisationId] })],
);

/** One row of the opening record (开标记录), in the order it was read out (唱标). */
export const openingRecordRow = pgTable(
  'opening_record_row',
  {
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    position: integer('position').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisation.id),
    companyName: text('company_name').notNull(),
    creditCode: text('credit_code'),
    /** decrypted, recovered, revoked or withdrawn: the last two carry no schedule. */
    outcome: text('outcome', { enum: ['decrypted', 'recovered', 'revoked', 'withdrawn'] }).notNull(),
    priceFen: bigint('price_fen', { mode: 'number' }),
    durationDays: integer('duration_days'),
    quality: text('quality'),
    bondReference: text('bond_reference'),
    /** From the bidder's receipt. */
    ciphertextSha256: text('ciphertext_sha256'),
    matchesReceipt: boolean('matches_receipt'),
    reason: text('reason'),
    readAt: ts('read_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.organisationId] }), index('opening_record_row_position_idx').on(t.sectionId, t.position)],
);

/** A message from the host to everyone in the hall. */
export const hallMessage = pgTable(
  'hall_message',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => account.id),
    text: text('text').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('hall_message_section_idx').on(t.sectionId, t.at)],
);

/** A bidder's signed confirmation of the opening record (the record's digest it saw). */
export const openingRecordConfirmation = pgTable(
  'opening_record_confirmation',
  {
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisation.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => account.id),
    certificateId: uuid('certificate_id')
      .notNull()
      .references(() => certificate.id),
    recordSha256: text('record_sha256').notNull(),
    signedMessage: text('signed_message').notNull(),
    signature: bytea('signature').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.organisationId] })],
);

/** An objection to the opening record raised in the hall, and the host's answer. */
export const hallObjection = pgTable(
  'hall_objection',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisation.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => account.id),
    text: text('text').notNull(),
    at: ts('at').notNull().defaultNow(),
    answer: text('answer'),
    answeredBy: uuid('answered_by').references(() => account.id),
    answeredAt: ts('answered_at'),
  },
  (t) => [index('hall_objection_section_idx').on(t.sectionId, t.at)],
);

/**
 * Custodian recovery (docs/opening-hall.md §9, docs/decisions/016-custodian-recovery.md): the plain
 * shares submitted for one bid while fewer than k have arrived. At most k − 1 are ever stored (they
 * reveal nothing of the key); the k-th is never written: the transaction that receives it reads the
 * others, deletes them and rebuilds the key in memory. One per custodian and bid.
 */
export const hallRecoveryShare = pgTable(
  'hall_recovery_share',
  {
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    /** The bid being recovered. */
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisation.id),
    custodianId: uuid('custodian_id')
      .notNull()
      .references(() => account.id),
    certificateId: uuid('certificate_id')
      .notNull()
      .references(() => certificate.id),
    share: bytea('share').notNull(),
    shareSha256: text('share_sha256').notNull(),
    /** The signed submission (canonical JSON) and its signature: the custodian's evidence. */
    signedMessage: text('signed_message').notNull(),
    signature: bytea('signature').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.organisationId, t.custodianId] })],
);
