/**
 * 实施条例 art. 22 through the API on a real database: while an objection to the documents is open,
 * bidding on the section is suspended (new uploads and submits refused with the article, each refusal
 * traced; withdrawals allowed), the portal and OCDS say so, and an answer after the 3 days moves the
 * deadline by the days it was overdue, in the same transaction, published on the answer's notice and
 * traced. An objection still open at the deadline holds the close; its late answer moves the deadline
 * into the future and the section takes bids again.
 */
import { account, and, bidUpload, eq, executeRows, notice, objection, section, sql, traceEntry, type Database } from '@ggzy/db';
import { deadlineAfterObjectionAnswer, isAppError, objectionAnswerDue } from '@ggzy/domain';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitBid, withdrawBid } from '../bidding/submit';
import { announcedSection, createBidders, CSRF_HEADERS, signedSubmit, signedWithdraw, startTestServer, TusClient, type TestBidder } from '../bidding/test-support';
import { createTestPlatform, signedIn, testClient, type TestClient, type TestPlatform } from '../testing';
import { loadHolidayCalendar } from './access';
import { takeDueTransitions } from './timed-transitions';

const SUITE = 'rsa-oaep-sha256/aes-256-gcm-stream';
const request = () => ({ requestId: randomUUID(), ip: '203.0.113.9', userAgent: 'vitest', cookies: {}, csrfHeader: null });

/** A completed, inspected upload of `bidder` (set-up straight in the database, as deadline.test.ts does). */
async function completedUpload(db: Database, bidder: TestBidder, sectionId: string) {
  const id = randomUUID();
  const ciphertextSha256 = createHash('sha256').update(randomBytes(32)).digest('hex');
  // What the header of an envelope sealed from this bidder's sealing info says (envelope-binding.ts).
  const [facts] = await executeRows<{ code: string; key_id: string }>(
    db,
    sql`select s.code, c.key_id from section s, certificate c where s.id = ${sectionId} and c.id = ${bidder.certificateId}`,
  );
  await db.insert(bidUpload).values({
    id,
    sectionId,
    organisationId: bidder.account.organisationId!,
    accountId: bidder.account.accountId,
    length: 4096,
    completedAt: new Date(),
    ciphertextSha256,
    headerSha256: ciphertextSha256,
    suite: SUITE,
    headerSection: facts!.code,
    headerBidder: bidder.creditCode,
    recipientKeyIds: [`bidder:${facts!.key_id}`],
  });
  return signedSubmit(bidder, { sectionId, organisationId: bidder.account.organisationId!, uploadId: id, ciphertextSha256, envelopeBytes: 4096 });
}

