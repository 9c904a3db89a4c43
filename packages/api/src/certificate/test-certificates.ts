/**
 * Test-only certificates the enrol procedure would never issue (expired, wrong key usage, issued by
 * a leaf, from an unknown CA), made with @ggzy/crypto and, for the key-usage case, by editing the
 * DER and re-signing it with the CA key (node:crypto), so the API's refusals can be shown.
 */
import { createKeyPairAndCsr, createPlatformCa, issueCertificate, subjectPublicKeyInfoOf, sha256Hex, type PlatformCa } from '@ggzy/crypto';
import { certificate, type Database } from '@ggzy/db';
import { sign, X509Certificate } from 'node:crypto';
import { certificateFacts } from './certificate-facts';

export interface TestSubject {
  commonName: string;
  organisation: string;
  creditCode: string;
}

export async function issueTestCertificate(
  ca: PlatformCa,
  subject: TestSubject,
  options: { notBefore?: Date; validityDays?: number } = {},
): Promise<{ privateKeyPem: string; certificatePem: string }> {
  const { privateKeyPem, csrPem } = await createKeyPairAndCsr({ subject });
  const { certificatePem } = issueCertificate({ ca, csrPem, usage: 'bidder', validityDays: options.validityDays ?? 365, notBefore: options.notBefore });
  return { privateKeyPem, certificatePem };
}

export function otherCa(commonName = '未经互认的 CA'): Promise<PlatformCa> {
  return createPlatformCa({ commonName, organisation: '其他机构', validityYears: 5, modulusLength: 2048 });
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function pemOf(der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`;
}

/**
 * The same certificate with keyUsage = keyEncipherment only (no digitalSignature), re-signed by the
 * CA: a certificate a CA might issue for encryption, which must not sign in or sign bids.
 */
export function withoutDigitalSignature(certificatePem: string, ca: PlatformCa): string {
  const der = derOf(certificatePem);
  // id-ce-keyUsage, critical TRUE, OCTET STRING { BIT STRING, 5 unused bits, 0xA0 = digitalSignature | keyEncipherment }
  const pattern = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0xff, 0x04, 0x04, 0x03, 0x02, 0x05, 0xa0]);
  const at = der.indexOf(pattern);
  if (at < 0) throw new Error('keyUsage not found where expected');
  der[at + pattern.length - 1] = 0x20; // keyEncipherment only
  // Certificate = SEQ { tbsCertificate, signatureAlgorithm, signatureValue }: re-sign the TBS.
  const tbsStart = 4; // 30 82 LL LL
  const tbsLength = der.readUInt16BE(tbsStart + 2) + 4; // 30 82 LL LL
  const tbs = der.subarray(tbsStart, tbsStart + tbsLength);
  const signature = sign('sha256', tbs, ca.privateKeyPem);
  der.set(signature, der.length - signature.length);
  return pemOf(der);
}

/** Stores a certificate row directly, for certificates enrolment would refuse to issue (expired ones). */
export async function insertCertificateRow(db: Database, options: { accountId: string; organisationId: string | null; pem: string; revokedAt?: Date }) {
  const facts = certificateFacts(options.pem);
  const x509 = new X509Certificate(facts.leafPem);
  const [row] = await db
    .insert(certificate)
    .values({
      accountId: options.accountId,
      organisationId: options.organisationId,
      serial: facts.serial,
      issuerSha256: facts.issuerSha256,
      issuer: facts.issuer,
      subject: facts.subject,
      keyId: sha256Hex(subjectPublicKeyInfoOf(facts.leafPem)),
      algorithm: 'rsa',
      pem: options.pem,
      notBefore: new Date(x509.validFrom),
      notAfter: new Date(x509.validTo),
      revokedAt: options.revokedAt ?? null,
    })
    .returning();
  return row!;
}
