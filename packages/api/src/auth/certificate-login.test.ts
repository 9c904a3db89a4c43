import { signChallenge, signMessage } from '@ggzy/crypto';
import { account, and, eq, loginChallenge, organisation, sql, traceEntry, type Database } from '@ggzy/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, enrolTestCertificate, signedIn, testClient, type TestCertificate, type TestPlatform } from '../testing';
import { SESSION_COOKIE } from '../context';
import { insertCertificateRow, issueTestCertificate, otherCa, withoutDigitalSignature } from '../certificate/test-certificates';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

async function reasonOf(run: Promise<unknown>): Promise<{ code?: string; reason?: unknown; message: string }> {
  try {
    await run;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; details?: Record<string, unknown> } }).cause;
    return { code: cause?.code, reason: cause?.details?.reason, message: (error as Error).message };
  }
  throw new Error('expected a refusal');
}

describe('certificate login (证书登录)', () => {
  let platform: TestPlatform;
  let db: Database;
  let bidder: TestCertificate;

  beforeAll(async () => {
    platform = await createTestPlatform();
    db = platform.services.db;
    bidder = await enrolTestCertificate(platform.services, 'bidder1');
  });
  afterAll(async () => {
    await platform.close();
  });

  /** A fresh browser: asks for a challenge and signs it with `privateKeyPem`. */
  const attempt = async (cert: { certificatePem: string; privateKeyPem: string }, tweak: { sign?: (c: Uint8Array) => Uint8Array } = {}) => {
    const client = testClient(platform.services);
    const { challengeId, challenge } = await client.caller.auth.certificateChallenge({});
    const bytes = new Uint8Array(Buffer.from(challenge, 'base64'));
    const signature = tweak.sign ? tweak.sign(bytes) : signChallenge(cert.privateKeyPem, bytes);
    const input = { challengeId, certificatePem: cert.certificatePem, signature: b64(signature) };
    return { client, input, login: () => client.caller.auth.certificateLogin(input) };
  };

  const failures = (reason: string) =>
    db.select().from(traceEntry).where(and(eq(traceEntry.action, 'auth.login.failed'), sql`${traceEntry.details}->>'reason' = ${reason}`));

  it('gives a 32-byte challenge valid for two minutes', async () => {
    const { challengeId, challenge, expiresAt } = await testClient(platform.services).caller.auth.certificateChallenge({});
    expect(Buffer.from(challenge, 'base64')).toHaveLength(32);
    const seconds = (new Date(expiresAt).getTime() - Date.now()) / 1000;
    expect(seconds).toBeGreaterThan(100);
    expect(seconds).toBeLessThanOrEqual(121);
    expect(challengeId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('signs in with a signed challenge: a session like password login, traced with the certificate', async () => {
    const { client, login } = await attempt(bidder);
    const answer = await login();
    expect(answer).toMatchObject({ role: 'bidder', username: 'bidder1' });
    expect(client.cookies[SESSION_COOKIE]).toBeTruthy();
    expect(await client.caller.auth.me()).toMatchObject({ username: 'bidder1', organisationName: '示例建工集团有限公司' });
    const [traced] = await db.select().from(traceEntry).where(and(eq(traceEntry.action, 'auth.login'), sql`${traceEntry.details}->>'certificateId' = ${bidder.certificateId}`));
    expect(traced).toMatchObject({ actorName: 'bidder1', details: { method: 'certificate' } });
  });

  it('refuses a challenge used twice, even by the same holder', async () => {
    const { login } = await attempt(bidder);
    await login();
    expect(await reasonOf(login())).toMatchObject({ code: 'INVALID_CREDENTIALS', reason: 'challenge-reused' });
    expect(await failures('challenge-reused')).toHaveLength(1);
  });

  it('refuses an expired challenge', async () => {
    const { input, login } = await attempt(bidder);
    await db.update(loginChallenge).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(loginChallenge.id, input.challengeId));
    const refused = await reasonOf(login());
    expect(refused).toMatchObject({ code: 'INVALID_CREDENTIALS', reason: 'challenge-expired' });
    expect(refused.message).toContain('已过期');
  });

  it('refuses a wrong signature, and spends the challenge all the same', async () => {
    const other = await enrolTestCertificate(platform.services, 'bidder2');
    const { input, client } = await attempt(bidder, { sign: (c) => signChallenge(other.privateKeyPem, c) });
    expect(await reasonOf(client.caller.auth.certificateLogin(input))).toMatchObject({ reason: 'bad-signature' });
    // A signature over the bare bytes in another context is no login signature either.
    const second = await attempt(bidder, { sign: (c) => signMessage(bidder.privateKeyPem, 'ggzy-bid-submit/v1', c) });
    expect(await reasonOf(second.login())).toMatchObject({ reason: 'bad-signature' });
    expect(await reasonOf(client.caller.auth.certificateLogin({ ...input, signature: b64(signChallenge(bidder.privateKeyPem, new Uint8Array(32))) }))).toMatchObject({
      reason: 'challenge-reused',
    });
    const [traced] = await failures('bad-signature');
    expect(traced).toMatchObject({ actorName: 'bidder1', targetType: 'certificate', targetId: bidder.certificateId, outcome: 'failed' });
  });

  it('refuses a revoked certificate, and says so', async () => {
    const revokedOne = await enrolTestCertificate(platform.services, 'bidder3');
    await (await signedIn(platform.services, 'bidder3')).caller.certificate.revoke({ id: revokedOne.certificateId, reason: '私钥泄露' });
    const { login } = await attempt(revokedOne);
    const refused = await reasonOf(login());
    expect(refused).toMatchObject({ code: 'INVALID_CREDENTIALS', reason: 'revoked' });
    expect(refused.message).toContain('吊销');
    expect(await failures('revoked')).toHaveLength(1);
  });

  it('refuses an expired certificate, one without digitalSignature, and one issued by a leaf', async () => {
    const [holder] = await db.select().from(account).where(eq(account.username, 'bidder4'));
    const [org] = await db.select().from(organisation).where(eq(organisation.id, holder!.organisationId!));
    const subject = { commonName: org!.name, organisation: org!.name, creditCode: org!.creditCode! };
    const ca = platform.services.pki.ca;

    const expired = await issueTestCertificate(ca, subject, { notBefore: new Date(Date.now() - 400 * 86_400_000), validityDays: 30 });
    await insertCertificateRow(db, { accountId: holder!.id, organisationId: holder!.organisationId, pem: expired.certificatePem });
    expect(await reasonOf((await attempt(expired)).login())).toMatchObject({ reason: 'expired' });

    const encryptionOnly = await issueTestCertificate(ca, subject);
    const pem = withoutDigitalSignature(encryptionOnly.certificatePem, ca);
    await insertCertificateRow(db, { accountId: holder!.id, organisationId: holder!.organisationId, pem });
    expect(await reasonOf((await attempt({ certificatePem: pem, privateKeyPem: encryptionOnly.privateKeyPem })).login())).toMatchObject({ reason: 'wrong-usage' });

    const leaf = await issueTestCertificate(ca, subject);
    const byLeaf = await issueTestCertificate({ certificatePem: leaf.certificatePem, privateKeyPem: leaf.privateKeyPem }, subject);
    await insertCertificateRow(db, { accountId: holder!.id, organisationId: holder!.organisationId, pem: byLeaf.certificatePem + leaf.certificatePem });
    expect(await reasonOf((await attempt(byLeaf)).login())).toMatchObject({ reason: 'leaf-signed-by-leaf' });
  });

  it('refuses a certificate nobody registered, and one from an untrusted CA', async () => {
    const ca = platform.services.pki.ca;
    const unregistered = await issueTestCertificate(ca, { commonName: '示例建工集团有限公司', organisation: '示例建工集团有限公司', creditCode: '91990100MA00000610' });
    expect(await reasonOf((await attempt(unregistered)).login())).toMatchObject({ reason: 'unregistered' });

    const [holder] = await db.select().from(account).where(eq(account.username, 'bidder5'));
    const foreign = await issueTestCertificate(await otherCa(), { commonName: '华辰建设工程有限公司', organisation: '华辰建设工程有限公司', creditCode: '91990100MA00001010' });
    await insertCertificateRow(db, { accountId: holder!.id, organisationId: holder!.organisationId, pem: foreign.certificatePem });
    expect(await reasonOf((await attempt(foreign)).login())).toMatchObject({ reason: 'untrusted' });
  });

  it('refuses a disabled account even with a valid certificate', async () => {
    const guarantor = await enrolTestCertificate(platform.services, 'guarantor');
    await db.update(account).set({ status: 'disabled' }).where(eq(account.username, 'guarantor'));
    try {
      expect(await reasonOf((await attempt(guarantor)).login())).toMatchObject({ code: 'ACCOUNT_DISABLED' });
      expect(await db.select().from(traceEntry).where(and(eq(traceEntry.action, 'auth.login.disabled'), eq(traceEntry.actorName, 'guarantor')))).toHaveLength(1);
    } finally {
      await db.update(account).set({ status: 'active' }).where(eq(account.username, 'guarantor'));
    }
  });
});
