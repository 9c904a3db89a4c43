/**
 * The opening record (开标记录) as data: its rows in reading order, and the SHA-256 of its canonical
 * JSON (RFC 8785), which bidders sign when they confirm and which the closed record's trace entry
 * carries. Amounts are also given in Chinese capital numerals (大写金额), as paper records carry them.
 */
import { asc, bidDecryption, eq, and, inArray, openingHall, openingRecordRow, sql, type Database } from '@ggzy/db';
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { appendTrace } from '@ggzy/audit';
import { toChineseCapitalAmount } from '@ggzy/domain';
import { publishHall } from './events';

export type RecordRow = typeof openingRecordRow.$inferSelect;

export function publicRow(row: RecordRow) {
  return {
    position: row.position,
    organisationId: row.organisationId,
    companyName: row.companyName,
    creditCode: row.creditCode,
    outcome: row.outcome,
    priceFen: row.priceFen,
    priceInWords: row.priceFen === null ? null : toChineseCapitalAmount(row.priceFen),
    durationDays: row.durationDays,
    quality: row.quality,
    bondReference: row.bondReference,
    ciphertextSha256: row.ciphertextSha256,
    matchesReceipt: row.matchesReceipt,
    reason: row.reason,
    readAt: row.readAt.toISOString(),
  };
}

export async function recordRows(db: Database, sectionId: string) {
  const rows = await db.select().from(openingRecordRow).where(eq(openingRecordRow.sectionId, sectionId)).orderBy(asc(openingRecordRow.position));
  return rows.map(publicRow);
}

export function digestOfDocument(document: unknown): string {
  return createHash('sha256').update(canonicalize(document)!).digest('hex');
}

/** The record the bidders confirm: section and rows (what was read out). */
export async function recordDocument(db: Database, section: { id: string; code: string; name: string }) {
  const rows = (await recordRows(db, section.id)).map(({ readAt: _readAt, ...rest }) => rest);
  return { type: 'ggzy-opening-record/v1', section: { id: section.id, code: section.code, name: section.name }, rows };
}

/** The next place in the reading order. */
export async function nextPosition(tx: Database, sectionId: string): Promise<number> {
  const [row] = await tx.select({ n: sql<number>`coalesce(max(${openingRecordRow.position}), 0)::int` }).from(openingRecordRow).where(eq(openingRecordRow.sectionId, sectionId));
  return (row?.n ?? 0) + 1;
}

/**
 * Once no bid is left sealed (each decrypted, recovered, revoked or withdrawn), the record is complete
 * and the hall moves from `decrypting` to `reading`. Call under the hall's lock.
 */
export async function settleIfComplete(tx: Database, sectionId: string): Promise<boolean> {
  const open = await tx
    .select({ organisationId: bidDecryption.organisationId })
    .from(bidDecryption)
    .where(and(eq(bidDecryption.sectionId, sectionId), inArray(bidDecryption.state, ['waiting', 'decrypting', 'failed'])));
  if (open.length > 0) return false;
  await tx.update(openingHall).set({ state: 'reading', updatedAt: sql`now()` }).where(and(eq(openingHall.sectionId, sectionId), eq(openingHall.state, 'decrypting')));
  await appendTrace(tx, { actorName: 'system' }, { action: 'hall.reading', targetType: 'section', targetId: sectionId });
  await publishHall(tx, sectionId, 'hall.reading', { state: 'reading' });
  return true;
}
