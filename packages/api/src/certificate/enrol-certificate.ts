import { csrKeyAlgorithm, issueCertificate, validateCertificate } from '@ggzy/crypto';
import type { Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import type { RequestInfo, SessionAccount } from '../context';
import { withCertificateErrors } from './certificate-error';
import { databaseNow, type Pki } from './require-valid-certificate';
import { assertSubjectFits, certificateOwnerOf, storeCertificate } from './store-certificate';

/** Two years (docs/sealed-bids.md §1). */
export const CERTIFICATE_VALIDITY_DAYS = 730;

/**
 * 证书申领: the platform CA certifies a key pair made on the holder's side from its PKCS#10 request.
 * The CA never sees the private key; only the certificate is stored.
 */
export async function enrolCertificate(options: { db: Database; pki: Pki; request: RequestInfo; account: SessionAccount; csrPem: string }) {
  const { db, pki, account } = options;
  const owner = await certificateOwnerOf(db, account.accountId);
  if (!owner.organisationName || !owner.creditCode) {
    // The platform profile (docs/pki.md §1) puts the 统一社会信用代码 in every certificate.
    throw new AppError('RULE_VIOLATION', {
      zh: '平台 CA 只为有统一社会信用代码的单位账号签发证书；个人账号请使用互认 CA 的证书登记',
      en: 'The platform CA certifies accounts of organisations with a 统一社会信用代码 only; individuals register a certificate from a recognised CA',
    }, { reason: 'no-organisation' });
  }
  // Centre staff and supervisors hold opening-key shares; everybody else signs bids. Same profile today.
  const usage = account.role === 'centre' || account.role === 'supervisor' ? 'custodian' : 'bidder';
  // issueCertificate verifies the request's self-signature and key size (bad-csr) and re-encodes the
  // subject; @ggzy/crypto has no separate CSR reader, so the subject is checked on what the CA would
  // certify, and a certificate that does not fit is dropped here, never stored nor returned.
  // An RSA request goes to the RSA CA, an SM2 request to the SM2 CA (GM/T 0015 CAs sign SM2 with SM2).
  const ca = (await withCertificateErrors(async () => csrKeyAlgorithm(options.csrPem))) === 'sm2' ? pki.sm2Ca : pki.ca;
  if (!ca) {
    throw new AppError('RULE_VIOLATION', {
      zh: '本平台未配置 SM2 CA，无法签发国密证书；请使用 RSA 证书或登记互认 CA 的 SM2 证书',
      en: 'This platform has no SM2 CA; enrol an RSA certificate or register an SM2 certificate from a recognised CA',
    }, { reason: 'no-sm2-ca' });
  }
  const issued = await withCertificateErrors(() =>
    issueCertificate({ ca, csrPem: options.csrPem, usage, validityDays: CERTIFICATE_VALIDITY_DAYS }),
  );
  const validated = await withCertificateErrors(
    async () =>
      validateCertificate({
        certificatePem: issued.certificatePem,
        trustedRootPems: [ca.certificatePem],
        at: await databaseNow(db),
        requiredUsage: 'both',
      }),
    'INTERNAL',
  );
  assertSubjectFits(validated, owner);
  const row = await storeCertificate(db, { request: options.request, account, pem: issued.certificatePem, validated, action: 'certificate.enrol' });
  return {
    id: row.id,
    certificatePem: issued.certificatePem,
    chainPem: [ca.certificatePem],
    serial: row.serial,
    notAfter: row.notAfter.toISOString(),
  };
}
