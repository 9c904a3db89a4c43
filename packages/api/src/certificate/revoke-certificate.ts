import { appendTrace } from '@ggzy/audit';
import { sha256Hex } from '@ggzy/crypto';
import { and, certificate, eq, isNull, sql, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';

/**
 * A holder revokes its own certificate (key lost, staff left). From then on login and every signed
 * action refuse it. Opening-key shares already sealed to it stay as they are: the custodian can still
 * open its share with the key it holds (revocation stops new use, not access to what was sealed).
 */
export async function revokeCertificate(options: { db: Database; request: RequestInfo; account: SessionAccount; id: string; reason: string }) {
  const { db, account } = options;
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(certificate).where(eq(certificate.id, options.id)).for('update');
    if (!row || row.accountId !== account.accountId) {
      throw new AppError('NOT_FOUND', { zh: '没有这张证书，或它不属于当前账号', en: 'No such certificate, or it is not yours' });
    }
    if (row.revokedAt) {
      throw new AppError('CONFLICT', { zh: '这张证书已经吊销', en: 'This certificate is revoked already' }, { revokedAt: row.revokedAt.toISOString() });
    }
    const [updated] = await tx
      .update(certificate)
      .set({ revokedAt: sql`now()`, revocationReason: options.reason })
      .where(and(eq(certificate.id, row.id), isNull(certificate.revokedAt)))
      .returning({ id: certificate.id, revokedAt: certificate.revokedAt });
    await appendTrace(tx, actorOf(options.request, account), {
      action: 'certificate.revoke',
      targetType: 'certificate',
      targetId: row.id,
      digests: { reason: sha256Hex(options.reason) },
      details: { serial: row.serial },
    });
    return { id: updated!.id, revokedAt: updated!.revokedAt!.toISOString() };
  });
}
