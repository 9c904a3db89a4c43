import { appendTrace } from '@ggzy/audit';
import { and, eq, executeRows, isNotNull, isNull, notice, objection, section, sql, type Database } from '@ggzy/db';
import { AppError, checkObjectionFiling, deadlineAfterObjectionAnswer, objectionAnswerDue } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { loadHolidayCalendar, requireObtained, requireOwnSection, SECTION_NOT_FOUND } from './access';
import { digestOf } from './create-section';
import { ruleViolation } from './rule-error';
import { sanitizeNotice } from './sanitize';

/**
 * 实施条例 art. 22: a bidder that obtained the documents objects to them at least 10 days before the
 * deadline; the tenderer answers within 3 days. From filing to the answer bidding on the section is
 * suspended (new uploads and submits refused, bid-window.ts) and the deadline's close is held.
 */
export async function fileObjection(options: { db: Database; request: RequestInfo; account: SessionAccount; sectionId: string; text: string }) {
  const { db, account } = options;
  if (!account.organisationId) throw SECTION_NOT_FOUND;
  return db.transaction(async (tx) => {
    const [row] = await executeRows<{ state: string; deadline: Date; now: Date }>(
      tx,
      sql`select state, deadline, now() as now from section where id = ${options.sectionId} for update`,
    );
    if (!row || row.state !== 'announced') throw new AppError('CONFLICT', { zh: '该标段不在招标期内', en: 'The section is not open for bids' });
    await requireObtained(tx, options.sectionId, account.organisationId!);
    const filedAt = new Date(row.now);
    const late = checkObjectionFiling({ deadline: new Date(row.deadline), filedAt });
    if (late) throw ruleViolation([late]);
    const [created] = await tx
      .insert(objection)
      .values({ sectionId: options.sectionId, organisationId: account.organisationId!, filedBy: account.accountId, text: options.text, answerDue: objectionAnswerDue(filedAt) })
      .returning({ id: objection.id, answerDue: objection.answerDue });
    await appendTrace(tx, actorOf(options.request, account), {
      action: 'objection.file',
      targetType: 'section',
      targetId: options.sectionId,
      digests: { text: digestOf(options.text) },
      details: { objection: created!.id },
    });
    return { id: created!.id, answerDue: created!.answerDue.toISOString() };
  });
}

const NO_OPEN_OBJECTION = () => new AppError('NOT_FOUND', { zh: '没有待答复的该异议', en: 'No such open objection' });

/**
 * The tenderer answers; the answer is published to everyone (without the objector's name). Bidding
 * on the section was suspended while the objection was open (实施条例 art. 22); an answer after the
 * 3 days moves the deadline by the days it was overdue (`deadlineAfterObjectionAnswer`), in the same
 * transaction, published on the answer's notice (deadline before and after, as an amendment's) and
 * traced. So does an answer to an objection that held the deadline's close: the deadline moves into
 * the future and the section takes bids again.
 */
export async function answerObjection(options: { db: Database; request: RequestInfo; account: SessionAccount; objectionId: string; answerHtml: string }) {
  const { db, account } = options;
  const calendar = await loadHolidayCalendar(db);
  return db.transaction(async (tx) => {
    const [target] = await tx.select({ sectionId: objection.sectionId }).from(objection).where(and(eq(objection.id, options.objectionId), isNull(objection.answeredAt)));
    if (!target) throw NO_OPEN_OBJECTION();
    // The section's lock first (the lock submits, filing and the deadline's close take), then the objection's.
    const { section: current } = await requireOwnSection(tx, target.sectionId, account, { lock: true });
    const [row] = await tx.select().from(objection).where(and(eq(objection.id, options.objectionId), isNull(objection.answeredAt))).for('update');
    if (!row) throw NO_OPEN_OBJECTION();
    const bodyHtml = sanitizeNotice(options.answerHtml);
    if (bodyHtml.trim() === '') throw new AppError('INVALID_INPUT', { zh: '答复不能为空', en: 'The answer is empty' });
    const [{ now } = { now: new Date() }] = await executeRows<{ now: Date | string }>(tx, sql`select now() as now`);
    const answeredAt = new Date(now);
    const earlier = await tx
      .select({ answerDue: objection.answerDue, answeredAt: objection.answeredAt })
      .from(objection)
      .where(and(eq(objection.sectionId, row.sectionId), isNotNull(objection.answeredAt)));
    // Only a section still taking bids (or held at its deadline by this objection) has a deadline to move.
    const moved =
      current.state === 'announced'
        ? deadlineAfterObjectionAnswer(
            { deadline: current.deadline, answer: { answerDue: row.answerDue, answeredAt }, earlier: earlier.map((e) => ({ answerDue: e.answerDue, answeredAt: e.answeredAt! })) },
            calendar,
          )
        : { deadline: current.deadline, moved: false, daysOverdue: 0, daysAdded: 0 };
    await tx.update(objection).set({ answer: bodyHtml, answeredAt }).where(eq(objection.id, row.id));
    const [published] = await tx
      .insert(notice)
      .values({
        sectionId: row.sectionId,
        kind: 'objectionAnswer',
        title: '异议答复 / Answer to an objection',
        bodyHtml,
        // As an amendment's notice: the deadline before and after, so the portal shows a move.
        deadlineBefore: current.deadline,
        deadlineAfter: moved.deadline,
        publishedAt: answeredAt,
        createdBy: account.accountId,
      })
      .returning({ id: notice.id });
    if (moved.moved) await tx.update(section).set({ deadline: moved.deadline, updatedAt: sql`now()` }).where(eq(section.id, current.id));
    const [still] = await executeRows<{ n: number }>(tx, sql`select count(*)::int as n from ${objection} where ${objection.sectionId} = ${row.sectionId} and ${objection.answeredAt} is null`);
    await appendTrace(tx, actorOf(options.request, account), {
      action: 'objection.answer',
      targetType: 'section',
      targetId: row.sectionId,
      digests: { answer: digestOf(bodyHtml) },
      details: {
        objection: row.id,
        notice: published!.id,
        answerDue: row.answerDue.toISOString(),
        daysOverdue: String(moved.daysOverdue),
        deadlineMoved: String(moved.moved),
        ...(moved.moved ? { deadlineBefore: current.deadline.toISOString(), deadlineAfter: moved.deadline.toISOString(), daysAdded: String(moved.daysAdded) } : {}),
        // Bidding resumes when no objection is left open.
        objectionsOpen: String(still?.n ?? 0),
      },
    });
    return { ok: true as const, deadline: moved.deadline.toISOString(), deadlineMoved: moved.moved, daysOverdue: moved.daysOverdue, biddingResumed: (still?.n ?? 0) === 0 };
  });
}
