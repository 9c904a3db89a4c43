import { account, and, eq, isNull, organisation, session, sql, type Database } from '@ggzy/db';
import { AppError, type Role } from '@ggzy/domain';
import type { SessionAccount } from '../context';
import { tokenDigest } from './token';

export const SESSION_EXPIRED = new AppError('SESSION_EXPIRED', {
  zh: '会话已过期，请重新登录',
  en: 'Your session has expired; please sign in again',
});

/**
 * The session lookup runs on every request: built once per database as a prepared statement, so a
 * request pays for binding two parameters, not for assembling the query.
 */
const lookups = new WeakMap<Database, ReturnType<typeof buildSessionLookup>>();

function buildSessionLookup(db: Database) {
  return db
    .select({
      sessionId: session.id,
      expired: sql<boolean>`${session.expiresAt} <= now()`,
      idle: sql<boolean>`${session.lastSeenAt} <= now() - make_interval(mins => ${sql.placeholder('idleMinutes')})`,
      touch: sql<boolean>`${session.lastSeenAt} <= now() - interval '1 minute'`,
      accountId: account.id,
      username: account.username,
      displayName: account.displayName,
      role: account.role,
      status: account.status,
      organisationId: account.organisationId,
      organisationName: organisation.name,
      organisationCreditCode: organisation.creditCode,
      regionCode: account.regionCode,
    })
    .from(session)
    .innerJoin(account, eq(account.id, session.accountId))
    .leftJoin(organisation, eq(organisation.id, account.organisationId))
    .where(and(eq(session.tokenHash, sql.placeholder('tokenHash')), isNull(session.revokedAt)))
    .prepare('ggzy_session_lookup');
}

function sessionLookup(db: Database) {
  let lookup = lookups.get(db);
  if (!lookup) lookups.set(db, (lookup = buildSessionLookup(db)));
  return lookup;
}

/**
 * The account behind a session token. Unknown and revoked tokens give null; an expired or idle
 * session throws SESSION_EXPIRED so the person is told why they must sign in again.
 */
export async function resolveSession(
  db: Database,
  options: { token: string | undefined; idleMinutes: number },
): Promise<SessionAccount | null> {
  if (!options.token || options.token.length > 200) return null;
  const rows = await sessionLookup(db).execute({ tokenHash: tokenDigest(options.token), idleMinutes: options.idleMinutes });
  const row = rows[0];
  if (!row) return null;
  if (row.expired || row.idle) throw SESSION_EXPIRED;
  if (row.status !== 'active') {
    throw new AppError('ACCOUNT_DISABLED', { zh: '账号已停用，请联系交易中心', en: 'This account is disabled; contact the trading centre' });
  }
  // Sliding idle timeout, written at most once a minute per session.
  if (row.touch) await db.update(session).set({ lastSeenAt: sql`now()` }).where(eq(session.id, row.sessionId));
  return {
    sessionId: row.sessionId,
    accountId: row.accountId,
    username: row.username,
    displayName: row.displayName,
    role: row.role as Role,
    organisationId: row.organisationId,
    organisationName: row.organisationName,
    organisationCreditCode: row.organisationCreditCode,
    regionCode: row.regionCode,
  };
}
