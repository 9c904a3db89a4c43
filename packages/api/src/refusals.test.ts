/**
 * Every refusal is evidence (README "Refusals", docs/decisions/012-refusals.md): a walk through the
 * refusals a signed-in bidder can provoke over real HTTP, each then found in the trace log by its
 * request id, with its reason code and the caller, and without secret material; and the anonymous
 * refusals, which are counted and rate-limited per address instead. Real database, real store.
 */
import { bidSubmission, eq, sql, executeRows, traceEntry, type Database } from '@ggzy/db';
import { createKeyPairAndCsr, createPlatformCa, issueCertificate } from '@ggzy/crypto';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from './seed/demo';
import { createTestPlatform, enrolTestCertificate, type TestCertificate, type TestPlatform } from './testing';
import type { Receipt } from './bidding/receipt';
import { AnonymousRefusals } from './refusals';
import { announcedSection, sealBid, signedSubmit, signInOverHttp, startTestServer, trpcCall, TusClient, type SealingInfoLike } from './bidding/test-support';

type Entry = typeof traceEntry.$inferSelect;

async function entriesOf(db: Database, requestId: string, ms = 5000): Promise<Entry[]> {
  const end = Date.now() + ms;
  for (;;) {
    const rows = await db.select().from(traceEntry).where(eq(traceEntry.requestId, requestId));
    // The tus endpoint notes its refusal once the answer has gone out: wait for it.
    if (rows.some((r) => r.outcome === 'denied') || Date.now() > end) return rows;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('every refusal of a signed-in caller is in the trace log, with its reason and no secrets', () => {
  let p: TestPlatform;
  let db: Database;
  let api: Awaited<ReturnType<typeof startTestServer>>;
  let section: { id: string; code: string };
  let other: { id: string; code: string };
  const headers = new Map<string, Record<string, string>>();
  const certs = new Map<string, TestCertificate>();
  const orgs = new Map<string, string>();
  /** Everything that must never reach the log: signatures, signed texts, tokens, passwords, envelope bytes, keys. */
  const secrets: string[] = [DEMO_PASSWORD];

  const tus = (user: string, requestId?: string) => new TusClient(api.base, { ...headers.get(user)!, ...(requestId ? { 'x-request-id': requestId } : {}) });
  const sealingInfo = async (user: string, sectionId: string) => {
    const info = await trpcCall<SealingInfoLike>(api.base, headers.get(user)!, 'bidding.sealingInfo', { sectionId }, 'query');
    if (!info.ok) throw new Error(info.error.en);
    return info.data;
  };
  const signed = (user: string, fields: { sectionId?: string; organisationId?: string; uploadId: string; ciphertextSha256: string; envelopeBytes: number }, signer = user) => {
    const request = signedSubmit(certs.get(signer)!, { sectionId: section.id, organisationId: orgs.get(user)!, ...fields });
    secrets.push(request.signature, request.message);
    return request;
  };
  const sealedUpload = async (user: string, sectionId = section.id) => {
    const sealed = await sealBid(await sealingInfo(user, sectionId), Buffer.from(`投标文件 ${randomUUID()}`));
    secrets.push(sealed.bytes.toString('base64').slice(0, 64), sealed.bytes.toString('hex').slice(0, 64));
    const uploadId = await tus(user).upload(sectionId, sealed.bytes);
    return { uploadId, ciphertextSha256: sealed.summary.ciphertextSha256, envelopeBytes: sealed.summary.envelopeBytes };
  };

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    api = await startTestServer(p.services);
    section = await announcedSection(db);
    other = await announcedSection(db);
    for (const user of ['bidder1', 'bidder2', 'supervisor']) {
      const h = await signInOverHttp(api.base, user);
      headers.set(user, h);
      secrets.push(/ggzy_session=([^;]+)/.exec(h.cookie ?? '')![1]!);
      const me = await trpcCall<{ organisationId: string }>(api.base, h, 'auth.me', undefined, 'query');
      if (me.ok) orgs.set(user, me.data.organisationId);
    }
    for (const user of ['bidder1', 'bidder2']) {
      const cert = await enrolTestCertificate(p.services, user);
      certs.set(user, cert);
      secrets.push(cert.privateKeyPem.split('\n')[1]!);
    }
  });
  afterAll(async () => {
    await api?.close();
    await p?.close();
  });

  it('walks the refusals and finds each in the log: reason code, caller, no secret material', async () => {
    // What bidder1 owns, for bidder2 to try.
    const mine = await sealedUpload('bidder1');
    const submitted = await trpcCall<Receipt>(api.base, headers.get('bidder1')!, 'bidding.submit', signed('bidder1', mine), 'mutation');
    if (!submitted.ok) throw new Error(submitted.error.en);
    const submissionId = submitted.data.body.submissionId;
    // A second upload replaces the first, so the first submit's message becomes a replay.
    const second = await sealedUpload('bidder1');
    const replaced = await trpcCall<Receipt>(api.base, headers.get('bidder1')!, 'bidding.submit', signed('bidder1', second), 'mutation');
    if (!replaced.ok) throw new Error(replaced.error.en);
    const [firstSubmit] = await db.select().from(bidSubmission).where(eq(bidSubmission.id, submissionId));

    const plaintext = Buffer.from('投标文件正文（未加密）RECOGNISABLE-PLAINTEXT '.repeat(100));
    const forOther = await sealedUpload('bidder2', other.id);
    const sm2Section = await announcedSection(db);
    const forSm2 = await sealedUpload('bidder2', sm2Section.id);
    await executeRows(db, sql`update section set envelope_suite = 'sm2/sm4-ctr-hmac-sm3-stream' where id = ${sm2Section.id}`);
    const untrustedCa = await createPlatformCa({ commonName: '不受信任的 CA', organisation: '某机构', validityYears: 1, modulusLength: 2048 });
    const { csrPem } = await createKeyPairAndCsr({ subject: { commonName: '某公司', organisation: '某公司', creditCode: '91990100MA00000001' } });
    const untrusted = issueCertificate({ ca: untrustedCa, csrPem, usage: 'bidder', validityDays: 30 });
    const fresh = await sealedUpload('bidder2');

    const badSignature = signed('bidder2', fresh);
    badSignature.signature = signed('bidder2', { ...fresh, envelopeBytes: fresh.envelopeBytes + 1 }).signature;

    type Step = { name: string; user: string; reason: string; action?: string; run: (requestId: string) => Promise<{ status: number; reason?: unknown }> };
    const trpc = (user: string, path: string, input: unknown, type: 'query' | 'mutation', extra: Record<string, string> = {}) => async (requestId: string) => {
      const answer = await trpcCall(api.base, { ...headers.get(user)!, 'x-request-id': requestId, ...extra }, path, input, type);
      return answer.ok ? { status: 200 } : { status: answer.status, reason: answer.error.details.reason };
    };
    const steps: Step[] = [
      { name: 'a signature that does not verify', user: 'bidder2', reason: 'bad-signature', run: trpc('bidder2', 'bidding.submit', badSignature, 'mutation') },
      { name: "another account's certificate", user: 'bidder2', reason: 'not-yours', run: trpc('bidder2', 'bidding.submit', signed('bidder2', fresh, 'bidder1'), 'mutation') },
      { name: 'a message naming another company', user: 'bidder2', reason: 'wrong-organisation', run: trpc('bidder2', 'bidding.submit', signed('bidder2', { ...fresh, organisationId: orgs.get('bidder1')! }), 'mutation') },
      { name: 'a replayed submit', user: 'bidder1', reason: 'replayed', run: trpc('bidder1', 'bidding.submit', { message: firstSubmit!.signedMessage, signature: Buffer.from(firstSubmit!.signature).toString('base64'), certificateId: firstSubmit!.certificateId }, 'mutation') },
      {
        // Refused as it arrives (docs/sealed-bids.md §4.1): never stored, its entry names the reason.
        name: 'an unencrypted upload',
        user: 'bidder2',
        reason: 'envelope-refused',
        action: 'bid.upload.complete',
        run: async (requestId) => {
          const client = tus('bidder2', requestId);
          const created = await client.create(section.id, plaintext.length);
          const sent = await client.patch(created.url!, 0, plaintext);
          return { status: sent.status, reason: (JSON.parse(sent.body) as { details: { reason?: unknown } }).details.reason };
        },
      },
      { name: 'another digest than uploaded', user: 'bidder2', reason: 'digest-mismatch', action: 'bid.submit', run: trpc('bidder2', 'bidding.submit', signed('bidder2', { ...fresh, ciphertextSha256: randomBytes(32).toString('hex') }), 'mutation') },
      { name: 'another size than uploaded', user: 'bidder2', reason: 'size-mismatch', action: 'bid.submit', run: trpc('bidder2', 'bidding.submit', signed('bidder2', { ...fresh, envelopeBytes: fresh.envelopeBytes + 1 }), 'mutation') },
      { name: "another section's upload", user: 'bidder2', reason: 'upload-section', action: 'bid.submit', run: trpc('bidder2', 'bidding.submit', signed('bidder2', forOther), 'mutation') },
      { name: 'an envelope of another suite', user: 'bidder2', reason: 'wrong-suite', action: 'bid.submit', run: trpc('bidder2', 'bidding.submit', signed('bidder2', { ...forSm2, sectionId: sm2Section.id }), 'mutation') },
      { name: "another company's upload named in a submit", user: 'bidder2', reason: 'upload-not-found', action: 'bid.submit', run: trpc('bidder2', 'bidding.submit', signed('bidder2', mine), 'mutation') },
      { name: "another company's receipt", user: 'bidder2', reason: 'not-found', run: trpc('bidder2', 'bidding.receipt', { submissionId }, 'query') },
      { name: "another company's trace entry", user: 'bidder2', reason: 'not-found', run: trpc('bidder2', 'bidding.traceEntry', { submissionId }, 'query') },
      { name: "another company's certificate revoked", user: 'bidder2', reason: 'not-found', run: trpc('bidder2', 'certificate.revoke', { id: certs.get('bidder1')!.certificateId, reason: '试图吊销他人证书' }, 'mutation') },
      { name: 'a certificate of an untrusted CA registered', user: 'bidder2', reason: 'untrusted', run: trpc('bidder2', 'certificate.register', { certificatePem: untrusted.certificatePem }, 'mutation') },
      {
        name: "another company's upload over tus",
        user: 'bidder2',
        reason: 'not-found',
        run: async (requestId) => ({ status: (await tus('bidder2', requestId).head(`${api.base}/api/uploads/${mine.uploadId}`)).status }),
      },
      {
        name: "another company's upload continued over tus",
        user: 'bidder2',
        reason: 'not-found',
        run: async (requestId) => {
          const sent = await tus('bidder2', requestId).patch(`${api.base}/api/uploads/${mine.uploadId}`, 0, new Uint8Array(8));
          return { status: sent.status, reason: (JSON.parse(sent.body) as { details: { reason?: unknown } }).details.reason };
        },
      },
      { name: "another role's workspace page (web 403)", user: 'bidder2', reason: 'wrong-workspace', action: 'auth.denied', run: trpc('bidder2', 'auth.workspace', { workspace: 'centre', page: '/w/centre' }, 'query') },
      { name: "a procedure of another role", user: 'bidder2', reason: 'role', action: 'auth.denied', run: trpc('bidder2', 'directory.accounts', undefined, 'query') },
      { name: 'a mutation without its CSRF header', user: 'bidder2', reason: 'csrf-rejected', run: trpc('bidder2', 'bidding.ask', { sectionId: section.id, question: '这是一个问题吗？' }, 'mutation', { 'x-csrf-token': 'forged' }) },
      { name: 'input refused by its schema', user: 'bidder2', reason: 'invalid-input', run: trpc('bidder2', 'bidding.receipt', { submissionId: 'not-a-uuid' }, 'query') },
      { name: "a REST download of a document that is not there", user: 'bidder2', reason: 'not-found', run: async (requestId) => ({ status: (await fetch(`${api.base}/api/documents/${randomUUID()}`, { headers: { ...headers.get('bidder2')!, 'x-request-id': requestId } })).status }) },
    ];

    const found: string[] = [];
    for (const step of steps) {
      const requestId = `walk-${randomUUID()}`;
      const answer = await step.run(requestId);
      expect(answer.status, step.name).toBeGreaterThanOrEqual(400);
      expect(answer.status, step.name).toBeLessThan(500);
      if (answer.reason !== undefined && step.reason !== '*') expect(answer.reason, step.name).toBe(step.reason);
      const entries = (await entriesOf(db, requestId)).filter((e) => e.outcome === 'denied');
      expect(entries, `${step.name}: exactly one refusal entry`).toHaveLength(1);
      const entry = entries[0]!;
      expect(entry, step.name).toMatchObject({ actorName: step.user, organisationId: orgs.get(step.user)!, role: 'bidder', action: step.action ?? 'request.refused' });
      const reason = (entry.details as Record<string, string>).reason;
      if (step.reason === '*') expect(reason, step.name).toBe(answer.reason);
      else expect(reason, step.name).toBe(step.reason);
      const text = JSON.stringify(entry);
      for (const secret of secrets) expect(text.includes(secret), `${step.name}: no secret material in ${text}`).toBe(false);
      expect(text).not.toContain(createHash('sha256').update(plaintext).digest('hex'));
      found.push(step.name);
    }
    expect(found).toHaveLength(steps.length);
  });
});

