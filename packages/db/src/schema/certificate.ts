import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { account } from './account';
import { organisation } from './organisation';
import { bytea } from './trace';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * An X.509 certificate known to the platform (DESIGN.md §4): issued by the platform CA at enrolment,
 * or an external CA's certificate (CA互认) registered by its holder. Only the certificate is stored;
 * the private key stays with its owner (PKCS#12 file, UKey).
 */
export const certificate = pgTable(
  'certificate',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    accountId: uuid('account_id')
      .notNull()
      .references(() => account.id),
    /** The company the certificate speaks for; null for individuals without one (experts). */
    organisationId: uuid('organisation_id').references(() => organisation.id),
    /** Hex serial number as issued (normalised: lower case, no leading zeros). */
    serial: text('serial').notNull(),
    /** SHA-256 (hex) of the issuer's DER name, so serials from different CAs never collide. */
    issuerSha256: text('issuer_sha256').notNull(),
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    /** SHA-256 (hex) of the DER SubjectPublicKeyInfo: the envelope's recipient key id. */
    keyId: text('key_id').notNull(),
    algorithm: text('algorithm', { enum: ['rsa', 'sm2'] }).notNull(),
    pem: text('pem').notNull(),
    notBefore: ts('not_before').notNull(),
    notAfter: ts('not_after').notNull(),
    revokedAt: ts('revoked_at'),
    revocationReason: text('revocation_reason'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('certificate_account_idx').on(t.accountId),
    index('certificate_organisation_idx').on(t.organisationId),
    index('certificate_key_idx').on(t.keyId),
    // A CA never issues one serial twice, so a certificate is registered once.
    uniqueIndex('certificate_issuer_serial_idx').on(t.issuerSha256, t.serial),
  ],
);

/** A certificate-login challenge: random bytes the holder signs; single use, short-lived. */
export const loginChallenge = pgTable('login_challenge', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  challenge: bytea('challenge').notNull(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
});
