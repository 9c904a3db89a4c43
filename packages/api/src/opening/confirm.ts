/**
 * The opening record's confirmation (docs/opening-hall.md §3): the host opens a window; each bidder
 * confirms the record by signing its digest, or raises an objection; the host answers objections in
 * the hall and then closes the record, which moves the section to `evaluating`.
 */
import { appendTrace } from '@ggzy/audit';
import { verifyMessageNode as verifyMessage } from '@ggzy/crypto/node';
import { and, asc, bidDecryption, eq, executeRows, hallObjection, inArray, isNull, openingHall, openingRecordConfirmation, organisation, section, sql, type Database } from '@ggzy/db';
import { nextSectionState } from '@ggzy/domain';
import type { PdfSigner } from '@ggzy/pdf';
import type { ObjectStore } from '@ggzy/storage';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { parseSignedMessage } from '../bidding/signed-message';
import { requireValidCertificate, type Pki } from '../certificate/require-valid-certificate';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { digestOf } from '../tender/create-section';
import { assertHallState, assertNotPaused, hallRefusal, loadHall, requireHallBidder, requireHost } from './access';
import { publishHall } from './events';
import { digestOfDocument, recordDocument } from './record';
import { openingRecordPdfDocument, storeSignedRecordPdf } from './record-pdf';

export const CONFIRM_CONTEXT = 'ggzy-opening-confirm/v1';
const confirmSchema = z.strictObject({ type: z.literal(CONFIRM_CONTEXT), sectionId: z.uuid(), organisationId: z.uuid(), recordSha256: z.string().regex(/^[0-9a-f]{64}$/) });
export const confirmMessage = (fields: Omit<z.infer<typeof confirmSchema>, 'type'>) => canonicalize({ type: CONFIRM_CONTEXT, ...fields })!;

