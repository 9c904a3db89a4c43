/**
 * The opening hall's server side (docs/opening-hall.md): the deadline opens a hall with one waiting
 * decryption per standing bid (or publishes the failure notice with fewer than 3), the host's
 * procedures through the real tRPC caller, and the live events, in order, with their seqs.
 */
import { and, bidDecryption, bidUpload, eq, executeRows, liveEvent, notice, openingHall, section, sql, traceEntry, type Database } from '@ggzy/db';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { toChineseCapitalAmount } from '@ggzy/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitBid } from '../bidding/submit';
import { announcedSection, createBidders, setDeadline, signedSubmit, type TestBidder } from '../bidding/test-support';
import type { Services } from '../context';
import { publishLive, type LiveEvent } from '../live/publish';
import { watchLive } from '../live/watch';
import { getPublicSection } from '../tender/portal';
import { takeDueTransitions } from '../tender/timed-transitions';
import { createTestPlatform, signedIn, testClient, type TestClient, type TestPlatform } from '../testing';

/** A completed upload straight in the database (what the header of an envelope sealed for the bidder says), then a real signed submit. */
async function submitFor(services: Services, bidder: TestBidder, sectionId: string) {
  const db = services.db;
  const id = randomUUID();
  const ciphertextSha256 = createHash('sha256').update(randomBytes(32)).digest('hex');
  const [facts] = await executeRows<{ code: string; key_id: string }>(db, sql`select s.code, c.key_id from section s, certificate c where s.id = ${sectionId} and c.id = ${bidder.certificateId}`);
  await db.insert(bidUpload).values({
    id, sectionId, organisationId: bidder.account.organisationId!, accountId: bidder.account.accountId, length: 4096, completedAt: new Date(),
    ciphertextSha256, headerSha256: ciphertextSha256, suite: 'rsa-oaep-sha256/aes-256-gcm-stream', headerSection: facts!.code, headerBidder: bidder.creditCode, recipientKeyIds: [`bidder:${facts!.key_id}`],
  });
  const request = signedSubmit(bidder, { sectionId, organisationId: bidder.account.organisationId!, uploadId: id, ciphertextSha256, envelopeBytes: 4096 });
  return submitBid({ services, request: { requestId: randomUUID(), ip: '203.0.113.9', userAgent: 'vitest', cookies: {}, csrfHeader: null }, account: bidder.account }, request);
}

async function events(db: Database, sectionId: string) {
  return db.select().from(liveEvent).where(eq(liveEvent.topic, `hall:${sectionId}`)).orderBy(liveEvent.seq);
}

async function collect(iterable: AsyncGenerator<LiveEvent>, n: number, ms = 5000): Promise<LiveEvent[]> {
  const out: LiveEvent[] = [];
  const timer = setTimeout(() => void iterable.return(undefined), ms);
  for await (const e of iterable) {
    out.push(e);
    if (out.length === n) break;
  }
  clearTimeout(timer);
  return out;
}

function refusal(error: unknown) {
  const cause = (error as { cause?: { code?: string; details?: Record<string, unknown>; zh?: string } }).cause;
  return { code: cause?.code, reason: cause?.details?.reason, zh: cause?.zh };
}

