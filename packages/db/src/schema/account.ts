import { sql } from 'drizzle-orm';
import { index, integer, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organisation } from './organisation';
import { region } from './region';

export const role = pgEnum('role', ['bidder', 'tenderer', 'agency', 'expert', 'centre', 'supervisor', 'guarantor']);
export const accountStatus = pgEnum('account_status', ['active', 'disabled']);

/** A person who signs in. Experts are individuals in the pool and belong to no organisation. */
export const account = pgTable('account', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull(),
  /** argon2id, PHC string format. */
  passwordHash: text('password_hash').notNull(),
  role: role('role').notNull(),
  organisationId: uuid('organisation_id').references(() => organisation.id),
  /** For experts (no organisation): the region of the pool they are registered in. */
  regionCode: text('region_code')
    .notNull()
    .references(() => region.code),
  status: accountStatus('status').notNull().default('active'),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/**
 * A signed-in browser or client. The cookie carries a random token; only its SHA-256 is stored, so
 * a copy of the database does not let anyone sign in.
 */
export const session = pgTable(
  'session',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    tokenHash: text('token_hash').notNull().unique(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => account.id),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** Set at logout; a revoked session stays as a record. */
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('session_account_idx').on(t.accountId)],
);

/**
 * Failed sign-ins per login name (existing or not), for the per-account rate limit. Kept in the
 * database so that every API process sees the same count.
 */
export const loginThrottle = pgTable('login_throttle', {
  username: text('username').primaryKey(),
  failures: integer('failures').notNull().default(0),
  windowStartedAt: timestamp('window_started_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  lockedUntil: timestamp('locked_until', { withTimezone: true, precision: 3 }),
});
