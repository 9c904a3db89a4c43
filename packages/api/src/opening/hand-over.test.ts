/**
 * The bidder's part of the opening through the real tRPC caller (docs/opening-hall.md §3): sign-in
 * with a certificate signature, the bare content key handed over and applied once, the record read
 * out live, and the refusals (wrong key, another company's bid, not signed in, a paused hall, the
 * window closed), with the host's decision for a bid that stays sealed.
 */
import { signMessage, unwrapEnvelopeContentKey } from '@ggzy/crypto';
import { and, bidDecryption, eq, liveEvent, openingHall, sql, traceEntry, type Database } from '@ggzy/db';
import { createBidBundle, readBidBundle, type OpeningSchedule } from '@ggzy/domain';
import { DEFAULT_DOCUMENT_SIGNER_CN, verifyPdfSignatures } from '@ggzy/pdf';
import { createHash, createPublicKey, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bidObjectKey } from '../bidding/uploads';
import { announcedSection, createBidders, sealBid, setDeadline, startTestServer, submitStoredEnvelope, type TestBidder } from '../bidding/test-support';
import { takeDueTransitions } from '../tender/timed-transitions';
import { createTestPlatform, signedIn, testClient, testPdfSigner, type TestClient, type TestPlatform } from '../testing';
import { SIGN_IN_CONTEXT } from './sign-in';
import { CONFIRM_CONTEXT, confirmMessage } from './confirm';

const bytesOf = async (iterable: AsyncIterable<Uint8Array>) => {
  const parts: Uint8Array[] = [];
  for await (const p of iterable) parts.push(p.slice());
  return Buffer.concat(parts);
};

function refusal(error: unknown) {
  const cause = (error as { cause?: { code?: string; details?: Record<string, unknown>; zh?: string; en?: string } }).cause;
  return { code: cause?.code, reason: cause?.details?.reason, zh: cause?.zh, en: cause?.en };
}

