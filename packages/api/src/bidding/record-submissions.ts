/**
 * The transaction of docs/sealed-bids.md §5, with group commit. Every submit and withdrawal of a
 * section takes the section's row lock (the lock the deadline's close takes), so they are serialised
 * by design. Under a deadline rush each would wait for the one before it to lock, write and commit;
 * instead, the submissions that arrive while a transaction for the same section is running are
 * recorded together by the next one: one lock, one reading of the database clock after it, set-based
 * writes, one commit. Each still gets its own submission row, trace entry and receipt, and each is
 * checked on its own (a refusal of one changes nothing for the others).
 */
import { appendTraces, type TraceActor, type TraceEvent } from '@ggzy/audit';
import { and, bid, bidSubmission, bidUpload, certificate, eq, inArray, isNull, openingKey, or, organisation, sql, type Database, type Transaction } from '@ggzy/db';
import { AppError, isAppError } from '@ggzy/domain';
import { randomUUID } from 'node:crypto';
import { assertTakesBids, biddingSuspended, databaseClock, openObjections, readSection, takesBids } from './bid-window';
import type { ReceiptFacts } from './submissions';
import { markTraced } from '../refusals';
import { COLLUSION_SIGNAL_ACTION, type BindingWorld } from './envelope-binding';
import { certificateAlgorithmOfSuite } from './sealing-info';
import { uploadRefusal } from './upload-checks';
import type { BidUploadRow } from './uploads';

export interface SubmissionRequest {
  kind: 'submit' | 'withdraw';
  sectionId: string;
  organisationId: string;
  accountId: string;
  actor: TraceActor;
  /** The exact signed text and its signature. */
  message: string;
  signature: Uint8Array;
  certificateId: string;
  /** A submit's upload and what the signed message says of it (checked against the upload here). */
  uploadId: string | null;
  ciphertextSha256: string | null;
  envelopeBytes: number | null;
}

/** The submission that answers a request: what its receipt says, but for the log index. */
export type Recorded = ReceiptFacts;

const MAX_BATCH = 500;

const replayed = (kind: SubmissionRequest['kind']) =>
  kind === 'submit'
    ? new AppError(
        'CONFLICT',
        { zh: '该上传已经提交过，且已被替换或撤回；如需再次投标，请重新上传投标文件', en: 'This upload was submitted before and has since been replaced or withdrawn; upload the bid again to bid again' },
        { reason: 'replayed' },
      )
    : new AppError('CONFLICT', { zh: '该撤回消息已经使用过', en: 'This withdrawal message has been used already' }, { reason: 'replayed' });

const nothingToWithdraw = () =>
  new AppError('CONFLICT', { zh: '本单位在该标段没有可撤回的投标', en: 'Your company has no bid in this section to withdraw' }, { reason: 'nothing-to-withdraw' });

type Known = Pick<typeof bidSubmission.$inferSelect, 'id' | 'organisationId' | 'kind' | 'uploadId' | 'signedMessage' | 'traceEntryId' | 'ciphertextSha256' | 'envelopeBytes' | 'receivedAt'>;

/**
 * Records one batch in one transaction; the outcome of each request, in order. Everything a request
 * needs is read here, once for the batch: its upload (check 4 of §5), the company's current bid and
 * name, earlier submissions of the same upload or message (retries), the section under its lock.
 */
