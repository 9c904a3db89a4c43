import { createKeyPairAndCsr } from '@ggzy/crypto';
import { account, and, certificate, eq, organisation, traceEntry, type Database } from '@ggzy/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, enrolTestCertificate, signedIn, type TestPlatform } from '../testing';
import { requireValidCertificate } from './require-valid-certificate';
import { insertCertificateRow, issueTestCertificate, otherCa, withoutDigitalSignature, type TestSubject } from './test-certificates';

async function holderOf(db: Database, username: string) {
  const [row] = await db
    .select({ accountId: account.id, organisationId: account.organisationId, displayName: account.displayName, name: organisation.name, creditCode: organisation.creditCode })
    .from(account)
    .leftJoin(organisation, eq(organisation.id, account.organisationId))
    .where(eq(account.username, username));
  return row!;
}

async function subjectOf(db: Database, username: string): Promise<TestSubject> {
  const h = await holderOf(db, username);
  return { commonName: h.name!, organisation: h.name!, creditCode: h.creditCode! };
}

/** The AppError a call was refused with: its code and the machine-readable reason. */
async function refusal(run: Promise<unknown>): Promise<{ code?: string; reason?: unknown; message: string }> {
  try {
    await run;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; details?: Record<string, unknown> } }).cause ?? (error as { code?: string; details?: Record<string, unknown> });
    return { code: cause.code, reason: cause.details?.reason, message: (error as Error).message };
  }
  throw new Error('expected a refusal');
}

