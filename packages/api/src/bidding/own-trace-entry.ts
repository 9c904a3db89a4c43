/**
 * The trace entry behind one of the company's own receipts, so that a bidder (not only the
 * supervisor) can check that the signed log holds exactly its submit or withdrawal
 * (`ggzy verify-receipt`). Only the company's own entry is given out; the read is itself traced.
 */
import { appendTrace, rowToLeafEntry, toHex } from '@ggzy/audit';
import { and, bidSubmission, eq, traceEntry, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';

const NOT_FOUND = new AppError('NOT_FOUND', { zh: '没有这份投标记录', en: 'No such submission' });

export async function getOwnTraceEntry(options: { db: Database; request: RequestInfo; account: SessionAccount; submissionId: string }) {
  const { db, account } = options;
  if (!account.organisationId) throw NOT_FOUND;
  const [row] = await db
    .select({ entry: traceEntry })
    .from(bidSubmission)
    .innerJoin(traceEntry, eq(traceEntry.id, bidSubmission.traceEntryId))
    .where(and(eq(bidSubmission.id, options.submissionId), eq(bidSubmission.organisationId, account.organisationId)));
  // Someone else's submission reads exactly like a missing one.
  if (!row) throw NOT_FOUND;
  const { entry } = row;
  if (entry.seq === null || !entry.leafHash) {
    throw new AppError('CONFLICT', { zh: '该记录尚未写入追溯日志的树中，请稍后再试', en: 'The entry has not been placed in the log yet; try again shortly' });
  }
  await appendTrace(db, actorOf(options.request, account), {
    action: 'trace.read',
    targetType: 'bidSubmission',
    targetId: options.submissionId,
  });
  return { ...rowToLeafEntry({ ...entry, seq: entry.seq }), leafHash: toHex(entry.leafHash) };
}
