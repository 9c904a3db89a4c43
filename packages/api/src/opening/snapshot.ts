/**
 * `hall.get`: the hall as it stands, for anyone (docs/opening-hall.md §3). `lastEventId` is read
 * before everything else, so a watcher that subscribes with it misses nothing that changed after
 * the snapshot (it may see a change twice: events are applied idempotently by the page).
 */
import { asc, bidDecryption, eq, executeRows, hallAttendance, hallMessage, hallObjection, liveEvent, openingRecordConfirmation, organisation, sql, type Database } from '@ggzy/db';
import type { SessionAccount } from '../context';
import { hallRoleOf, loadHall } from './access';
import { hallTopic } from './events';
import { recordRows } from './record';

export async function getHall(db: Database, sectionId: string, account: SessionAccount | null) {
  const [last] = await db.select({ seq: sql<number>`coalesce(max(${liveEvent.seq}), 0)::int` }).from(liveEvent).where(eq(liveEvent.topic, hallTopic(sectionId)));
  const [{ now }] = (await executeRows<{ now: Date | string }>(db, sql`select now() as now`)) as [{ now: Date | string }];
  const { hall, section } = await loadHall(db, sectionId);
  const me = await hallRoleOf(db, section, account);
  const bids = await db
    .select({ organisationId: bidDecryption.organisationId, name: organisation.name, state: bidDecryption.state, reason: bidDecryption.reason, handedOverAt: bidDecryption.handedOverAt })
    .from(bidDecryption)
    .innerJoin(organisation, eq(organisation.id, bidDecryption.organisationId))
    .where(eq(bidDecryption.sectionId, sectionId))
    .orderBy(asc(organisation.name));
  const attendance = await db.select({ organisationId: hallAttendance.organisationId, signedAt: hallAttendance.signedAt }).from(hallAttendance).where(eq(hallAttendance.sectionId, sectionId));
  const signed = new Map(attendance.map((a) => [a.organisationId, a.signedAt.toISOString()]));
  const queue = bids.filter((b) => b.state === 'decrypting').sort((a, b) => (a.handedOverAt?.getTime() ?? 0) - (b.handedOverAt?.getTime() ?? 0));
  const messages = await db.select({ id: hallMessage.id, text: hallMessage.text, at: hallMessage.at }).from(hallMessage).where(eq(hallMessage.sectionId, sectionId)).orderBy(asc(hallMessage.at));
  const objections = await db
    .select({ id: hallObjection.id, organisationId: hallObjection.organisationId, text: hallObjection.text, at: hallObjection.at, answer: hallObjection.answer, answeredAt: hallObjection.answeredAt })
    .from(hallObjection)
    .where(eq(hallObjection.sectionId, sectionId))
    .orderBy(asc(hallObjection.at));
  // Custodian recovery (§9): how many shares wait for each bid (never the shares), and k.
  const pendingShares = await executeRows<{ organisation_id: string; n: number }>(db, sql`select organisation_id, count(*)::int as n from hall_recovery_share where section_id = ${sectionId} group by organisation_id`);
  const sharesOf = new Map(pendingShares.map((r) => [r.organisation_id, r.n]));
  const [key] = await executeRows<{ threshold: number }>(db, sql`select threshold from opening_key where section_id = ${sectionId}`);
  const confirmations = await db.select({ organisationId: openingRecordConfirmation.organisationId, at: openingRecordConfirmation.at }).from(openingRecordConfirmation).where(eq(openingRecordConfirmation.sectionId, sectionId));
  const serverTime = new Date(now);
  const windowOpen = hall.state === 'decrypting' && hall.windowClosedAt === null && hall.decryptionEndsAt !== null && serverTime < hall.decryptionEndsAt;
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    serverTime: serverTime.toISOString(),
    lastEventId: String(last?.seq ?? 0),
    section: { id: section.id, code: section.code, name: section.name, state: section.state, deadline: section.deadline.toISOString() },
    hall: {
      state: hall.state,
      paused: hall.paused,
      pauseReason: hall.pauseReason,
      windowMinutes: hall.windowMinutes,
      decryptionStartedAt: iso(hall.decryptionStartedAt),
      decryptionEndsAt: iso(hall.decryptionEndsAt),
      windowOpen,
      /** Seconds left in the decryption window on the server's clock (0 once closed). */
      secondsLeft: hall.decryptionEndsAt && hall.state === 'decrypting' ? Math.max(0, Math.floor((hall.decryptionEndsAt.getTime() - serverTime.getTime()) / 1000)) : null,
      /** When the timed sweep recorded the window as over (event `hall.windowClosed`), or null. */
      windowClosedAt: iso(hall.windowClosedAt),
      extension: hall.extendedAt ? { minutes: hall.extensionMinutes, reason: hall.extensionReason, at: iso(hall.extendedAt) } : null,
      confirmationEndsAt: iso(hall.confirmationEndsAt),
      confirmationRecordSha256: hall.confirmationRecordSha256,
      recordSha256: hall.recordSha256,
      /** k of the section's opening key, where it has custodians (§9), else null. */
      custodianThreshold: key?.threshold ?? null,
    },
    me: { role: me.role, organisationId: me.bidderOrganisationId },
    bidders: bids.map((b) => ({
      organisationId: b.organisationId,
      name: b.name,
      signedInAt: signed.get(b.organisationId) ?? null,
      state: b.state,
      reason: b.reason,
      /** Custodian shares submitted so far to recover this bid (0 unless a recovery is under way). */
      recoveryShares: sharesOf.get(b.organisationId) ?? 0,
      // The place in the decryption queue, shown to the bidder itself (and the host and supervisor).
      queuePosition: b.state === 'decrypting' && (me.role === 'host' || me.role === 'supervisor' || me.bidderOrganisationId === b.organisationId) ? queue.indexOf(b) + 1 : null,
    })),
    /** Sealed bids the host must decide once the window has closed (电子招标投标办法 art. 31). */
    undecided: hall.state === 'decrypting' && !windowOpen ? bids.filter((b) => b.state === 'waiting' || b.state === 'failed').map((b) => b.organisationId) : [],
    record: await recordRows(db, sectionId),
    messages: messages.map((m) => ({ ...m, at: m.at.toISOString() })),
    objections: objections.map((o) => ({ ...o, at: o.at.toISOString(), answeredAt: iso(o.answeredAt) })),
    confirmations: confirmations.map((c) => ({ organisationId: c.organisationId, at: c.at.toISOString() })),
  };
}
