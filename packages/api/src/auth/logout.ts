import { appendTrace } from '@ggzy/audit';
import { and, eq, isNull, session, sql, type Database } from '@ggzy/db';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';

/** Ends the session: it is marked revoked (kept as a record), never deleted. */
export async function logout({ db, request, account }: { db: Database; request: RequestInfo; account: SessionAccount }) {
  await db.transaction(async (tx) => {
    await tx
      .update(session)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(session.id, account.sessionId), isNull(session.revokedAt)));
    await appendTrace(tx, actorOf(request, account), { action: 'auth.logout', targetType: 'session', targetId: account.sessionId });
  });
}
