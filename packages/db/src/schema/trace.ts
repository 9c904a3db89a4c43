import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => new Uint8Array(value),
});

/**
 * The trace log (全过程留痕, DESIGN.md §5). One row per state change or read of sensitive data,
 * inserted in the same transaction as the change. The sequencer later gives each committed row its
 * place in the Merkle tree (`seq`) and its leaf hash; from then on the row never changes (a trigger
 * refuses UPDATE and DELETE; see docs/decisions/002-trace-log.md).
 */
export const traceEntry = pgTable(
  'trace_entry',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** 0-based leaf index in the Merkle tree; null until sequenced. */
    seq: bigint('seq', { mode: 'number' }).unique(),
    leafHash: bytea('leaf_hash'),
    /** Database clock, millisecond precision so that it round-trips through JSON unchanged. */
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull().default(sql`now()`),
    actorId: uuid('actor_id'),
    actorName: text('actor_name'),
    organisationId: uuid('organisation_id'),
    role: text('role'),
    action: text('action').notNull(),
    outcome: text('outcome', { enum: ['ok', 'denied', 'failed'] }).notNull().default('ok'),
    targetType: text('target_type'),
    targetId: text('target_id'),
    requestId: text('request_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** SHA-256 digests (hex) of what changed, by name: never the sensitive values themselves. */
    digests: jsonb('digests').$type<Record<string, string>>().notNull().default({}),
    /** Small, non-sensitive facts (for example the permission that was missing). Strings only. */
    details: jsonb('details').$type<Record<string, string>>().notNull().default({}),
  },
  (t) => [
    index('trace_entry_pending_idx').on(t.id).where(sql`seq is null`),
    index('trace_entry_actor_idx').on(t.actorId, t.seq),
    index('trace_entry_action_idx').on(t.action, t.seq),
    index('trace_entry_target_idx').on(t.targetType, t.targetId),
    index('trace_entry_at_idx').on(t.at),
  ],
);

/**
 * Hashes of the complete (perfect) subtrees of the log's Merkle tree: level 0 are leaves, a node at
 * (level, index) covers leaves [index·2^level, (index+1)·2^level). Proofs are read from here in
 * O(log n) rows instead of rehashing the log.
 */
export const traceNode = pgTable(
  'trace_node',
  {
    level: integer('level').notNull(),
    index: bigint('index', { mode: 'number' }).notNull(),
    hash: bytea('hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.level, t.index] })],
);

/** Signed checkpoints (tree heads) in the C2SP tlog-checkpoint signed-note format. */
export const traceCheckpoint = pgTable('trace_checkpoint', {
  size: bigint('size', { mode: 'number' }).primaryKey(),
  rootHash: bytea('root_hash').notNull(),
  note: text('note').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** The sequencer's state: one row. The compact range of the tree so far (hashes of its left frontier). */
export const traceTreeHead = pgTable('trace_tree_head', {
  id: integer('id').primaryKey().default(1),
  size: bigint('size', { mode: 'number' }).notNull().default(0),
  frontier: jsonb('frontier').$type<string[]>().notNull().default([]),
});
