/**
 * After the decryption (docs/opening-hall.md §2a, §6b), on PGlite with the real disk store and real
 * sealed bids: the window's end taken by the timed sweep once, naming the bid still sealed, which the
 * host must decide before the confirmation opens; then the opened bids read over HTTP by exactly
 * those allowed (the supervisor, the bidder's own company, the evaluation once evaluating), byte for
 * byte and traced, everyone else refused, and an altered stored object refused and traced.
 */
import { signMessage, unwrapEnvelopeContentKey } from '@ggzy/crypto';
import { account, and, bidDecryption, eq, liveEvent, openingHall, session, sql, traceEntry, type Database } from '@ggzy/db';
import { createBidBundle, type OpeningSchedule } from '@ggzy/domain';
import { createHash, createPublicKey, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newToken, tokenDigest } from '../auth/token';
import { bidObjectKey } from '../bidding/uploads';
import { announcedSection, createBidders, sealBid, setDeadline, signInOverHttp, startTestServer, submitStoredEnvelope, trpcCall, type TestBidder } from '../bidding/test-support';
import type { SessionAccount } from '../context';
import { takeDueTransitions } from '../tender/timed-transitions';
import { createTestPlatform, DEMO_ACCOUNT_OF, signedIn, testClient, type TestClient, type TestPlatform } from '../testing';
import { readOpenedBid } from './opened-bids';
import { SIGN_IN_CONTEXT } from './sign-in';

const bytesOf = async (iterable: AsyncIterable<Uint8Array>) => {
  const parts: Uint8Array[] = [];
  for await (const p of iterable) parts.push(p.slice());
  return Buffer.concat(parts);
};
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function refusal(error: unknown) {
  const cause = (error as { cause?: { code?: string; details?: Record<string, unknown>; zh?: string; en?: string } }).cause ?? (error as { code?: string; details?: Record<string, unknown>; zh?: string; en?: string });
  return { code: cause?.code, reason: cause?.details?.reason, zh: cause?.zh, en: cause?.en, details: cause?.details };
}

