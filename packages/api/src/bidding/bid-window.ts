/**
 * When a section takes bids: while it is announced and before its deadline on the database clock
 * (招标投标法 art. 28: bids after the deadline are refused, whatever the bidder's clock says).
 */
import { eq, executeRows, section, sql, type Database } from '@ggzy/db';
import { AppError, SECTION_STATE_LABELS, type SectionState } from '@ggzy/domain';

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
