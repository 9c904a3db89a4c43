import { certificate, desc, eq, type Database } from '@ggzy/db';
import type { SessionAccount } from '../context';
import { databaseNow } from './require-valid-certificate';

export type CertificateStatus = 'valid' | 'expired' | 'revoked';

/** The caller's own certificates, newest first, with their status on the database clock. */
export async function listOwnCertificates(db: Database, account: SessionAccount) {
  const now = await databaseNow(db);
  const rows = await db.select().from(certificate).where(eq(certificate.accountId, account.accountId)).orderBy(desc(certificate.createdAt));
  return rows.map((row) => {
    const status: CertificateStatus = row.revokedAt ? 'revoked' : row.notAfter.getTime() < now.getTime() ? 'expired' : 'valid';
    return {
      id: row.id,
      serial: row.serial,
      /** SHA-256 of the SubjectPublicKeyInfo (docs/pki.md §2): a client matches its key file by it. */
      keyId: row.keyId,
      subject: row.subject,
      issuer: row.issuer,
      algorithm: row.algorithm,
      notBefore: row.notBefore.toISOString(),
      notAfter: row.notAfter.toISOString(),
      revokedAt: row.revokedAt?.toISOString() ?? null,
      status,
    };
  });
}
