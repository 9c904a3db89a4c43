import { ROLES, isPermission, roleHasPermission, type Role } from '@ggzy/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceEntry, eq } from '@ggzy/db';
import { appRouter } from './router';
import type { Meta } from './trpc';
import { DEMO_ACCOUNT_OF, createTestPlatform, signedIn, testClient, type TestClient, type TestPlatform } from './testing';


const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { meta?: Meta; type: string } }>);

async function call(client: TestClient, path: string, type: string): Promise<unknown> {
  let target: unknown = client.caller;
  for (const part of path.split('.')) target = (target as Record<string, unknown>)[part];
  const result = (target as (input?: unknown) => Promise<unknown>)(undefined);
  if (type === 'subscription') {
    // Opening a subscription runs its middlewares; close it straight away.
    const iterable = (await result) as AsyncIterable<unknown> & { return?: () => Promise<unknown> };
    await iterable.return?.();
    return iterable;
  }
  return result;
}

function appCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code;
}

describe('every procedure declares a permission, and every role is held to it', () => {
  let platform: TestPlatform;
  const clients = new Map<Role, TestClient>();
  // Fresh sessions per procedure: calling auth.logout ends the session it was called with.
  const signInEveryRole = async () => {
    for (const role of ROLES) clients.set(role, await signedIn(platform.services, DEMO_ACCOUNT_OF[role]));
  };

  beforeAll(async () => {
    platform = await createTestPlatform();
  });
  afterAll(async () => {
    await platform.close();
  });

  it('finds the procedures of the router', () => {
    expect(procedures.length).toBeGreaterThanOrEqual(12);
  });

  it.each(procedures.map(([path, p]) => [path, p._def.meta?.access]))('%s declares %s', (_path, access) => {
    expect(access === 'public' || (typeof access === 'string' && isPermission(access)) || (Array.isArray(access) && access.length > 0 && access.every(isPermission))).toBe(true);
  });

  it.each(procedures.map(([path, p]) => [path, p]))('%s: each role and the public are allowed or refused as declared', async (path, p) => {
    await signInEveryRole();
    const access = p._def.meta!.access;
    const anonymous = testClient(platform.services);
    for (const role of [...ROLES, null]) {
      const client = role ? clients.get(role)! : anonymous;
      const needed = typeof access === 'string' ? [access] : access;
      const allowed = access === 'public' || (role !== null && needed.some((permission) => isPermission(permission) && roleHasPermission(role, permission)));
      let code: string | undefined;
      try {
        await call(client, path, p._def.type);
      } catch (error) {
        code = appCode(error);
      }
      if (allowed) {
        expect(code, `${role ?? 'public'} → ${path}`).not.toBe('PERMISSION_DENIED');
        expect(code, `${role ?? 'public'} → ${path}`).not.toBe('UNAUTHENTICATED');
      } else {
        expect(code, `${role ?? 'public'} → ${path}`).toBe(role ? 'PERMISSION_DENIED' : 'UNAUTHENTICATED');
      }
    }
  });

  it('a bidder calling a centre-only procedure is refused, and the attempt is in the trace log', async () => {
    const bidder = await signedIn(platform.services, 'bidder1');
    await expect(bidder.caller.directory.accounts()).rejects.toMatchObject({
      code: 'FORBIDDEN',
      cause: { code: 'PERMISSION_DENIED', details: { permission: 'read:organisation:region' } },
    });
    const denied = await platform.services.db.select().from(traceEntry).where(eq(traceEntry.action, 'auth.denied'));
    expect(denied).toContainEqual(
      expect.objectContaining({ actorName: 'bidder1', role: 'bidder', outcome: 'denied', targetId: 'directory.accounts', ip: '203.0.113.7' }),
    );
  });
});
