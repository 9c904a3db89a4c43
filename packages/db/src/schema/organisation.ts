import { sql } from 'drizzle-orm';
import { pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { region } from './region';

export const organisationKind = pgEnum('organisation_kind', [
  'centre',
  'supervisor',
  'tenderer',
  'agency',
  'bidder',
  'guarantor',
]);

/**
 * A company or public body. A bidder company registers once and bids anywhere; centres and
 * supervisors act for their own region.
 */
export const organisation = pgTable('organisation', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  kind: organisationKind('kind').notNull(),
  name: text('name').notNull(),
  /** 统一社会信用代码 (GB 32100-2015), unique where present. */
  creditCode: text('credit_code').unique(),
  regionCode: text('region_code')
    .notNull()
    .references(() => region.code),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});
