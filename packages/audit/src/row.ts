import type { traceEntry } from '@ggzy/db';
import type { TraceLeafEntry } from './leaf';

type TraceRow = typeof traceEntry.$inferSelect;

/** A stored row as the leaf (and the API) presents it. */
export function rowToLeafEntry(row: TraceRow & { seq: number }): TraceLeafEntry {
  return {
    seq: row.seq,
    id: row.id,
    at: row.at.toISOString(),
    actorId: row.actorId,
    actorName: row.actorName,
    organisationId: row.organisationId,
    role: row.role,
    action: row.action,
    outcome: row.outcome,
    targetType: row.targetType,
    targetId: row.targetId,
    requestId: row.requestId,
    ip: row.ip,
    userAgent: row.userAgent,
    digests: row.digests,
    details: row.details,
  };
}
