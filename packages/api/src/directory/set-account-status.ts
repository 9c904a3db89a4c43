import { appendTrace } from '@ggzy/audit';
import { account, and, eq, isNull, session, sql, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { regionScope } from './region-scope';

/**
 * A centre disables or re-enables an account in its own region. Disabling also ends the account's
 * sessions. Only market participants' accounts (bidders, tenderers, agencies, experts, guarantors).
 */
export async function setAccountStatus(options: {
  db: Database;
  request: RequestInfo;
  account: SessionAccount;
  accountId: string;
  status: 'active' | 'disabled';
}) {
  const { db } = options;
  if (options.accountId === options.account.accountId) {
    throw new AppError('RULE_VIOLATION', { zh: '不能停用自己的账号', en: 'You cannot change the status of your own account' });
  }
  const scope = await regionScope(db, options.account.regionCode);
  return db.transaction(async (tx) => {
    const [target] = await tx.select().from(account).where(eq(account.id, options.accountId)).for('update');
    if (!target || !scope.includes(target.regionCode)) {
      throw new AppError('NOT_FOUND', { zh: '本中心辖区内没有这个账号', en: 'No such account in your centre’s region' });
    }
    // The centre administers the market's participants, never the regulator that supervises it or
    // other centres' staff (公共资源交易平台管理暂行办法: the platform operator has no supervisory power).
    if (target.role === 'supervisor' || target.role === 'centre') {
      throw new AppError(
        'PERMISSION_DENIED',
        { zh: '交易中心不能停用或启用监管部门及交易中心工作人员的账号', en: 'A centre cannot change the status of supervisors’ or centre staff accounts' },
        { role: target.role },
      );
    }
    if (target.status === options.status) return { changed: false };
    await tx.update(account).set({ status: options.status }).where(eq(account.id, target.id));
    if (options.status === 'disabled') {
      await tx
        .update(session)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(session.accountId, target.id), isNull(session.revokedAt)));
    }
    await appendTrace(tx, actorOf(options.request, options.account), {
      action: options.status === 'disabled' ? 'account.disable' : 'account.enable',
      targetType: 'account',
      targetId: target.id,
      details: { username: target.username, from: target.status, to: options.status },
    });
    return { changed: true };
  });
}
