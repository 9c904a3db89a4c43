import { appendTrace } from '@ggzy/audit';
import { account, and, eq, isNull, ne, session, sql, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { hashPassword, verifyPassword } from './password';

/** Changes the caller's own password and signs out its other sessions. */
export async function changePassword(options: {
  db: Database;
  request: RequestInfo;
  account: SessionAccount;
  currentPassword: string;
  newPassword: string;
}) {
  const { db, request } = options;
  const [row] = await db.select({ passwordHash: account.passwordHash }).from(account).where(eq(account.id, options.account.accountId));
  if (!row || !(await verifyPassword(row.passwordHash, options.currentPassword))) {
    await appendTrace(db, actorOf(request, options.account), {
      action: 'account.password.change',
      outcome: 'failed',
      targetType: 'account',
      targetId: options.account.accountId,
    });
    throw new AppError('INVALID_CREDENTIALS', { zh: '当前密码不正确', en: 'The current password is wrong' });
  }
  if (options.currentPassword === options.newPassword) {
    throw new AppError('INVALID_INPUT', { zh: '新密码不能与当前密码相同', en: 'The new password must differ from the current one' });
  }
  const passwordHash = await hashPassword(options.newPassword);
  await db.transaction(async (tx) => {
    await tx.update(account).set({ passwordHash }).where(eq(account.id, options.account.accountId));
    const revoked = await tx
      .update(session)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(session.accountId, options.account.accountId), ne(session.id, options.account.sessionId), isNull(session.revokedAt)))
      .returning({ id: session.id });
    await appendTrace(tx, actorOf(request, options.account), {
      action: 'account.password.change',
      targetType: 'account',
      targetId: options.account.accountId,
      details: { otherSessionsEnded: String(revoked.length) },
    });
  });
}
