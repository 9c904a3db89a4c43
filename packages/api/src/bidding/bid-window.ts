/**
 * When a section takes bids: while it is announced and before its deadline on the database clock
 * (招标投标法 art. 28: bids after the deadline are refused, whatever the bidder's clock says).
 */
import { eq, executeRows, objection, section, sql, type Database } from '@ggzy/db';
import { AppError, endDateOf, SECTION_STATE_LABELS, type SectionState } from '@ggzy/domain';

export type SectionRow = typeof section.$inferSelect;

/**
 * The database clock now, truncated to the millisecond the timestamp columns keep. Truncated, not
 * rounded: 09:29:59.9996 is stored as 09:29:59.999, so a bid accepted before a 09:30:00.000 deadline
 * never carries a received_at equal to the deadline (a column would round it up).
 */
export async function databaseClock(db: Database): Promise<Date> {
  const [row] = await executeRows<{ now: Date | string }>(db, sql`select date_trunc('milliseconds', clock_timestamp()) as now`);
  return new Date(row!.now);
}

/** The section row, locked for update when asked (a submit and the deadline's close take the same lock). */
export async function readSection(db: Database, sectionId: string, options: { lock?: boolean } = {}): Promise<SectionRow | null> {
  const query = db.select().from(section).where(eq(section.id, sectionId));
  const [row] = options.lock ? await query.for('update') : await query;
  return row ?? null;
}

/** The rule itself, pure: the section is announced and `now` is strictly before the deadline. */
export function takesBids(state: SectionState, deadline: Date, now: Date): boolean {
  return state === 'announced' && now.getTime() < deadline.getTime();
}

/** Throws the reason a section does not take bids at `now` (read from the database clock). */
export function assertTakesBids(row: Pick<SectionRow, 'state' | 'deadline'>, now: Date): void {
  if (takesBids(row.state, row.deadline, now)) return;
  if (now.getTime() >= row.deadline.getTime()) {
    throw new AppError(
      'RULE_VIOLATION',
      {
        zh: `已过投标截止时间（${row.deadline.toISOString()}），不再接收投标文件（招标投标法第二十八条）`,
        en: `The bid deadline (${row.deadline.toISOString()}) has passed; no more bids are taken (Tendering and Bidding Law art. 28)`,
      },
      { reason: 'deadline-passed', deadline: row.deadline.toISOString(), at: now.toISOString() },
    );
  }
  const label = SECTION_STATE_LABELS[row.state];
  throw new AppError(
    'CONFLICT',
    { zh: `标段当前状态为“${label.zh}”，不接收投标文件`, en: `The section is ${label.en.toLowerCase()}; it takes no bids` },
    { reason: 'not-announced', state: row.state },
  );
}

/**
 * 实施条例 art. 22: until the tenderer answers an objection to the documents, the tendering is
 * suspended (作出答复前，应当暂停招标投标活动). The section's open objections, read in the caller's
 * transaction (a submit reads them under the section lock, which filing an objection also takes):
 * their number and the latest day an answer is due.
 */
export async function openObjections(db: Database, sectionId: string): Promise<{ count: number; answerDue: Date | null }> {
  const [row] = await executeRows<{ n: number; due: Date | string | null }>(
    db,
    sql`select count(*)::int as n, max(${objection.answerDue}) as due from ${objection} where ${objection.sectionId} = ${sectionId} and ${objection.answeredAt} is null`,
  );
  return { count: row?.n ?? 0, answerDue: row?.due ? new Date(row.due) : null };
}

/** The refusal of a bid while an objection is open (reason `objection-pending`). */
export function biddingSuspended(answerDue: Date | null): AppError {
  const by = answerDue ? endDateOf(answerDue) : null;
  return new AppError(
    'RULE_VIOLATION',
    {
      zh: `招标活动暂停（异议处理中）：该标段的招标文件有异议尚待答复，答复前暂停招标投标活动（招标投标法实施条例第二十二条），暂不接收投标文件${by ? `；答复期限至 ${by}` : ''}，答复后可继续投标`,
      en: `Bidding suspended: an objection to this section's documents is being answered, and until the answer the tendering is suspended (Implementing Regulations art. 22), so no bids are taken${by ? `; the answer is due by the end of ${by}` : ''}. Bid again once it is answered`,
    },
    { reason: 'objection-pending', ...(answerDue ? { answerDue: answerDue.toISOString() } : {}) },
  );
}

/** Throws `biddingSuspended` while the section has an open objection. */
export async function assertNotSuspended(db: Database, sectionId: string): Promise<void> {
  const open = await openObjections(db, sectionId);
  if (open.count > 0) throw biddingSuspended(open.answerDue);
}
