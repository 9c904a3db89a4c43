/**
 * Sealed bids end to end over real HTTP (docs/sealed-bids.md §3–§6): sealing info, a resumable tus
 * upload interrupted and resumed, submit with a signed receipt, replay, replacement, withdrawal,
 * what other companies and the tenderer may see, and the refusals. Real database, real disk store.
 */
import { asc, bid, bidSubmission, bidUpload, eq, traceEntry, and, inArray, type Database } from '@ggzy/db';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, enrolTestCertificate, type TestCertificate, type TestPlatform } from '../testing';
import { receiptSignedBytes, type Receipt } from './receipt';
import { announcedSection, signInOverHttp, sealBid, setDeadline, signedSubmit, signedWithdraw, startTestServer, trpcCall, TusClient, uploadIdOf, type SealingInfoLike } from './test-support';

const PLAINTEXT = Buffer.from(`开标一览表：投标报价 壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元整 RECOGNISABLE-BID-PLAINTEXT-${'工期三百六十五日历天。'.repeat(20_000)}`);

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not reached');
}

/** Receipt check with the public key as GET /api/receipts/key gives it, through a JWK (not the code under test). */
function receiptVerifies(receipt: Receipt, key: { keyId: string; publicKey: string }): boolean {
  const raw = Buffer.from(key.publicKey, 'base64');
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  return receipt.keyId === key.keyId && verify(null, receiptSignedBytes(receipt.body), publicKey, Buffer.from(receipt.signature, 'base64'));
}

