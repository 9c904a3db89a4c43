import { ROLES, roleHasPermission, type Permission, type Role } from '@ggzy/domain';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { executeRows, sql } from '@ggzy/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from './http';
import { restRoutes } from './rest';
import { DEMO_PASSWORD } from './seed/demo';
import { sectionDraft } from './tender/fixtures';
import { DEMO_ACCOUNT_OF, createTestPlatform, signedIn, type TestPlatform } from './testing';


describe('REST endpoints (files): declared permissions, CSRF, limits, integrity', () => {
  let p: TestPlatform;
  let server: Server;
  let base: string;
  const cookies = new Map<Role, string>();

  const login = async (username: string) => {
    const response = await fetch(`${base}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'ggzy_csrf=c', 'x-csrf-token': 'c' },
      body: JSON.stringify({ username, password: DEMO_PASSWORD }),
    });
    expect(response.ok).toBe(true);
    const session = response.headers.getSetCookie().find((c) => c.startsWith('ggzy_session='))!.split(';')[0]!;
    return `${session}; ggzy_csrf=c`;
  };

  beforeAll(async () => {
    p = await createTestPlatform();
    server = createServer(createApiHandler(p.services, { trustProxy: 'none' }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    for (const role of ROLES) cookies.set(role, await login(DEMO_ACCOUNT_OF[role]));
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await p.close();
  });

  // Public routes (the OCDS exports) are exercised without a session in the last test.
  const guarded = restRoutes.filter((r) => r.access !== 'public');

  it('declares an access for every route', () => {
    expect(guarded.length).toBeGreaterThanOrEqual(2);
    for (const route of restRoutes) expect(route.access).toBeTruthy();
  });

  it.each(guarded.map((r) => [r.name, r] as const))('%s: each role and the public are allowed or refused as declared', async (_name, route) => {
    const url = `${base}${route.name.split(' ')[1]!.replaceAll(':id', () => randomUUID())}`;
    const access = route.access as Permission | readonly Permission[];
    const needed: Permission[] = typeof access === 'string' ? [access] : [...access];
    for (const role of [...ROLES, null]) {
      const response = await fetch(url, {
        method: route.method,
        headers: { cookie: role ? cookies.get(role)! : 'ggzy_csrf=c', 'x-csrf-token': 'c', 'x-filename': 'a.pdf' },
        ...(route.method === 'PUT' ? { body: 'x' } : {}),
      });
      const body = (await response.json()) as { error?: { code: string } };
      const allowed = role !== null && needed.some((perm) => roleHasPermission(role, perm));
      if (role === null) expect(body.error?.code, `public → ${route.name}`).toBe('UNAUTHENTICATED');
      else if (allowed) expect(body.error?.code, `${role} → ${route.name}`).not.toBe('PERMISSION_DENIED');
      else expect([response.status, body.error?.code], `${role} → ${route.name}`).toEqual([403, 'PERMISSION_DENIED']);
    }
  });

  it('uploads a document under a Chinese file name, refuses without CSRF or over the size limit, and a bidder downloads the same bytes', async () => {
    const tenderer = await signedIn(p.services, 'tenderer');
    const now = new Date();
    const { sectionId } = await tenderer.caller.tender.create(sectionDraft(now));
    const content = Buffer.from('%PDF-1.7\n'.repeat(10_000));
    const put = (headers: Record<string, string>, body: Blob = new Blob([new Uint8Array(content)])) =>
      fetch(`${base}/api/sections/${sectionId}/documents`, {
        method: 'PUT',
        headers: { cookie: cookies.get('tenderer')!, 'content-type': 'application/pdf', 'x-filename': encodeURIComponent('招标文件（第一版）.pdf'), ...headers },
        body,
      });

    const noCsrf = await put({ 'x-csrf-token': 'wrong' });
    expect([noCsrf.status, ((await noCsrf.json()) as { error: { code: string } }).error.code]).toEqual([403, 'CSRF_REJECTED']);
    // Announce 600 MiB: refused from the header, before any byte is stored.
    const tooBig = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/api/sections/${sectionId}/documents`, {
        method: 'PUT',
        headers: { cookie: cookies.get('tenderer')!, 'x-csrf-token': 'c', 'x-filename': 'big.pdf', 'content-length': String(600 * 2 ** 20) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('x');
    });
    expect(tooBig).toBe(400);

    const created = await put({ 'x-csrf-token': 'c' });
    expect(created.status).toBe(201);
    const stored = (await created.json()) as { id: string; sha256: string; size: number; filename: string };
    expect(stored).toMatchObject({ filename: '招标文件（第一版）.pdf', size: content.length, sha256: createHash('sha256').update(content).digest('hex') });
    expect((await tenderer.caller.tender.get({ sectionId })).documents).toHaveLength(1);

    await tenderer.caller.tender.publish({ sectionId, noticeTitle: '招标公告', noticeHtml: '<p>公告</p>' });
    const download = await fetch(`${base}/api/documents/${stored.id}`, { headers: { cookie: cookies.get('bidder')! } });
    expect(download.status).toBe(200);
    expect(download.headers.get('x-content-sha256')).toBe(stored.sha256);
    expect(download.headers.get('content-disposition')).toContain(encodeURIComponent('招标文件（第一版）.pdf'));
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
    const mine = await (await signedIn(p.services, 'bidder1')).caller.bidding.mine();
    expect(mine.sections.map((s) => s.id)).toEqual([sectionId]);

    // The OCDS addresses the packages name as their uri answer for anyone, without a session.
    const single = await fetch(`${base}/api/ocds/sections/${sectionId}`);
    expect(single.status).toBe(200);
    expect(((await single.json()) as { releases: Array<{ tender: { id: string } }> }).releases[0]!.tender.id).toMatch(/-01$/);
    const list = await fetch(`${base}/api/ocds/releases?limit=1`);
    expect(((await list.json()) as { releases: unknown[] }).releases).toHaveLength(1);
    expect((await fetch(`${base}/api/ocds/releases?limit=0`)).status).toBe(400);
  });

  it('tells anyone the database clock to the millisecond, uncached, for countdowns', async () => {
    const clock = async () => new Date((await executeRows<{ t: Date | string }>(p.services.db, sql`select clock_timestamp() as t`))[0]!.t).getTime();
    const before = await clock();
    const response = await fetch(`${base}/api/time`);
    const after = await clock();
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { now: string; source: string };
    expect(body.source).toBe('database');
    expect(body.now).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // The database's reading, between the two taken around the request.
    expect(Date.parse(body.now)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(body.now)).toBeLessThanOrEqual(after);
  });
});
