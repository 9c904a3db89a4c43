/**
 * What a trace-log leaf commits to: every field of the entry, including its position (seq) and its
 * insertion id, as RFC 8785 canonical JSON. Because the position is inside the hash, moving an entry
 * changes its leaf hash, so a reordering is pinned to the index where it happened.
 */
import canonicalize from 'canonicalize';
import { hashLeaf, type Hash } from './merkle';

export const LEAF_VERSION = 1;

export interface TraceLeafEntry {
  seq: number;
  id: number;
  /** ISO 8601 UTC with milliseconds, from the database clock. */
  at: string;
  actorId: string | null;
  actorName: string | null;
  organisationId: string | null;
  role: string | null;
  action: string;
  outcome: 'ok' | 'denied' | 'failed';
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  digests: Record<string, string>;
  details: Record<string, string>;
}

const encoder = new TextEncoder();

export function encodeLeaf(entry: TraceLeafEntry): Uint8Array {
  const value = {
    v: LEAF_VERSION,
    seq: entry.seq,
    id: entry.id,
    at: entry.at,
    actorId: entry.actorId,
    actorName: entry.actorName,
    organisationId: entry.organisationId,
    role: entry.role,
    action: entry.action,
    outcome: entry.outcome,
    targetType: entry.targetType,
    targetId: entry.targetId,
    requestId: entry.requestId,
    ip: entry.ip,
    userAgent: entry.userAgent,
    digests: entry.digests,
    details: entry.details,
  };
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('trace entry cannot be canonicalised');
  return encoder.encode(text);
}

export function leafHashOfEntry(entry: TraceLeafEntry): Hash {
  return hashLeaf(encodeLeaf(entry));
}
