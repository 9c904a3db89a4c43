/**
 * A company's own submissions and their receipts (docs/sealed-bids.md §5–§6). Receipts are not
 * stored: the body is rebuilt from the append-only submission row and signed again, and Ed25519 is
 * deterministic, so the same submission always yields the same receipt.
 */
import { and, bid, bidSubmission, desc, eq, inArray, organisation, section, traceEntry, type Database } from '@ggzy/db';
import { getFirstInclusionProof } from '@ggzy/audit';
import { AppError } from '@ggzy/domain';
import type { Services, SessionAccount } from '../context';
import { RECEIPT_TYPE, signReceipt, type Receipt, type ReceiptBody } from './receipt';

type ReceiptServices = Pick<Services, 'db' | 'receiptSigner' | 'signer' | 'sequenceNow'>;

const SUBMISSION_NOT_FOUND = new AppError('NOT_FOUND', { zh: '没有这份投标记录', en: 'No such submission' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function seqOf(db: Database, traceEntryIds: number[]): Promise<Map<number, number>> {
  if (traceEntryIds.length === 0) return new Map();
  const rows = await db.select({ id: traceEntry.id, seq: traceEntry.seq }).from(traceEntry).where(inArray(traceEntry.id, traceEntryIds));
  return new Map(rows.filter((r) => r.seq !== null).map((r) => [r.id, r.seq!]));
}

/**
 * The entries' places in the log. The sequencer runs after commit; when asked to wait, this runs it
 * now and, should another process hold the log's head at that moment, asks again for a while.
 */
async function traceIndexes(services: ReceiptServices, traceEntryIds: number[], wait: boolean): Promise<Map<number, number>> {
  let found = await seqOf(services.db, traceEntryIds);
  const until = Date.now() + (wait ? 10_000 : 0);
  for (let attempt = 0; found.size < traceEntryIds.length; attempt++) {
    if (attempt > 0 && Date.now() >= until) break;
    await services.sequenceNow();
    if (attempt > 0) await sleep(Math.min(200, 20 * attempt));
    found = await seqOf(services.db, traceEntryIds);
  }
  return found;
}

type SubmissionRow = typeof bidSubmission.$inferSelect & { sectionCode: string; organisationName: string };

async function submissionsWhere(db: Database, where: ReturnType<typeof and>): Promise<SubmissionRow[]> {
  const rows = await db
    .select({ submission: bidSubmission, sectionCode: section.code, organisationName: organisation.name })
    .from(bidSubmission)
    .innerJoin(section, eq(section.id, bidSubmission.sectionId))
    .innerJoin(organisation, eq(organisation.id, bidSubmission.organisationId))
    .where(where)
    .orderBy(desc(bidSubmission.receivedAt), desc(bidSubmission.traceEntryId));
  return rows.map((r) => ({ ...r.submission, sectionCode: r.sectionCode, organisationName: r.organisationName }));
}

/** What a receipt says of a submission, but for its place in the log (record-submissions.ts `Recorded`). */
export type ReceiptFacts = Pick<
  ReceiptBody,
  'submissionId' | 'kind' | 'sectionId' | 'sectionCode' | 'organisationId' | 'organisationName' | 'ciphertextSha256' | 'envelopeBytes' | 'traceEntryId'
> & { receivedAt: Date };

const factsOf = (row: SubmissionRow): ReceiptFacts => ({ ...row, submissionId: row.id });

function bodyOf(facts: ReceiptFacts, traceIndex: number, logOrigin: string): ReceiptBody {
  return {
    type: RECEIPT_TYPE,
    submissionId: facts.submissionId,
    kind: facts.kind,
    sectionId: facts.sectionId,
    sectionCode: facts.sectionCode,
    organisationId: facts.organisationId,
    organisationName: facts.organisationName,
    ciphertextSha256: facts.ciphertextSha256,
    envelopeBytes: facts.envelopeBytes,
    receivedAt: facts.receivedAt.toISOString(),
    traceEntryId: facts.traceEntryId,
    traceIndex,
    logOrigin,
  };
}

const notReady = (submissionId: string) =>
  new AppError(
    'CONFLICT',
    { zh: '投标已记录，回执尚未就绪（日志排序中），请稍后在“我的投标”中查看', en: 'The submission is recorded; its receipt is not ready yet (the log is being sequenced); fetch it again shortly' },
    { reason: 'receipt-not-ready', submissionId },
  );

/**
 * The receipt signed, with the checkpoint that first included its entry and the inclusion proof
 * under it (docs/decisions/009-receipts-as-witnesses.md). The entry's place and that checkpoint are
 * written by the same sequencer transaction, so once the index is known the checkpoint exists; and
 * "the first checkpoint covering the index" is fixed, so a receipt rebuilt later is the same bytes.
 */
async function signed(services: ReceiptServices, body: ReceiptBody): Promise<Receipt> {
  const receipt = signReceipt(services.receiptSigner, body);
  const proof = await getFirstInclusionProof(services.db, body.traceIndex);
  if (!proof) return receipt;
  return { ...receipt, inclusion: { checkpoint: proof.checkpoint.note, leafHash: proof.leafHash, proof: proof.proof } };
}

/** The signed receipt of one submission (any company's: callers check ownership first). */
export async function receiptOf(services: ReceiptServices, submissionId: string, options: { wait?: boolean } = {}): Promise<Receipt> {
  const [row] = await submissionsWhere(services.db, and(eq(bidSubmission.id, submissionId)));
  if (!row) throw SUBMISSION_NOT_FOUND;
  const index = (await traceIndexes(services, [row.traceEntryId], options.wait ?? true)).get(row.traceEntryId);
  if (index === undefined) throw notReady(row.id);
  return signed(services, bodyOf(factsOf(row), index, services.signer.origin));
}

/** `bidding.receipt`: a receipt of the caller's own company only. */
export async function getOwnReceipt(services: ReceiptServices, account: SessionAccount, submissionId: string): Promise<Receipt> {
  const [row] = await services.db.select({ organisationId: bidSubmission.organisationId }).from(bidSubmission).where(eq(bidSubmission.id, submissionId));
  if (!row || !account.organisationId || row.organisationId !== account.organisationId) throw SUBMISSION_NOT_FOUND;
  return receiptOf(services, submissionId);
}

/** `bidding.submissions`: the company's submits and withdrawals in a section, newest first, with receipts. */
export async function listOwnSubmissions(services: ReceiptServices, account: SessionAccount, sectionId: string) {
  if (!account.organisationId) return [];
  const rows = await submissionsWhere(services.db, and(eq(bidSubmission.sectionId, sectionId), eq(bidSubmission.organisationId, account.organisationId)));
  const [current] = await services.db.select().from(bid).where(and(eq(bid.sectionId, sectionId), eq(bid.organisationId, account.organisationId)));
  const indexes = await traceIndexes(services, rows.map((r) => r.traceEntryId), true);
  return Promise.all(rows.map(async (row) => {
    const index = indexes.get(row.traceEntryId);
    return {
      id: row.id,
      kind: row.kind,
      uploadId: row.uploadId,
      ciphertextSha256: row.ciphertextSha256,
      envelopeBytes: row.envelopeBytes,
      receivedAt: row.receivedAt.toISOString(),
      /** This submission is the one that counts now (the latest). */
      current: current?.submissionId === row.id,
      receipt: index === undefined ? null : await signed(services, bodyOf(factsOf(row), index, services.signer.origin)),
    };
  }));
}

interface IndexWaiter {
  id: number;
  resolve(index: number | undefined): void;
  reject(error: unknown): void;
}

const pendingIndexes = new WeakMap<ReceiptServices['db'], IndexWaiter[]>();

/**
 * The entry's place in the log, waiting for the sequencer (as `receiptOf` does). The submissions of
 * one section transaction are answered together: their lookups arriving in the same turn of the event
 * loop share one sequencer run and one query.
 */
function traceIndexOf(services: ReceiptServices, traceEntryId: number): Promise<number | undefined> {
  let waiting = pendingIndexes.get(services.db);
  const promise = new Promise<number | undefined>((resolve, reject) => {
    if (!waiting) {
      pendingIndexes.set(services.db, (waiting = []));
      setImmediate(() => {
        const batch = waiting!;
        pendingIndexes.delete(services.db);
        traceIndexes(services, [...new Set(batch.map((w) => w.id))], true).then(
          (found) => batch.forEach((w) => w.resolve(found.get(w.id))),
          (error: unknown) => batch.forEach((w) => w.reject(error)),
        );
      });
    }
    waiting.push({ id: traceEntryId, resolve, reject });
  });
  return promise;
}

/**
 * The signed receipt of a submission just recorded, from what the section's transaction read and
 * wrote (no reading back): byte-identical to what `receiptOf` rebuilds later from the stored row.
 */
export async function receiptOfRecorded(services: ReceiptServices, facts: ReceiptFacts): Promise<Receipt> {
  const index = await traceIndexOf(services, facts.traceEntryId);
  if (index === undefined) throw notReady(facts.submissionId);
  return signed(services, bodyOf(facts, index, services.signer.origin));
}
