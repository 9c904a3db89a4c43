import { pgEnum, pgTable, text, type AnyPgColumn } from 'drizzle-orm/pg-core';

export const regionLevel = pgEnum('region_level', ['province', 'city', 'county']);

/**
 * Administrative regions (GB/T 2260 codes). A city centre and its county centres share one platform
 * (市县一体化): every project belongs to a centre and its region, and a supervisor's scope is a region
 * and the regions below it.
 */
export const region = pgTable('region', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  level: regionLevel('level').notNull(),
  parentCode: text('parent_code').references((): AnyPgColumn => region.code),
});