describe('sealed bids over HTTP: upload, submit, receipt, replace, withdraw', () => {
  let p: TestPlatform;
  let db: Database;
  let api: Awaited<ReturnType<typeof startTestServer>>;
  let section: { id: string; code: string };
  const headers = new Map<string, Record<string, string>>();
  const certs = new Map<string, TestCertificate>();
  const accounts = new Map<string, { accountId: string; organisationId: string; organisationName: string }>();

  const call = <T>(user: string, path: string, input: unknown, type: 'query' | 'mutation' = 'query') => trpcCall<T>(api.base, headers.get(user) ?? {}, path, input, type);
  const tus = (user: string) => new TusClient(api.base, headers.get(user) ?? {});
  const sealingInfo = async (user: string) => {
    const info = await call<SealingInfoLike & { certificate: { id: string } }>(user, 'bidding.sealingInfo', { sectionId: section.id });
    if (!info.ok) throw new Error(info.error.en);
    return info.data;
  };
  const sign = (user: string, fields: { uploadId: string; ciphertextSha256: string; envelopeBytes: number }, organisationId = accounts.get(user)!.organisationId) =>
    signedSubmit(certs.get(user)!, { sectionId: section.id, organisationId, ...fields });

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    api = await startTestServer(p.services);
    section = await announcedSection(db);
    for (const user of ['bidder1', 'bidder2', 'bidder3', 'tenderer', 'agency', 'centre', 'supervisor']) {
      headers.set(user, await signInOverHttp(api.base, user));
      const me = (await call<{ accountId: string; organisationId: string; organisationName: string }>(user, 'auth.me', undefined)) as { ok: true; data: { accountId: string; organisationId: string; organisationName: string } };
      accounts.set(user, me.data);
    }
    certs.set('bidder1', await enrolTestCertificate(p.services, 'bidder1'));
    certs.set('bidder2', await enrolTestCertificate(p.services, 'bidder2'));
  });
  afterAll(async () => {
    await api?.close();
    await p?.close();
  });

  let first: { uploadId: string; url: string; summary: { ciphertextSha256: string; envelopeBytes: number } };
  let firstReceipt: Receipt;

  it('tells a bidder how to seal for the section, and one without a certificate to enrol first', async () => {
    const info = await sealingInfo('bidder1');
    expect(info).toMatchObject({
      section: { id: section.id, code: section.code, state: 'announced' },
      suite: 'rsa-oaep-sha256/aes-256-gcm-stream',
      chunkSize: 4 * 2 ** 20,
      maxEnvelopeBytes: 2 * 2 ** 30,
      metadata: { section: section.code, bidder: expect.stringMatching(/^91990100MA0000061.$/) },
      certificate: { id: certs.get('bidder1')!.certificateId },
    });
    const spki = Buffer.from(info.recipients[0]!.publicKeySpki, 'base64');
    expect(info.recipients).toEqual([{ role: 'bidder', keyId: createHash('sha256').update(spki).digest('hex'), publicKeySpki: expect.any(String) }]);
    const none = await call('bidder3', 'bidding.sealingInfo', { sectionId: section.id });
    expect(none).toMatchObject({ ok: false, error: { code: 'RULE_VIOLATION', details: { reason: 'no-certificate' } } });
    expect(!none.ok && none.error.zh).toContain('申领');
  });

  it('resumes an interrupted upload: HEAD gives what arrived, the rest completes it, the envelope is stored write-once', async () => {
    const sealed = await sealBid(await sealingInfo('bidder1'), PLAINTEXT, { chunkSize: 64 * 1024 });
    const created = await tus('bidder1').create(section.id, sealed.bytes.length, { filename: 'bid.ggzy' });
    expect(created.status).toBe(201);
    const url = created.url!;
    const uploadId = uploadIdOf(url);
    const staged = join(p.services.settings.uploadDir, uploadId);

    // The connection drops after the first 100 kB: the stream never ends, the client aborts.
    const part = sealed.bytes.subarray(0, 100_000);
    const abort = new AbortController();
    const body = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new Uint8Array(part)) });
    const interrupted = tus('bidder1').patch(url, 0, body, { signal: abort.signal }).catch((error: unknown) => error);
    await until(async () => (await stat(staged)).size === part.length);
    abort.abort();
    expect(await interrupted).toBeInstanceOf(Error);

    let head = await tus('bidder1').head(url);
    await until(async () => (head = await tus('bidder1').head(url)).status === 200);
    expect(head).toEqual({ status: 200, offset: part.length, length: sealed.bytes.length });
    const wrong = await tus('bidder1').patch(url, 0, sealed.bytes);
    expect(wrong.status).toBe(409);
    expect(JSON.parse(wrong.body)).toMatchObject({ code: 'CONFLICT' });
    expect(wrong.contentType).toContain('application/json');

    const rest = await tus('bidder1').patch(url, part.length, sealed.bytes.subarray(part.length));
    expect(rest).toMatchObject({ status: 204, offset: sealed.bytes.length });
    expect(await tus('bidder1').head(url)).toEqual({ status: 200, offset: sealed.bytes.length, length: sealed.bytes.length });
    await expect(stat(staged)).rejects.toThrow(/ENOENT/);

    const [row] = await db.select().from(bidUpload).where(eq(bidUpload.id, uploadId));
    expect(row).toMatchObject({ sectionId: section.id, length: sealed.bytes.length, ciphertextSha256: sealed.summary.ciphertextSha256, suite: 'rsa-oaep-sha256/aes-256-gcm-stream', inspectionError: null });
    expect(row!.completedAt).toBeInstanceOf(Date);
    const stored = await p.services.store.getBytes(`bids/${section.id}/${uploadId}`);
    expect(Buffer.from(stored).equals(sealed.bytes)).toBe(true);
    await expect(p.services.store.put(`bids/${section.id}/${uploadId}`, new Uint8Array([1]))).rejects.toThrow();
    const traced = await db.select().from(traceEntry).where(and(eq(traceEntry.targetId, section.id), inArray(traceEntry.action, ['bid.upload.create', 'bid.upload.complete']))).orderBy(asc(traceEntry.id));
    expect(traced.map((t) => [t.action, t.details.upload])).toEqual([
      ['bid.upload.create', uploadId],
      ['bid.upload.complete', uploadId],
    ]);
    first = { uploadId, url, summary: sealed.summary };
  });

  it('answers a submit with a receipt signed by the key at /api/receipts/key, naming its trace entry; a replay adds nothing', async () => {
    const request = sign('bidder1', { uploadId: first.uploadId, ciphertextSha256: first.summary.ciphertextSha256, envelopeBytes: first.summary.envelopeBytes });
    const submitted = await call<Receipt>('bidder1', 'bidding.submit', request, 'mutation');
    if (!submitted.ok) throw new Error(submitted.error.en);
    const receipt = submitted.data;
    expect(receipt.body).toMatchObject({
      type: 'ggzy-receipt/v1',
      kind: 'submit',
      sectionId: section.id,
      sectionCode: section.code,
      organisationId: accounts.get('bidder1')!.organisationId,
      organisationName: accounts.get('bidder1')!.organisationName,
      ciphertextSha256: first.summary.ciphertextSha256,
      envelopeBytes: first.summary.envelopeBytes,
      logOrigin: 'ggzy.test/trace-log',
    });
    const key = (await (await fetch(`${api.base}/api/receipts/key`)).json()) as { keyId: string; publicKey: string };
    expect(receiptVerifies(receipt, key)).toBe(true);
    expect(receiptVerifies({ ...receipt, body: { ...receipt.body, envelopeBytes: receipt.body.envelopeBytes! + 1 } }, key)).toBe(false);

    const [entry] = await db.select().from(traceEntry).where(eq(traceEntry.seq, receipt.body.traceIndex));
    expect(entry).toMatchObject({ id: receipt.body.traceEntryId, action: 'bid.submit', digests: { ciphertextSha256: first.summary.ciphertextSha256 } });
    const [submission] = await db.select().from(bidSubmission).where(eq(bidSubmission.id, receipt.body.submissionId));
    expect(submission!.receivedAt.toISOString()).toBe(receipt.body.receivedAt);
    expect(submission!.signedMessage).toBe(request.message);

    const replay = await call<Receipt>('bidder1', 'bidding.submit', request, 'mutation');
    expect(replay).toEqual({ ok: true, data: receipt });
    expect(await db.select().from(bidSubmission).where(eq(bidSubmission.organisationId, accounts.get('bidder1')!.organisationId))).toHaveLength(1);
    firstReceipt = receipt;
  });

  it('replaces a bid with a later upload; the latest counts and the first stays on record', async () => {
    const sealed = await sealBid(await sealingInfo('bidder1'), Buffer.from('第二版投标文件 RECOGNISABLE-BID-PLAINTEXT v2'));
    const uploadId = await tus('bidder1').upload(section.id, sealed.bytes);
    const second = await call<Receipt>('bidder1', 'bidding.submit', sign('bidder1', { uploadId, ciphertextSha256: sealed.summary.ciphertextSha256, envelopeBytes: sealed.summary.envelopeBytes }), 'mutation');
    if (!second.ok) throw new Error(second.error.en);
    const list = await call<Array<{ id: string; current: boolean; receipt: Receipt }>>('bidder1', 'bidding.submissions', { sectionId: section.id });
    if (!list.ok) throw new Error(list.error.en);
    expect(list.data.map((s) => [s.id, s.current])).toEqual([
      [second.data.body.submissionId, true],
      [firstReceipt.body.submissionId, false],
    ]);
    expect(list.data[1]!.receipt).toEqual(firstReceipt);
    const [counted] = await db.select().from(bid).where(eq(bid.organisationId, accounts.get('bidder1')!.organisationId));
    expect(counted).toMatchObject({ status: 'submitted', submissionId: second.data.body.submissionId });
    // The first upload cannot be brought back by replaying its submit.
    const again = await call('bidder1', 'bidding.submit', sign('bidder1', { uploadId: first.uploadId, ciphertextSha256: first.summary.ciphertextSha256, envelopeBytes: first.summary.envelopeBytes }), 'mutation');
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { reason: 'replayed' } } });
  });

  it('withdraws with a signed message; its replay gets the same receipt; then bids again', async () => {
    const request = signedWithdraw(certs.get('bidder1')!, { sectionId: section.id, organisationId: accounts.get('bidder1')!.organisationId });
    const withdrawn = await call<Receipt>('bidder1', 'bidding.withdraw', request, 'mutation');
    if (!withdrawn.ok) throw new Error(withdrawn.error.en);
    expect(withdrawn.data.body).toMatchObject({ kind: 'withdraw', ciphertextSha256: null, envelopeBytes: null });
    expect(await call('bidder1', 'bidding.withdraw', request, 'mutation')).toEqual(withdrawn);
    const [counted] = await db.select().from(bid).where(eq(bid.organisationId, accounts.get('bidder1')!.organisationId));
    expect(counted!.status).toBe('withdrawn');
    const twice = await call('bidder1', 'bidding.withdraw', signedWithdraw(certs.get('bidder1')!, { sectionId: section.id, organisationId: accounts.get('bidder1')!.organisationId }), 'mutation');
    expect(twice).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { reason: 'nothing-to-withdraw' } } });

    const sealed = await sealBid(await sealingInfo('bidder1'), Buffer.from('第三版投标文件'));
    const uploadId = await tus('bidder1').upload(section.id, sealed.bytes);
    const third = await call<Receipt>('bidder1', 'bidding.submit', sign('bidder1', { uploadId, ciphertextSha256: sealed.summary.ciphertextSha256, envelopeBytes: sealed.summary.envelopeBytes }), 'mutation');
    expect(third.ok).toBe(true);
    const [again] = await db.select().from(bid).where(eq(bid.organisationId, accounts.get('bidder1')!.organisationId));
    expect(again!.status).toBe('submitted');
  });

  it('shows a second bidder nothing of the first: submissions, receipts, uploads, signing for it', async () => {
    expect(await call('bidder2', 'bidding.submissions', { sectionId: section.id })).toEqual({ ok: true, data: [] });
    expect(await call('bidder2', 'bidding.receipt', { submissionId: firstReceipt.body.submissionId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await call('bidder1', 'bidding.receipt', { submissionId: firstReceipt.body.submissionId })).toEqual({ ok: true, data: firstReceipt });
    expect((await tus('bidder2').head(first.url)).status).toBe(404);
    const patched = await tus('bidder2').patch(first.url, 0, new Uint8Array(10));
    expect([patched.status, JSON.parse(patched.body).code]).toEqual([404, 'NOT_FOUND']);
    const fields = { uploadId: first.uploadId, ciphertextSha256: first.summary.ciphertextSha256, envelopeBytes: first.summary.envelopeBytes };
    expect(await call('bidder2', 'bidding.submit', sign('bidder2', fields), 'mutation')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await call('bidder2', 'bidding.submit', sign('bidder2', fields, accounts.get('bidder1')!.organisationId), 'mutation')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', details: { reason: 'wrong-organisation' } },
    });
    // Another company's certificate (and key) is refused before anything else.
    expect(await call('bidder2', 'bidding.submit', signedSubmit(certs.get('bidder1')!, { sectionId: section.id, organisationId: accounts.get('bidder1')!.organisationId, ...fields }), 'mutation')).toMatchObject({
      ok: false,
      error: { code: 'PERMISSION_DENIED', details: { reason: 'not-yours' } },
    });
    // A signature that does not match its message.
    const forged = { ...sign('bidder2', fields), message: sign('bidder2', { ...fields, envelopeBytes: 1 }).message };
    expect(await call('bidder2', 'bidding.submit', forged, 'mutation')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { reason: 'bad-signature' } } });

    const sealed = await sealBid(await sealingInfo('bidder2'), Buffer.from('东江路桥投标文件'));
    const uploadId = await tus('bidder2').upload(section.id, sealed.bytes);
    const own = await call('bidder2', 'bidding.submit', sign('bidder2', { uploadId, ciphertextSha256: sealed.summary.ciphertextSha256, envelopeBytes: sealed.summary.envelopeBytes }), 'mutation');
    expect(own.ok).toBe(true);
  });

  it('shows the tenderer names and status only, the supervisor also the times; nobody else', async () => {
    const names = [accounts.get('bidder1')!.organisationName, accounts.get('bidder2')!.organisationName].sort();
    const tenderer = await call<Array<Record<string, unknown>>>('tenderer', 'tender.bidders', { sectionId: section.id });
    expect(tenderer).toEqual({ ok: true, data: names.map((organisationName) => ({ organisationName, status: 'submitted' })) });
    const centre = await call<Array<Record<string, unknown>>>('centre', 'tender.bidders', { sectionId: section.id });
    expect(centre).toEqual(tenderer);
    const supervisor = await call<Array<{ receivedAt: string }>>('supervisor', 'tender.bidders', { sectionId: section.id });
    if (!supervisor.ok) throw new Error(supervisor.error.en);
    expect(supervisor.data.map((b) => Number.isNaN(Date.parse(b.receivedAt)))).toEqual([false, false]);
    expect(await call('agency', 'tender.bidders', { sectionId: section.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await call('bidder1', 'tender.bidders', { sectionId: section.id })).toMatchObject({ ok: false, status: 403, error: { code: 'PERMISSION_DENIED' } });
    const reads = await db.select().from(traceEntry).where(eq(traceEntry.action, 'bid.bidders.read')).orderBy(asc(traceEntry.id));
    expect(reads.map((r) => r.actorName)).toEqual(['tenderer', 'centre', 'supervisor']);
  });

  it('refuses what is not an envelope as it is uploaded (never stored), and a truncated envelope at submit', async () => {
    for (const bytes of [randomBytes(5000), Buffer.from('%PDF-1.7\n投标文件正文（未加密）\n'.repeat(50))]) {
      const created = await tus('bidder1').create(section.id, bytes.length);
      const sent = await tus('bidder1').patch(created.url!, 0, bytes);
      expect([sent.status, JSON.parse(sent.body)]).toEqual([422, expect.objectContaining({ code: 'RULE_VIOLATION', details: { reason: 'envelope-refused', inspection: 'malformed-header' } })]);
      const uploadId = uploadIdOf(created.url!);
      const [row] = await db.select().from(bidUpload).where(eq(bidUpload.id, uploadId));
      expect(row).toMatchObject({ ciphertextSha256: null, headerSha256: null, inspectionError: expect.stringMatching(/^malformed-header:/) });
      expect(await p.services.store.head(`bids/${section.id}/${uploadId}`)).toBeNull();
      const refused = await call('bidder1', 'bidding.submit', sign('bidder1', { uploadId, ciphertextSha256: createHash('sha256').update(bytes).digest('hex'), envelopeBytes: bytes.length }), 'mutation');
      expect(refused).toMatchObject({ ok: false, error: { code: 'RULE_VIOLATION', details: { reason: 'envelope-refused', inspection: 'malformed-header' } } });
    }
    // A well-bound header on a damaged body: stored (it is what the bidder sent), refused at submit.
    const sealed = await sealBid(await sealingInfo('bidder1'), Buffer.from('将被截断的投标文件'));
    const bytes = sealed.bytes.subarray(0, sealed.bytes.length - 10);
    const uploadId = await tus('bidder1').upload(section.id, bytes);
    const [row] = await db.select().from(bidUpload).where(eq(bidUpload.id, uploadId));
    expect(row!.inspectionError).toMatch(/^truncated:/);
    const refused = await call('bidder1', 'bidding.submit', sign('bidder1', { uploadId, ciphertextSha256: createHash('sha256').update(bytes).digest('hex'), envelopeBytes: bytes.length }), 'mutation');
    expect(refused).toMatchObject({ ok: false, error: { code: 'RULE_VIOLATION', details: { reason: 'envelope-refused', inspection: 'truncated' } } });
  });

  it('refuses uploads without a session, without CSRF, from a non-bidder, over the limit, for a draft, after the deadline; never serves one back', async () => {
    const json = async (r: { status: number; body: string; contentType: string | null }) => [r.status, (JSON.parse(r.body) as { code: string }).code, r.contentType?.includes('application/json')];
    expect(await json(await new TusClient(api.base, { cookie: 'ggzy_csrf=c', 'x-csrf-token': 'c' }).create(section.id, 100))).toEqual([401, 'UNAUTHENTICATED', true]);
    expect(await json(await tus('bidder1').create(section.id, 100, { csrf: false }))).toEqual([403, 'CSRF_REJECTED', true]);
    expect(await json(await tus('tenderer').create(section.id, 100))).toEqual([403, 'PERMISSION_DENIED', true]);
    const tooBig = await tus('bidder1').create(section.id, 3 * 2 ** 30);
    expect(await json(tooBig)).toEqual([413, 'INVALID_INPUT', true]);
    expect(JSON.parse(tooBig.body)).toMatchObject({ details: { reason: 'too-large' } });
    // More bytes than declared is said as such, not as the size limit.
    const short = await tus('bidder1').create(section.id, 10);
    const longer = await tus('bidder1').patch(short.url!, 0, new Uint8Array(20));
    expect([longer.status, longer.contentType?.includes('application/json'), JSON.parse(longer.body)]).toEqual([
      413,
      true,
      expect.objectContaining({ code: 'INVALID_INPUT', details: { reason: 'longer-than-declared' }, zh: expect.stringContaining('超过了创建上传时声明的长度') }),
    ]);
    const draft = await announcedSection(db, { state: 'draft' });
    expect(await json(await tus('bidder1').create(draft.id, 100))).toEqual([404, 'NOT_FOUND', true]);
    const noSection = await fetch(`${api.base}/api/uploads`, { method: 'POST', headers: { ...headers.get('bidder1'), 'tus-resumable': '1.0.0', 'upload-length': '100' } });
    expect([noSection.status, ((await noSection.json()) as { code: string }).code]).toEqual([400, 'INVALID_INPUT']);
    const download = await fetch(first.url, { headers: headers.get('bidder1') });
    expect(download.status).toBe(405);

    // After the deadline (database clock) an upload can be neither continued nor created.
    const late = await announcedSection(db);
    const created = await tus('bidder1').create(late.id, 1000);
    expect((await tus('bidder1').patch(created.url!, 0, new Uint8Array(400))).status).toBe(204);
    await setDeadline(db, late.id, '-1 millisecond');
    const continued = await tus('bidder1').patch(created.url!, 400, new Uint8Array(600));
    expect([continued.status, JSON.parse(continued.body)]).toEqual([422, expect.objectContaining({ code: 'RULE_VIOLATION', details: expect.objectContaining({ reason: 'deadline-passed' }) })]);
    expect(await json(await tus('bidder1').create(late.id, 100))).toEqual([422, 'RULE_VIOLATION', true]);
    expect((await tus('bidder1').head(created.url!)).offset).toBe(400);
  });
});
