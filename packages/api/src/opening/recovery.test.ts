/**
 * Custodian recovery through the real tRPC caller (docs/opening-hall.md §9): a section with three
 * custodians (k = 2) and three bidders whose bids are also sealed to the opening key; bidder 0 opens
 * its own bid, bidder 1 hands over a wrong key and is recovered by two custodians, bidder 2 is
 * recovered after a failed attempt with a wrong share. Every refusal the issue lists, the counting
 * of one custodian once, the trace, the live events, and no share left stored.
 */
import { openSealedShare, readEnvelopeHeader, sha256Hex, signMessage, SUITE_SM2_SM4, unwrapEnvelopeContentKey } from '@ggzy/crypto';
import { account, and, bidDecryption, eq, executeRows, hallRecoveryShare, liveEvent, openingKeyShare, organisation, sql, traceEntry, type Database } from '@ggzy/db';
import { readBidBundle, type OpeningSchedule } from '@ggzy/domain';
import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/password';
import { setDeadline, type TestBidder } from '../bidding/test-support';
import { DEMO_PASSWORD } from '../seed/demo';
import { privateKeyOf } from '../tender/opening-key-test-support';
import { takeDueTransitions } from '../tender/timed-transitions';
import { createTestPlatform, signedIn, testClient, type TestClient, type TestPlatform } from '../testing';
import { SIGN_IN_CONTEXT } from './sign-in';
import { SHARE_CONTEXT, shareMessage } from './recovery';
import { enrolCustodians, publishedCustodianSection, submitCustodianBids, type TestCustodian } from './recovery-test-support';


function refusal(error: unknown) {
  const cause = (error as { cause?: { code?: string; details?: Record<string, unknown>; zh?: string; en?: string } }).cause;
  return { code: cause?.code, reason: cause?.details?.reason, zh: cause?.zh, en: cause?.en };
}