describe('after the decryption: the window closing, and reads of the opened bids', () => {
  let p: TestPlatform;
  let db: Database;
  let bidders: TestBidder[];
  let host: TestClient;
  let section: { id: string; code: string };
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const headers = new Map<number, Awaited<ReturnType<typeof sealBid>>['header']>();
  const bundles = new Map<number, Buffer>();
  const clients: TestClient[] = [];
  const schedules: OpeningSchedule[] = [0, 1, 2].map((i) => ({ version: 1, priceFen: 12_345_678_00 + i, durationDays: 300 - i, quality: '合格', bondReference: `BH-2027-10${i}` }));
  const org = (i: number) => bidders[i]!.account.organisationId!;

  const contentKeyOf = async (i: number) => {
    const key = await webcrypto.subtle.importKey('pkcs8', Buffer.from(bidders[i]!.privateKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
    return Buffer.from(await unwrapEnvelopeContentKey(headers.get(i)!, key as CryptoKey)).toString('base64');
  };
  const signInAs = async (i: number) => {
    const challenge = await clients[i]!.caller.hall.challenge({ sectionId: section.id });
    const signature = Buffer.from(signMessage(bidders[i]!.privateKeyPem, SIGN_IN_CONTEXT, new TextEncoder().encode(challenge.message))).toString('base64');
    return clients[i]!.caller.hall.signIn({ sectionId: section.id, message: challenge.message, signature, certificateId: bidders[i]!.certificateId });
  };
  const openedUrl = (i: number) => `${server.base}/api/sections/${section.id}/bids/${org(i)}/opened`;
  const download = (i: number, cookie?: string) => fetch(openedUrl(i), cookie ? { headers: { cookie } } : {});
  const traces = (action: string) => db.select().from(traceEntry).where(and(eq(traceEntry.targetId, section.id), eq(traceEntry.action, action))).orderBy(traceEntry.id);
  const hallEvents = (kind: string) => db.select().from(liveEvent).where(and(eq(liveEvent.topic, `hall:${section.id}`), eq(liveEvent.kind, kind)));

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    bidders = await createBidders(p.services, 3);
    host = await signedIn(p.services, 'centre');
    section = await announcedSection(db);
    for (const [i, b] of bidders.entries()) {
      const spki = createPublicKey(b.certificatePem).export({ type: 'spki', format: 'der' });
      // Bidder 0's is large enough (~10 MiB, many times the disk store's 1 MiB reads) that a read under way
      // is held back by the stream's back-pressure, still reading, when its object is altered.
      const content = Buffer.from(`第${i}号投标人的技术文件 ${randomBytes(16).toString('hex')}`.repeat(i === 0 ? 200_000 : 50));
      const bundle = await bytesOf(createBidBundle({ openingSchedule: schedules[i]!, files: [{ part: 'technical', name: '技术标.txt', size: content.length, stream: (async function* () { yield content; })() }] }).bytes);
      bundles.set(i, bundle);
      const sealed = await sealBid({ suite: 'rsa-oaep-sha256/aes-256-gcm-stream', recipients: [{ role: 'bidder', publicKeySpki: spki.toString('base64') }], metadata: { section: section.code, bidder: b.creditCode } }, bundle);
      headers.set(i, sealed.header);
      const uploadId = randomUUID();
      await p.services.store.put(bidObjectKey(section.id, uploadId), sealed.bytes);
      await submitStoredEnvelope(p.services, section, b, { uploadId, summary: sealed.summary, headerBytes: sealed.headerBytes, suite: 'rsa-oaep-sha256/aes-256-gcm-stream', recipientKeyIds: [`bidder:${createHash('sha256').update(spki).digest('hex')}`] });
      const client = testClient(p.services);
      client.cookies.ggzy_session = b.cookie.split(';')[0]!.split('=')[1]!;
      clients.push(client);
    }
    await setDeadline(db, section.id, '-1 millisecond');
    await takeDueTransitions(db);
    for (const i of [0, 1, 2]) await signInAs(i);
    await host.caller.hall.startDecryption({ sectionId: section.id, minutes: 30 });
    server = await startTestServer(p.services);
  });
  afterAll(async () => {
    await server?.close();
    await p?.close();
  });

  it('lets the host extend the window before its end; a sweep before the end closes nothing', async () => {
    const extended = await host.caller.hall.extendDecryption({ sectionId: section.id, minutes: 5, reason: '部分投标人网络不稳定' });
    const [hall] = await db.select().from(openingHall).where(eq(openingHall.sectionId, section.id));
    expect(hall!.decryptionEndsAt!.toISOString()).toBe(extended.endsAt);
    expect(await takeDueTransitions(db)).not.toContainEqual(expect.objectContaining({ sectionId: section.id }));
    expect(hall!.windowClosedAt).toBeNull();
    expect(await hallEvents('hall.windowClosed')).toHaveLength(0);
  });

  it('refuses an opened-bid read before the bid is decrypted, to its own company and to the supervisor', async () => {
    const supervisor = await signInOverHttp(server.base, 'supervisor');
    const early = await download(0, supervisor.cookie);
    expect(early.status).toBe(409);
    expect((await early.json()).error).toMatchObject({ code: 'CONFLICT', details: { reason: 'not-opened', state: 'waiting' }, zh: expect.stringContaining('尚未解密') });
    const own = await download(0, bidders[0]!.cookie);
    expect([own.status, (await own.json()).error.details.reason]).toEqual([409, 'not-opened']);
    expect(await traces('bid.opened.read')).toHaveLength(0);
  });

  it('decrypts two bids; when the window ends the sweep records it once, traced and published, naming the bid still sealed', async () => {
    for (const i of [0, 1]) expect(await clients[i]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: await contentKeyOf(i) })).toMatchObject({ state: 'decrypted' });
    await db.update(openingHall).set({ decryptionEndsAt: sql`now() - interval '1 second'` }).where(eq(openingHall.sectionId, section.id));

    // Two processes' sweeps at once (two connections on PostgreSQL): exactly one takes it.
    const [a, b] = await Promise.all([takeDueTransitions(db), takeDueTransitions(db)]);
    expect([...a!, ...b!].filter((t) => t.sectionId === section.id)).toEqual([{ sectionId: section.id, from: 'decrypting', to: 'window-closed', sealed: [org(2)] }]);
    // A later sweep: nothing more.
    expect(await takeDueTransitions(db)).not.toContainEqual(expect.objectContaining({ sectionId: section.id }));

    const closes = await traces('hall.window.close');
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ actorName: 'system', outcome: 'ok', details: { sealed: `${org(2)}:waiting`, sealedCount: '1', decrypting: '' } });
    const events = await hallEvents('hall.windowClosed');
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ sectionId: section.id, sealed: [{ organisationId: org(2), name: bidders[2]!.account.organisationName, state: 'waiting', reason: null }], decrypting: [] });
    const [hall] = await db.select().from(openingHall).where(eq(openingHall.sectionId, section.id));
    expect(hall!.windowClosedAt).not.toBeNull();
    const snapshot = await testClient(p.services).caller.hall.get({ sectionId: section.id });
    expect(snapshot.hall).toMatchObject({ state: 'decrypting', windowOpen: false, windowClosedAt: hall!.windowClosedAt!.toISOString() });
    expect(snapshot.undecided).toEqual([org(2)]);
  });

  it('keeps the window closed: no extension, no key, and a pause and resume do not reopen it', async () => {
    expect(refusal(await host.caller.hall.extendDecryption({ sectionId: section.id, minutes: 5, reason: '再延长' }).catch((e) => e))).toMatchObject({ code: 'CONFLICT', reason: 'already-extended' });
    await db.update(openingHall).set({ extendedAt: null }).where(eq(openingHall.sectionId, section.id)); // as if never extended
    const late = refusal(await host.caller.hall.extendDecryption({ sectionId: section.id, minutes: 5, reason: '再延长' }).catch((e) => e));
    expect(late).toMatchObject({ code: 'RULE_VIOLATION', reason: 'window-closed' });
    expect(late.zh).toMatch(/^解密时间已结束/);
    await host.caller.hall.pause({ sectionId: section.id, reason: '网络故障' });
    await new Promise((r) => setTimeout(r, 50));
    const resumed = await host.caller.hall.resume({ sectionId: section.id, reason: '网络恢复' });
    expect(Date.parse(resumed.endsAt!)).toBeLessThan(Date.now());
    expect(refusal(await clients[2]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: await contentKeyOf(2) }).catch((e) => e))).toMatchObject({ reason: 'window-closed' });
    expect(await takeDueTransitions(db)).not.toContainEqual(expect.objectContaining({ sectionId: section.id }));
    expect(await traces('hall.window.close')).toHaveLength(1);
  });

  it('refuses the confirmation, naming the undecided bidder, until the host decides it; then opens it', async () => {
    const refused = refusal(await host.caller.hall.openConfirmation({ sectionId: section.id, minutes: 10 }).catch((e) => e));
    expect(refused).toMatchObject({ code: 'CONFLICT', reason: 'bids-undecided', details: { undecided: org(2), windowClosed: true } });
    expect(refused.zh).toContain(bidders[2]!.account.organisationName);
    expect(refused.zh).toContain('撤销或撤回');
    expect(refused.en).toContain(bidders[2]!.account.organisationName);
    // A decryption still running is not decided; one left behind by a stopped process (older than
    // STALE_DECRYPTION_MINUTES) can no longer be taken over once the window is over, so the host decides it.
    const bid2 = and(eq(bidDecryption.sectionId, section.id), eq(bidDecryption.organisationId, org(2)));
    await db.update(bidDecryption).set({ state: 'decrypting', handedOverAt: sql`now() - interval '1 minute'` }).where(bid2);
    expect(refusal(await host.caller.hall.decide({ sectionId: section.id, organisationId: org(2), outcome: 'revoked', reason: '投标人未在解密时间内解密' }).catch((e) => e))).toMatchObject({ reason: 'not-decidable' });
    await db.update(bidDecryption).set({ handedOverAt: sql`now() - interval '11 minutes'` }).where(bid2);
    await host.caller.hall.decide({ sectionId: section.id, organisationId: org(2), outcome: 'revoked', reason: '投标人未在解密时间内解密' });
    expect((await testClient(p.services).caller.hall.get({ sectionId: section.id })).hall.state).toBe('reading');
    expect(await host.caller.hall.openConfirmation({ sectionId: section.id, minutes: 10 })).toMatchObject({ recordSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('serves an opened bid, byte for byte, to the supervisor of the region and to every account of the bid’s own company, each read traced first', async () => {
    const supervisor = await signInOverHttp(server.base, 'supervisor');
    for (const i of [0, 1]) {
      const response = await download(i, supervisor.cookie);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/zip');
      expect(response.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(`${section.code}-${bidders[i]!.account.organisationName}-投标文件.zip`)}`);
      expect(response.headers.get('content-disposition')).toContain(`filename="${section.code}-${bidders[i]!.creditCode}-opened.zip"`);
      expect(response.headers.get('x-content-sha256')).toBe(sha256(bundles.get(i)!));
      expect(Buffer.from(await response.arrayBuffer()).equals(bundles.get(i)!)).toBe(true);
    }
    const own = await download(0, bidders[0]!.cookie);
    expect(own.status).toBe(200);
    expect(Buffer.from(await own.arrayBuffer()).equals(bundles.get(0)!)).toBe(true);
    // A second account of the same company.
    const [colleague] = await db
      .insert(account)
      .values({ username: `colleague-${randomBytes(3).toString('hex')}`, displayName: '投标员乙', passwordHash: 'x', role: 'bidder', organisationId: org(0), regionCode: '990100' })
      .returning({ id: account.id });
    const token = newToken();
    await db.insert(session).values({ tokenHash: tokenDigest(token), accountId: colleague!.id, expiresAt: sql`now() + interval '1 hour'` });
    const theirs = await download(0, `ggzy_session=${token}`);
    expect(theirs.status).toBe(200);
    expect(sha256(Buffer.from(await theirs.arrayBuffer()))).toBe(sha256(bundles.get(0)!));

    const reads = await traces('bid.opened.read');
    expect(reads.map((r) => [r.role, r.details.reader, r.details.organisation, r.digests.plaintext, r.outcome])).toEqual([
      ['supervisor', 'supervisor', org(0), sha256(bundles.get(0)!), 'ok'],
      ['supervisor', 'supervisor', org(1), sha256(bundles.get(1)!), 'ok'],
      ['bidder', 'bidder', org(0), sha256(bundles.get(0)!), 'ok'],
      ['bidder', 'bidder', org(0), sha256(bundles.get(0)!), 'ok'],
    ]);
    expect(reads[3]!.actorId).toBe(colleague!.id);
  });

  it('refuses everyone else, with a Chinese then English message: centre staff, the tenderer, its agency, other bidders, experts, the public', async () => {
    for (const role of ['centre', 'tenderer', 'agency'] as const) {
      const response = await download(0, (await signInOverHttp(server.base, DEMO_ACCOUNT_OF[role])).cookie);
      const { error } = await response.json();
      expect([response.status, error.code, error.details.reason], role).toEqual([403, 'PERMISSION_DENIED', 'not-an-opened-bid-reader']);
      expect(error.zh).toMatch(/^解密后的投标文件只向/);
      expect(error.en).toMatch(/^Decrypted bids are open only to/);
    }
    for (const role of ['expert', 'guarantor'] as const) {
      const response = await download(0, (await signInOverHttp(server.base, DEMO_ACCOUNT_OF[role])).cookie);
      expect([response.status, (await response.json()).error.code], role).toEqual([403, 'PERMISSION_DENIED']);
    }
    // Another bidder of the hall, and a bidder company with no bid in it.
    const other = await download(0, bidders[1]!.cookie);
    expect([other.status, (await other.json()).error.details.reason]).toEqual([403, 'not-an-opened-bid-reader']);
    const outsider = await download(0, (await signInOverHttp(server.base, 'bidder1')).cookie);
    expect([outsider.status, (await outsider.json()).error.details.reason]).toEqual([403, 'not-an-opened-bid-reader']);
    const anonymous = await download(0);
    expect([anonymous.status, (await anonymous.json()).error.code]).toEqual([401, 'UNAUTHENTICATED']);
    // A supervisor of a region that does not cover the section.
    const elsewhere: SessionAccount = { sessionId: randomUUID(), accountId: randomUUID(), username: 'supervisor.dj', displayName: '县监督', role: 'supervisor', organisationId: null, organisationName: null, organisationCreditCode: null, regionCode: '990121' };
    const request = { requestId: randomUUID(), ip: null, userAgent: 'vitest', cookies: {}, csrfHeader: null };
    expect(refusal(await readOpenedBid(db, p.services.store, { sectionId: section.id, organisationId: org(0), reader: { kind: 'session', account: elsewhere, request } }).catch((e) => e))).toMatchObject({ code: 'PERMISSION_DENIED', reason: 'not-an-opened-bid-reader' });
    // The revoked bid was never opened: nothing to read.
    const supervisor = await signInOverHttp(server.base, 'supervisor');
    const revoked = await download(2, supervisor.cookie);
    expect([revoked.status, (await revoked.json()).error.details]).toEqual([409, { reason: 'not-opened', state: 'revoked' }]);
    // Each refusal of a signed-in caller is traced as a refusal; no read was.
    expect((await traces('bid.opened.read')).filter((r) => r.outcome === 'ok')).toHaveLength(4);
    const refusals = await db.select().from(traceEntry).where(and(eq(traceEntry.action, 'request.refused'), sql`${traceEntry.details}->>'reason' = 'not-an-opened-bid-reader'`));
    expect(refusals.length).toBeGreaterThanOrEqual(5);
  });

  it('lists the opened bids each caller may read (hall.openedBids)', async () => {
    const supervisor = await signedIn(p.services, 'supervisor');
    const all = await supervisor.caller.hall.openedBids({ sectionId: section.id });
    expect(all.readerRole).toBe('supervisor');
    expect(all.bids.map((b) => b.organisationId).sort()).toEqual([org(0), org(1)].sort());
    expect(all.bids.find((b) => b.organisationId === org(1))).toMatchObject({ sha256: sha256(bundles.get(1)!), bytes: bundles.get(1)!.length, url: `/api/sections/${section.id}/bids/${org(1)}/opened` });
    const own = await clients[1]!.caller.hall.openedBids({ sectionId: section.id });
    expect(own).toMatchObject({ readerRole: 'bidder', bids: [{ organisationId: org(1) }] });
    expect(await clients[2]!.caller.hall.openedBids({ sectionId: section.id })).toMatchObject({ readerRole: 'bidder', bids: [] });
    expect(await host.caller.hall.openedBids({ sectionId: section.id })).toMatchObject({ readerRole: null, bids: [] });
    expect(await (await signedIn(p.services, 'tenderer')).caller.hall.openedBids({ sectionId: section.id })).toMatchObject({ readerRole: null, bids: [] });
  });

  it('opens the bids to the evaluation only once the section is evaluating', async () => {
    const request = { requestId: randomUUID(), ip: null, userAgent: 'vitest', cookies: {}, csrfHeader: null };
    const early = refusal(await readOpenedBid(db, p.services.store, { sectionId: section.id, organisationId: org(1), reader: { kind: 'evaluation', account: null, request } }).catch((e) => e));
    expect(early).toMatchObject({ code: 'RULE_VIOLATION', reason: 'not-evaluating' });
    expect(early.zh).toMatch(/^本标段尚未进入评标阶段/);
    // Close the record (the confirmation window over) and the section moves to evaluating.
    await db.update(openingHall).set({ confirmationEndsAt: sql`now() - interval '1 second'` }).where(eq(openingHall.sectionId, section.id));
    expect(await host.caller.hall.close({ sectionId: section.id })).toMatchObject({ sectionState: 'evaluating' });
    const read = await readOpenedBid(db, p.services.store, { sectionId: section.id, organisationId: org(1), reader: { kind: 'evaluation', account: null, request } });
    // The trace has committed before any byte is read.
    const [entry] = await db.select().from(traceEntry).where(eq(traceEntry.id, read.traceId));
    expect(entry).toMatchObject({ action: 'bid.opened.read', actorName: 'evaluation', outcome: 'ok', details: { reader: 'evaluation', organisation: org(1) }, digests: { plaintext: sha256(bundles.get(1)!) } });
    expect((await bytesOf(read.stream)).equals(bundles.get(1)!)).toBe(true);
    expect(read).toMatchObject({ readerRole: 'evaluation', sha256: sha256(bundles.get(1)!), size: bundles.get(1)!.length });
    // The supervisor and the company still read after the opening.
    expect((await download(1, bidders[1]!.cookie)).status).toBe(200);
  });

  it('refuses a stored bid that was altered, and traces the refusal; a read under way fails rather than end with the altered bytes', async () => {
    const [row] = await db.select().from(bidDecryption).where(and(eq(bidDecryption.sectionId, section.id), eq(bidDecryption.organisationId, org(0))));
    const file = join(dirname(p.services.settings.uploadDir), 'objects', ...row!.plaintextKey!.split('/'));
    const altered = Buffer.from(bundles.get(0)!);
    altered.writeUInt8(altered.readUInt8(altered.length - 30) ^ 0x01, altered.length - 30);
    // A read decided before the change: its stream fails instead of ending with the altered bytes.
    const request = { requestId: randomUUID(), ip: null, userAgent: 'vitest', cookies: {}, csrfHeader: null };
    const during = await readOpenedBid(db, p.services.store, { sectionId: section.id, organisationId: org(0), reader: { kind: 'evaluation', account: null, request } });
    await chmod(file, 0o644);
    await writeFile(file, altered);
    await expect(bytesOf(during.stream)).rejects.toThrow(/changed while it was read/);
    const supervisor = await signInOverHttp(server.base, 'supervisor');
    const response = await download(0, supervisor.cookie);
    const { error } = await response.json();
    expect([response.status, error.code, error.details.reason]).toEqual([409, 'CONFLICT', 'opened-altered']);
    expect(error.zh).toContain('可能已被篡改');
    const failed = (await traces('bid.opened.read')).filter((r) => r.outcome === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ role: 'supervisor', details: { reason: 'opened-altered', organisation: org(0), reader: 'supervisor' }, digests: { expected: sha256(bundles.get(0)!), found: sha256(altered) } });
    // Traced once: the route's generic refusal trace does not add a second entry.
    const generic = await db.select().from(traceEntry).where(and(eq(traceEntry.action, 'request.refused'), sql`${traceEntry.details}->>'reason' = 'opened-altered'`));
    expect(generic).toHaveLength(0);
    const own = await download(0, bidders[0]!.cookie);
    expect([own.status, (await own.json()).error.details.reason]).toEqual([409, 'opened-altered']);
  });
});
