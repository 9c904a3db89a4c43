import { sql } from 'drizzle-orm';
import { bigint, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Live events (DESIGN.md §6): what watchers of a live page (the opening hall, later the evaluation)
 * are told, one ordered stream per topic (`hall:<section id>`). Each event is inserted in the
 * transaction of the change it reports, numbered `seq` = 1, 2, 3 … within its topic under a
 * transaction-scoped advisory lock on the topic, so numbers commit in order and a watcher that has
 * seen up to n misses nothing by asking for seq > n. A NOTIFY in the same transaction wakes the
 * API processes at commit; the row is what they read (the notification carries no content).
 */
export const liveEvent = pgTable(
  'live_event',
  {
    topic: text('topic').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    kind: text('kind').notNull(),
    /** What watchers see; public or per-audience as the kind says. Never bid content before it is read out. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    /** Only these audiences receive it (for example ['host','supervisor']); empty: everyone watching. */
    audience: text('audience').array().notNull().default(sql`'{}'::text[]`),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull().default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.topic, t.seq] })],
);
