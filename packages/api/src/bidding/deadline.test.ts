/**
 * The bid deadline on the database clock (招标投标法 art. 28, docs/sealed-bids.md §5 and §7): 1 ms
 * before is in, the deadline itself and 1 ms after are out; a submit held by the section lock across
 * the deadline is out; and 100 submits racing the deadline's close end in exactly one of two states
 * each, with the close counting exactly the bids that got in.
 */
import { bid, bidSubmission, bidUpload, eq, executeRows, openDatabase, sql, traceEntry, and, type Database, type DatabaseHandle } from '@ggzy/db';
import { isAppError } from '@ggzy/domain';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../context';
import { takeDueTransitions } from '../tender/timed-transitions';
import { createTestPlatform, type TestPlatform } from '../testing';
import { recordSubmission, type SubmissionRequest } from './record-submissions';
import { submitBid } from './submit';
import { announcedSection, createBidders, setDeadline, signedSubmit, type TestBidder } from './test-support';

const onPostgres = Boolean(process.env.DATABASE_URL);
const SUITE = 'rsa-oaep-sha256/aes-256-gcm-stream';

/** A completed, inspected upload of `bidder` for the section (set-up straight in the database). */
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

const submitAs = (services: Services, bidder: TestBidder, request: Awaited<ReturnType<typeof completedUpload>>) =>
  submitBid({ services, request: { requestId: randomUUID(), ip: '203.0.113.9', userAgent: 'vitest', cookies: {}, csrfHeader: null }, account: bidder.account }, request);

