import { appendTrace } from '@ggzy/audit';
import { session, sql, type Database } from '@ggzy/db';
import { actorOf, type RequestInfo } from '../context';
import { newToken, tokenDigest } from './token';

/**
 * A new session for an account that has just proved who it is (password or certificate), with its
 * `auth.login` trace entry. Call it inside the transaction that records the proof.
 */
export async function startSession(
  tx: Database,
  options: {
    request: RequestInfo;
    account: { id: string; username: string; organisationId: string | null; role: string };
    ttlHours: number;
    details?: Record<string, string>;
  },
) {
  const { request, account, ttlHours } = options;
  const token = newToken();
  const [row] = await tx
    .insert(session)
    .values({
      tokenHash: tokenDigest(token),
      accountId: account.id,
      expiresAt: sql`now() + make_interval(hours => ${ttlHours})`,
      ip: request.ip,
      userAgent: request.userAgent,
    })
    .returning({ id: session.id, expiresAt: session.expiresAt });
  await appendTrace(
    tx,
    { ...actorOf(request, null), actorId: account.id, actorName: account.username, organisationId: account.organisationId, role: account.role },
    { action: 'auth.login', targetType: 'session', targetId: row!.id, details: options.details },
  );
  return { token, sessionId: row!.id, expiresAt: row!.expiresAt };
}