describe('custodian recovery in the hall (2 of 3)', () => {
  let p: TestPlatform;
  let db: Database;
  let bidders: TestBidder[];
  let host: TestClient;
  const custodians = new Map<string, TestCustodian & { client: TestClient }>();
  let section: { id: string; code: string };
  let other: { id: string; code: string };
  const headers = new Map<number, Awaited<ReturnType<typeof submitCustodianBids>>['headers'][number]>();
  const clients: TestClient[] = [];
  const schedules: OpeningSchedule[] = [0, 1, 2].map((i) => ({ version: 1, priceFen: 12_345_678_90 + i, durationDays: 300 - i, quality: '合格', bondReference: `BH-2027-10${i}` }));

  const orgOf = (i: number) => bidders[i]!.account.organisationId!;
  const custodian = (username: string) => custodians.get(username)!;

  /** What a custodian client does: fetch, open locally, sign, and the submission's input. */
  async function openedShare(username: string, sectionId = section.id) {
    const c = custodian(username);
    const fetched = await c.client.caller.hall.shares({ sectionId });
    const opened = await openSealedShare({ sealedShare: [new Uint8Array(Buffer.from(fetched.sealedShare, 'base64'))], key: { privateKey: await privateKeyOf(c.certificate.privateKeyPem) }, expectKeyId: fetched.keyId });
    return { fetched, opened };
  }
  function signed(username: string, fields: { sectionId: string; organisationId: string; keyId: string; share: Uint8Array; challengeId: string; challenge: string }, signAs = username) {
    const message = shareMessage({ sectionId: fields.sectionId, organisationId: fields.organisationId, keyId: fields.keyId, shareSha256: sha256Hex(fields.share), challengeId: fields.challengeId, challenge: fields.challenge });
    return {
      sectionId: fields.sectionId,
      organisationId: fields.organisationId,
      keyId: fields.keyId,
      share: Buffer.from(fields.share).toString('base64'),
      message,
      signature: Buffer.from(signMessage(custodian(signAs).certificate.privateKeyPem, SHARE_CONTEXT, new TextEncoder().encode(message))).toString('base64'),
      certificateId: custodian(signAs).certificate.certificateId,
    };
  }
  async function submit(username: string, organisationId: string, tamper?: (share: Uint8Array) => Uint8Array) {
    const { fetched, opened } = await openedShare(username);
    const share = tamper ? tamper(opened.share) : opened.share;
    return custodian(username).client.caller.hall.submitShare(signed(username, { sectionId: section.id, organisationId, keyId: opened.keyId, share, challengeId: fetched.challengeId, challenge: fetched.challenge }));
  }
  const pendingRows = () => db.select().from(hallRecoveryShare);

  const contentKeyOf = async (i: number) => {
    const key = await webcrypto.subtle.importKey('pkcs8', Buffer.from(bidders[i]!.privateKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
    return Buffer.from(await unwrapEnvelopeContentKey(headers.get(i)!, key as CryptoKey)).toString('base64');
  };
  const signInAs = async (i: number) => {
    const challenge = await clients[i]!.caller.hall.challenge({ sectionId: section.id });
    const signature = Buffer.from(signMessage(bidders[i]!.privateKeyPem, SIGN_IN_CONTEXT, new TextEncoder().encode(challenge.message))).toString('base64');
    return clients[i]!.caller.hall.signIn({ sectionId: section.id, message: challenge.message, signature, certificateId: bidders[i]!.certificateId });
  };

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    for (const c of (await enrolCustodians(p)).values()) custodians.set(c.username, { ...c, client: await signedIn(p.services, c.username) });
    section = await publishedCustodianSection(p);
    other = await publishedCustodianSection(p);
    const submitted = await submitCustodianBids(p, section, schedules);
    bidders = submitted.bidders;
    submitted.headers.forEach((h, i) => headers.set(i, h));
    for (const b of bidders) {
      const client = testClient(p.services);
      client.cookies.ggzy_session = b.cookie.split(';')[0]!.split('=')[1]!;
      clients.push(client);
    }
  });
  afterAll(async () => {
    await p?.close();
  });

  it('refuses shares before the deadline, saying when and what to do', async () => {
    const before = await custodian('centre').client.caller.hall.shares({ sectionId: section.id }).catch(refusal);
    expect(before).toMatchObject({ code: 'RULE_VIOLATION', reason: 'before-deadline' });
    expect((before as { zh: string }).zh).toContain('投标截止时间');
    expect((before as { en: string }).en).toContain('only after the deadline');
    // A submission too (with a share read straight from the table: the server would not hand it out yet).
    const [held] = await db.select().from(openingKeyShare).where(and(eq(openingKeyShare.sectionId, section.id), eq(openingKeyShare.custodianId, custodian('centre').id)));
    const opened = await openSealedShare({ sealedShare: [held!.sealedShare], key: { privateKey: await privateKeyOf(custodian('centre').certificate.privateKeyPem) } });
    const early = await custodian('centre')
      .client.caller.hall.submitShare(signed('centre', { sectionId: section.id, organisationId: orgOf(1), keyId: opened.keyId, share: opened.share, challengeId: randomUUID(), challenge: randomBytes(32).toString('base64') }))
      .catch(refusal);
    expect(early).toMatchObject({ code: 'RULE_VIOLATION', reason: 'before-deadline' });
    expect(await pendingRows()).toHaveLength(0);

    await setDeadline(db, section.id, '-1 millisecond');
    await takeDueTransitions(db);
    host = await signedIn(p.services, 'centre');
    for (const i of [0, 1, 2]) await signInAs(i);
    await host.caller.hall.startDecryption({ sectionId: section.id });
  });

  it('gives each custodian only its own sealed share, traced; a bidder or a non-custodian gets nothing', async () => {
    const { fetched, opened } = await openedShare('supervisor');
    const [held] = await db.select().from(openingKeyShare).where(and(eq(openingKeyShare.sectionId, section.id), eq(openingKeyShare.custodianId, custodian('supervisor').id)));
    expect(Buffer.from(fetched.sealedShare, 'base64').equals(Buffer.from(held!.sealedShare))).toBe(true);
    expect(opened.custodianId).toBe(custodian('supervisor').id);
    expect(fetched).toMatchObject({ threshold: 2, custodianId: custodian('supervisor').id, certificateId: custodian('supervisor').certificate.certificateId });
    expect(fetched.bids).toHaveLength(3);
    const traced = await db.select().from(traceEntry).where(and(eq(traceEntry.targetId, section.id), eq(traceEntry.action, 'hall.share.fetch')));
    expect(traced.map((t) => t.actorName)).toContain('supervisor');

    expect(refusal(await clients[0]!.caller.hall.shares({ sectionId: section.id }).catch((e) => e))).toMatchObject({ code: 'PERMISSION_DENIED' });
    // A centre account that is not one of the section's custodians.
    const [centreOrg] = await db.select({ id: organisation.id }).from(organisation).where(eq(organisation.kind, 'centre')).limit(1);
    await db.insert(account).values({ username: 'centre.other', displayName: '周敏（交易中心）', passwordHash: await hashPassword(DEMO_PASSWORD), role: 'centre', organisationId: centreOrg!.id, regionCode: '990100' });
    const outsider = await signedIn(p.services, 'centre.other');
    const refused = await outsider.caller.hall.shares({ sectionId: section.id }).catch(refusal);
    expect(refused).toMatchObject({ code: 'PERMISSION_DENIED', reason: 'not-custodian' });
    // Submitting a custodian's genuine share, signed by that custodian, does not make the outsider one.
    const submitted = await outsider.caller.hall.submitShare(signed('supervisor', { sectionId: section.id, organisationId: orgOf(1), keyId: opened.keyId, share: opened.share, challengeId: fetched.challengeId, challenge: fetched.challenge })).catch(refusal);
    expect(submitted).toMatchObject({ code: 'PERMISSION_DENIED', reason: 'not-custodian' });
    expect(await pendingRows()).toHaveLength(0);
  });

  it('refuses a share for a bid already decrypted by its bidder', async () => {
    expect(await clients[0]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: await contentKeyOf(0) })).toMatchObject({ state: 'decrypted' });
    const refused = await submit('centre', orgOf(0)).catch(refusal);
    expect(refused).toMatchObject({ code: 'CONFLICT', reason: 'already-decrypted' });
    expect((refused as { zh: string }).zh).toContain('已解密');
    expect(await pendingRows()).toHaveLength(0);
  });

  it('refuses a share of another section’s key, whether the key id says so or not', async () => {
    const [held] = await db.select().from(openingKeyShare).where(and(eq(openingKeyShare.sectionId, other.id), eq(openingKeyShare.custodianId, custodian('centre').id)));
    const foreign = await openSealedShare({ sealedShare: [held!.sealedShare], key: { privateKey: await privateKeyOf(custodian('centre').certificate.privateKeyPem) } });
    const { fetched } = await openedShare('centre');
    const honest = await custodian('centre')
      .client.caller.hall.submitShare(signed('centre', { sectionId: section.id, organisationId: orgOf(1), keyId: foreign.keyId, share: foreign.share, challengeId: fetched.challengeId, challenge: fetched.challenge }))
      .catch(refusal);
    expect(honest).toMatchObject({ code: 'INVALID_INPUT', reason: 'share-of-another-key' });
    expect((honest as { zh: string }).zh).toContain('其他标段');
    const lying = await custodian('centre')
      .client.caller.hall.submitShare(signed('centre', { sectionId: section.id, organisationId: orgOf(1), keyId: fetched.keyId, share: foreign.share, challengeId: fetched.challengeId, challenge: fetched.challenge }))
      .catch(refusal);
    expect(lying).toMatchObject({ code: 'INVALID_INPUT', reason: 'wrong-share' });
    const bad = await custodian('centre')
      .client.caller.hall.submitShare({ ...signed('centre', { sectionId: section.id, organisationId: orgOf(1), keyId: fetched.keyId, share: foreign.share, challengeId: fetched.challengeId, challenge: fetched.challenge }, 'supervisor'), certificateId: custodian('centre').certificate.certificateId })
      .catch(refusal);
    expect(bad).toMatchObject({ reason: 'bad-signature' });
    expect(await pendingRows()).toHaveLength(0);
    const denied = await db.select().from(traceEntry).where(and(eq(traceEntry.targetId, section.id), eq(traceEntry.action, 'hall.share.submit'), eq(traceEntry.outcome, 'denied')));
    expect(denied.map((d) => d.details.reason)).toEqual(expect.arrayContaining(['share-of-another-key', 'wrong-share', 'bad-signature']));
  });

  it('two custodians recover a failed bid: the same custodian twice counts once; the row reads out as recovered with its price; nothing stays stored', async () => {
    expect(await clients[1]!.caller.hall.handOverKey({ sectionId: section.id, contentKey: randomBytes(32).toString('base64') }).catch(refusal)).toMatchObject({ reason: 'wrong-key' });
    expect(await submit('centre', orgOf(1))).toEqual({ state: 'pending', received: 1, threshold: 2, already: false });
    expect(await submit('centre', orgOf(1))).toEqual({ state: 'pending', received: 1, threshold: 2, already: true });
    expect(await pendingRows()).toHaveLength(1);
    const midway = await testClient(p.services).caller.hall.get({ sectionId: section.id });
    expect(midway.hall.custodianThreshold).toBe(2);
    expect(midway.bidders.find((b) => b.organisationId === orgOf(1))).toMatchObject({ state: 'failed', recoveryShares: 1 });
    const done = await submit('supervisor', orgOf(1));
    expect(done).toMatchObject({ state: 'recovered', row: { outcome: 'recovered', organisationId: orgOf(1), priceFen: schedules[1]!.priceFen, durationDays: 299, bondReference: 'BH-2027-101', matchesReceipt: true } });
    expect((done as { row: { priceInWords: string } }).row.priceInWords).toMatch(/^壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角/);
    expect(await pendingRows()).toHaveLength(0);

    const [row] = await db.select().from(bidDecryption).where(and(eq(bidDecryption.sectionId, section.id), eq(bidDecryption.organisationId, orgOf(1))));
    expect(row).toMatchObject({ state: 'recovered', matchesReceipt: true, plaintextKey: `opened/${section.id}/${orgOf(1)}` });
    expect((await readBidBundle(await p.services.store.getBytes(row!.plaintextKey!))).openingSchedule).toEqual(schedules[1]);
    const snapshot = await testClient(p.services).caller.hall.get({ sectionId: section.id });
    expect(snapshot.record.find((r) => r.organisationId === orgOf(1))).toMatchObject({ outcome: 'recovered', priceFen: schedules[1]!.priceFen });

    const [recover] = await db.select().from(traceEntry).where(and(eq(traceEntry.targetId, section.id), eq(traceEntry.action, 'hall.recover'), eq(traceEntry.outcome, 'ok')));
    expect(recover!.details).toMatchObject({ organisation: orgOf(1), custodians: `${custodian('centre').id},${custodian('supervisor').id}` });
    expect(recover!.details.custodianNames).toContain('孙立（行政监督）');
    expect(recover!.digests.plaintext).toBe(row!.plaintextSha256);
    const submits = await db.select().from(traceEntry).where(and(eq(traceEntry.targetId, section.id), eq(traceEntry.action, 'hall.share.submit'), eq(traceEntry.outcome, 'ok'))).orderBy(traceEntry.id);
    expect(submits.map((s) => s.actorName)).toEqual(['centre', 'supervisor']);

    // A share for the recovered bid now: refused like one for a decrypted bid.
    expect(await submit('centre.dj', orgOf(1)).catch(refusal)).toMatchObject({ reason: 'already-decrypted' });
  });

  it('a wrong share that passes no check before the rebuild makes the rebuild fail: refused, every pending share discarded; then recovered', async () => {
    const flip = (share: Uint8Array) => {
      const flipped = Uint8Array.from(share);
      flipped[10]! ^= 0x40;
      return flipped;
    };
    // With the plain share's digest recorded at the ceremony, a damaged share is refused on arrival.
    expect(await submit('centre', orgOf(2), flip).catch(refusal)).toMatchObject({ code: 'INVALID_INPUT', reason: 'wrong-share' });
    expect(await pendingRows()).toHaveLength(0);
    expect(await submit('centre.dj', orgOf(2))).toMatchObject({ state: 'pending', received: 1 });
    // A key made before plain-share digests were recorded (migration 0011 leaves them null): only the
    // rebuild can tell a wrong share. The table is append-only, so the test lifts its trigger for this.
    await executeRows(db, sql`alter table opening_key_share disable trigger opening_key_share_append_only`);
    await db.update(openingKeyShare).set({ shareSha256: null }).where(and(eq(openingKeyShare.sectionId, section.id), eq(openingKeyShare.custodianId, custodian('centre').id)));
    await executeRows(db, sql`alter table opening_key_share enable trigger opening_key_share_append_only`);
    const wrong = await submit('centre', orgOf(2), flip).catch(refusal);
    expect(wrong).toMatchObject({ code: 'RULE_VIOLATION', reason: 'wrong-share' });
    expect((wrong as { zh: string }).zh).toContain('全部作废');
    expect(await pendingRows()).toHaveLength(0);
    const [failed] = await db.select().from(traceEntry).where(and(eq(traceEntry.targetId, section.id), eq(traceEntry.action, 'hall.recover'), eq(traceEntry.outcome, 'failed')));
    expect(failed!.details).toMatchObject({ organisation: orgOf(2), reason: 'wrong-share' });
    const [still] = await db.select().from(bidDecryption).where(and(eq(bidDecryption.sectionId, section.id), eq(bidDecryption.organisationId, orgOf(2))));
    expect(still!.state).toBe('waiting');

    expect(await submit('centre', orgOf(2))).toMatchObject({ state: 'pending', received: 1 });
    expect(await submit('centre.dj', orgOf(2))).toMatchObject({ state: 'recovered', row: { priceFen: schedules[2]!.priceFen, outcome: 'recovered' } });
    expect(await pendingRows()).toHaveLength(0);
    const snapshot = await testClient(p.services).caller.hall.get({ sectionId: section.id });
    expect(snapshot.hall.state).toBe('reading');
    expect(snapshot.record.map((r) => r.outcome)).toEqual(['decrypted', 'recovered', 'recovered']);
  });

  it('publishes the shares and the recovery in the hall, with the custodians’ names and no share', async () => {
    const events = await db.select().from(liveEvent).where(eq(liveEvent.topic, `hall:${section.id}`)).orderBy(liveEvent.seq);
    const kinds = events.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'bid.shareSubmitted')).toHaveLength(6);
    expect(kinds.filter((k) => k === 'bid.recovered')).toHaveLength(2);
    expect(kinds).toContain('bid.recoveryFailed');
    const first = events.find((e) => e.kind === 'bid.shareSubmitted')!;
    expect(first.payload).toMatchObject({ organisationId: orgOf(1), custodianName: '陈晓（交易中心）', received: 1, threshold: 2 });
    expect(events.find((e) => e.kind === 'bid.recovered')!.payload).toMatchObject({ organisationId: orgOf(1), custodians: [{ name: '陈晓（交易中心）' }, { name: '孙立（行政监督）' }] });
    // No event carries a share or its digest.
    const [held] = await db.select().from(openingKeyShare).where(and(eq(openingKeyShare.sectionId, section.id), eq(openingKeyShare.custodianId, custodian('supervisor').id)));
    const plain = await openSealedShare({ sealedShare: [held!.sealedShare], key: { privateKey: await privateKeyOf(custodian('supervisor').certificate.privateKeyPem) } });
    const text = JSON.stringify(events);
    expect(text).not.toContain(Buffer.from(plain.share).toString('base64').slice(4, 28));
    expect(text).not.toContain(sha256Hex(plain.share));
  });
});

