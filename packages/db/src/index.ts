export * from './client';
export * from './execute';
export * as schema from './schema';
export * from './schema';
// Query helpers re-exported so that drizzle-orm has exactly one copy and one owner in the repo.
export { and, asc, count, desc, eq, gt, gte, ilike, inArray, isNotNull, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
export type { SQL } from 'drizzle-orm';
export { alias } from 'drizzle-orm/pg-core';