describe('handing over content keys in the hall', () => {
  let p: TestPlatform;
  let db: Database;
  let bidders: TestBidder[];
  let host: TestClient;
  let section: { id: string; code: string };
  const headers = new Map<number, Awaited<ReturnType<typeof sealBid>>['header']>();
  const clients: TestClient[] = [];
  const schedules: OpeningSchedule[] = [0, 1, 2].map((i) => ({ version: 1, priceFen: 98_765_432_10 + i, durationDays: 365 - i, quality: '合格', bondReference: `BH-2027-00${i}` }));

  const contentKeyOf = async (i: number) => {
    const key = await webcrypto.subtle.importKey('pkcs8', Buffer.from(bidders[i]!.privateKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
    return Buffer.from(await unwrapEnvelopeContentKey(headers.get(i)!, key as CryptoKey)).toString('base64');
  };
  const signInAs = async (i: number) => {
    const challenge = await clients[i]!.caller.hall.challenge({ sectionId: section.id });
    const signature = Buffer.from(signMessage(bidders[i]!.privateKeyPem, SIGN_IN_CONTEXT, new TextEncoder().encode(challenge.message))).toString('base64');
    return clients[i]!.caller.hall.signIn({ sectionId: section.id, message: challenge.message, signature, certificateId: bidders[i]!.certificateId });
  };

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    bidders = await createBidders(p.services, 3);
    host = await signedIn(p.services, 'centre');
    section = await announcedSection(db);
    for (const [i, b] of bidders.entries()) {
      const spki = createPublicKey(b.certificatePem).export({ type: 'spki', format: 'der' });
      const content = Buffer.from(`第${i}号投标人的商务文件 ${randomBytes(8).toString('hex')}`);
      const bundle = await bytesOf(createBidBundle({ openingSchedule: schedules[i]!, files: [{ part: 'commercial', name: '商务标.txt', size: content.length, stream: (async function* () { yield content; })() }] }).bytes);
      const sealed = await sealBid({ suite: 'rsa-oaep-sha256/aes-256-gcm-stream', recipients: [{ role: 'bidder', publicKeySpki: spki.toString('base64') }], metadata: { section: section.code, bidder: b.creditCode } }, bundle);
      headers.set(i, sealed.header);
      const uploadId = randomUUID();
      await p.services.store.put(bidObjectKey(section.id, uploadId), sealed.bytes);
      const keyId = createHash('sha256').update(spki).digest('hex');
      await submitStoredEnvelope(p.services, section, b, { uploadId, summary: sealed.summary, headerBytes: sealed.headerBytes, suite: 'rsa-oaep-sha256/aes-256-gcm-stream', recipientKeyIds: [`bidder:${keyId}`] });
      const client = testClient(p.services);
      client.cookies.ggzy_session = b.cookie.split(';')[0]!.split('=')[1]!;
      clients.push(client);
    }
    await setDeadline(db, section.id, '-1 millisecond');
    await takeDueTransitions(db);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('signs a bidder in with its certificate; a bad signature is refused; a second sign-in changes nothing', async () => {
    const challenge = await clients[0]!.caller.hall.challenge({ sectionId: section.id });
    const forged = Buffer.from(signMessage(bidders[1]!.privateKeyPem, SIGN_IN_CONTEXT, new TextEncoder().encode(challenge.message))).toString('base64');
    expect(refusal(await clients[0]!.caller.hall.signIn({ sectionId: section.id, message: challenge.message, signature: forged, certificateId: bidders[0]!.certificateId }).catch((e) => e))).toMatchObject({ reason: 'bad-signature' });
    expect(await signInAs(0)).toMatchObject({ already: false });
    expect(await signInAs(0)).toMatchObject({ already: true });
    const snapshot = await testClient(p.services).caller.hall.get({ sectionId: section.id });
    expect(snapshot.bidders.filter((b) => b.signedInAt).map((b) => b.organisationId)).toEqual([bidders[0]!.account.organisationId]);
  });

  it('refuses a key before the host starts the window, then takes one only from a signed-in bidder for its own bid', async () => {
    expect(refusal(await clients[0]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: await contentKeyOf(0) }).catch((e) => e))).toMatchObject({ reason: 'hall-state' });
    await host.caller.hall.startDecryption({ sectionId: section.id });
    expect(refusal(await clients[1]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: await contentKeyOf(1) }).catch((e) => e))).toMatchObject({ reason: 'not-signed-in' });
    expect(refusal(await clients[0]!.caller.hall.handOverKey({ sectionId: section.id, organisationId: bidders[1]!.account.organisationId!, contentKey: await contentKeyOf(1) }).catch((e) => e))).toMatchObject({ code: 'PERMISSION_DENIED', reason: 'not-your-bid' });
  });

  it('refuses a content key that does not open the bid, with what to do; the bid shows failed and may be retried', async () => {
    const wrong = await clients[0]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: randomBytes(32).toString('base64') }).catch(refusal);
    expect(wrong).toMatchObject({ code: 'RULE_VIOLATION', reason: 'wrong-key' });
    expect((wrong as { zh: string }).zh).toContain('重新解出内容密钥');
    const [row] = await db.select().from(bidDecryption).where(and(eq(bidDecryption.sectionId, section.id), eq(bidDecryption.organisationId, bidders[0]!.account.organisationId!)));
    expect(row).toMatchObject({ state: 'failed', reason: 'wrong-key', attempts: 1 });
  });

  it('decrypts with the right key, stores the plaintext under opened/, reads the row out; the same key again is applied once; another is refused', async () => {
    const key = await contentKeyOf(0);
    const done = await clients[0]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: key });
    expect(done).toMatchObject({ state: 'decrypted', already: false, row: { position: 1, priceFen: schedules[0]!.priceFen, durationDays: 365, quality: '合格', bondReference: 'BH-2027-000', matchesReceipt: true, outcome: 'decrypted' } });
    expect((done as { row: { priceInWords: string } }).row.priceInWords).toBe('玖仟捌佰柒拾陆万伍仟肆佰叁拾贰元壹角整'.replace('壹角整', '壹角'));
    const [row] = await db.select().from(bidDecryption).where(and(eq(bidDecryption.sectionId, section.id), eq(bidDecryption.organisationId, bidders[0]!.account.organisationId!)));
    const plaintext = await p.services.store.getBytes(row!.plaintextKey!);
    expect(row!.plaintextKey).toBe(`opened/${section.id}/${bidders[0]!.account.organisationId}`);
    expect((await readBidBundle(plaintext)).openingSchedule).toEqual(schedules[0]);
    expect(createHash('sha256').update(plaintext).digest('hex')).toBe(row!.plaintextSha256);

    expect(await clients[0]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: key })).toEqual({ state: 'decrypted', already: true });
    expect(refusal(await clients[0]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: randomBytes(32).toString('base64') }).catch((e) => e))).toMatchObject({ code: 'CONFLICT', reason: 'already-decrypted' });
    const decrypts = await db.select().from(traceEntry).where(and(eq(traceEntry.targetId, section.id), eq(traceEntry.action, 'hall.decrypt'))).orderBy(traceEntry.id);
    expect(decrypts.map((d) => d.outcome)).toEqual(['failed', 'ok']);
    expect(decrypts[1]!.digests.plaintext).toBe(row!.plaintextSha256);
  });

  it('holds hand-overs while the hall is paused, with the reason', async () => {
    await signInAs(1);
    await host.caller.hall.pause({ sectionId: section.id, reason: '交易中心停电' });
    const held = await clients[1]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: await contentKeyOf(1) }).catch(refusal);
    expect(held).toMatchObject({ code: 'CONFLICT', reason: 'hall-paused' });
    expect((held as { zh: string }).zh).toContain('交易中心停电');
    await host.caller.hall.resume({ sectionId: section.id, reason: '供电恢复' });
    expect(await clients[1]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: await contentKeyOf(1) })).toMatchObject({ state: 'decrypted', row: { position: 2 } });
  });

  it('refuses a key after the window closed; the host decides the bid still sealed, and the record is complete', async () => {
    await signInAs(2);
    const early = await host.caller.hall.decide({ sectionId: section.id, organisationId: bidders[2]!.account.organisationId!, outcome: 'withdrawn', reason: '平台故障' }).catch(refusal);
    expect(early).toMatchObject({ reason: 'not-decidable' });
    await db.update(openingHall).set({ decryptionEndsAt: sql`now() - interval '1 second'` }).where(eq(openingHall.sectionId, section.id));
    expect(refusal(await clients[2]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: await contentKeyOf(2) }).catch((e) => e))).toMatchObject({ reason: 'window-closed' });
    expect((await testClient(p.services).caller.hall.get({ sectionId: section.id })).undecided).toEqual([bidders[2]!.account.organisationId]);
    const decided = await host.caller.hall.decide({ sectionId: section.id, organisationId: bidders[2]!.account.organisationId!, outcome: 'revoked', reason: '投标人未在解密时间内解密' });
    expect(decided).toMatchObject({ state: 'revoked', row: { position: 3, outcome: 'revoked', priceFen: null } });
    const snapshot = await testClient(p.services).caller.hall.get({ sectionId: section.id });
    expect(snapshot.hall.state).toBe('reading');
    expect(snapshot.record.map((r) => r.outcome)).toEqual(['decrypted', 'decrypted', 'revoked']);

    const kinds = (await db.select().from(liveEvent).where(eq(liveEvent.topic, `hall:${section.id}`)).orderBy(liveEvent.seq)).map((e) => e.kind);
    expect(kinds).toEqual([
      'hall.opened', 'hall.signedIn', 'hall.decryptionStarted', 'bid.decrypting', 'bid.failed', 'bid.decrypting', 'bid.decrypted', 'record.row',
      'hall.signedIn', 'hall.paused', 'hall.resumed', 'bid.decrypting', 'bid.decrypted', 'record.row', 'hall.signedIn', 'bid.decided', 'record.row', 'hall.reading',
    ]);
    // Nothing of a bid's content in any event before its record.row.
    const events = await db.select().from(liveEvent).where(eq(liveEvent.topic, `hall:${section.id}`)).orderBy(liveEvent.seq);
    const firstRow = events.findIndex((e) => e.kind === 'record.row');
    expect(JSON.stringify(events.slice(0, firstRow))).not.toContain(String(schedules[0]!.priceFen));
  });

  it('confirms the record (signed, bidders only), takes an objection, and closes only once it is answered: the section moves to evaluating', async () => {
    const opened = await host.caller.hall.openConfirmation({ sectionId: section.id, minutes: 10 });
    const sign = (i: number, recordSha256 = opened.recordSha256) => {
      const message = confirmMessage({ sectionId: section.id, organisationId: bidders[i]!.account.organisationId!, recordSha256 });
      return { sectionId: section.id, message, signature: Buffer.from(signMessage(bidders[i]!.privateKeyPem, CONFIRM_CONTEXT, new TextEncoder().encode(message))).toString('base64'), certificateId: bidders[i]!.certificateId };
    };
    expect(refusal(await clients[0]!.caller.hall.confirm(sign(0, 'a'.repeat(64))).catch((e) => e))).toMatchObject({ reason: 'wrong-record' });
    expect(await clients[0]!.caller.hall.confirm(sign(0))).toMatchObject({ already: false });
    expect(await clients[0]!.caller.hall.confirm(sign(0))).toMatchObject({ already: true });
    // Someone who did not bid cannot confirm it.
    const outsider = await signedIn(p.services, 'bidder1');
    expect(refusal(await outsider.caller.hall.confirm(sign(1)).catch((e) => e))).toMatchObject({ code: 'PERMISSION_DENIED', reason: 'not-a-bidder' });
    await clients[1]!.caller.hall.confirm(sign(1));
    const objection = await clients[2]!.caller.hall.object({ sectionId: section.id, text: '本单位已在解密时间内尝试解密，请说明撤销的依据' });
    expect(refusal(await host.caller.hall.close({ sectionId: section.id }).catch((e) => e))).toMatchObject({ reason: 'objections-open' });
    await host.caller.hall.answer({ sectionId: section.id, objectionId: objection.id, answer: '经核查，解密时间内未收到贵单位的有效内容密钥，依电子招标投标办法第三十一条记录为撤销' });
    // No record file before the close.
    const server = await startTestServer(p.services);
    const before = await fetch(`${server.base}/api/sections/${section.id}/opening-record.pdf`);
    expect(before.status).toBe(404);
    expect((await before.json()).error.zh).toContain('开标记录尚未关闭');
    const closed = await host.caller.hall.close({ sectionId: section.id });
    expect(closed.sectionState).toBe('evaluating');
    const [trace] = await db.select().from(traceEntry).where(and(eq(traceEntry.targetId, section.id), eq(traceEntry.action, 'hall.record.close')));
    expect(trace!.digests.record).toBe(closed.recordSha256);
    const snapshot = await testClient(p.services).caller.hall.get({ sectionId: section.id });
    expect(snapshot).toMatchObject({ section: { state: 'evaluating' }, hall: { state: 'closed', recordSha256: closed.recordSha256 }, objections: [{ answer: expect.stringContaining('第三十一条') }] });
    expect(snapshot.confirmations).toHaveLength(2);

    // The signed PDF: stored under its key, the key and its SHA-256 in the hall row, the digest in the
    // close's trace entry, the platform's signature intact.
    const [row] = await db.select().from(openingHall).where(eq(openingHall.sectionId, section.id));
    expect(row!.recordPdfKey).toMatch(new RegExp(`^records/${section.id}/opening-[0-9a-f]{64}\\.pdf$`));
    const pdf = await p.services.store.getBytes(row!.recordPdfKey!);
    const pdfSha256 = createHash('sha256').update(pdf).digest('hex');
    expect(row!.recordPdfKey).toContain(pdfSha256);
    expect(trace!.digests.pdf).toBe(pdfSha256);
    const [check, ...more] = await verifyPdfSignatures(pdf);
    expect(more).toHaveLength(0);
    expect(check).toMatchObject({ intact: true, coversWholeDocument: true, signerSubject: expect.stringContaining(DEFAULT_DOCUMENT_SIGNER_CN) });
    expect(check!.signerCertificatePem.replace(/\s/g, '')).toBe((await testPdfSigner()).certificateChainPem[0]!.replace(/\s/g, ''));
    // The write-once store refuses to replace it.
    await expect(p.services.store.put(row!.recordPdfKey!, Buffer.from('x'))).rejects.toThrow();
    // Served to anyone once closed, byte for byte.
    const after = await fetch(`${server.base}/api/sections/${section.id}/opening-record.pdf`);
    expect(after.status).toBe(200);
    expect(after.headers.get('content-type')).toBe('application/pdf');
    expect(createHash('sha256').update(Buffer.from(await after.arrayBuffer())).digest('hex')).toBe(pdfSha256);
    await server.close();
  });
});
