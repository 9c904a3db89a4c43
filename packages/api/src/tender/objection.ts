import { appendTrace } from '@ggzy/audit';
import { and, eq, executeRows, isNull, notice, objection, sql, type Database } from '@ggzy/db';
import { AppError, checkObjectionFiling, objectionAnswerDue } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { requireObtained, requireOwnSection, SECTION_NOT_FOUND } from './access';
import { digestOf } from './create-section';
import { ruleViolation } from './rule-error';
import { sanitizeNotice } from './sanitize';

/**
 * 实施条例 art. 22: a bidder that obtained the documents objects to them at least 10 days before the
 * deadline; the tenderer answers within 3 days, and the deadline is held while it is open.
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

/** The tenderer answers; the answer is published to everyone (without the objector's name). */
export async function answerObjection(options: { db: Database; request: RequestInfo; account: SessionAccount; objectionId: string; answerHtml: string }) {
  const { db, account } = options;
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(objection).where(and(eq(objection.id, options.objectionId), isNull(objection.answeredAt))).for('update');
    if (!row) throw new AppError('NOT_FOUND', { zh: '没有待答复的该异议', en: 'No such open objection' });
    await requireOwnSection(tx, row.sectionId, account);
    const bodyHtml = sanitizeNotice(options.answerHtml);
    if (bodyHtml.trim() === '') throw new AppError('INVALID_INPUT', { zh: '答复不能为空', en: 'The answer is empty' });
    await tx.update(objection).set({ answer: bodyHtml, answeredAt: sql`now()` }).where(eq(objection.id, row.id));
    await tx.insert(notice).values({
      sectionId: row.sectionId,
      kind: 'objectionAnswer',
      title: '异议答复 / Answer to an objection',
      bodyHtml,
      publishedAt: sql`now()`,
      createdBy: account.accountId,
    });
    await appendTrace(tx, actorOf(options.request, account), {
      action: 'objection.answer',
      targetType: 'section',
      targetId: row.sectionId,
      digests: { answer: digestOf(bodyHtml) },
      details: { objection: row.id },
    });
    return { ok: true as const };
  });
}