async function recordBatch(db: Database, sectionId: string, requests: SubmissionRequest[]): Promise<Array<Recorded | AppError>> {
  const outcomes: Array<Known | AppError> = [];
  // Refusals that are traced as attempts (bid.<kind> denied), after the transaction.
  const denied: Array<{ request: SubmissionRequest; details: Record<string, string> }> = [];
  const names = new Map<string, string>();
  let sectionCode = '';
  await db.transaction(async (tx: Transaction) => {
    const section = await readSection(tx, sectionId, { lock: true });
    if (!section) {
      for (const _ of requests) outcomes.push(new AppError('NOT_FOUND', { zh: '没有这个标段', en: 'No such section' }));
      return;
    }
    sectionCode = section.code;
    // Read after the lock: what committed before it (the close, other submits) is seen.
    const now = await databaseClock(tx);
    // 实施条例 art. 22: an open objection suspends bidding. Read under the lock filing one takes too.
    const suspension = requests.some((r) => r.kind === 'submit') ? await openObjections(tx, sectionId) : { count: 0, answerDue: null };
    const organisations = [...new Set(requests.map((r) => r.organisationId))];
    const uploadIds = [...new Set(requests.flatMap((r) => (r.uploadId ? [r.uploadId] : [])))];
    const messages = requests.filter((r) => r.kind === 'withdraw').map((r) => r.message);
    // Each company's name and its bid in this section, in one reading.
    const companies = await tx
      .select({ id: organisation.id, name: organisation.name, creditCode: organisation.creditCode, status: bid.status, submissionId: bid.submissionId })
      .from(organisation)
      .leftJoin(bid, and(eq(bid.organisationId, organisation.id), eq(bid.sectionId, sectionId)))
      .where(inArray(organisation.id, organisations));
    const current = new Map<string, { status: 'submitted' | 'withdrawn'; submissionId: string }>();
    const creditCodes = new Map<string, string>();
    for (const c of companies) {
      names.set(c.id, c.name);
      creditCodes.set(c.id, c.creditCode ?? c.id);
      if (c.status && c.submissionId) current.set(c.id, { status: c.status, submissionId: c.submissionId });
    }
    const uploads = new Map<string, BidUploadRow>(
      uploadIds.length ? (await tx.select().from(bidUpload).where(inArray(bidUpload.id, uploadIds))).map((u) => [u.id, u]) : [],
    );
    // What the envelope binding is checked against (envelope-binding.ts), read once for the batch:
    // the submitters' own certificates of the suite's algorithm, the section's opening key, and
    // other companies' uploads of the same bytes.
    const submits = requests.filter((r) => r.kind === 'submit');
    const accountIds = [...new Set(submits.map((r) => r.accountId))];
    const keyIds = new Map<string, Set<string>>();
    if (accountIds.length) {
      const rows = await tx
        .select({ accountId: certificate.accountId, organisationId: certificate.organisationId, keyId: certificate.keyId })
        .from(certificate)
        .where(and(inArray(certificate.accountId, accountIds), eq(certificate.algorithm, certificateAlgorithmOfSuite(section.envelopeSuite)), isNull(certificate.revokedAt)));
      for (const row of rows) {
        const k = `${row.accountId}/${row.organisationId}`;
        if (!keyIds.has(k)) keyIds.set(k, new Set());
        keyIds.get(k)!.add(row.keyId.toLowerCase());
      }
    }
    const hasCustodians = section.openingMode === 'bidderAndCustodians';
    const [opening] = hasCustodians && submits.length ? await tx.select({ keyId: openingKey.keyId }).from(openingKey).where(eq(openingKey.sectionId, sectionId)) : [];
    const worldOf = (r: SubmissionRequest): BindingWorld => ({
      sectionCode: section.code,
      bidder: creditCodes.get(r.organisationId) ?? r.organisationId,
      bidderKeyIds: keyIds.get(`${r.accountId}/${r.organisationId}`) ?? new Set(),
      openingKeyId: opening?.keyId.toLowerCase() ?? null,
      hasCustodians,
    });
    const digests = [...new Set([...uploads.values()].flatMap((u) => (u.ciphertextSha256 && !u.inspectionError ? [u.ciphertextSha256] : [])))];
    const sameBytes = digests.length
      ? await tx
          .select({ id: bidUpload.id, organisationId: bidUpload.organisationId, ciphertextSha256: bidUpload.ciphertextSha256 })
          .from(bidUpload)
          .where(inArray(bidUpload.ciphertextSha256, digests))
          .orderBy(bidUpload.createdAt)
      : [];
    const copyOf = (upload: BidUploadRow | undefined, organisationId: string) =>
      (upload && sameBytes.find((u) => u.ciphertextSha256 === upload.ciphertextSha256 && u.organisationId !== organisationId)) || null;
    // Each refusal of check 4 is evidence: traced in this transaction with its reason (no digest).
    const refusals: Array<{ actor: TraceActor; event: TraceEvent }> = [];
    const matching = [...(uploadIds.length ? [inArray(bidSubmission.uploadId, uploadIds)] : []), ...(messages.length ? [inArray(bidSubmission.signedMessage, messages)] : [])];
    const known: Known[] = matching.length
      ? await tx
          .select({
            id: bidSubmission.id,
            organisationId: bidSubmission.organisationId,
            kind: bidSubmission.kind,
            uploadId: bidSubmission.uploadId,
            signedMessage: bidSubmission.signedMessage,
            traceEntryId: bidSubmission.traceEntryId,
            ciphertextSha256: bidSubmission.ciphertextSha256,
            envelopeBytes: bidSubmission.envelopeBytes,
            receivedAt: bidSubmission.receivedAt,
          })
          .from(bidSubmission)
          .where(and(eq(bidSubmission.sectionId, sectionId), inArray(bidSubmission.organisationId, organisations), or(...matching)))
      : [];

    const fresh: Array<{ request: SubmissionRequest; submission: Known; replaces: string | null }> = [];
    for (const request of requests) {
      if (request.kind === 'submit') {
        const upload = uploads.get(request.uploadId ?? '');
        const copied = copyOf(upload, request.organisationId);
        const refusal = uploadRefusal(
          upload,
          { accountId: request.accountId, organisationId: request.organisationId, sectionId, ciphertextSha256: request.ciphertextSha256 ?? '', envelopeBytes: request.envelopeBytes ?? -1 },
          section,
          worldOf(request),
          copied,
        );
        if (refusal) {
          outcomes.push(markTraced(refusal));
          const reason = String(refusal.details.reason ?? 'upload-not-found');
          const details = { reason, upload: request.uploadId ?? '', ...(refusal.details.inspection ? { inspection: String(refusal.details.inspection) } : {}) };
          refusals.push({ actor: request.actor, event: { action: 'bid.submit', outcome: 'denied', targetType: 'section', targetId: sectionId, details } });
          if (reason === 'duplicate-ciphertext' && copied && upload?.inspectionError === null) {
            refusals.push({
              actor: request.actor,
              event: {
                action: COLLUSION_SIGNAL_ACTION,
                outcome: 'denied',
                targetType: 'section',
                targetId: sectionId,
                details: { reason, upload: upload.id, organisation: request.organisationId, sameAsUpload: copied.id, sameAsOrganisation: copied.organisationId },
              },
            });
          }
          continue;
        }
      }
      // The same signed request twice (a retry, or a replay) never makes a second submission: a
      // submit is one per upload, a withdrawal one per signed message. If it still counts, answer it.
      const previous = known.find(
        (k) => k.organisationId === request.organisationId && k.kind === request.kind && (request.kind === 'submit' ? k.uploadId === request.uploadId : k.signedMessage === request.message),
      );
      const counting = current.get(request.organisationId);
      if (previous) {
        outcomes.push(counting?.submissionId === previous.id ? previous : replayed(request.kind));
        continue;
      }
      if (!takesBids(section.state, section.deadline, now)) {
        try {
          assertTakesBids(section, now);
        } catch (error) {
          if (!isAppError(error)) throw error;
          outcomes.push(error);
          // A late attempt is traced below as bid.<kind> denied; the generic refusal trace skips it.
          if (error.details.reason === 'deadline-passed') {
            denied.push({ request, details: { reason: 'deadline-passed', at: String(error.details.at), deadline: String(error.details.deadline) } });
            markTraced(error);
          }
        }
        continue;
      }
      // Suspended: no submit until the answer. A withdrawal stays possible (docs/rules.md): it only
      // takes a company out, which the objection may well be the reason for.
      if (request.kind === 'submit' && suspension.count > 0) {
        const error = markTraced(biddingSuspended(suspension.answerDue));
        outcomes.push(error);
        denied.push({ request, details: { reason: 'objection-pending', at: now.toISOString(), objectionsOpen: String(suspension.count) } });
        continue;
      }
      if (request.kind === 'withdraw' && counting?.status !== 'submitted') {
        outcomes.push(nothingToWithdraw());
        continue;
      }
      const submission: Known = {
        id: randomUUID(),
        organisationId: request.organisationId,
        kind: request.kind,
        uploadId: request.uploadId,
        signedMessage: request.message,
        traceEntryId: 0, // set below, once the trace entries are in
        ciphertextSha256: request.ciphertextSha256,
        envelopeBytes: request.envelopeBytes,
        receivedAt: now,
      };
      fresh.push({ request, submission, replaces: counting?.submissionId ?? null });
      current.set(request.organisationId, { status: request.kind === 'submit' ? 'submitted' : 'withdrawn', submissionId: submission.id });
      known.push(submission);
      outcomes.push(submission);
    }
    if (refusals.length) await appendTraces(tx, refusals);
    if (fresh.length === 0) return;

    const traceIds = await appendTraces(
      tx,
      fresh.map(({ request, submission, replaces }): { actor: TraceActor; event: TraceEvent } => ({
        actor: request.actor,
        event: {
          action: `bid.${request.kind}`,
          targetType: 'section',
          targetId: sectionId,
          digests: request.ciphertextSha256 ? { ciphertextSha256: request.ciphertextSha256 } : {},
          details: {
            submission: submission.id,
            receivedAt: now.toISOString(),
            ...(request.uploadId ? { upload: request.uploadId, envelopeBytes: String(request.envelopeBytes) } : {}),
            ...(replaces ? { replaces } : {}),
          },
        },
      })),
    );
    fresh.forEach((f, i) => (f.submission.traceEntryId = traceIds[i]!));
    await tx.insert(bidSubmission).values(
      fresh.map(({ request, submission }) => ({
        id: submission.id,
        sectionId,
        organisationId: request.organisationId,
        accountId: request.accountId,
        kind: request.kind,
        uploadId: request.uploadId,
        ciphertextSha256: request.ciphertextSha256,
        envelopeBytes: request.envelopeBytes,
        signedMessage: request.message,
        signature: request.signature,
        certificateId: request.certificateId,
        receivedAt: now,
        traceEntryId: submission.traceEntryId,
      })),
    );
    // The bid that counts: the latest submission of each company in this batch.
    const counted = [...new Map(fresh.map((f) => [f.request.organisationId, f])).values()];
    await tx
      .insert(bid)
      .values(
        counted.map(({ request, submission }) => ({
          sectionId,
          organisationId: request.organisationId,
          status: request.kind === 'submit' ? ('submitted' as const) : ('withdrawn' as const),
          submissionId: submission.id,
          updatedAt: now,
        })),
      )
      .onConflictDoUpdate({
        target: [bid.sectionId, bid.organisationId],
        set: { status: sql`excluded.status`, submissionId: sql`excluded.submission_id`, updatedAt: sql`excluded.updated_at` },
      });
  });
  // A late or suspended attempt changes nothing, but it is evidence: the log keeps it (after the transaction).
  if (denied.length) {
    await appendTraces(
      db,
      denied.map(({ request, details }): { actor: TraceActor; event: TraceEvent } => ({
        actor: request.actor,
        event: {
          action: `bid.${request.kind}`,
          outcome: 'denied' as const,
          targetType: 'section',
          targetId: sectionId,
          digests: request.ciphertextSha256 ? { ciphertextSha256: request.ciphertextSha256 } : {},
          details: { ...details, ...(request.uploadId ? { upload: request.uploadId } : {}) },
        },
      })),
    );
  }
  return outcomes.map((o) =>
    isAppError(o)
      ? o
      : {
          submissionId: o.id,
          traceEntryId: o.traceEntryId,
          kind: o.kind,
          sectionId,
          sectionCode,
          organisationId: o.organisationId,
          organisationName: names.get(o.organisationId) ?? '',
          ciphertextSha256: o.ciphertextSha256,
          envelopeBytes: o.envelopeBytes,
          receivedAt: o.receivedAt,
        },
  );
}

