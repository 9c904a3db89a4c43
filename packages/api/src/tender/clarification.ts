import { appendTrace } from '@ggzy/audit';
import { and, clarificationQuestion, eq, executeRows, inArray, isNull, notice, section, sql, type Database } from '@ggzy/db';
import { AppError, deadlineAfterAmendment, localDateOf } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { loadHolidayCalendar, requireObtained, requireOwnSection, SECTION_NOT_FOUND } from './access';
import { digestOf } from './create-section';
import { sanitizeNotice } from './sanitize';

async function requireBeforeDeadline(db: Database, sectionId: string) {
  const [row] = await executeRows<{ state: string; open: boolean }>(
    db,
    sql`select state, now() < deadline as open from section where id = ${sectionId}`,
  );
  if (!row) throw SECTION_NOT_FOUND;
  if (row.state !== 'announced' || !row.open) {
    throw new AppError('RULE_VIOLATION', { zh: '投标截止时间已过', en: 'The bid deadline has passed' });
  }
}

/** A bidder that obtained the documents asks a question; who asked is never shown to the tenderer. */
export async function askQuestion(options: { db: Database; request: RequestInfo; account: SessionAccount; sectionId: string; question: string }) {
  const { db, account } = options;
  if (!account.organisationId) throw SECTION_NOT_FOUND;
  await requireBeforeDeadline(db, options.sectionId);
  await requireObtained(db, options.sectionId, account.organisationId);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(clarificationQuestion)
      .values({ sectionId: options.sectionId, question: options.question, organisationId: account.organisationId!, askedBy: account.accountId })
      .returning({ id: clarificationQuestion.id });
    await appendTrace(tx, actorOf(options.request, account), {
      action: 'clarification.ask',
      targetType: 'section',
      targetId: options.sectionId,
      digests: { question: digestOf(options.question) },
      details: { question: row!.id },
    });
    return { id: row!.id };
  });
}

export interface IssueOptions {
  db: Database;
  request: RequestInfo;
  account: SessionAccount;
  sectionId: string;
  kind: 'clarification' | 'amendment';
  title: string;
  bodyHtml: string;
  /** May it affect how bids are prepared? Then the 15-day rule applies (实施条例 art. 21). */
  affectsBids: boolean;
  /** Questions this clarification answers. */
  questionIds?: string[] | undefined;
}

/**
 * Publishes a clarification (answering questions) or an amendment (with any document versions
 * uploaded since). Issued less than 15 days before the deadline and able to affect bids, it moves the
 * deadline so that 15 days remain: the rule is applied, not refused.
 */
export async function issueClarification(options: IssueOptions) {
  const { db, account } = options;
  const calendar = await loadHolidayCalendar(db);
  return db.transaction(async (tx) => {
    const { section: current } = await requireOwnSection(tx, options.sectionId, account, { lock: true });
    const [{ now, open } = { now: new Date(), open: false }] = await executeRows<{ now: Date; open: boolean }>(
      tx,
      sql`select now() as now, now() < ${current.deadline.toISOString()}::timestamptz as open`,
    );
    if (current.state !== 'announced' || !open) {
      throw new AppError('CONFLICT', { zh: '只能在投标截止前发布澄清或修改', en: 'Clarifications and amendments are issued only before the deadline' });
    }
    const bodyHtml = sanitizeNotice(options.bodyHtml);
    if (bodyHtml.trim() === '') throw new AppError('INVALID_INPUT', { zh: '正文不能为空', en: 'The text is empty' });
    // 实施条例 art. 21: new or changed tender documents may affect every bid, whatever the flag says.
    const [{ pending } = { pending: 0 }] =
      options.kind === 'amendment'
        ? await executeRows<{ pending: number }>(tx, sql`select count(*)::int as pending from tender_document where section_id = ${current.id} and published_at is null`)
        : [];
    const affectsBids = options.affectsBids || pending > 0;
    const moved = deadlineAfterAmendment({ deadline: current.deadline, issuedAt: new Date(now), affectsBids }, calendar);
    const [published] = await tx
      .insert(notice)
      .values({
        sectionId: current.id,
        kind: options.kind,
        title: options.title,
        bodyHtml,
        affectsBids,
        deadlineBefore: current.deadline,
        deadlineAfter: moved.deadline,
        publishedAt: sql`now()`,
        createdBy: account.accountId,
      })
      .returning({ id: notice.id });
    if (moved.moved) {
      // The documents stay obtainable until the new deadline at the latest; never shortened.
      await tx.update(section).set({ deadline: moved.deadline, updatedAt: sql`now()` }).where(eq(section.id, current.id));
    }
    let documents = 0;
    if (options.kind === 'amendment') {
      const issued = await executeRows<{ id: string; filename: string; version: number }>(
        tx,
        sql`update tender_document set published_at = now()
             where section_id = ${current.id} and published_at is null
         returning id, filename, version`,
      );
      documents = issued.length;
      if (issued.length > 0) {
        // A new version of a file supersedes every earlier version of the same name.
        await tx.execute(sql`
          update tender_document d set superseded_at = now()
            from (select filename, max(version) as v from tender_document
                   where section_id = ${current.id} and published_at is not null group by filename) latest
           where d.section_id = ${current.id} and d.filename = latest.filename and d.version < latest.v
             and d.superseded_at is null`);
      }
    }
    if (options.questionIds && options.questionIds.length > 0) {
      const answered = await tx
        .update(clarificationQuestion)
        .set({ answerNoticeId: published!.id })
        .where(and(eq(clarificationQuestion.sectionId, current.id), inArray(clarificationQuestion.id, options.questionIds), isNull(clarificationQuestion.answerNoticeId)))
        .returning({ id: clarificationQuestion.id });
      if (answered.length !== options.questionIds.length) {
        throw new AppError('CONFLICT', { zh: '所选问题不存在或已答复', en: 'Some of the chosen questions do not exist or are answered already' });
      }
    }
    await appendTrace(tx, actorOf(options.request, account), {
      action: options.kind === 'amendment' ? 'section.amend' : 'clarification.answer',
      targetType: 'section',
      targetId: current.id,
      digests: { notice: digestOf(bodyHtml) },
      details: {
        notice: published!.id,
        affectsBids: String(affectsBids),
        ...(affectsBids !== options.affectsBids ? { affectsBidsBecause: 'new-documents' } : {}),
        deadlineMoved: String(moved.moved),
        ...(moved.moved ? { deadlineBefore: current.deadline.toISOString(), deadlineAfter: moved.deadline.toISOString() } : {}),
        ...(documents > 0 ? { documents: String(documents) } : {}),
      },
    });
    return { noticeId: published!.id, deadline: moved.deadline.toISOString(), deadlineMoved: moved.moved, newDeadlineDate: localDateOf(moved.deadline) };
  });
}
