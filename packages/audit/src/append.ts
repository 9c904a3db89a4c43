import { traceEntry, type Database } from '@ggzy/db';

/** Who did it and from where: filled from the request by the API, from the job by a worker. */
export interface TraceActor {
  actorId?: string | null;
  actorName?: string | null;
  organisationId?: string | null;
  role?: string | null;
  requestId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

export interface TraceEvent {
  /** `area.verb`, e.g. `auth.login`, `auth.login.failed`, `account.disable`. */
  action: string;
  outcome?: 'ok' | 'denied' | 'failed';
  targetType?: string | null;
  targetId?: string | null;
  /** SHA-256 (hex) of what changed, by name; never the values themselves. */
  digests?: Record<string, string>;
  details?: Record<string, string>;
}

/** The trace_entry row for one event: what appendTrace and appendTraces insert. */
export function traceRowOf(actor: TraceActor, event: TraceEvent): typeof traceEntry.$inferInsert {
  return {
    actorId: actor.actorId ?? null,
    actorName: actor.actorName ?? null,
    organisationId: actor.organisationId ?? null,
    role: actor.role ?? null,
    requestId: actor.requestId ?? null,
    ip: actor.ip ?? null,
    userAgent: actor.userAgent ?? null,
    action: event.action,
    outcome: event.outcome ?? 'ok',
    targetType: event.targetType ?? null,
    targetId: event.targetId ?? null,
    digests: event.digests ?? {},
    details: event.details ?? {},
  };
}

/**
 * Appends one entry to the trace log. Call it with the transaction that makes the change, so the
 * change and its trace commit or roll back together (DESIGN.md §5). The entry gets its place in the
 * Merkle tree when the sequencer next runs.
 */
export async function appendTrace(db: Database, actor: TraceActor, event: TraceEvent): Promise<{ id: number }> {
  const [row] = await db.insert(traceEntry).values(traceRowOf(actor, event)).returning({ id: traceEntry.id });
  return { id: row!.id };
}

/**
 * Appends several entries in one statement (a batch of submissions, each with its own actor), in
 * the order given; returns their ids in that order.
 */
export async function appendTraces(db: Database, entries: ReadonlyArray<{ actor: TraceActor; event: TraceEvent }>): Promise<number[]> {
  if (entries.length === 0) return [];
  const rows = await db
    .insert(traceEntry)
    .values(entries.map((e) => traceRowOf(e.actor, e.event)))
    .returning({ id: traceEntry.id });
  // One multi-row INSERT takes the identity values in the order of its VALUES list, and RETURNING
  // reports them in that order; sorted anyway so nothing rests on RETURNING's order.
  return rows.map((r) => r.id).sort((a, b) => a - b);
}
