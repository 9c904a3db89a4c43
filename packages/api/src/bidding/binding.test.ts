/**
 * An envelope belongs to its submitter and its section (DESIGN.md §4, docs/sealed-bids.md §4.1),
 * through the API over HTTP: a copy of another company's envelope, an envelope naming another
 * section or another bidder, or not wrapped to exactly the prescribed recipients is refused as it is
 * uploaded (never stored) and again at submit, each with its reason and traced; a copy is flagged to
 * the supervisor. A plaintext upload leaves no digest of its content in the store, the staging
 * folder, bid_upload or the trace log.
 */
import { bidUpload, eq, executeRows, sql, traceEntry, and, type Database } from '@ggzy/db';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, enrolTestCertificate, type TestCertificate, type TestPlatform } from '../testing';
import { announcedSection, signInOverHttp, sealBid, signedSubmit, startTestServer, trpcCall, TusClient, uploadIdOf, type SealingInfoLike } from './test-support';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('an envelope belongs to its submitter and its section', () => {
  let p: TestPlatform;
  let db: Database;
  let api: Awaited<ReturnType<typeof startTestServer>>;
  let section: { id: string; code: string };
  const headers = new Map<string, Record<string, string>>();
  const certs = new Map<string, TestCertificate>();
  const orgs = new Map<string, string>();

  const call = <T>(user: string, path: string, input: unknown, type: 'query' | 'mutation' = 'query') => trpcCall<T>(api.base, headers.get(user)!, path, input, type);
  const tus = (user: string) => new TusClient(api.base, headers.get(user)!);
  const sealingInfo = async (user: string, sectionId = section.id) => {
    const info = await call<SealingInfoLike>(user, 'bidding.sealingInfo', { sectionId });
    if (!info.ok) throw new Error(info.error.en);
    return info.data;
  };
  /** Uploads in one PATCH; the status and the refusal body (if any) and the upload id. */
  const upload = async (user: string, bytes: Uint8Array, sectionId = section.id) => {
    const created = await tus(user).create(sectionId, bytes.length);
    expect(created.status).toBe(201);
    const sent = await tus(user).patch(created.url!, 0, bytes);
    return { status: sent.status, body: sent.body ? (JSON.parse(sent.body) as { code: string; zh: string; en: string; details: Record<string, string> }) : null, uploadId: uploadIdOf(created.url!) };
  };
  const submit = (user: string, uploadId: string, sealed: { summary: { ciphertextSha256: string; envelopeBytes: number } }, sectionId = section.id) =>
    call(user, 'bidding.submit', signedSubmit(certs.get(user)!, { sectionId, organisationId: orgs.get(user)!, uploadId, ciphertextSha256: sealed.summary.ciphertextSha256, envelopeBytes: sealed.summary.envelopeBytes }), 'mutation');
  const traced = (uploadId: string) =>
    db
      .select({ action: traceEntry.action, outcome: traceEntry.outcome, details: traceEntry.details })
      .from(traceEntry)
      .where(and(sql`${traceEntry.details}->>'upload' = ${uploadId}`, sql`${traceEntry.action} <> 'bid.upload.create'`))
      .orderBy(traceEntry.id);

  /** Upload refused with `reason`, never stored, traced with the reason; then refused at submit too, traced. */
  async function expectRefused(user: string, sealed: Awaited<ReturnType<typeof sealBid>>, reason: string, sectionId = section.id) {
    const sent = await upload(user, sealed.bytes, sectionId);
    expect([sent.status, sent.body?.code, sent.body?.details.reason]).toEqual([422, 'RULE_VIOLATION', reason]);
    // Bilingual: Chinese first, then English.
    expect(sent.body!.zh).toMatch(/[\u4e00-\u9fff]/);
    expect(sent.body!.en).toMatch(/^[\x20-\x7e’]+$/);
    const [row] = await db.select().from(bidUpload).where(eq(bidUpload.id, sent.uploadId));
    expect(row).toMatchObject({ ciphertextSha256: null, headerSha256: null, inspectionError: expect.stringMatching(new RegExp(`^${reason}:`)) });
    expect(await p.services.store.head(`bids/${sectionId}/${sent.uploadId}`)).toBeNull();
    expect((await filesUnder(p.services.settings.uploadDir)).filter((f) => f.includes(sent.uploadId))).toEqual([]);
    const refused = await submit(user, sent.uploadId, sealed, sectionId);
    expect(refused).toMatchObject({ ok: false, error: { code: 'RULE_VIOLATION', details: { reason } } });
    const entries = await traced(sent.uploadId);
    expect(entries.filter((e) => e.action !== 'bid.collusion-signal')).toEqual([
      { action: 'bid.upload.complete', outcome: 'denied', details: { upload: sent.uploadId, reason } },
      { action: 'bid.submit', outcome: 'denied', details: { upload: sent.uploadId, reason } },
    ]);
    return sent.uploadId;
  }

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    api = await startTestServer(p.services);
    section = await announcedSection(db);
    for (const user of ['bidder1', 'bidder2', 'bidder3', 'supervisor']) {
      headers.set(user, await signInOverHttp(api.base, user));
      const me = await call<{ organisationId: string }>(user, 'auth.me', undefined);
      if (me.ok) orgs.set(user, me.data.organisationId);
    }
    for (const user of ['bidder1', 'bidder2', 'bidder3']) certs.set(user, await enrolTestCertificate(p.services, user));
  });
  afterAll(async () => {
    await api?.close();
    await p?.close();
  });

  it('refuses bidder B submitting bidder A’s envelope byte for byte, and flags it to the supervisor', async () => {
    const sealed = await sealBid(await sealingInfo('bidder1'), Buffer.from(`bidder1 的投标报价 ${randomBytes(8).toString('hex')} ${'分项报价；'.repeat(2000)}`));
    const own = await upload('bidder1', sealed.bytes);
    expect(own.status).toBe(204);
    expect(await submit('bidder1', own.uploadId, sealed)).toMatchObject({ ok: true });

    const copy = await expectRefused('bidder3', sealed, 'duplicate-ciphertext');
    // Sent in parts, the copy is refused as soon as its header has arrived (the same header as bidder1's).
    const created = await tus('bidder3').create(section.id, sealed.bytes.length);
    const part = await tus('bidder3').patch(created.url!, 0, sealed.bytes.subarray(0, 2000));
    expect([part.status, part.body]).toEqual([204, '']);
    const rest = await tus('bidder3').patch(created.url!, 2000, sealed.bytes.subarray(2000));
    expect([rest.status, JSON.parse(rest.body).details]).toEqual([422, { reason: 'duplicate-ciphertext' }]);
    const partCopy = uploadIdOf(created.url!);
    expect((await filesUnder(p.services.settings.uploadDir)).filter((f) => f.includes(partCopy))).toEqual([]);
    const flags = await call<Array<{ action: string; details: Record<string, string> }>>('supervisor', 'log.search', { action: 'bid.collusion-signal' });
    const flag = (upload: string) => ({ reason: 'duplicate-ciphertext', upload, organisation: orgs.get('bidder3'), sameAsUpload: own.uploadId, sameAsOrganisation: orgs.get('bidder1') });
    expect(flags.ok && flags.data.map((f) => f.details)).toEqual([flag(partCopy), flag(copy)]);
    // bidder1's bid stands; bidder3 has none.
    const [row] = await executeRows<{ n: number }>(db, sql`select count(*)::int as n from bid where section_id = ${section.id} and organisation_id = ${orgs.get('bidder3')!}`);
    expect(row!.n).toBe(0);
  });

  it('refuses an envelope naming another section, or another bidder, or wrapped to other recipients', async () => {
    const other = await announcedSection(db);
    await expectRefused('bidder2', await sealBid(await sealingInfo('bidder2', other.id), Buffer.from('为其他标段密封的投标文件')), 'envelope-section');

    const info = await sealingInfo('bidder2');
    const [bidder1] = await executeRows<{ credit_code: string }>(db, sql`select credit_code from organisation where id = ${orgs.get('bidder1')!}`);
    await expectRefused('bidder2', await sealBid({ ...info, metadata: { ...info.metadata, bidder: bidder1!.credit_code } }, Buffer.from('冒用他人名义的投标文件')), 'envelope-bidder');

    const foreign = (await sealingInfo('bidder1')).recipients[0]!;
    await expectRefused('bidder2', await sealBid({ ...info, recipients: [...info.recipients, foreign] }, Buffer.from('多一个接收方')), 'envelope-recipients');
    await expectRefused('bidder2', await sealBid({ ...info, recipients: [foreign] }, Buffer.from('接收方是别人的证书')), 'envelope-recipients');

    // The same bidder sealing from its own sealing info is accepted (the checks refuse only the wrong).
    const good = await sealBid(info, Buffer.from('本单位为本标段密封的投标文件'));
    const sent = await upload('bidder2', good.bytes);
    expect(sent.status).toBe(204);
    expect(await submit('bidder2', sent.uploadId, good)).toMatchObject({ ok: true });
    const [row] = await db.select().from(bidUpload).where(eq(bidUpload.id, sent.uploadId));
    expect(row).toMatchObject({ headerSection: section.code, headerBidder: info.metadata.bidder, recipientKeyIds: info.recipients.map((r) => `bidder:${keyIdOfSpkiHex(r.publicKeySpki)}`) });
  });

  it('refuses an envelope missing the opening-key recipient on a custodian section', async () => {
    const custodial = await announcedSection(db);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    await executeRows(db, sql`update section set opening_mode = 'bidderAndCustodians', custodian_threshold = 2 where id = ${custodial.id}`);
    await executeRows(
      db,
      sql`insert into opening_key (section_id, suite, public_key_spki, key_id, threshold, share_count)
          values (${custodial.id}, 'rsa-oaep-sha256/aes-256-gcm-stream', ${spki}, ${createHash('sha256').update(spki).digest('hex')}, 2, 3)`,
    );
    const info = await sealingInfo('bidder2', custodial.id);
    expect(info.recipients.map((r) => r.role)).toEqual(['bidder', 'opening']);
    await expectRefused('bidder2', await sealBid({ ...info, recipients: info.recipients.filter((r) => r.role === 'bidder') }, Buffer.from('缺少开标密钥')), 'envelope-recipients', custodial.id);
    const good = await sealBid(info, Buffer.from('完整接收方'));
    const sent = await upload('bidder2', good.bytes, custodial.id);
    expect(sent.status).toBe(204);
    expect(await submit('bidder2', sent.uploadId, good, custodial.id)).toMatchObject({ ok: true });
  });

  it('refuses a plaintext upload before storage: no digest of it in the store, staging, bid_upload or the trace log', async () => {
    const plaintext = Buffer.from(`%PDF-1.7\n投标报价：人民币壹佰万元整 ${randomBytes(16).toString('hex')}\n${'技术标正文；'.repeat(30_000)}`);
    const created = await tus('bidder2').create(section.id, plaintext.length);
    // The first chunk arrives and is staged; the upload is refused as it completes.
    expect((await tus('bidder2').patch(created.url!, 0, plaintext.subarray(0, 65_536))).status).toBe(204);
    const sent = await tus('bidder2').patch(created.url!, 65_536, plaintext.subarray(65_536));
    expect([sent.status, JSON.parse(sent.body)]).toEqual([422, expect.objectContaining({ code: 'RULE_VIOLATION', details: { reason: 'envelope-refused', inspection: 'malformed-header' } })]);
    const uploadId = uploadIdOf(created.url!);

    const digests = ['sha256', 'sha1', 'md5', 'sha512']
      .map((algorithm) => createHash(algorithm).update(plaintext).digest())
      .flatMap((d) => [d.toString('hex'), d.toString('hex').toUpperCase(), d.toString('base64'), d.toString('base64url')]);
    const found: string[] = [];
    const search = (where: string, text: string) => {
      for (const d of digests) if (text.includes(d)) found.push(`${d} in ${where}`);
    };
    const storeDir = join(dirname(p.services.settings.uploadDir), 'objects');
    const stored = await filesUnder(storeDir);
    expect(stored.length).toBeGreaterThan(0); // the scan sees the store (other tests' bids are there)
    for (const file of stored) search(file, (await readFile(file)).toString('latin1'));
    expect((await filesUnder(p.services.settings.uploadDir)).filter((f) => f.includes(uploadId))).toEqual([]);
    for (const file of await filesUnder(p.services.settings.uploadDir)) search(file, (await readFile(file)).toString('latin1'));
    for (const table of ['bid_upload', 'trace_entry', 'bid_submission']) {
      const rows = await executeRows<{ row: string }>(db, sql.raw(`select row_to_json(t)::text as row from "${table}" t`));
      expect(rows.length).toBeGreaterThan(0);
      search(table, rows.map((r) => r.row).join('\n'));
    }
    expect(found).toEqual([]);
    // The refusal is in the log, with its reason and no digest.
    expect(await traced(uploadId)).toEqual([{ action: 'bid.upload.complete', outcome: 'denied', details: { upload: uploadId, reason: 'envelope-refused', inspection: 'malformed-header' } }]);
    const [row] = await db.select().from(bidUpload).where(eq(bidUpload.id, uploadId));
    expect(row).toMatchObject({ ciphertextSha256: null, headerSha256: null, suite: null, headerSection: null });
  });
});

const keyIdOfSpkiHex = (spkiBase64: string) => createHash('sha256').update(Buffer.from(spkiBase64, 'base64')).digest('hex');