describe('certificates: enrol, register (CA互认), mine, revoke', () => {
  let platform: TestPlatform;
  let db: Database;
  beforeAll(async () => {
    platform = await createTestPlatform();
    db = platform.services.db;
  });
  afterAll(async () => {
    await platform.close();
  });

  it('refuses a request whose subject is another company, saying what to put', async () => {
    const { csrPem } = await createKeyPairAndCsr({ subject: await subjectOf(db, 'bidder2') });
    const client = await signedIn(platform.services, 'bidder1');
    const refused = await refusal(client.caller.certificate.enrol({ csrPem }));
    expect(refused).toMatchObject({ code: 'INVALID_INPUT', reason: 'subject-mismatch' });
    expect(refused.message).toContain('O=示例建工集团有限公司');
    expect(refused.message).toContain('serialNumber=');
    expect(await db.select().from(certificate)).toHaveLength(0);
  });

  it('accepts the holder’s own name as CN (a custodian signs as a person)', async () => {
    const me = await holderOf(db, 'centre');
    const { csrPem } = await createKeyPairAndCsr({ subject: { commonName: me.displayName, organisation: me.name!, creditCode: me.creditCode! } });
    const client = await signedIn(platform.services, 'centre');
    const enrolled = await client.caller.certificate.enrol({ csrPem });
    const [row] = await db.select().from(certificate).where(eq(certificate.id, enrolled.id));
    expect(row!.subject).toContain(me.displayName);
  });

  it('refuses a request whose self-signature does not verify', async () => {
    const { csrPem } = await createKeyPairAndCsr({ subject: await subjectOf(db, 'bidder1') });
    const body = csrPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const der = Buffer.from(body, 'base64');
    der[der.length - 5]! ^= 0x01; // inside the signature
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const client = await signedIn(platform.services, 'bidder1');
    expect(await refusal(client.caller.certificate.enrol({ csrPem: tampered }))).toMatchObject({ code: 'INVALID_INPUT', reason: 'bad-csr' });
  });

  it('tells an expert without an organisation that the platform CA cannot certify it', async () => {
    const { csrPem } = await createKeyPairAndCsr({ subject: await subjectOf(db, 'bidder1') });
    const client = await signedIn(platform.services, 'expert1');
    expect(await refusal(client.caller.certificate.enrol({ csrPem }))).toMatchObject({ code: 'RULE_VIOLATION', reason: 'no-organisation' });
  });

  it('lists only the caller’s certificates, and revokes its own only, traced', async () => {
    const enrolled = await enrolTestCertificate(platform.services, 'bidder3');
    const mine = await (await signedIn(platform.services, 'bidder3')).caller.certificate.mine();
    expect(mine).toEqual([expect.objectContaining({ id: enrolled.certificateId, status: 'valid', revokedAt: null, algorithm: 'rsa' })]);
    expect(await (await signedIn(platform.services, 'bidder4')).caller.certificate.mine()).toEqual([]);

    const stranger = await signedIn(platform.services, 'bidder4');
    expect(await refusal(stranger.caller.certificate.revoke({ id: enrolled.certificateId, reason: '不是我的' }))).toMatchObject({ code: 'NOT_FOUND' });

    const owner = await signedIn(platform.services, 'bidder3');
    const revoked = await owner.caller.certificate.revoke({ id: enrolled.certificateId, reason: '私钥丢失' });
    expect(revoked.id).toBe(enrolled.certificateId);
    expect((await owner.caller.certificate.mine())[0]).toMatchObject({ status: 'revoked', revokedAt: revoked.revokedAt });
    expect(await refusal(owner.caller.certificate.revoke({ id: enrolled.certificateId, reason: '再次吊销' }))).toMatchObject({ code: 'CONFLICT' });
    const traced = await db.select().from(traceEntry).where(and(eq(traceEntry.action, 'certificate.revoke'), eq(traceEntry.targetId, enrolled.certificateId)));
    expect(traced).toHaveLength(1);
  });

  it('registers an external CA’s certificate only when the deployment trusts its root (CA互认)', async () => {
    const external = await otherCa('互认 CA');
    const issued = await issueTestCertificate(external, await subjectOf(db, 'bidder5'));
    const client = await signedIn(platform.services, 'bidder5');
    expect(await refusal(client.caller.certificate.register({ certificatePem: issued.certificatePem }))).toMatchObject({ code: 'RULE_VIOLATION', reason: 'untrusted' });

    platform.services.pki.trustedRootsPem.push(external.certificatePem);
    try {
      const registered = await client.caller.certificate.register({ certificatePem: issued.certificatePem });
      expect(registered.chainPem).toEqual([external.certificatePem]);
      const [traced] = await db.select().from(traceEntry).where(eq(traceEntry.targetId, registered.id));
      expect(traced).toMatchObject({ action: 'certificate.register' });
      expect(await refusal(client.caller.certificate.register({ certificatePem: issued.certificatePem }))).toMatchObject({ code: 'CONFLICT' });
    } finally {
      platform.services.pki.trustedRootsPem.pop();
    }
  });

  it('refuses to register an expired certificate, one issued by a leaf, or one in another company’s name', async () => {
    const ca = platform.services.pki.ca;
    const client = await signedIn(platform.services, 'bidder5');
    const expired = await issueTestCertificate(ca, await subjectOf(db, 'bidder5'), { notBefore: new Date(Date.now() - 400 * 86_400_000), validityDays: 30 });
    expect(await refusal(client.caller.certificate.register({ certificatePem: expired.certificatePem }))).toMatchObject({ reason: 'expired' });

    const leaf = await issueTestCertificate(ca, await subjectOf(db, 'bidder5'));
    const byLeaf = await issueTestCertificate({ certificatePem: leaf.certificatePem, privateKeyPem: leaf.privateKeyPem }, await subjectOf(db, 'bidder5'));
    expect(await refusal(client.caller.certificate.register({ certificatePem: byLeaf.certificatePem, chainPem: [leaf.certificatePem] }))).toMatchObject({
      reason: 'leaf-signed-by-leaf',
    });

    const otherCompany = await issueTestCertificate(ca, await subjectOf(db, 'bidder1'));
    expect(await refusal(client.caller.certificate.register({ certificatePem: otherCompany.certificatePem }))).toMatchObject({ reason: 'subject-mismatch' });
  });
});

