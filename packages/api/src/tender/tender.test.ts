import { sql, traceEntry, eq, documentDownload, executeRows, section } from '@ggzy/db';
import { addDays, instantOf, localDateOf } from '@ggzy/domain';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestPlatform, signedIn, type TestClient, type TestPlatform } from '../testing';
import { obtainDocument, uploadDocument } from './documents';
import { sectionDraft } from './fixtures';
import { takeDueTransitions } from './timed-transitions';

async function dbNow(p: TestPlatform): Promise<Date> {
  const rows = (await p.services.db.execute(sql`select now() as now`)) as unknown;
  const row = Array.isArray(rows) ? rows[0] : (rows as { rows: unknown[] }).rows[0];
  return new Date((row as { now: string | Date }).now);
}

const actions = async (p: TestPlatform) => (await p.services.db.select().from(traceEntry).orderBy(traceEntry.id)).map((e) => e.action);

async function me(client: TestClient) {
  return (await client.caller.auth.me())!;
}

describe('tender publishing and the section before its deadline', () => {
  let p: TestPlatform;
  let tenderer: TestClient;
  let bidder: TestClient;

  beforeEach(async () => {
    p = await createTestPlatform();
    tenderer = await signedIn(p.services, 'tenderer');
    bidder = await signedIn(p.services, 'bidder1');
  });
  afterEach(async () => {
    await p.close();
  });

  async function upload(client: TestClient, sectionId: string, filename = '招标文件.pdf', content = '%PDF-1.7 招标文件正文') {
    const account = (await client.caller.auth.me())!;
    const session = { sessionId: '', accountId: account.accountId, username: account.username, displayName: account.displayName, role: account.role, organisationId: account.organisationId, organisationName: account.organisationName, regionCode: account.regionCode };
    return uploadDocument({
      db: p.services.db,
      store: p.services.store,
      request: { requestId: 'test-upload', ip: '203.0.113.7', userAgent: 'vitest', cookies: {}, csrfHeader: null },
      account: session,
      sectionId,
      filename,
      contentType: 'application/pdf',
      body: Readable.from([Buffer.from(content)]),
    });
  }

  async function publishedSection(overrides = {}) {
    const now = await dbNow(p);
    const created = await tenderer.caller.tender.create(sectionDraft(now, overrides));
    await upload(tenderer, created.sectionId);
    await tenderer.caller.tender.publish({ sectionId: created.sectionId, noticeTitle: '招标公告', noticeHtml: '<p>欢迎投标<script>alert(1)</script></p>' });
    return created;
  }

  it('a tenderer drafts, uploads and publishes; a bidder finds it, obtains the documents, asks, and sees the answer; every step is traced', async () => {
    const created = await publishedSection();
    expect(created.projectCode).toMatch(/^990100-\d{4}-0001$/);
    expect(created.sectionCode).toBe(`${created.projectCode}-01`);

    // The portal finds it by keyword and filters; drafts never appear there.
    const found = await bidder.caller.portal.search({ keyword: '教学楼', type: 'construction', regionCode: '990000' });
    expect(found.items.map((i) => i.id)).toEqual([created.sectionId]);
    expect((await bidder.caller.portal.search({ type: 'procurement' })).items).toEqual([]);
    const detail = await bidder.caller.portal.section({ sectionId: created.sectionId });
    expect(detail.notices[0]!.bodyHtml).toBe('<p>欢迎投标</p>');
    expect(detail.timeline.map((t) => t.key)).toEqual(['documentsFrom', 'published', 'documentsUntil', 'deadline']);

    // The bidder obtains the document: bytes as uploaded, the download recorded for its company.
    const bidderAccount = await me(bidder);
    const got = await obtainDocument({
      db: p.services.db,
      store: p.services.store,
      request: { requestId: 'test-dl', ip: '203.0.113.9', userAgent: 'vitest', cookies: {}, csrfHeader: null },
      account: { ...bidderAccount, sessionId: '' },
      documentId: detail.documents[0]!.id,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of got.stream) chunks.push(Buffer.from(chunk as Buffer));
    expect(Buffer.concat(chunks).toString()).toBe('%PDF-1.7 招标文件正文');
    const downloads = await p.services.db.select().from(documentDownload).where(eq(documentDownload.sectionId, created.sectionId));
    expect(downloads).toEqual([expect.objectContaining({ organisationId: bidderAccount.organisationId })]);

    const { id: questionId } = await bidder.caller.bidding.ask({ sectionId: created.sectionId, question: '请问工期是否可以调整？' });
    // The tenderer sees the question but not who asked.
    const own = await tenderer.caller.tender.get({ sectionId: created.sectionId });
    expect(own.questions).toEqual([expect.objectContaining({ id: questionId, question: '请问工期是否可以调整？' })]);
    expect(JSON.stringify(own.questions)).not.toContain(bidderAccount.organisationId!);

    await tenderer.caller.tender.issue({ sectionId: created.sectionId, kind: 'clarification', title: '澄清一', bodyHtml: '<p>工期不变。</p>', affectsBids: false, questionIds: [questionId] });
    const mine = await bidder.caller.bidding.mine();
    expect(mine.questions).toEqual([expect.objectContaining({ id: questionId, answerHtml: '<p>工期不变。</p>' })]);
    expect(mine.notices.map((n) => n.title)).toEqual(['澄清一']);
    // Another bidder that obtained nothing cannot ask.
    const other = await signedIn(p.services, 'bidder2');
    await expect(other.caller.bidding.ask({ sectionId: created.sectionId, question: '没有文件可以提问吗？' })).rejects.toMatchObject({ cause: { code: 'RULE_VIOLATION', zh: '请先获取招标文件' } });

    expect(await actions(p)).toEqual(
      expect.arrayContaining(['section.create', 'document.upload', 'section.publish', 'document.download', 'clarification.ask', 'clarification.answer']),
    );
  });

  it('refuses a deadline less than 20 days after the documents and a bond over 2 %, with the reason, and stores nothing', async () => {
    const now = await dbNow(p);
    const today = localDateOf(now);
    await expect(tenderer.caller.tender.create(sectionDraft(now, { documentsUntil: instantOf(addDays(today, 19), '09:00'), deadline: instantOf(addDays(today, 19), '09:30') }))).rejects.toMatchObject({
      code: 'UNPROCESSABLE_CONTENT',
      cause: { code: 'RULE_VIOLATION', details: { rules: 'bid-period', fields: 'deadline' } },
    });
    await expect(tenderer.caller.tender.create(sectionDraft(now, { bond: 20_000_001 }))).rejects.toMatchObject({
      cause: { code: 'RULE_VIOLATION', zh: expect.stringContaining('不超过 ¥200000.00') },
    });
    // A method the type does not use is no way around the periods: construction by auction, 3 days.
    const sideDoor = sectionDraft(now, { documentsUntil: instantOf(addDays(today, 2), '17:00'), deadline: instantOf(addDays(today, 3), '09:30') });
    await expect(tenderer.caller.tender.create({ ...sideDoor, project: { ...sideDoor.project, method: 'auction' } })).rejects.toMatchObject({
      cause: { code: 'RULE_VIOLATION', details: { rules: 'method-type', fields: 'method' }, zh: expect.stringContaining('只能采用公开招标或邀请招标') },
    });
    expect(await tenderer.caller.tender.mine()).toEqual([]);
  });

  it('moves the deadline when an amendment that affects bids comes less than 15 days before it', async () => {
    const created = await publishedSection();
    const now = await dbNow(p);
    // As if time had passed: the deadline is now 10 days away.
    const deadline = instantOf(addDays(localDateOf(now), 10), '09:30');
    await p.services.db.execute(sql`update section set deadline = ${deadline.toISOString()}::timestamptz where id = ${created.sectionId}`);
    await upload(tenderer, created.sectionId, '招标文件.pdf', '%PDF-1.7 第二版');
    const result = await tenderer.caller.tender.issue({ sectionId: created.sectionId, kind: 'amendment', title: '修改一', bodyHtml: '<p>工程量清单修改</p>', affectsBids: true });
    expect(result.deadlineMoved).toBe(true);
    expect(result.newDeadlineDate >= addDays(localDateOf(now), 15)).toBe(true);
    const detail = await tenderer.caller.portal.section({ sectionId: created.sectionId });
    expect(detail.section.deadline).toBe(result.deadline);
    // The second version supersedes the first; both stay listed.
    expect(detail.documents.map((d) => [d.version, d.superseded])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(detail.notices.find((n) => n.kind === 'amendment')).toMatchObject({ affectsBids: true, deadlineBefore: deadline.toISOString() });
  });

  it('takes the deadline once, from the database clock, held while an objection is open', async () => {
    const created = await publishedSection();
    const bidderAccount = await me(bidder);
    const [doc] = (await bidder.caller.portal.section({ sectionId: created.sectionId })).documents;
    await obtainDocument({ db: p.services.db, store: p.services.store, request: { requestId: 'r', ip: null, userAgent: null, cookies: {}, csrfHeader: null }, account: { ...bidderAccount, sessionId: '' }, documentId: doc!.id });
    const { id: objectionId } = await bidder.caller.bidding.object({ sectionId: created.sectionId, text: '评分标准中的业绩要求排斥潜在投标人。' });

    await p.services.db.execute(sql`update section set deadline = now() - interval '1 second' where id = ${created.sectionId}`);
    expect(await takeDueTransitions(p.services.db)).toEqual([]); // held: the objection is open
    await tenderer.caller.tender.answerObjection({ objectionId, answerHtml: '<p>业绩要求符合规定。</p>' });
    expect(await takeDueTransitions(p.services.db)).toEqual([{ sectionId: created.sectionId, from: 'announced', to: 'failed' }]);
    expect(await takeDueTransitions(p.services.db)).toEqual([]);
    const [row] = await p.services.db.select().from(section).where(eq(section.id, created.sectionId));
    expect(row!.stateReason).toMatch(/投标人少于3个/);
    expect((await actions(p)).filter((a) => a === 'section.deadline')).toHaveLength(1);

    // The supervisor sees who obtained the documents; the tenderer cannot ask.
    const supervisor = await signedIn(p.services, 'supervisor');
    expect(await supervisor.caller.calendar.downloads({ sectionId: created.sectionId })).toEqual([
      expect.objectContaining({ organisationName: '示例建工集团有限公司', username: 'bidder1' }),
    ]);
    await expect(tenderer.caller.calendar.downloads({ sectionId: created.sectionId })).rejects.toMatchObject({ cause: { code: 'PERMISSION_DENIED' } });

    // A failed section is tendered again as a new draft that points back to it; the old one stays failed.
    const again = await tenderer.caller.tender.retender({ sectionId: created.sectionId });
    expect(again.sectionCode).toBe(created.sectionCode.replace(/-01$/, '-02'));
    const fresh = await tenderer.caller.tender.get({ sectionId: again.sectionId });
    expect(fresh.section).toMatchObject({ state: 'draft', retenderOf: created.sectionId });
    expect((await tenderer.caller.tender.get({ sectionId: created.sectionId })).section.state).toBe('failed');
    await expect(tenderer.caller.tender.retender({ sectionId: again.sectionId })).rejects.toMatchObject({ cause: { code: 'CONFLICT' } });
  });

  it('moves the deadline for an amendment that publishes new documents even when it says it affects no bid (实施条例 art. 21)', async () => {
    const created = await publishedSection();
    const now = await dbNow(p);
    const deadline = instantOf(addDays(localDateOf(now), 10), '09:30');
    await p.services.db.execute(sql`update section set deadline = ${deadline.toISOString()}::timestamptz where id = ${created.sectionId}`);
    // Without new documents, the tenderer's word stands: nothing moves.
    const plain = await tenderer.caller.tender.issue({ sectionId: created.sectionId, kind: 'amendment', title: '更正一', bodyHtml: '<p>联系电话更正</p>', affectsBids: false });
    expect(plain.deadlineMoved).toBe(false);
    await upload(tenderer, created.sectionId, '招标文件.pdf', '%PDF-1.7 第三版');
    const result = await tenderer.caller.tender.issue({ sectionId: created.sectionId, kind: 'amendment', title: '修改二', bodyHtml: '<p>见新版招标文件</p>', affectsBids: false });
    expect(result.deadlineMoved).toBe(true);
    expect(result.newDeadlineDate >= addDays(localDateOf(now), 15)).toBe(true);
    const [entry] = await executeRows<{ details: Record<string, string> }>(p.services.db, sql`select details from trace_entry where action = 'section.amend' and target_id = ${created.sectionId} order by id desc limit 1`);
    expect(entry!.details).toMatchObject({ affectsBids: 'true', affectsBidsBecause: 'new-documents', deadlineMoved: 'true' });
  });

  it('refuses an objection filed less than 10 days before the deadline', async () => {
    const created = await publishedSection();
    const bidderAccount = await me(bidder);
    const [doc] = (await bidder.caller.portal.section({ sectionId: created.sectionId })).documents;
    await obtainDocument({ db: p.services.db, store: p.services.store, request: { requestId: 'r', ip: null, userAgent: null, cookies: {}, csrfHeader: null }, account: { ...bidderAccount, sessionId: '' }, documentId: doc!.id });
    const now = await dbNow(p);
    await p.services.db.execute(sql`update section set deadline = ${instantOf(addDays(localDateOf(now), 9), '09:30').toISOString()}::timestamptz where id = ${created.sectionId}`);
    await expect(bidder.caller.bidding.object({ sectionId: created.sectionId, text: '评分标准中的业绩要求排斥潜在投标人。' })).rejects.toMatchObject({
      cause: { code: 'RULE_VIOLATION', details: { rules: 'objection-too-late' } },
    });
  });

  it('keeps other companies’ drafts invisible and published sections read-only for edits', async () => {
    const now = await dbNow(p);
    const draft = await tenderer.caller.tender.create(sectionDraft(now));
    const agency = await signedIn(p.services, 'agency');
    await expect(agency.caller.tender.get({ sectionId: draft.sectionId })).rejects.toMatchObject({ cause: { code: 'NOT_FOUND' } });
    await expect(bidder.caller.portal.section({ sectionId: draft.sectionId })).rejects.toMatchObject({ cause: { code: 'NOT_FOUND' } });
    await upload(tenderer, draft.sectionId);
    await tenderer.caller.tender.publish({ sectionId: draft.sectionId, noticeTitle: '招标公告', noticeHtml: '<p>公告</p>' });
    await expect(tenderer.caller.tender.update({ sectionId: draft.sectionId, fields: sectionDraft(now).section })).rejects.toMatchObject({ cause: { code: 'CONFLICT' } });
  });
});
