/**
 * Who is who in a section's opening hall (docs/opening-hall.md §3): the host (centre staff of the
 * section's own centre), the supervisor (region scope), the tenderer, the bidders that have a bid in
 * the hall, and the public. Each hall mutation locks the hall row first, so its changes are serial.
 */
import { and, bidDecryption, eq, openingHall, project, section, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import type { SessionAccount } from '../context';
import { regionScope } from '../directory/region-scope';
import { bidderAudience, HOST_AUDIENCE, SUPERVISOR_AUDIENCE } from './events';

export type HallRow = typeof openingHall.$inferSelect;
export type HallSection = Pick<typeof section.$inferSelect, 'id' | 'code' | 'name' | 'state' | 'deadline' | 'envelopeSuite' | 'openingMode' | 'regionCode'> & { centreId: string; tendererId: string; agencyId: string | null };

export const NO_HALL = () =>
  new AppError('NOT_FOUND', { zh: '该标段没有开标大厅（尚未到投标截止时间，或已流标）', en: 'This section has no opening hall (its deadline has not passed, or it failed)' }, { reason: 'no-hall' });

export const hallRefusal = (code: 'CONFLICT' | 'RULE_VIOLATION' | 'INVALID_INPUT' | 'PERMISSION_DENIED' | 'NOT_FOUND', reason: string, zh: string, en: string, details: Record<string, string | number | boolean | null> = {}) =>
  new AppError(code, { zh, en }, { reason, ...details });

export async function loadHall(db: Database, sectionId: string, options: { lock?: boolean } = {}): Promise<{ hall: HallRow; section: HallSection }> {
  const query = db
    .select({
      hall: openingHall,
      section: {
        id: section.id,
        code: section.code,
        name: section.name,
        state: section.state,
        deadline: section.deadline,
        envelopeSuite: section.envelopeSuite,
        openingMode: section.openingMode,
        regionCode: section.regionCode,
        centreId: project.centreId,
        tendererId: project.tendererId,
        agencyId: project.agencyId,
      },
    })
    .from(openingHall)
    .innerJoin(section, eq(section.id, openingHall.sectionId))
    .innerJoin(project, eq(project.id, section.projectId))
    .where(eq(openingHall.sectionId, sectionId));
  const [row] = options.lock ? await query.for('update', { of: openingHall }) : await query;
  if (!row) throw NO_HALL();
  return row;
}

export interface HallRole {
  role: 'host' | 'supervisor' | 'tenderer' | 'bidder' | 'public';
  /** The caller's company when it has a bid in this hall. */
  bidderOrganisationId: string | null;
  audiences: string[];
}

/** The caller's place in the hall; decides which live events it receives (events.ts). */
export async function hallRoleOf(db: Database, hallSection: HallSection, account: SessionAccount | null): Promise<HallRole> {
  const none: HallRole = { role: 'public', bidderOrganisationId: null, audiences: [] };
  if (!account) return none;
  if (account.role === 'centre' && account.organisationId === hallSection.centreId) return { role: 'host', bidderOrganisationId: null, audiences: [HOST_AUDIENCE] };
  if (account.role === 'supervisor' && (await regionScope(db, account.regionCode)).includes(hallSection.regionCode)) {
    return { role: 'supervisor', bidderOrganisationId: null, audiences: [SUPERVISOR_AUDIENCE] };
  }
  if ((account.role === 'tenderer' || account.role === 'agency') && (account.organisationId === hallSection.tendererId || account.organisationId === hallSection.agencyId)) {
    return { role: 'tenderer', bidderOrganisationId: null, audiences: [] };
  }
  if (account.role === 'bidder' && account.organisationId) {
    const [own] = await db
      .select({ organisationId: bidDecryption.organisationId })
      .from(bidDecryption)
      .where(and(eq(bidDecryption.sectionId, hallSection.id), eq(bidDecryption.organisationId, account.organisationId)));
    if (own) return { role: 'bidder', bidderOrganisationId: own.organisationId, audiences: [bidderAudience(own.organisationId)] };
  }
  return none;
}

/** Only the centre staff of the section's own centre run its hall. */
export function requireHost(hallSection: HallSection, account: SessionAccount): void {
  if (account.organisationId !== hallSection.centreId) {
    throw hallRefusal('PERMISSION_DENIED', 'not-host', '只有本标段所属交易中心的工作人员可以主持开标', 'Only staff of the centre that hosts this section can run its opening');
  }
}

/** A bidder company with a bid standing in this hall; anyone else may not act as a bidder here. */
export async function requireHallBidder(db: Database, sectionId: string, account: SessionAccount): Promise<typeof bidDecryption.$inferSelect> {
  const [own] = account.organisationId
    ? await db.select().from(bidDecryption).where(and(eq(bidDecryption.sectionId, sectionId), eq(bidDecryption.organisationId, account.organisationId)))
    : [];
  if (!own) {
    throw hallRefusal('PERMISSION_DENIED', 'not-a-bidder', '贵单位在本标段没有有效的投标，不能以投标人身份参加开标', 'Your company has no standing bid in this section, so it cannot act as a bidder in its opening');
  }
  return own;
}

export function assertNotPaused(hall: HallRow): void {
  if (hall.paused) {
    throw hallRefusal('CONFLICT', 'hall-paused', `开标已暂停（${hall.pauseReason ?? ''}），请等待主持人恢复后再操作`, `The opening is paused (${hall.pauseReason ?? ''}); wait for the host to resume it and try again`, {
      pauseReason: hall.pauseReason,
    });
  }
}

const STATE_LABEL: Record<HallRow['state'], { zh: string; en: string }> = {
  open: { zh: '签到中', en: 'open for sign-in' },
  decrypting: { zh: '解密中', en: 'decrypting' },
  reading: { zh: '唱标完成', en: 'read out' },
  confirming: { zh: '开标记录确认中', en: 'confirming the record' },
  closed: { zh: '已结束', en: 'closed' },
};

export function assertHallState(hall: HallRow, allowed: ReadonlyArray<HallRow['state']>, action: { zh: string; en: string }): void {
  if (!allowed.includes(hall.state)) {
    throw hallRefusal('CONFLICT', 'hall-state', `开标大厅当前为“${STATE_LABEL[hall.state].zh}”，不能${action.zh}`, `The opening hall is ${STATE_LABEL[hall.state].en}; you cannot ${action.en} now`, { state: hall.state });
  }
}