interface Waiting {
  request: SubmissionRequest;
  resolve(recorded: Recorded): void;
  reject(error: unknown): void;
}

interface SectionQueue {
  waiting: Waiting[];
  running: boolean;
}

const queues = new WeakMap<Database, Map<string, SectionQueue>>();

async function drain(db: Database, sectionId: string, queue: SectionQueue, sections: Map<string, SectionQueue>): Promise<void> {
  // Whatever arrives while a batch is being written waits here for the next one.
  while (queue.waiting.length > 0) {
    const batch = queue.waiting.splice(0, MAX_BATCH);
    try {
      const outcomes = await recordBatch(db, sectionId, batch.map((w) => w.request));
      batch.forEach((w, i) => {
        const outcome = outcomes[i]!;
        if (isAppError(outcome)) w.reject(outcome);
        else w.resolve(outcome);
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
  queue.running = false;
  sections.delete(sectionId);
}

/**
 * Records a submit or withdrawal (the certificate and signature already checked outside; the upload is
 * checked here), in the next transaction of its section. Resolves once committed; rejects with the reason it was refused.
 */
export function recordSubmission(db: Database, request: SubmissionRequest): Promise<Recorded> {
  let sections = queues.get(db);
  if (!sections) queues.set(db, (sections = new Map()));
  let queue = sections.get(request.sectionId);
  if (!queue) sections.set(request.sectionId, (queue = { waiting: [], running: false }));
  const recorded = new Promise<Recorded>((resolve, reject) => queue.waiting.push({ request, resolve, reject }));
  if (!queue.running) {
    queue.running = true;
    // Start on the next turn of the event loop, so that what arrives with this request goes with it.
    setImmediate(() => void drain(db, request.sectionId, queue, sections));
  }
  return recorded;
}