describe('the opening hall', () => {
  let p: TestPlatform;
  let db: Database;
  let bidders: TestBidder[];
  let host: TestClient;
  let hallSection: { id: string; code: string };

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    bidders = await createBidders(p.services, 3);
    host = await signedIn(p.services, 'centre');
    hallSection = await announcedSection(db);
    for (const b of bidders) await submitFor(p.services, b, hallSection.id);
    await setDeadline(db, hallSection.id, '-1 millisecond');
  });
  afterAll(async () => {
    await p?.close();
  });

  it('opens the hall at the deadline with three standing bids: one waiting decryption each, traced, the first event naming the bidders', async () => {
    const taken = await takeDueTransitions(db);
    expect(taken).toContainEqual({ sectionId: hallSection.id, from: 'announced', to: 'opening' });
    const [hall] = await db.select().from(openingHall).where(eq(openingHall.sectionId, hallSection.id));
    expect(hall).toMatchObject({ state: 'open', paused: false, windowMinutes: 30 });
    const waiting = await db.select().from(bidDecryption).where(eq(bidDecryption.sectionId, hallSection.id));
    expect(waiting.map((w) => w.state)).toEqual(['waiting', 'waiting', 'waiting']);
    expect(waiting.map((w) => w.organisationId).sort()).toEqual(bidders.map((b) => b.account.organisationId).sort());
    const traced = await db.select().from(traceEntry).where(and(eq(traceEntry.targetId, hallSection.id), eq(traceEntry.action, 'hall.open')));
    expect(traced).toHaveLength(1);
    const [first] = await events(db, hallSection.id);
    expect(first).toMatchObject({ seq: 1, kind: 'hall.opened', audience: [] });
    expect((first!.payload.bidders as Array<{ name: string }>).map((b) => b.name).sort()).toEqual(bidders.map((b) => b.account.organisationName).sort());
    expect(await takeDueTransitions(db)).not.toContainEqual(expect.objectContaining({ sectionId: hallSection.id }));
  });

  it('shows anyone the hall: server clock, bidders with names, states, and the last event id', async () => {
    const snapshot = await testClient(p.services).caller.hall.get({ sectionId: hallSection.id });
    expect(snapshot).toMatchObject({ lastEventId: '1', hall: { state: 'open', paused: false, windowOpen: false }, me: { role: 'public', organisationId: null }, record: [] });
    expect(snapshot.bidders.map((b) => b.state)).toEqual(['waiting', 'waiting', 'waiting']);
    expect(Math.abs(Date.parse(snapshot.serverTime) - Date.now())).toBeLessThan(60_000);
    const other = await signedIn(p.services, 'centre'); // the demo centre hosts the test sections
    expect((await other.caller.hall.get({ sectionId: hallSection.id })).me.role).toBe('host');
  });

  it('lets the host start the window, pause (refusing what the pause holds), resume and post messages; each traced and published in order', async () => {
    const started = await host.caller.hall.startDecryption({ sectionId: hallSection.id, minutes: 20 });
    expect(Date.parse(started.endsAt) - Date.parse(started.startedAt)).toBe(20 * 60_000);
    await expect(host.caller.hall.startDecryption({ sectionId: hallSection.id })).rejects.toSatisfy((e) => refusal(e).reason === 'hall-state');
    await host.caller.hall.pause({ sectionId: hallSection.id, reason: '交易中心网络故障' });
    await expect(host.caller.hall.pause({ sectionId: hallSection.id, reason: '再次暂停' })).rejects.toSatisfy((e) => refusal(e).reason === 'already-paused');
    const held = await host.caller.hall.extendDecryption({ sectionId: hallSection.id, minutes: 5, reason: '网络故障' }).catch(refusal);
    expect(held).toMatchObject({ code: 'CONFLICT', reason: 'hall-paused' });
    expect((held as { zh?: string }).zh).toContain('交易中心网络故障');
    const resumed = await host.caller.hall.resume({ sectionId: hallSection.id, reason: '网络已恢复' });
    expect(Date.parse(resumed.endsAt!)).toBeGreaterThanOrEqual(Date.parse(started.endsAt));
    const extended = await host.caller.hall.extendDecryption({ sectionId: hallSection.id, minutes: 10, reason: '部分投标人网络不稳定' });
    expect(Date.parse(extended.endsAt) - Date.parse(resumed.endsAt!)).toBe(10 * 60_000);
    await expect(host.caller.hall.extendDecryption({ sectionId: hallSection.id, minutes: 10, reason: '再延长' })).rejects.toSatisfy((e) => refusal(e).reason === 'already-extended');
    await host.caller.hall.message({ sectionId: hallSection.id, text: '请各投标人在解密时间内完成解密' });

    const kinds = (await events(db, hallSection.id)).map((e) => [e.seq, e.kind]);
    expect(kinds).toEqual([
      [1, 'hall.opened'],
      [2, 'hall.decryptionStarted'],
      [3, 'hall.paused'],
      [4, 'hall.resumed'],
      [5, 'hall.decryptionExtended'],
      [6, 'hall.message'],
    ]);
    const actions = (await db.select().from(traceEntry).where(and(eq(traceEntry.targetId, hallSection.id), sql`${traceEntry.action} like 'hall.%'`)).orderBy(traceEntry.id)).map((t) => t.action);
    expect(actions).toEqual(['hall.open', 'hall.decryption.start', 'hall.pause', 'hall.resume', 'hall.decryption.extend', 'hall.message']);
    const snapshot = await testClient(p.services).caller.hall.get({ sectionId: hallSection.id });
    expect(snapshot).toMatchObject({ lastEventId: '6', hall: { state: 'decrypting', windowOpen: true, extension: { minutes: 10 } }, messages: [{ text: '请各投标人在解密时间内完成解密' }] });
  });

  it('refuses the host procedures to a bidder and to centre staff of another centre', async () => {
    const bidder = testClient(p.services);
    bidder.cookies.ggzy_session = bidders[0]!.cookie.split(';')[0]!.split('=')[1]!;
    expect(refusal(await bidder.caller.hall.pause({ sectionId: hallSection.id, reason: '试图暂停' }).catch((e) => e))).toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it('streams the events after lastEventId to a watcher, in seq order, tracked by seq, public ones to the public', async () => {
    const watcher = await testClient(p.services).caller.hall.watch({ sectionId: hallSection.id, lastEventId: '3' });
    const seen: Array<{ id: string; data: LiveEvent }> = [];
    const later = setTimeout(() => void host.caller.hall.message({ sectionId: hallSection.id, text: '解密即将开始' }), 600);
    const timer = setTimeout(() => void (watcher as AsyncGenerator).return?.(undefined), 5000);
    for await (const e of watcher as AsyncIterable<unknown>) {
      const tracked = e as [string, LiveEvent] | { id: string; data: LiveEvent };
      seen.push(Array.isArray(tracked) ? { id: tracked[0], data: tracked[1] } : tracked);
      if (seen.length === 4) break;
    }
    clearTimeout(timer);
    clearTimeout(later);
    // The fourth arrives live, after the watcher started.
    expect(seen.map((s) => s.id)).toEqual(['4', '5', '6', '7']);
    expect(seen.map((s) => s.data.seq)).toEqual([4, 5, 6, 7]);
  }, 10_000);

  it('gives each audience its own events and everyone the public ones (the polling watcher)', async () => {
    const topic = `test:${randomUUID()}`;
    await db.transaction(async (tx) => {
      await publishLive(tx, { topic, kind: 'a' });
      await publishLive(tx, { topic, kind: 'b', audience: ['bidder:x'] });
      await publishLive(tx, { topic, kind: 'c', audience: ['host'] });
      await publishLive(tx, { topic, kind: 'd' });
    });
    expect((await collect(watchLive({ db }, { topic, after: 0, audiences: [] }), 2)).map((e) => [e.seq, e.kind])).toEqual([[1, 'a'], [4, 'd']]);
    expect((await collect(watchLive({ db }, { topic, after: 0, audiences: ['bidder:x'] }), 3)).map((e) => e.kind)).toEqual(['a', 'b', 'd']);
    expect((await collect(watchLive({ db }, { topic, after: 1, audiences: ['host', 'supervisor'] }), 2)).map((e) => e.kind)).toEqual(['c', 'd']);
  });

  it('fails a section with two bids at its deadline: no hall, and the published failure notice naming the rule on the portal', async () => {
    const small = await announcedSection(db);
    for (const b of bidders.slice(0, 2)) await submitFor(p.services, b, small.id);
    await setDeadline(db, small.id, '-1 millisecond');
    expect(await takeDueTransitions(db)).toContainEqual({ sectionId: small.id, from: 'announced', to: 'failed' });
    expect(await db.select().from(openingHall).where(eq(openingHall.sectionId, small.id))).toEqual([]);
    const [row] = await db.select({ state: section.state }).from(section).where(eq(section.id, small.id));
    expect(row!.state).toBe('failed');
    const portal = await getPublicSection(db, small.id);
    const failure = portal.notices.find((n) => n.kind === 'failure');
    expect(failure).toMatchObject({ title: expect.stringContaining('流标公告') });
    expect(failure!.bodyHtml).toContain('第四十四条');
    expect(failure!.bodyHtml).toContain('2 个');
    expect(portal.timeline.map((t) => t.key)).toContain('notice:failure');
    expect(await db.select().from(notice).where(and(eq(notice.sectionId, small.id), eq(notice.kind, 'failure')))).toHaveLength(1);
    const traced = await db.select().from(traceEntry).where(and(eq(traceEntry.targetId, small.id), eq(traceEntry.action, 'notice.publish')));
    expect(traced.map((t) => t.details.kind)).toEqual(['failure']);
  });

  it('writes amounts in Chinese capital numerals as paper records do', () => {
    expect(toChineseCapitalAmount(123456789)).toBe('壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分');
    expect(toChineseCapitalAmount(100010000)).toBe('壹佰万零壹佰元整');
    expect(toChineseCapitalAmount(10000000000)).toBe('壹亿元整');
    // 元 digit zero, 角 not: the payment rules allow one 零 there; the domain function writes it.
    expect(toChineseCapitalAmount(1050)).toBe('壹拾元零伍角');
    expect(toChineseCapitalAmount(0)).toBe('零元整');
  });
});