interface Call {
  db: Database;
  request: RequestInfo;
  account: SessionAccount;
  sectionId: string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function openConfirmation(call: Call & { minutes: number }) {
  return call.db.transaction(async (tx) => {
    const { hall, section: s } = await loadHall(tx, call.sectionId, { lock: true });
    requireHost(s, call.account);
    assertNotPaused(hall);
    if (hall.state === 'decrypting') throw await undecidedRefusal(tx, hall);
    assertHallState(hall, ['reading'], { zh: '开始确认开标记录', en: 'open the confirmation of the record' });
    const recordSha256 = digestOfDocument(await recordDocument(tx, s));
    const [row] = await executeRows<{ ends: Date | string }>(
      tx,
      sql`update ${openingHall} set state = 'confirming', confirmation_ends_at = now() + make_interval(mins => ${call.minutes}), confirmation_record_sha256 = ${recordSha256}, updated_at = now()
          where section_id = ${s.id} returning confirmation_ends_at as ends`,
    );
    await appendTrace(tx, actorOf(call.request, call.account), { action: 'hall.confirmation.open', targetType: 'section', targetId: s.id, digests: { record: recordSha256 }, details: { minutes: String(call.minutes), endsAt: iso(row!.ends)! } });
    await publishHall(tx, s.id, 'hall.confirmationOpened', { state: 'confirming', recordSha256, endsAt: iso(row!.ends) });
    return { recordSha256, endsAt: iso(row!.ends)! };
  });
}

/**
 * The confirmation cannot open while a bid is unsettled; the refusal names the companies. Once the
 * window is over, each still-sealed bid waits for the host's decision (window-close.ts).
 */
async function undecidedRefusal(tx: Database, hall: { sectionId: string; decryptionEndsAt: Date | null; windowClosedAt: Date | null }) {
  const open = await tx
    .select({ organisationId: bidDecryption.organisationId, name: organisation.name, state: bidDecryption.state })
    .from(bidDecryption)
    .innerJoin(organisation, eq(organisation.id, bidDecryption.organisationId))
    .where(and(eq(bidDecryption.sectionId, hall.sectionId), inArray(bidDecryption.state, ['waiting', 'decrypting', 'failed'])))
    .orderBy(asc(organisation.name));
  const [{ over }] = (await executeRows<{ over: boolean }>(tx, sql`select coalesce(now() >= ${hall.decryptionEndsAt?.toISOString() ?? null}::timestamptz, false) as over`)) as [{ over: boolean }];
  const sealed = open.filter((b) => b.state !== 'decrypting');
  const running = open.filter((b) => b.state === 'decrypting');
  const names = (list: typeof open) => list.map((b) => b.name).join('、');
  const details = { undecided: sealed.map((b) => b.organisationId).join(','), decrypting: running.map((b) => b.organisationId).join(','), windowClosed: over || hall.windowClosedAt !== null };
  if ((over || hall.windowClosedAt) && sealed.length > 0) {
    return hallRefusal(
      'CONFLICT',
      'bids-undecided',
      `解密时间已结束，以下投标人的投标文件仍未解密，请先逐一依法处理（撤销或撤回，并说明原因）后再开始确认开标记录：${names(sealed)}`,
      `The decryption window has closed and these bids are still sealed; decide each of them (revoked or withdrawn, with a reason) before opening the confirmation: ${names(sealed)}`,
      details,
    );
  }
  return hallRefusal(
    'CONFLICT',
    'bids-undecided',
    `仍有投标文件未解密：${names(open)}。请等待解密完成，或在解密时间结束后依法处理未解密的投标`,
    `Some bids are not decrypted yet: ${names(open)}. Wait for them, or decide them once the window has closed`,
    details,
  );
}

async function assertConfirmationOpen(tx: Database, hall: { state: string; confirmationEndsAt: Date | null; paused: boolean; pauseReason: string | null }) {
  assertHallState(hall as Parameters<typeof assertHallState>[0], ['confirming'], { zh: '确认开标记录或提出异议', en: 'confirm the record or object to it' });
  const [{ open }] = (await executeRows<{ open: boolean }>(tx, sql`select coalesce(now() < ${hall.confirmationEndsAt?.toISOString() ?? null}::timestamptz, false) as open`)) as [{ open: boolean }];
  if (!open) throw hallRefusal('RULE_VIOLATION', 'confirmation-closed', '开标记录确认时间已结束', 'The time to confirm the record or object to it is over');
}

export async function confirmRecord(call: Call & { pki: Pki; message: string; signature: string; certificateId: string }) {
  const own = await requireHallBidder(call.db, call.sectionId, call.account).catch(() => {
    throw hallRefusal('PERMISSION_DENIED', 'not-a-bidder', '只有在本标段投标的单位可以确认开标记录', 'Only a company that bid in this section can confirm its opening record');
  });
  const certificate = await requireValidCertificate(call.db, call.pki, { certificateId: call.certificateId, account: call.account, usage: 'signature' });
  const signature = new Uint8Array(Buffer.from(call.signature, 'base64'));
  if (signature.length === 0 || !verifyMessage(certificate.pem, CONFIRM_CONTEXT, new TextEncoder().encode(call.message), signature)) {
    throw hallRefusal('INVALID_INPUT', 'bad-signature', '确认签名验证失败，请用本单位的数字证书重新签名', 'The confirmation signature does not verify; sign again with your company’s certificate');
  }
  const message = parseSignedMessage(call.message, confirmSchema);
  return call.db.transaction(async (tx) => {
    const { hall } = await loadHall(tx, call.sectionId, { lock: true });
    assertNotPaused(hall);
    await assertConfirmationOpen(tx, hall);
    if (message.sectionId !== call.sectionId || message.organisationId !== own.organisationId || message.recordSha256 !== hall.confirmationRecordSha256) {
      throw hallRefusal('INVALID_INPUT', 'wrong-record', '签名确认的不是本标段当前的开标记录，请刷新后重新确认', 'The signed confirmation is not of this section’s current record; reload and confirm again', { recordSha256: hall.confirmationRecordSha256 });
    }
    const [row] = await tx
      .insert(openingRecordConfirmation)
      .values({ sectionId: call.sectionId, organisationId: own.organisationId, accountId: call.account.accountId, certificateId: call.certificateId, recordSha256: message.recordSha256, signedMessage: call.message, signature })
      .onConflictDoNothing()
      .returning({ at: openingRecordConfirmation.at });
    if (!row) return { already: true };
    await appendTrace(tx, actorOf(call.request, call.account), { action: 'hall.record.confirm', targetType: 'section', targetId: call.sectionId, digests: { record: message.recordSha256 }, details: { certificate: call.certificateId } });
    await publishHall(tx, call.sectionId, 'record.confirmed', { organisationId: own.organisationId, at: row.at.toISOString() });
    return { already: false, at: row.at.toISOString() };
  });
}

export async function objectToRecord(call: Call & { text: string }) {
  const own = await requireHallBidder(call.db, call.sectionId, call.account);
  return call.db.transaction(async (tx) => {
    const { hall } = await loadHall(tx, call.sectionId, { lock: true });
    assertNotPaused(hall);
    await assertConfirmationOpen(tx, hall);
    const [row] = await tx.insert(hallObjection).values({ sectionId: call.sectionId, organisationId: own.organisationId, accountId: call.account.accountId, text: call.text }).returning();
    await appendTrace(tx, actorOf(call.request, call.account), { action: 'hall.objection', targetType: 'section', targetId: call.sectionId, digests: { text: digestOf(call.text) }, details: { objection: row!.id } });
    await publishHall(tx, call.sectionId, 'record.objection', { id: row!.id, organisationId: own.organisationId, text: call.text, at: row!.at.toISOString() });
    return { id: row!.id };
  });
}

export async function answerObjection(call: Call & { objectionId: string; answer: string }) {
  return call.db.transaction(async (tx) => {
    const { hall, section: s } = await loadHall(tx, call.sectionId, { lock: true });
    requireHost(s, call.account);
    assertHallState(hall, ['confirming'], { zh: '答复异议', en: 'answer an objection' });
    const [row] = await tx
      .update(hallObjection)
      .set({ answer: call.answer, answeredBy: call.account.accountId, answeredAt: sql`now()` })
      .where(and(eq(hallObjection.id, call.objectionId), eq(hallObjection.sectionId, s.id), isNull(hallObjection.answeredAt)))
      .returning();
    if (!row) throw hallRefusal('NOT_FOUND', 'no-open-objection', '没有这个待答复的异议', 'No such objection waiting for an answer');
    await appendTrace(tx, actorOf(call.request, call.account), { action: 'hall.objection.answer', targetType: 'section', targetId: s.id, digests: { answer: digestOf(call.answer) }, details: { objection: row.id } });
    await publishHall(tx, s.id, 'record.answer', { id: row.id, answer: call.answer, at: row.answeredAt!.toISOString() });
    return { id: row.id };
  });
}

/**
 * Closes the record: every objection answered, and either every bidder confirmed or the window is
 * over. The section moves to `evaluating` (lifecycle `recordSigned`); the record's SHA-256 over its
 * canonical JSON (rows, confirmations, objections and answers) is stored and traced.
 */
export async function closeRecord(call: Call & { store?: ObjectStore; pdfSigner?: PdfSigner | undefined }) {
  return call.db.transaction(async (tx) => {
    const { hall, section: s } = await loadHall(tx, call.sectionId, { lock: true });
    requireHost(s, call.account);
    assertNotPaused(hall);
    assertHallState(hall, ['confirming'], { zh: '结束开标', en: 'close the record' });
    const objections = await tx.select().from(hallObjection).where(eq(hallObjection.sectionId, s.id)).orderBy(asc(hallObjection.at));
    if (objections.some((o) => o.answeredAt === null)) {
      throw hallRefusal('CONFLICT', 'objections-open', '仍有异议未答复，请先答复全部异议再结束开标', 'Some objections are not answered yet; answer every objection before closing the record');
    }
    const confirmations = await tx.select().from(openingRecordConfirmation).where(eq(openingRecordConfirmation.sectionId, s.id)).orderBy(asc(openingRecordConfirmation.organisationId));
    const [{ over, bidders }] = (await executeRows<{ over: boolean; bidders: number }>(
      tx,
      sql`select coalesce(now() >= ${hall.confirmationEndsAt?.toISOString() ?? null}::timestamptz, false) as over, (select count(*)::int from bid_decryption where section_id = ${s.id}) as bidders`,
    )) as [{ over: boolean; bidders: number }];
    if (!over && confirmations.length + new Set(objections.map((o) => o.organisationId)).size < bidders) {
      throw hallRefusal('CONFLICT', 'confirmation-running', '确认时间未结束，且仍有投标人未确认或提出异议', 'The confirmation window is still running and not every bidder has confirmed or objected');
    }
    const document = {
      ...(await recordDocument(tx, s)),
      confirmedRecordSha256: hall.confirmationRecordSha256,
      confirmations: confirmations.map((c) => ({ organisationId: c.organisationId, certificateId: c.certificateId, recordSha256: c.recordSha256, signature: Buffer.from(c.signature).toString('base64'), at: c.at.toISOString() })),
      objections: objections.map((o) => ({ organisationId: o.organisationId, text: o.text, at: o.at.toISOString(), answer: o.answer, answeredAt: o.answeredAt!.toISOString() })),
    };
    const recordSha256 = digestOfDocument(document);
    // The signed PDF (docs/decisions/015-signed-pdf.md): stored write-once before the commit; its key
    // carries its SHA-256, so a retried close never collides, and an aborted one leaves only an
    // unreferenced object.
    const [{ closedAt }] = (await executeRows<{ closedAt: string }>(tx, sql`select now() as "closedAt"`)) as [{ closedAt: string }];
    const pdf =
      call.pdfSigner && call.store
        ? await storeSignedRecordPdf(
            call.store,
            call.pdfSigner,
            s.id,
            await openingRecordPdfDocument(tx, { sectionId: s.id, openedAt: hall.openedAt, closedAt: new Date(closedAt), hostAccountId: call.account.accountId, confirmations, objections }),
            recordSha256,
          )
        : null;
    const next = nextSectionState(s.state, { type: 'recordSigned' });
    await tx.update(openingHall).set({ state: 'closed', recordSha256, recordPdfKey: pdf?.key ?? null, closedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(openingHall.sectionId, s.id));
    await tx.update(section).set({ state: next!, stateChangedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(section.id, s.id));
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'hall.record.close',
      targetType: 'section',
      targetId: s.id,
      digests: { record: recordSha256, ...(pdf ? { pdf: pdf.sha256 } : {}) },
      details: { from: s.state, to: next!, confirmations: String(confirmations.length), objections: String(objections.length), ...(pdf ? { pdfKey: pdf.key } : {}) },
    });
    await publishHall(tx, s.id, 'hall.closed', { state: 'closed', sectionState: next, recordSha256, pdfSha256: pdf?.sha256 ?? null });
    return { recordSha256, sectionState: next! };
  });
}
