import { eq, executeRows, loginThrottle, sql, type Database } from '@ggzy/db';

/** Per-login-name limit: this many failures within the window lock the name for the lock time. */
export const THROTTLE = { maxFailures: 5, windowMinutes: 15, lockMinutes: 15 } as const;

/** Minutes left on a lock, or 0 when the name may try. */
export async function lockMinutesLeft(db: Database, username: string): Promise<number> {
  const [row] = await executeRows<{ minutes: number | null }>(
    db,
    sql`select ceil(extract(epoch from (locked_until - now())) / 60)::int as minutes
          from login_throttle where username = ${username} and locked_until > now()`,
  );
  return row?.minutes ?? 0;
}

/** Counts one failure atomically (every API process shares the row) and locks at the limit. */
export async function recordFailure(db: Database, username: string): Promise<{ failures: number; locked: boolean }> {
  const [row] = await executeRows<{ failures: number; locked: boolean }>(
    db,
    sql`insert into login_throttle as t (username, failures, window_started_at)
        values (${username}, 1, now())
        on conflict (username) do update set
          failures = case when t.window_started_at < now() - make_interval(mins => ${THROTTLE.windowMinutes})
                          then 1 else t.failures + 1 end,
          window_started_at = case when t.window_started_at < now() - make_interval(mins => ${THROTTLE.windowMinutes})
                          then now() else t.window_started_at end
        returning failures, false as locked`,
  );
  const failures = row?.failures ?? 1;
  if (failures >= THROTTLE.maxFailures) {
    await db
      .update(loginThrottle)
      .set({ lockedUntil: sql`now() + make_interval(mins => ${THROTTLE.lockMinutes})`, failures: 0, windowStartedAt: sql`now()` })
      .where(eq(loginThrottle.username, username));
    return { failures, locked: true };
  }
  return { failures, locked: false };
}

export async function clearFailures(db: Database, username: string): Promise<void> {
  await db.delete(loginThrottle).where(eq(loginThrottle.username, username));
}