describe('requireValidCertificate: what a signed action is refused for', () => {
  let platform: TestPlatform;
  let db: Database;
  beforeAll(async () => {
    platform = await createTestPlatform();
    db = platform.services.db;
  });
  afterAll(async () => {
    await platform.close();
  });
  const require = async (username: string, certificateId: string, usage: 'signature' | 'keyEncipherment' = 'signature') => {
    const h = await holderOf(db, username);
    return requireValidCertificate(db, platform.services.pki, { certificateId, account: h, usage });
  };

  it('accepts the caller’s own valid certificate and returns the leaf PEM', async () => {
    const enrolled = await enrolTestCertificate(platform.services, 'bidder1');
    const valid = await require('bidder1', enrolled.certificateId);
    expect(valid.pem).toBe(enrolled.certificatePem);
    expect(valid.certificate.id).toBe(enrolled.certificateId);
    expect(valid.validated.keyId).toBe(valid.certificate.keyId);
  });

  it('refuses another account’s certificate, and an unknown one', async () => {
    const enrolled = await enrolTestCertificate(platform.services, 'bidder2');
    expect(await refusal(require('bidder1', enrolled.certificateId))).toMatchObject({ code: 'PERMISSION_DENIED', reason: 'not-yours' });
    expect(await refusal(require('bidder1', '00000000-0000-4000-8000-000000000000'))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a revoked certificate', async () => {
    const enrolled = await enrolTestCertificate(platform.services, 'bidder3');
    await (await signedIn(platform.services, 'bidder3')).caller.certificate.revoke({ id: enrolled.certificateId, reason: '离职' });
    const refused = await refusal(require('bidder3', enrolled.certificateId));
    expect(refused).toMatchObject({ code: 'RULE_VIOLATION', reason: 'revoked' });
    expect(refused.message).toMatch(/^数字证书已吊销.* \/ The certificate has been revoked/);
  });

  it('refuses an expired certificate', async () => {
    const h = await holderOf(db, 'bidder4');
    const expired = await issueTestCertificate(platform.services.pki.ca, await subjectOf(db, 'bidder4'), { notBefore: new Date(Date.now() - 400 * 86_400_000), validityDays: 30 });
    const row = await insertCertificateRow(db, { ...h, pem: expired.certificatePem });
    expect(await refusal(require('bidder4', row.id))).toMatchObject({ code: 'RULE_VIOLATION', reason: 'expired' });
  });

  it('refuses a certificate whose key usage lacks digitalSignature for signing, and accepts it for key encipherment', async () => {
    const h = await holderOf(db, 'bidder5');
    const issued = await issueTestCertificate(platform.services.pki.ca, await subjectOf(db, 'bidder5'));
    const row = await insertCertificateRow(db, { ...h, pem: withoutDigitalSignature(issued.certificatePem, platform.services.pki.ca) });
    expect(await refusal(require('bidder5', row.id))).toMatchObject({ reason: 'wrong-usage' });
    expect((await require('bidder5', row.id, 'keyEncipherment')).certificate.id).toBe(row.id);
  });

  it('refuses a certificate issued by a leaf certificate', async () => {
    const h = await holderOf(db, 'bidder5');
    const leaf = await issueTestCertificate(platform.services.pki.ca, await subjectOf(db, 'bidder5'));
    const byLeaf = await issueTestCertificate({ certificatePem: leaf.certificatePem, privateKeyPem: leaf.privateKeyPem }, await subjectOf(db, 'bidder5'));
    const row = await insertCertificateRow(db, { ...h, pem: byLeaf.certificatePem + leaf.certificatePem });
    expect(await refusal(require('bidder5', row.id))).toMatchObject({ reason: 'leaf-signed-by-leaf' });
  });

  it('refuses a certificate from a root the deployment no longer trusts', async () => {
    const h = await holderOf(db, 'bidder5');
    const external = await otherCa('已退出互认的 CA');
    const issued = await issueTestCertificate(external, await subjectOf(db, 'bidder5'));
    const row = await insertCertificateRow(db, { ...h, pem: issued.certificatePem });
    expect(await refusal(require('bidder5', row.id))).toMatchObject({ code: 'RULE_VIOLATION', reason: 'untrusted' });
  });
});
