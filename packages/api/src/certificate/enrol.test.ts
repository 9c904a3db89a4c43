import { createKeyPairAndCsr, validateCertificate, verifyChallenge, signChallenge } from '@ggzy/crypto';
import { createServer } from 'node:http';
import { createApiHandler } from '../http';
import { account, certificate, eq, organisation, traceEntry } from '@ggzy/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, enrolTestCertificate, signedIn, type TestPlatform } from '../testing';

const BIDDER1 = { name: '示例建工集团有限公司' };

describe('certificate.enrol', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await createTestPlatform();
  });
  afterAll(async () => {
    await platform.close();
  });

  it('issues a platform-CA certificate for the account’s organisation and records only the certificate', async () => {
    const enrolled = await enrolTestCertificate(platform.services, 'bidder1');
    const [row] = await platform.services.db.select().from(certificate).where(eq(certificate.id, enrolled.certificateId));
    expect(row).toMatchObject({ algorithm: 'rsa', revokedAt: null });
    expect(row!.subject).toContain(BIDDER1.name);
    expect(row!.pem).toBe(enrolled.certificatePem);
    // The key the holder made signs challenges the certificate verifies.
    const challenge = new Uint8Array(32).fill(7);
    expect(verifyChallenge(enrolled.certificatePem, challenge, signChallenge(enrolled.privateKeyPem, challenge))).toBe(true);
    const [trace] = await platform.services.db.select().from(traceEntry).where(eq(traceEntry.targetId, enrolled.certificateId));
    expect(trace).toMatchObject({ action: 'certificate.enrol', targetType: 'certificate' });
    expect(JSON.stringify(trace)).not.toContain('PRIVATE KEY');
  });

  it('answers with the chain, the serial and the end of validity, two years ahead', async () => {
    const { csrPem } = await createKeyPairAndCsr({
      subject: { commonName: '王强（示例建工）', organisation: BIDDER1.name, creditCode: await creditCodeOf(platform, 'bidder1') },
    });
    const client = await signedIn(platform.services, 'bidder1');
    const answer = await client.caller.certificate.enrol({ csrPem });
    expect(answer.chainPem).toEqual([platform.services.pki.ca.certificatePem]);
    expect(answer.serial).toMatch(/^[0-9a-f]+$/);
    const days = (new Date(answer.notAfter).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(729);
    expect(days).toBeLessThan(731);
  });
});

describe('GET /api/pki/ca.pem', () => {
  it('publishes the platform CA certificates (RSA, then SM2), to which enrolled certificates chain', async () => {
    const platform = await createTestPlatform();
    const server = createServer(createApiHandler(platform.services, { trustProxy: 'none' }));
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      const address = server.address();
      const response = await fetch(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/pki/ca.pem`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/x-pem-file');
      const bundle = await response.text();
      const pems = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      expect(pems).toEqual([platform.services.pki.ca.certificatePem.trim(), platform.services.pki.sm2Ca!.certificatePem.trim()]);
      const caPem = pems[0]!;
      const enrolled = await enrolTestCertificate(platform.services, 'bidder2');
      expect(validateCertificate({ certificatePem: enrolled.certificatePem, trustedRootPems: [caPem], at: new Date(), requiredUsage: 'both' }).trustedRoot).toBe('测试平台 CA');
    } finally {
      server.closeAllConnections();
      server.close();
      await platform.close();
    }
  });
});

async function creditCodeOf(platform: TestPlatform, username: string): Promise<string> {
  const [row] = await platform.services.db
    .select({ creditCode: organisation.creditCode })
    .from(account)
    .innerJoin(organisation, eq(organisation.id, account.organisationId))
    .where(eq(account.username, username));
  return row!.creditCode!;
}