async function refusalOf(run: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await run;
  } catch (error) {
    if (isAppError(error)) return { code: error.code, ...error.details };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the deadline on the database clock', () => {
  let p: TestPlatform;
  let bidders: TestBidder[];

  beforeAll(async () => {
    p = await createTestPlatform();
    bidders = await createBidders(p.services, 6);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('takes a submit 1 ms (and 0.4 ms) before the deadline and refuses one at it and 1 ms after (database clock pinned)', async () => {
    // The database's clock_timestamp() is shadowed for this test only, by a function of the same name
    // earlier on the search path, so that "1 ms before" is exact and not a matter of luck.
    const { db } = p.services;
    await db.execute(sql`create schema test_clock`);
    await db.execute(sql`create table test_clock.pinned (t timestamptz)`);
    await db.execute(sql.raw(`create function test_clock.clock_timestamp() returns timestamptz language sql volatile
      as $$ select coalesce((select t from test_clock.pinned limit 1), pg_catalog.clock_timestamp()) $$`));
    let pinnedDb: Database = db;
    let handle: DatabaseHandle | null = null;
    if (p.database.url) {
      const name = new URL(p.database.url).pathname.slice(1);
      await db.execute(sql.raw(`alter database "${name}" set search_path = test_clock, pg_catalog, public`));
      handle = await openDatabase({ url: p.database.url, max: 2 });
      pinnedDb = handle.db;
    } else {
      await db.execute(sql`set search_path = test_clock, pg_catalog, public`);
    }
    const services: Services = { ...p.services, db: pinnedDb };
    try {
      const section = await announcedSection(pinnedDb);
      const deadline = '2030-06-03T01:30:00.000Z';
      await pinnedDb.execute(sql`update section set deadline = ${deadline}::timestamptz where id = ${section.id}`);
      const pin = async (at: string) => {
        await pinnedDb.execute(sql`delete from test_clock.pinned`);
        await pinnedDb.execute(sql`insert into test_clock.pinned values (${at}::timestamptz)`);
      };

      await pin('2030-06-03T01:29:59.999Z');
      const before = await submitAs(services, bidders[0]!, await completedUpload(pinnedDb, bidders[0]!, section.id));
      expect(before.body.receivedAt).toBe('2030-06-03T01:29:59.999Z');

      // 0.4 ms before: stored truncated (…59.999), never rounded up onto the deadline itself.
      await pin('2030-06-03T01:29:59.9996Z');
      const justBefore = await submitAs(services, bidders[1]!, await completedUpload(pinnedDb, bidders[1]!, section.id));
      expect(justBefore.body.receivedAt).toBe('2030-06-03T01:29:59.999Z');

      for (const [i, at] of [[2, '2030-06-03T01:30:00.000Z'], [3, '2030-06-03T01:30:00.001Z']] as const) {
        await pin(at);
        const refused = await refusalOf(submitAs(services, bidders[i]!, await completedUpload(pinnedDb, bidders[i]!, section.id)));
        expect(refused).toMatchObject({ code: 'RULE_VIOLATION', reason: 'deadline-passed', deadline, at });
      }
      const counted = await pinnedDb.select().from(bid).where(eq(bid.sectionId, section.id));
      expect(counted.map((b) => b.organisationId).sort()).toEqual([bidders[0]!.account.organisationId, bidders[1]!.account.organisationId].sort());
      // The late attempts are on record, as attempts.
      const denied = await pinnedDb.select().from(traceEntry).where(and(eq(traceEntry.action, 'bid.submit'), eq(traceEntry.outcome, 'denied'), eq(traceEntry.targetId, section.id)));
      expect(denied.map((d) => d.details.at)).toEqual(['2030-06-03T01:30:00.000Z', '2030-06-03T01:30:00.001Z']);
    } finally {
      await pinnedDb.execute(sql`delete from test_clock.pinned`);
      await handle?.close();
      if (!p.database.url) await db.execute(sql`set search_path = "$user", public`);
    }
  });

  it('records what arrives together in one transaction: a duplicate makes no second submission, the latest counts', async () => {
    const { db } = p.services;
    const section = await announcedSection(db);
    const bidder = bidders[5]!;
    const request = (signed: Awaited<ReturnType<typeof completedUpload>>): SubmissionRequest => {
      const fields = JSON.parse(signed.message) as { uploadId: string; ciphertextSha256: string; envelopeBytes: number };
      return {
        kind: 'submit',
        sectionId: section.id,
        organisationId: bidder.account.organisationId!,
        accountId: bidder.account.accountId,
        actor: { actorId: bidder.account.accountId, actorName: bidder.username },
        message: signed.message,
        signature: new Uint8Array(Buffer.from(signed.signature, 'base64')),
        certificateId: signed.certificateId,
        uploadId: fields.uploadId,
        ciphertextSha256: fields.ciphertextSha256,
        envelopeBytes: fields.envelopeBytes,
      };
    };
    const first = request(await completedUpload(db, bidder, section.id));
    const second = request(await completedUpload(db, bidder, section.id));
    const [a, again, b] = await Promise.all([recordSubmission(db, first), recordSubmission(db, first), recordSubmission(db, second)]);
    expect(again).toEqual(a);
    expect(b.submissionId).not.toBe(a.submissionId);
    const rows = await db.select().from(bidSubmission).where(eq(bidSubmission.sectionId, section.id));
    expect(rows.map((r) => r.id).sort()).toEqual([a.submissionId, b.submissionId].sort());
    // One transaction: one reading of the clock for both.
    expect(new Set(rows.map((r) => r.receivedAt.getTime())).size).toBe(1);
    expect(await db.select().from(bid).where(eq(bid.sectionId, section.id))).toEqual([expect.objectContaining({ status: 'submitted', submissionId: b.submissionId })]);
    const traced = await db.select().from(traceEntry).where(and(eq(traceEntry.action, 'bid.submit'), eq(traceEntry.targetId, section.id)));
    expect(traced.map((t) => t.id).sort()).toEqual([a.traceEntryId, b.traceEntryId].sort());
  });

  it('refuses a submit 1 ms after the deadline on the real database clock, and records nothing but the attempt', async () => {
    const { db } = p.services;
    const section = await announcedSection(db);
    const request = await completedUpload(db, bidders[4]!, section.id);
    await setDeadline(db, section.id, '-1 millisecond');
    expect(await refusalOf(submitAs(p.services, bidders[4]!, request))).toMatchObject({ code: 'RULE_VIOLATION', reason: 'deadline-passed' });
    expect(await db.select().from(bidSubmission).where(eq(bidSubmission.sectionId, section.id))).toEqual([]);
    expect(await db.select().from(bid).where(eq(bid.sectionId, section.id))).toEqual([]);
  });
});

describe.skipIf(!onPostgres)('a submit and the close serialised by the section lock (PostgreSQL)', () => {
  let p: TestPlatform;
  let bidders: TestBidder[];
  let other: ReturnType<typeof postgres>;

  beforeAll(async () => {
    p = await createTestPlatform();
    other = postgres(p.database.url!, { max: 2, onnotice: () => {} });
    bidders = await createBidders(p.services, 100, { sharedKey: true });
  });
  afterAll(async () => {
    await other?.end({ timeout: 5 });
    await p?.close();
  });

  /** Waits until some backend of this database waits for a lock (the submit, held). */
  const someoneWaits = async () => {
    for (let i = 0; i < 500; i++) {
      const [row] = await other`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
      if (row!.n > 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the submit never waited for the section lock');
  };

  it('a submit that arrives before the deadline but gets the lock after it is refused; one that gets it before is taken', async () => {
    const { db } = p.services;
    for (const [i, releaseBeforeDeadline] of [[0, false], [1, true]] as const) {
      const section = await announcedSection(db);
      const request = await completedUpload(db, bidders[i]!, section.id);
      const deadline = await setDeadline(db, section.id, releaseBeforeDeadline ? '30 seconds' : '400 milliseconds');
      let submitting: Promise<unknown> | undefined;
      await other.begin(async (tx) => {
        await tx`select id from section where id = ${section.id} for update`;
        submitting = submitAs(p.services, bidders[i]!, request).then((r) => r, (e: unknown) => e);
        await someoneWaits();
        // Hold the lock past the deadline (database clock), or let go well before it.
        if (!releaseBeforeDeadline) await tx`select pg_sleep(greatest(0, extract(epoch from (${deadline.toISOString()}::timestamptz - clock_timestamp())) + 0.01))`;
      });
      const outcome = await submitting!;
      if (releaseBeforeDeadline) {
        expect(outcome).toMatchObject({ body: { kind: 'submit', sectionId: section.id } });
      } else {
        expect(isAppError(outcome) && outcome.details.reason).toBe('deadline-passed');
        expect(await db.select().from(bid).where(eq(bid.sectionId, section.id))).toEqual([]);
      }
    }
  });

  it('100 submits racing the close: each is in (received before the deadline and counted) or refused; nothing half', async () => {
    const { db } = p.services;
    const closer: DatabaseHandle = await openDatabase({ url: p.database.url!, max: 2 });
    try {
      const section = await announcedSection(db);
      const requests = await Promise.all(bidders.map((b) => completedUpload(db, b, section.id)));
      const deadline = await setDeadline(db, section.id, '1000 milliseconds');
      const start = Date.now();
      // Spread over two seconds, so that the close falls among them.
      const outcomes = bidders.map((b, i) =>
        new Promise((r) => setTimeout(r, i * 20)).then(() => submitAs(p.services, b, requests[i]!)).then((receipt) => ({ receipt }), (error: unknown) => ({ error })),
      );
      let closed: Awaited<ReturnType<typeof takeDueTransitions>> = [];
      while (!closed.some((t) => t.sectionId === section.id)) {
        if (Date.now() - start > 60_000) throw new Error('the close never happened');
        closed = await takeDueTransitions(closer.db);
        await new Promise((r) => setTimeout(r, 5));
      }
      const settled = await Promise.all(outcomes);

      const submissions = await db.select().from(bidSubmission).where(eq(bidSubmission.sectionId, section.id));
      const bids = await db.select().from(bid).where(eq(bid.sectionId, section.id));
      let accepted = 0;
      for (const [i, outcome] of settled.entries()) {
        const organisationId = bidders[i]!.account.organisationId!;
        const submission = submissions.find((s) => s.organisationId === organisationId);
        const counted = bids.find((b) => b.organisationId === organisationId);
        if ('receipt' in outcome) {
          accepted++;
          expect(submission, `bidder ${i}`).toBeDefined();
          expect(submission!.receivedAt.getTime(), `bidder ${i}`).toBeLessThan(deadline.getTime());
          expect(counted, `bidder ${i}`).toMatchObject({ status: 'submitted', submissionId: submission!.id });
          expect(outcome.receipt.body.submissionId).toBe(submission!.id);
        } else {
          expect(isAppError(outcome.error) ? outcome.error.details.reason : outcome.error, `bidder ${i}`).toMatch(/^(deadline-passed|not-announced)$/);
          expect(submission, `bidder ${i}`).toBeUndefined();
          expect(counted, `bidder ${i}`).toBeUndefined();
        }
      }
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(100);
      const [transition] = await executeRows<{ bids: string; to: string; n: number }>(
        db,
        sql`select details->>'bids' as bids, details->>'to' as to, count(*) over ()::int as n from trace_entry where action = 'section.deadline' and target_id = ${section.id}`,
      );
      const to = accepted >= 3 ? 'opening' : 'failed';
      expect(transition).toEqual({ bids: String(accepted), to, n: 1 });
      expect(bids).toHaveLength(accepted);
      const [state] = await executeRows<{ state: string }>(db, sql`select state from section where id = ${section.id}`);
      expect(state!.state).toBe(to);
    } finally {
      await closer.close();
    }
  });
});
