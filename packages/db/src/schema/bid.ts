import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { account } from './account';
import { certificate } from './certificate';
import { organisation } from './organisation';
import { section } from './tender';
import { bytea } from './trace';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * The section's opening key (DESIGN.md §4), for sections whose opening mode includes custodians:
 * made at publication; the public half is published with the section, the private half exists only
 * as Shamir shares sealed to the custodians' certificates (never stored whole).
 */
export const openingKey = pgTable('opening_key', {
  sectionId: uuid('section_id')
    .primaryKey()
    .references(() => section.id),
  /** Envelope suite the key belongs to (docs/envelope.md). */
  suite: text('suite').notNull(),
  /** DER SubjectPublicKeyInfo of the public half. */
  publicKeySpki: bytea('public_key_spki').notNull(),
  /** SHA-256 (hex) of publicKeySpki: the envelope's recipient key id. */
  keyId: text('key_id').notNull(),
  threshold: integer('threshold').notNull(),
  shareCount: integer('share_count').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** One custodian's Shamir share of an opening key, sealed (an envelope) to that custodian's certificate. */
export const openingKeyShare = pgTable(
  'opening_key_share',
  {
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    custodianId: uuid('custodian_id')
      .notNull()
      .references(() => account.id),
    certificateId: uuid('certificate_id')
      .notNull()
      .references(() => certificate.id),
    sealedShare: bytea('sealed_share').notNull(),
    /**
     * SHA-256 (hex) of the plain share, recorded at the ceremony: a share submitted for recovery is
     * recognised as this custodian's share of this key before any rebuild (docs/opening-hall.md §9).
     * A share is uniformly random bytes, so its digest reveals nothing. Null for keys made before.
     */
    shareSha256: text('share_sha256'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.custodianId] })],
);

/**
 * A resumable upload of a sealed bid (tus, DESIGN.md §4). The id is the tus upload id. Bytes live in
 * the upload store; this row says whose they are and, once complete, what the framing check found.
 */
export const bidUpload = pgTable(
  'bid_upload',
  {
    id: text('id').primaryKey(),
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisation.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => account.id),
    /** Declared Upload-Length. */
    length: bigint('length', { mode: 'number' }).notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    completedAt: ts('completed_at'),
    /** SHA-256 (hex) of every envelope byte, computed by the server when the upload completed. */
    ciphertextSha256: text('ciphertext_sha256'),
    headerSha256: text('header_sha256'),
    suite: text('suite'),
    /** Why the envelope was refused (inspectEnvelope's code and message, or a binding reason), if it was. */
    inspectionError: text('inspection_error'),
    /**
     * What the envelope's header says it is (docs/envelope.md §2.3, not secret): the section code and
     * bidder credit code of its metadata, and its recipients as `role:keyId` (key id hex). Recorded
     * whenever the header could be read, refused or not; checked again at submit and at the opening.
     */
    headerSection: text('header_section'),
    headerBidder: text('header_bidder'),
    recipientKeyIds: text('recipient_key_ids').array(),
  },
  (t) => [index('bid_upload_section_org_idx').on(t.sectionId, t.organisationId), index('bid_upload_ciphertext_idx').on(t.ciphertextSha256)],
);

export const bidSubmissionKind = pgEnum('bid_submission_kind', ['submit', 'withdraw']);

/**
 * Every signed submit and withdrawal, in order; never updated. The latest one per section and company
 * decides (`bid`). received_at is the database clock while holding the section row lock.
 */
export const bidSubmission = pgTable(
  'bid_submission',
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
    kind: bidSubmissionKind('kind').notNull(),
    uploadId: text('upload_id').references(() => bidUpload.id),
    ciphertextSha256: text('ciphertext_sha256'),
    envelopeBytes: bigint('envelope_bytes', { mode: 'number' }),
    /** The exact message the bidder signed (canonical JSON, docs/sealed-bids.md). */
    signedMessage: text('signed_message').notNull(),
    signature: bytea('signature').notNull(),
    certificateId: uuid('certificate_id')
      .notNull()
      .references(() => certificate.id),
    receivedAt: ts('received_at').notNull(),
    /** The trace entry written in the same transaction (its Merkle index is assigned after commit). */
    traceEntryId: bigint('trace_entry_id', { mode: 'number' }).notNull(),
  },
  (t) => [index('bid_submission_section_org_idx').on(t.sectionId, t.organisationId, t.receivedAt)],
);

export const bidStatus = pgEnum('bid_status', ['submitted', 'withdrawn']);

/** The bid that counts for a company in a section: the latest submission (DESIGN.md §4). */
export const bid = pgTable(
  'bid',
  {
    sectionId: uuid('section_id')
      .notNull()
      .references(() => section.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisation.id),
    status: bidStatus('status').notNull(),
    submissionId: uuid('submission_id')
      .notNull()
      .references(() => bidSubmission.id),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.organisationId] }), uniqueIndex('bid_submission_idx').on(t.submissionId)],
);
