import type { RequiredUsage } from '@ggzy/crypto';
import { and, certificate, desc, eq, gt, isNull, type Database } from '@ggzy/db';
import { isAppError } from '@ggzy/domain';
import { databaseNow, validateCertificateRow, type Pki, type ValidCertificate } from './require-valid-certificate';
import { splitPemBundle } from './certificate-facts';

/**
 * The account's current certificate: the newest one that validates for `usage` now (and, when an
 * organisation is given, speaks for it). Null when there is none; the caller says what to do then.
 */
export async function currentCertificateOf(
  db: Database,
  pki: Pki,
  options: { accountId: string; organisationId?: string | null; usage: RequiredUsage; at?: Date },
): Promise<ValidCertificate | null> {
  const at = options.at ?? (await databaseNow(db));
  const rows = await db
    .select()
    .from(certificate)
    .where(and(eq(certificate.accountId, options.accountId), isNull(certificate.revokedAt), gt(certificate.notAfter, at)))
    .orderBy(desc(certificate.notBefore), desc(certificate.createdAt));
  for (const row of rows) {
    if (options.organisationId !== undefined && row.organisationId !== options.organisationId) continue;
    try {
      const validated = await validateCertificateRow(pki, row, { usage: options.usage, at });
      return { certificate: row, pem: splitPemBundle(row.pem).leafPem, validated };
    } catch (error) {
      // A certificate the deployment no longer trusts (root removed) is skipped, not fatal.
      if (!isAppError(error) || error.code === 'INTERNAL') throw error;
    }
  }
  return null;
}