describe('anonymous refusals are counted per reason and rate-limited per address, not traced', () => {
  let p: TestPlatform;
  let api: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    p = await createTestPlatform({ anonymousRefusalLimit: { burst: 3, perMinute: 0.01 } });
    // The address comes from X-Forwarded-For, as behind the web server.
    api = await startTestServer(p.services, { trustProxy: 'all' });
  });
  afterAll(async () => {
    await api?.close();
    await p?.close();
  });

  it('counts three refusals without a session, answers the fourth 429, still serves a signed-in caller from there', async () => {
    const ip = '198.51.100.23';
    const from = { 'x-forwarded-for': ip, cookie: 'ggzy_csrf=c', 'x-csrf-token': 'c' };
    const section = await announcedSection(p.services.db);
    const refusals = [
      await trpcCall(api.base, from, 'bidding.sealingInfo', { sectionId: section.id }, 'query'),
      await trpcCall(api.base, from, 'bidding.mine', undefined, 'query'),
      await trpcCall(api.base, { ...from, cookie: 'ggzy_csrf=c; ggzy_session=forged-token' }, 'bidding.mine', undefined, 'query'),
    ];
    expect(refusals.map((r) => (r.ok ? 200 : r.status))).toEqual([401, 401, 401]);
    const limited = await trpcCall(api.base, from, 'bidding.mine', undefined, 'query');
    expect(limited).toMatchObject({ ok: false, status: 429, error: { code: 'RATE_LIMITED' } });
    const upload = await fetch(`${api.base}/api/uploads/${randomUUID()}`, { method: 'HEAD', headers: { ...from, 'tus-resumable': '1.0.0' } });
    expect(upload.status).toBe(429);
    // Another address is not affected.
    expect(await trpcCall(api.base, { ...from, 'x-forwarded-for': '198.51.100.24' }, 'bidding.mine', undefined, 'query')).toMatchObject({ ok: false, status: 401 });

    const supervisor = await signInOverHttp(api.base, 'supervisor');
    const signedIn = await trpcCall(api.base, { ...supervisor, 'x-forwarded-for': ip }, 'auth.me', undefined, 'query');
    expect(signedIn).toMatchObject({ ok: true, data: { role: 'supervisor' } });

    const metrics = await fetch(`${api.base}/api/metrics/refusals`, { headers: supervisor });
    expect(metrics.status).toBe(200);
    const counts = (await metrics.json()) as { anonymous: { total: Record<string, number>; minutes: Array<{ counts: Record<string, number> }>; rateLimited: number } };
    expect(counts.anonymous.total).toEqual({ unauthenticated: 4, 'rate-limited': 2 });
    expect(counts.anonymous.rateLimited).toBe(2);
    expect(counts.anonymous.minutes.reduce((n, m) => n + (m.counts.unauthenticated ?? 0), 0)).toBe(4);
    // The counts are the supervisor's; a bidder is refused them (and that refusal is traced).
    const bidder = await signInOverHttp(api.base, 'bidder1');
    expect((await fetch(`${api.base}/api/metrics/refusals`, { headers: bidder })).status).toBe(403);

    // Not one entry per anonymous refusal: the log holds nothing from that address but the sign-in.
    const fromThere = await p.services.db.select().from(traceEntry).where(eq(traceEntry.ip, ip));
    expect(fromThere.map((e) => e.action)).toEqual([]);
  });
});