async function refusalOf(run: Promise<unknown>) {
  try {
    await run;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('an objection suspends bidding until it is answered (实施条例 art. 22)', () => {
  let p: TestPlatform;
  let bidders: TestBidder[];
  let tenderer: TestClient;
  let anonymous: TestClient;

  beforeAll(async () => {
    p = await createTestPlatform();
    bidders = await createBidders(p.services, 3);
    tenderer = await signedIn(p.services, 'tenderer');
    anonymous = testClient(p.services);
  });
  afterAll(async () => {
    await p?.close();
  });

  const submit = async (bidder: TestBidder, sectionId: string) =>
    submitBid({ services: p.services, request: request(), account: bidder.account }, await completedUpload(p.services.db, bidder, sectionId));

  /** An announced section of the demo tenderer's company, its deadline `deadlineIn` from now. */
  async function tendererSection(deadlineIn: string) {
    const created = await announcedSection(p.services.db, { deadlineIn });
    const [own] = await p.services.db.select({ organisationId: account.organisationId }).from(account).where(eq(account.username, 'tenderer'));
    await p.services.db.execute(sql`update project set tenderer_id = ${own!.organisationId} from section where section.project_id = project.id and section.id = ${created.id}`);
    // Found by its code on the portal (the search text is written at creation, which this skipped).
    await p.services.db.execute(sql`update section set search_text = lower(code) where id = ${created.id}`);
    return created;
  }

  /** An objection of bidders[0]'s company filed `ago` before now (straight in the database, as fileObjection records it). */
  async function objectionFiled(sectionId: string, ago: string) {
    const [{ filed }] = (await executeRows<{ filed: Date | string }>(p.services.db, sql`select now() - ${ago}::interval as filed`)) as [{ filed: Date | string }];
    const filedAt = new Date(filed);
    const [row] = await p.services.db
      .insert(objection)
      .values({ sectionId, organisationId: bidders[0]!.account.organisationId!, filedBy: bidders[0]!.account.accountId, text: '评分标准中的业绩要求排斥潜在投标人。', filedAt, answerDue: objectionAnswerDue(filedAt) })
      .returning();
    return row!;
  }

  const deadlineOf = async (sectionId: string) => (await p.services.db.select({ deadline: section.deadline }).from(section).where(eq(section.id, sectionId)))[0]!.deadline;

  it('refuses submits and new uploads while open, each traced with its reason; withdrawals stay possible; after the answer bids are taken again', async () => {
    const created = await tendererSection('20 days');
    // bidders[1] bid before the objection.
    await submit(bidders[1]!, created.id);
    const open = await objectionFiled(created.id, '1 hour');

    const refused = await refusalOf(submit(bidders[2]!, created.id));
    expect(refused).toMatchObject({ code: 'RULE_VIOLATION', details: { reason: 'objection-pending' } });
    expect(refused.zh).toMatch(/^招标活动暂停（异议处理中）/);
    expect(refused.zh).toContain('招标投标法实施条例第二十二条');
    expect(refused.en).toMatch(/^Bidding suspended: an objection/);
    expect(refused.en).toContain('Implementing Regulations art. 22');
    const denied = await p.services.db
      .select()
      .from(traceEntry)
      .where(and(eq(traceEntry.action, 'bid.submit'), eq(traceEntry.outcome, 'denied'), eq(traceEntry.targetId, created.id)));
    expect(denied).toHaveLength(1);
    expect(denied[0]!.details).toMatchObject({ reason: 'objection-pending', objectionsOpen: '1' });
    expect(denied[0]!.actorId).toBe(bidders[2]!.account.accountId);

    // A new upload over tus is refused before anything is staged, and the refusal is traced.
    const server = await startTestServer(p.services);
    try {
      const tus = new TusClient(server.base, { cookie: bidders[2]!.cookie, ...CSRF_HEADERS });
      const created2 = await tus.create(created.id, 1024);
      expect(created2.status).toBe(422);
      expect(JSON.parse(created2.body)).toMatchObject({ code: 'RULE_VIOLATION', details: { reason: 'objection-pending' } });
      expect(await p.services.db.select().from(bidUpload).where(and(eq(bidUpload.sectionId, created.id), eq(bidUpload.accountId, bidders[2]!.account.accountId)))).toHaveLength(1); // only the set-up row
      // The refusal's entry is written once the answer is sent (http.ts): wait for it.
      const traced = async () =>
        executeRows<{ details: Record<string, string>; target_id: string }>(
          p.services.db,
          sql`select details, target_id from trace_entry where action = 'request.refused' and actor_id = ${bidders[2]!.account.accountId} order by id`,
        );
      await expect.poll(async () => (await traced()).map((e) => e.details.reason)).toContain('objection-pending');
      expect((await traced()).find((e) => e.details.reason === 'objection-pending')).toMatchObject({ target_id: 'POST /api/uploads', details: { code: 'RULE_VIOLATION' } });
    } finally {
      await server.close();
    }

    // The portal says so: the section's page, the list, and OCDS.
    const page = await anonymous.caller.portal.section({ sectionId: created.id });
    expect(page.suspension).toEqual({ since: open.filedAt.toISOString(), answerDue: open.answerDue.toISOString() });
    const listed = await anonymous.caller.portal.search({ keyword: created.code });
    expect(listed.items.find((i) => i.id === created.id)?.suspended).toBe(true);
    const ocds = await anonymous.caller.portal.ocdsSection({ sectionId: created.id });
    expect(ocds.releases[0]!.tender.documents.find((d) => d.id === 'suspension')).toMatchObject({ documentType: 'complaints' });

    // Withdrawing takes a company out and changes nothing for anyone else: allowed.
    const withdrawn = await withdrawBid({ services: p.services, request: request(), account: bidders[1]!.account }, signedWithdraw(bidders[1]!, { sectionId: created.id, organisationId: bidders[1]!.account.organisationId! }));
    expect(withdrawn.body.kind).toBe('withdraw');

    // Answered on time: nothing moves, bidding resumes.
    const before = await deadlineOf(created.id);
    const answered = await tenderer.caller.tender.answerObjection({ objectionId: open.id, answerHtml: '<p>业绩要求符合规定。</p>' });
    expect(answered).toMatchObject({ deadlineMoved: false, daysOverdue: 0, biddingResumed: true });
    expect((await deadlineOf(created.id)).toISOString()).toBe(before.toISOString());
    await expect(submit(bidders[2]!, created.id)).resolves.toMatchObject({ body: { kind: 'submit' } });
    expect((await anonymous.caller.portal.section({ sectionId: created.id })).suspension).toBeNull();
    expect((await anonymous.caller.portal.search({ keyword: created.code })).items.find((i) => i.id === created.id)?.suspended).toBe(false);
  });

  it('moves the deadline by the days the answer was overdue, published on the answer notice and traced', async () => {
    const created = await tendererSection('20 days');
    // Filed 6 days ago: the 3 days ended 2 days ago, so the answer now is 2 or 3 days overdue (by the CST date).
    const open = await objectionFiled(created.id, '6 days');
    const before = await deadlineOf(created.id);
    const answered = await tenderer.caller.tender.answerObjection({ objectionId: open.id, answerHtml: '<p>已修改业绩要求，见澄清。</p>' });
    const [row] = await p.services.db.select().from(objection).where(eq(objection.id, open.id));
    const expected = deadlineAfterObjectionAnswer({ deadline: before, answer: { answerDue: open.answerDue, answeredAt: row!.answeredAt! } }, await loadHolidayCalendar(p.services.db));
    expect(expected.moved).toBe(true);
    expect(answered).toMatchObject({ deadlineMoved: true, deadline: expected.deadline.toISOString(), daysOverdue: expected.daysOverdue });
    expect(expected.daysOverdue).toBeGreaterThanOrEqual(2);
    const after = await deadlineOf(created.id);
    expect(after.toISOString()).toBe(expected.deadline.toISOString());
    expect(after.getTime() - before.getTime()).toBeGreaterThanOrEqual(expected.daysOverdue * 86_400_000 - 60_000);

    const [published] = await p.services.db.select().from(notice).where(and(eq(notice.sectionId, created.id), eq(notice.kind, 'objectionAnswer')));
    expect(published).toMatchObject({ deadlineBefore: before, deadlineAfter: after });
    const page = await anonymous.caller.portal.section({ sectionId: created.id });
    expect(page.section.deadline).toBe(after.toISOString());
    expect(page.notices.find((n) => n.kind === 'objectionAnswer')).toMatchObject({ deadlineBefore: before.toISOString(), deadlineAfter: after.toISOString() });
    const [entry] = await executeRows<{ details: Record<string, string> }>(p.services.db, sql`select details from trace_entry where action = 'objection.answer' and target_id = ${created.id}`);
    expect(entry!.details).toMatchObject({
      objection: open.id,
      deadlineMoved: 'true',
      deadlineBefore: before.toISOString(),
      deadlineAfter: after.toISOString(),
      daysOverdue: String(expected.daysOverdue),
      objectionsOpen: '0',
    });
  });

  it('holds the close of a deadline that passes while the objection is open; the late answer moves the deadline into the future', async () => {
    const created = await tendererSection('20 days');
    const open = await objectionFiled(created.id, '15 days');
    await p.services.db.execute(sql`update section set deadline = now() - interval '1 hour' where id = ${created.id}`);
    expect((await takeDueTransitions(p.services.db)).filter((t) => t.sectionId === created.id)).toEqual([]); // held
    // Past the deadline, a submit is refused for the deadline, whatever the objection.
    expect(await refusalOf(submit(bidders[2]!, created.id))).toMatchObject({ details: { reason: 'deadline-passed' } });

    const answered = await tenderer.caller.tender.answerObjection({ objectionId: open.id, answerHtml: '<p>异议不成立。</p>' });
    expect(answered.deadlineMoved).toBe(true);
    const [{ now }] = (await executeRows<{ now: Date | string }>(p.services.db, sql`select now() as now`)) as [{ now: Date | string }];
    const after = await deadlineOf(created.id);
    // At least the 7 days an on-time answer leaves.
    expect(after.getTime()).toBeGreaterThan(new Date(now).getTime() + 6 * 86_400_000);
    expect((await takeDueTransitions(p.services.db)).filter((t) => t.sectionId === created.id)).toEqual([]);
    const [row] = await p.services.db.select({ state: section.state }).from(section).where(eq(section.id, created.id));
    expect(row!.state).toBe('announced');
    await expect(submit(bidders[2]!, created.id)).resolves.toMatchObject({ body: { kind: 'submit' } });
  });

  it('leaves a cancelled section’s deadline alone', async () => {
    const created = await tendererSection('20 days');
    const open = await objectionFiled(created.id, '6 days');
    await p.services.db.update(section).set({ state: 'cancelled' }).where(eq(section.id, created.id));
    const before = await deadlineOf(created.id);
    const answered = await tenderer.caller.tender.answerObjection({ objectionId: open.id, answerHtml: '<p>项目已终止。</p>' });
    expect(answered.deadlineMoved).toBe(false);
    expect((await deadlineOf(created.id)).toISOString()).toBe(before.toISOString());
  });
});
