import { account, count, eq, session, sql, traceEntry } from '@ggzy/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../context';
import { DEMO_PASSWORD } from '../seed/demo';
import { createTestPlatform, signedIn, testClient, type TestPlatform } from '../testing';

const traceActions = async (p: TestPlatform) =>
  (await p.services.db.select().from(traceEntry).orderBy(traceEntry.id)).map((e) => `${e.action}:${e.outcome}`);
const sessionCount = async (p: TestPlatform) => (await p.services.db.select({ n: count() }).from(session))[0]!.n;

describe('password sign-in, sessions, CSRF and the login rate limit', () => {
  let p: TestPlatform;
  beforeEach(async () => {
    p = await createTestPlatform();
  });
  afterEach(async () => {
    await p.close();
  });

  it('signs in with the right password, keeps only a digest of the token, and traces it', async () => {
    const client = testClient(p.services);
    const result = await client.caller.auth.login({ username: 'Bidder1', password: DEMO_PASSWORD });
    expect(result).toMatchObject({ role: 'bidder', username: 'bidder1' });
    const token = client.cookies[SESSION_COOKIE]!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await p.services.db.select().from(session);
    expect(row!.tokenHash).not.toContain(token);
    expect(row!.ip).toBe('203.0.113.7');
    expect(await client.caller.auth.me()).toMatchObject({ username: 'bidder1', role: 'bidder', organisationName: '示例建工集团有限公司' });
    expect(await traceActions(p)).toContain('auth.login:ok');
  });

  it('refuses a wrong password with a clear message, creates no session, and traces the failure', async () => {
    const client = testClient(p.services);
    await expect(client.caller.auth.login({ username: 'bidder1', password: 'wrong' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: '用户名或密码错误 / Wrong username or password',
      cause: { code: 'INVALID_CREDENTIALS', details: { attemptsLeft: 4 } },
    });
    expect(await sessionCount(p)).toBe(0);
    expect(client.cookies[SESSION_COOKIE]).toBeUndefined();
    expect(await traceActions(p)).toContain('auth.login.failed:failed');
  });

  it('answers an unknown user exactly like a wrong password', async () => {
    await expect(testClient(p.services).caller.auth.login({ username: 'nobody', password: 'x' })).rejects.toMatchObject({
      cause: { code: 'INVALID_CREDENTIALS' },
    });
  });

  it('locks an account after 5 failures: even the right password is refused until the lock ends', async () => {
    const client = testClient(p.services);
    for (let i = 0; i < 4; i++) {
      await expect(client.caller.auth.login({ username: 'tenderer', password: `bad${i}` })).rejects.toMatchObject({ cause: { code: 'INVALID_CREDENTIALS' } });
    }
    await expect(client.caller.auth.login({ username: 'tenderer', password: 'bad4' })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      cause: { code: 'ACCOUNT_LOCKED' },
    });
    await expect(client.caller.auth.login({ username: 'tenderer', password: DEMO_PASSWORD })).rejects.toMatchObject({
      cause: { code: 'ACCOUNT_LOCKED', zh: expect.stringContaining('分钟后再试') },
    });
    expect(await sessionCount(p)).toBe(0);
    // Other accounts are not affected by one account's lock.
    await expect(client.caller.auth.login({ username: 'agency', password: DEMO_PASSWORD })).resolves.toMatchObject({ role: 'agency' });
    // When the lock has run out, the right password works again.
    await p.services.db.execute(sql`update login_throttle set locked_until = now() - interval '1 second' where username = 'tenderer'`);
    await expect(client.caller.auth.login({ username: 'tenderer', password: DEMO_PASSWORD })).resolves.toMatchObject({ role: 'tenderer' });
  });

  it('rejects malformed input with the field and a bilingual message, and changes nothing', async () => {
    const before = await traceActions(p);
    await expect(testClient(p.services).caller.auth.login({ username: 'a b', password: '' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    try {
      await testClient(p.services).caller.auth.login({ username: 'a b', password: '' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('username');
      expect(message).toMatch(/用户名只能包含字母/);
      expect(message).toMatch(/Use only letters/);
    }
    expect(await traceActions(p)).toEqual(before);
    expect(await sessionCount(p)).toBe(0);
  });

  it('refuses a mutation without the CSRF header and changes nothing', async () => {
    const client = testClient(p.services, { csrf: false });
    await expect(client.caller.auth.login({ username: 'bidder1', password: DEMO_PASSWORD })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      cause: { code: 'CSRF_REJECTED' },
    });
    expect(await sessionCount(p)).toBe(0);
  });

  it('tells an expired or idle session apart from no session, and logout ends the session', async () => {
    const client = await signedIn(p.services, 'supervisor');
    await p.services.db.execute(sql`update session set expires_at = now() - interval '1 second'`);
    await expect(client.caller.directory.organisations()).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      cause: { code: 'SESSION_EXPIRED', zh: '会话已过期，请重新登录' },
    });

    const fresh = await signedIn(p.services, 'supervisor');
    await p.services.db.execute(sql`update session set last_seen_at = now() - interval '3 hours' where revoked_at is null and expires_at > now()`);
    await expect(fresh.caller.auth.me()).rejects.toMatchObject({ cause: { code: 'SESSION_EXPIRED' } });

    const third = await signedIn(p.services, 'supervisor');
    await third.caller.auth.logout();
    expect(await third.caller.auth.me()).toBeNull();
    expect(await traceActions(p)).toContain('auth.logout:ok');
  });

  it('a centre disables an account in its region: its sessions end and it cannot sign in', async () => {
    const bidder = await signedIn(p.services, 'bidder2');
    const centre = await signedIn(p.services, 'centre');
    const [target] = await p.services.db.select().from(account).where(eq(account.username, 'bidder2'));
    await expect(centre.caller.directory.setAccountStatus({ accountId: target!.id, status: 'disabled' })).resolves.toEqual({ changed: true });
    expect(await bidder.caller.auth.me()).toBeNull();
    await expect(testClient(p.services).caller.auth.login({ username: 'bidder2', password: DEMO_PASSWORD })).rejects.toMatchObject({
      cause: { code: 'ACCOUNT_DISABLED' },
    });
    // The county centre's staff cannot touch the city's accounts (regions below, never above).
    const [cityBidder] = await p.services.db.select().from(account).where(eq(account.username, 'bidder1'));
    const county = await signedIn(p.services, 'centre.dj');
    await expect(county.caller.directory.setAccountStatus({ accountId: cityBidder!.id, status: 'disabled' })).rejects.toMatchObject({
      cause: { code: 'NOT_FOUND' },
    });
    expect((await p.services.db.select().from(account).where(eq(account.username, 'bidder1')))[0]!.status).toBe('active');
    expect(await traceActions(p)).toContain('account.disable:ok');
    // Nor can a centre disable the regulator or the county centre's staff.
    for (const username of ['supervisor', 'centre.dj']) {
      const [target] = await p.services.db.select().from(account).where(eq(account.username, username));
      await expect(centre.caller.directory.setAccountStatus({ accountId: target!.id, status: 'disabled' })).rejects.toMatchObject({
        cause: { code: 'PERMISSION_DENIED' },
      });
    }
    expect((await p.services.db.select().from(account).where(eq(account.username, 'supervisor')))[0]!.status).toBe('active');
  });

  it('changes the own password only with the current one, and signs out the other sessions', async () => {
    const first = await signedIn(p.services, 'expert3');
    const second = await signedIn(p.services, 'expert3');
    await expect(second.caller.auth.changePassword({ currentPassword: 'wrong', newPassword: 'NewPassword2026' })).rejects.toMatchObject({
      cause: { code: 'INVALID_CREDENTIALS' },
    });
    await expect(second.caller.auth.changePassword({ currentPassword: DEMO_PASSWORD, newPassword: 'short' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await second.caller.auth.changePassword({ currentPassword: DEMO_PASSWORD, newPassword: 'NewPassword2026' });
    expect(await first.caller.auth.me()).toBeNull();
    expect(await second.caller.auth.me()).toMatchObject({ username: 'expert3' });
    await expect(testClient(p.services).caller.auth.login({ username: 'expert3', password: 'NewPassword2026' })).resolves.toMatchObject({ role: 'expert' });
  });
});