describe('the anonymous token bucket', () => {
  it('empties after the burst, refills at its rate, counts per minute, and gives a never-refused address no bucket', () => {
    let now = Date.parse('2030-01-01T00:00:30Z');
    const limiter = new AnonymousRefusals({ burst: 2, perMinute: 60 }, () => now);
    expect(limiter.exhausted('192.0.2.1')).toBe(false);
    limiter.record('192.0.2.1', 'unauthenticated');
    expect(limiter.exhausted('192.0.2.1')).toBe(false);
    limiter.record('192.0.2.1', 'not-found');
    expect(limiter.exhausted('192.0.2.1')).toBe(true);
    expect(limiter.exhausted('192.0.2.2')).toBe(false);
    now += 1000; // one token a second
    expect(limiter.exhausted('192.0.2.1')).toBe(false);
    now += 60_000;
    limiter.record('192.0.2.9', 'unauthenticated');
    expect(limiter.counts()).toEqual({
      total: { unauthenticated: 2, 'not-found': 1 },
      minutes: [
        { minute: '2030-01-01T00:00:00.000Z', counts: { unauthenticated: 1, 'not-found': 1 } },
        { minute: '2030-01-01T00:01:00.000Z', counts: { unauthenticated: 1 } },
      ],
      rateLimited: 0,
    });
  });
});