describe('custodian recovery with SM2 custodian certificates (shares sealed and signed with SM2)', () => {
  let p: TestPlatform;
  let custodians: Map<string, TestCustodian>;

  beforeAll(async () => {
    p = await createTestPlatform();
    custodians = await enrolCustodians(p, { sm2: ['centre', 'supervisor'] });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('two SM2 custodians open their SM2-sealed shares, sign with SM2, and recover a waiting bid', async () => {
    const section = await publishedCustodianSection(p);
    const schedules: OpeningSchedule[] = [0, 1, 2].map((i) => ({ version: 1, priceFen: 7_000_000_00 + i, durationDays: 100, quality: '合格', bondReference: `BH-SM2-${i}` }));
    const { bidders } = await submitCustodianBids(p, section, schedules);
    await setDeadline(p.services.db, section.id, '-1 millisecond');
    await takeDueTransitions(p.services.db);
    await (await signedIn(p.services, 'centre')).caller.hall.startDecryption({ sectionId: section.id });
    const organisationId = bidders[2]!.account.organisationId!;
    let last: unknown;
    for (const username of ['centre', 'supervisor']) {
      const c = custodians.get(username)!;
      const client = await signedIn(p.services, username);
      const fetched = await client.caller.hall.shares({ sectionId: section.id });
      expect((await readEnvelopeHeader([new Uint8Array(Buffer.from(fetched.sealedShare, 'base64'))])).header.suite).toBe(SUITE_SM2_SM4);
      const opened = await openSealedShare({ sealedShare: [new Uint8Array(Buffer.from(fetched.sealedShare, 'base64'))], key: { privateKey: await privateKeyOf(c.certificate.privateKeyPem) }, expectKeyId: fetched.keyId });
      const message = shareMessage({ sectionId: section.id, organisationId, keyId: opened.keyId, shareSha256: sha256Hex(opened.share), challengeId: fetched.challengeId, challenge: fetched.challenge });
      last = await client.caller.hall.submitShare({
        sectionId: section.id,
        organisationId,
        keyId: opened.keyId,
        share: Buffer.from(opened.share).toString('base64'),
        message,
        signature: Buffer.from(signMessage(c.certificate.privateKeyPem, SHARE_CONTEXT, new TextEncoder().encode(message))).toString('base64'),
        certificateId: c.certificate.certificateId,
      });
    }
    expect(last).toMatchObject({ state: 'recovered', row: { outcome: 'recovered', priceFen: schedules[2]!.priceFen, matchesReceipt: true } });
    expect(await p.services.db.select().from(hallRecoveryShare)).toHaveLength(0);
  });
});

