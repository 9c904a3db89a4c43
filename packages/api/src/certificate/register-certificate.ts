import { validateCertificate } from '@ggzy/crypto';
import type { Database } from '@ggzy/db';
import type { RequestInfo, SessionAccount } from '../context';
import { withCertificateErrors } from './certificate-error';
import { splitPemBundle } from './certificate-facts';
import { databaseNow, trustedRootsOf, type Pki } from './require-valid-certificate';
import { assertSubjectFits, certificateOwnerOf, storeCertificate } from './store-certificate';

/**
 * CA互认: a holder registers a certificate an external CA issued, if it chains to one of the roots
 * the deployment trusts. The intermediates of its path are kept after the leaf so that every later
 * validation (login, submit) builds the same path.
 */
export async function registerCertificate(options: {
  db: Database;
  pki: Pki;
  request: RequestInfo;
  account: SessionAccount;
  certificatePem: string;
  chainPem?: string[];
}) {
  const { db, pki, account } = options;
  const { leafPem, chainPems } = splitPemBundle(options.certificatePem);
  const validated = await withCertificateErrors(async () =>
    validateCertificate({
      certificatePem: leafPem,
      trustedRootPems: trustedRootsOf(pki),
      intermediatePems: [...chainPems, ...(options.chainPem ?? [])],
      at: await databaseNow(db),
      requiredUsage: 'signature',
    }),
  );
  assertSubjectFits(validated, await certificateOwnerOf(db, account.accountId));
  const intermediates = validated.path.slice(1, -1);
  const row = await storeCertificate(db, {
    request: options.request,
    account,
    pem: [leafPem, ...intermediates].map((pem) => `${pem.trim()}\n`).join(''),
    validated,
    action: 'certificate.register',
  });
  return { id: row.id, certificatePem: leafPem, chainPem: validated.path.slice(1), serial: row.serial, notAfter: row.notAfter.toISOString() };
}
