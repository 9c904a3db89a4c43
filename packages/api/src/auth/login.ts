import { appendTrace } from '@ggzy/audit';
import { account, eq, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import { actorOf, type RequestInfo } from '../context';
import { verifyPassword } from './password';
import { clearFailures, lockMinutesLeft, recordFailure, THROTTLE } from './throttle';
import { startSession } from './start-session';

export const INVALID_CREDENTIALS = new AppError('INVALID_CREDENTIALS', {
  zh: '用户名或密码错误',
  en: 'Wrong username or password',
});

export interface LoginOptions {
  db: Database;
  request: RequestInfo;
  username: string;
  password: string;
  ttlHours: number;
}

/**
 * Password sign-in. Success creates a session; every outcome (success, wrong password, locked) is
 * one trace-log entry, written in the same transaction as its effect.
 */
export async function login({ db, request, username, password, ttlHours }: LoginOptions) {
  const name = username.toLowerCase();
  const anonymous = actorOf(request, null);

  const lockedFor = await lockMinutesLeft(db, name);
  if (lockedFor > 0) {
    await appendTrace(db, { ...anonymous, actorName: name }, { action: 'auth.login.locked', outcome: 'denied', targetType: 'account', targetId: name });
    throw new AppError(
      'ACCOUNT_LOCKED',
      {
        zh: `登录失败次数过多，账号已锁定，请 ${lockedFor} 分钟后再试`,
        en: `Too many failed sign-ins; this account is locked, try again in ${lockedFor} minute(s)`,
      },
      { minutes: lockedFor },
    );
  }

  const [found] = await db.select().from(account).where(eq(account.username, name));
  const valid = await verifyPassword(found?.passwordHash ?? null, password);

  if (!found || !valid) {
    const { locked, failures } = await db.transaction(async (tx) => {
      const result = await recordFailure(tx, name);
      await appendTrace(
        tx,
        { ...anonymous, actorName: name, actorId: found?.id ?? null },
        {
          action: 'auth.login.failed',
          outcome: 'failed',
          targetType: 'account',
          targetId: found?.id ?? name,
          details: { failures: String(result.failures), locked: String(result.locked) },
        },
      );
      return result;
    });
    if (locked) {
      throw new AppError('ACCOUNT_LOCKED', {
        zh: `连续 ${THROTTLE.maxFailures} 次登录失败，账号已锁定 ${THROTTLE.lockMinutes} 分钟`,
        en: `${THROTTLE.maxFailures} failed sign-ins in a row; the account is locked for ${THROTTLE.lockMinutes} minutes`,
      });
    }
    throw new AppError(INVALID_CREDENTIALS.code, { zh: INVALID_CREDENTIALS.zh, en: INVALID_CREDENTIALS.en }, {
      attemptsLeft: THROTTLE.maxFailures - failures,
    });
  }

  if (found.status !== 'active') {
    await appendTrace(db, { ...anonymous, actorId: found.id, actorName: name, role: found.role }, {
      action: 'auth.login.disabled',
      outcome: 'denied',
      targetType: 'account',
      targetId: found.id,
    });
    throw new AppError('ACCOUNT_DISABLED', { zh: '账号已停用，请联系交易中心', en: 'This account is disabled; contact the trading centre' });
  }

  const created = await db.transaction(async (tx) => {
    await clearFailures(tx, name);
    return startSession(tx, { request, account: found, ttlHours });
  });
  return { token: created.token, sessionId: created.sessionId, expiresAt: created.expiresAt, role: found.role, username: found.username };
}
