/**
 * The GM/T suite end to end through the API (DESIGN.md §4): a bidder enrols an SM2 certificate with
 * the platform's SM2 CA, seals for a section that requires SM2/SM4/SM3, uploads, submits with an SM2
 * signature, and the envelope opens with its SM2 key. An RSA certificate is not offered for such a
 * section, and an RSA-suite envelope is refused at submit.
 */
import { createKeyPairAndCsr, envelopeRecipientFromSpki, openEnvelopeToBytes, sealEnvelope, sm2PrivateKeyFromPem, SUITE_SM2_SM4 } from '@ggzy/crypto';
import { executeRows, sql, type Database } from '@ggzy/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, enrolTestCertificate, type TestPlatform } from '../testing';
import { announcedSection, signInOverHttp, sealBid, signedSubmit, startTestServer, trpcCall, TusClient, uploadIdOf, type SealingInfoLike } from './test-support';

const PLAINTEXT = new TextEncoder().encode(`国密投标文件：投标报价 玖佰捌拾柒万陆仟伍佰肆拾叁元整 ${'技术标。'.repeat(50_000)}`);

describe('the GM/T suite (SM2 + SM4 + SM3) through the API', () => {
  let p: TestPlatform;
  let db: Database;
  let api: Awaited<ReturnType<typeof startTestServer>>;
  let section: { id: string; code: string };
  let headers: Record<string, string>;
  let me: { organisationId: string; organisationName: string; organisationCreditCode: string };
  let sm2: { privateKeyPem: string; certificateId: string };

  const call = <T>(path: string, input: unknown, type: 'query' | 'mutation' = 'query') => trpcCall<T>(api.base, headers, path, input, type);

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    api = await startTestServer(p.services);
    section = await announcedSection(db);
    await executeRows(db, sql`update section set envelope_suite = ${SUITE_SM2_SM4} where id = ${section.id}`);
    headers = await signInOverHttp(api.base, 'bidder1');
    const who = await call<typeof me>('auth.me', undefined);
    if (!who.ok) throw new Error(who.error.en);
    me = who.data;
  });
  afterAll(async () => {
    await api?.close();
    await p?.close();
  });

  it('offers no RSA certificate for an SM2 section, and says to enrol an SM2 one', async () => {
    await enrolTestCertificate(p.services, 'bidder1');
    const info = await call('bidding.sealingInfo', { sectionId: section.id });
    expect(info).toMatchObject({ ok: false, error: { code: 'RULE_VIOLATION', details: { reason: 'no-certificate', algorithm: 'sm2' } } });
    if (!info.ok) expect(info.error.zh).toContain('SM2 证书');
  });

  it('enrols an SM2 certificate with the platform SM2 CA; the key never leaves the bidder', async () => {
    const { privateKeyPem, csrPem } = await createKeyPairAndCsr({
      subject: { commonName: me.organisationName, organisation: me.organisationName, creditCode: me.organisationCreditCode },
      algorithm: 'sm2',
    });
    const enrolled = await call<{ id: string; certificatePem: string; chainPem: string[] }>('certificate.enrol', { csrPem }, 'mutation');
    if (!enrolled.ok) throw new Error(enrolled.error.en);
    expect(enrolled.data.chainPem).toEqual([p.services.pki.sm2Ca!.certificatePem]);
    const [row] = await executeRows<{ algorithm: string; pem: string }>(db, sql`select algorithm, pem from certificate where id = ${enrolled.data.id}`);
    expect(row!.algorithm).toBe('sm2');
    expect(row!.pem).not.toContain('PRIVATE KEY');
    sm2 = { privateKeyPem, certificateId: enrolled.data.id };
  });

  it('seals to the SM2 certificate, uploads, submits with an SM2 signature, and the envelope opens with the SM2 key', async () => {
    const info = await call<SealingInfoLike & { certificate: { id: string }; suite: string }>('bidding.sealingInfo', { sectionId: section.id });
    if (!info.ok) throw new Error(info.error.en);
    expect(info.data.suite).toBe(SUITE_SM2_SM4);
    expect(info.data.certificate.id).toBe(sm2.certificateId);

    const recipients = await Promise.all(
      info.data.recipients.map((r) => envelopeRecipientFromSpki({ role: r.role, spki: r.publicKeySpki, suite: SUITE_SM2_SM4 })),
    );
    const sealed = await sealEnvelope({ plaintext: [PLAINTEXT], recipients, suite: SUITE_SM2_SM4, metadata: info.data.metadata, chunkSize: 64 * 1024 });
    const parts: Uint8Array[] = [];
    for await (const part of sealed.bytes) parts.push(part.slice());
    const envelope = Buffer.concat(parts);
    const summary = await sealed.summary;

    const uploadId = await new TusClient(api.base, headers).upload(section.id, envelope);
    const submitted = await call<{ body: { ciphertextSha256: string; kind: string } }>(
      'bidding.submit',
      signedSubmit(sm2, { sectionId: section.id, organisationId: me.organisationId, uploadId, ciphertextSha256: summary.ciphertextSha256, envelopeBytes: summary.envelopeBytes }),
      'mutation',
    );
    if (!submitted.ok) throw new Error(submitted.error.en);
    expect(submitted.data.body).toMatchObject({ kind: 'submit', ciphertextSha256: summary.ciphertextSha256 });

    const opened = await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey: sm2PrivateKeyFromPem(sm2.privateKeyPem)! } });
    expect(Buffer.from(opened.plaintext).equals(Buffer.from(PLAINTEXT))).toBe(true);
  });

  it('refuses an envelope of the RSA suite for the SM2 section as it is uploaded, naming the suite, and at submit', async () => {
    const rsa = await enrolTestCertificate(p.services, 'bidder2');
    const other = await signInOverHttp(api.base, 'bidder2');
    const who = await trpcCall<{ organisationId: string }>(api.base, other, 'auth.me', undefined, 'query');
    if (!who.ok) throw new Error(who.error.en);
    const [cert] = await executeRows<{ pem: string }>(db, sql`select pem from certificate where id = ${rsa.certificateId}`);
    const { X509Certificate } = await import('node:crypto');
    const spki = new X509Certificate(cert!.pem).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const sealed = await sealBid({ suite: 'rsa-oaep-sha256/aes-256-gcm-stream', recipients: [{ role: 'bidder', publicKeySpki: spki }], metadata: { section: section.code } }, PLAINTEXT);
    const client = new TusClient(api.base, other);
    const created = await client.create(section.id, sealed.bytes.length);
    const sent = await client.patch(created.url!, 0, sealed.bytes);
    expect([sent.status, JSON.parse(sent.body)]).toEqual([422, expect.objectContaining({ code: 'RULE_VIOLATION', details: { reason: 'wrong-suite', suite: 'rsa-oaep-sha256/aes-256-gcm-stream' } })]);
    const uploadId = uploadIdOf(created.url!);
    const refused = await trpcCall(
      api.base,
      other,
      'bidding.submit',
      signedSubmit(rsa, { sectionId: section.id, organisationId: who.data.organisationId, uploadId, ciphertextSha256: sealed.summary.ciphertextSha256, envelopeBytes: sealed.summary.envelopeBytes }),
      'mutation',
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'RULE_VIOLATION', details: { reason: 'wrong-suite' } } });
  });
});
