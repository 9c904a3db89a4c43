/**
 * The host's procedures (docs/opening-hall.md §3): start the decryption window, pause and resume the
 * hall, post messages. Each locks the hall row, changes it, appends its trace entry and publishes its
 * live event in one transaction.
 */
import { appendTrace } from '@ggzy/audit';
import { and, bidDecryption, eq, executeRows, hallMessage, openingHall, openingRecordRow, organisation, sql, type Database } from '@ggzy/db';
import { nextPosition, publicRow, settleIfComplete } from './record';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { digestOf } from '../tender/create-section';
import { assertHallState, assertNotPaused, hallRefusal, loadHall, requireHost } from './access';
import { publishHall } from './events';
import { STALE_DECRYPTION_MINUTES } from './hand-over';
import { warmDecryptionWorkers } from './decrypt-pool';
import { discardPendingShares } from './recovery';

interface HostCall {
  db: Database;
  request: RequestInfo;
  account: SessionAccount;
  sectionId: string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function startDecryption(call: HostCall & { minutes?: number | undefined }) {
  const started = await call.db.transaction(async (tx) => {
    const { hall, section } = await loadHall(tx, call.sectionId, { lock: true });
    requireHost(section, call.account);
    assertNotPaused(hall);
    assertHallState(hall, ['open'], { zh: '开始解密', en: 'start the decryption' });
    const minutes = call.minutes ?? hall.windowMinutes;
    const [row] = await executeRows<{ started: Date | string; ends: Date | string }>(
      tx,
      sql`update ${openingHall} set state = 'decrypting', window_minutes = ${minutes}, decryption_started_at = now(),
            decryption_ends_at = now() + make_interval(mins => ${minutes}), updated_at = now()
          where section_id = ${section.id} returning decryption_started_at as started, decryption_ends_at as ends`,
    );
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'hall.decryption.start',
      targetType: 'section',
      targetId: section.id,
      details: { minutes: String(minutes), endsAt: iso(row!.ends)! },
    });
    await publishHall(tx, section.id, 'hall.decryptionStarted', { state: 'decrypting', minutes, startedAt: iso(row!.started), endsAt: iso(row!.ends) });
    return { state: 'decrypting' as const, minutes, startedAt: iso(row!.started)!, endsAt: iso(row!.ends)! };
  });
  // The keys may all come at once now: have the decryption workers loaded before they do.
  warmDecryptionWorkers();
  return started;
}

export async function extendDecryption(call: HostCall & { minutes: number; reason: string }) {
  return call.db.transaction(async (tx) => {
    const { hall, section } = await loadHall(tx, call.sectionId, { lock: true });
    requireHost(section, call.account);
    assertNotPaused(hall);
    assertHallState(hall, ['decrypting'], { zh: '延长解密时间', en: 'extend the decryption window' });
    if (hall.extendedAt) {
      throw hallRefusal('CONFLICT', 'already-extended', '解密时间只能延长一次，本标段已延长过', 'The decryption window can be extended only once, and it has been', { extensionReason: hall.extensionReason });
    }
    // Only before the end: once over, the window stays closed (window-close.ts) and the host decides the bids still sealed.
    const [{ over }] = (await executeRows<{ over: boolean }>(tx, sql`select coalesce(now() >= ${hall.decryptionEndsAt?.toISOString() ?? null}::timestamptz, false) as over`)) as [{ over: boolean }];
    if (over || hall.windowClosedAt) {
      throw hallRefusal('RULE_VIOLATION', 'window-closed', '解密时间已结束，不能再延长；请依法处理仍未解密的投标（撤销或撤回，并说明原因）', 'The decryption window has closed and can no longer be extended; decide the bids still sealed (revoked or withdrawn, with a reason)');
    }
    const [row] = await executeRows<{ ends: Date | string }>(
      tx,
      sql`update ${openingHall} set decryption_ends_at = decryption_ends_at + make_interval(mins => ${call.minutes}), extended_at = now(),
            extension_minutes = ${call.minutes}, extension_reason = ${call.reason}, updated_at = now()
          where section_id = ${section.id} returning decryption_ends_at as ends`,
    );
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'hall.decryption.extend',
      targetType: 'section',
      targetId: section.id,
      digests: { reason: digestOf(call.reason) },
      details: { minutes: String(call.minutes), endsAt: iso(row!.ends)!, reason: call.reason },
    });
    await publishHall(tx, section.id, 'hall.decryptionExtended', { minutes: call.minutes, reason: call.reason, endsAt: iso(row!.ends) });
    return { endsAt: iso(row!.ends)! };
  });
}

export async function pauseHall(call: HostCall & { reason: string }) {
  return call.db.transaction(async (tx) => {
    const { hall, section } = await loadHall(tx, call.sectionId, { lock: true });
    requireHost(section, call.account);
    assertHallState(hall, ['open', 'decrypting', 'reading', 'confirming'], { zh: '暂停开标', en: 'pause the opening' });
    if (hall.paused) throw hallRefusal('CONFLICT', 'already-paused', '开标已处于暂停状态', 'The opening is already paused', { pauseReason: hall.pauseReason });
    const [row] = await executeRows<{ at: Date | string }>(
      tx,
      sql`update ${openingHall} set paused = true, pause_reason = ${call.reason}, paused_at = now(), updated_at = now() where section_id = ${section.id} returning paused_at as at`,
    );
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'hall.pause',
      targetType: 'section',
      targetId: section.id,
      details: { reason: call.reason },
    });
    await publishHall(tx, section.id, 'hall.paused', { reason: call.reason, at: iso(row!.at) });
    return { paused: true as const, at: iso(row!.at)! };
  });
}

/** Resumes a paused hall; a running decryption window is lengthened by the time the hall stood still. */
export async function resumeHall(call: HostCall & { reason: string }) {
  return call.db.transaction(async (tx) => {
    const { hall, section } = await loadHall(tx, call.sectionId, { lock: true });
    requireHost(section, call.account);
    if (!hall.paused) throw hallRefusal('CONFLICT', 'not-paused', '开标没有暂停，无需恢复', 'The opening is not paused');
    const [row] = await executeRows<{ ends: Date | string | null; at: Date | string }>(
      tx,
      sql`update ${openingHall} set paused = false, pause_reason = null, paused_at = null, updated_at = now(),
            decryption_ends_at = case when state = 'decrypting' and window_closed_at is null then decryption_ends_at + (now() - paused_at) else decryption_ends_at end
          where section_id = ${section.id} returning decryption_ends_at as ends, now() as at`,
    );
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'hall.resume',
      targetType: 'section',
      targetId: section.id,
      details: { reason: call.reason, pausedSince: iso(hall.pausedAt) ?? '', ...(row!.ends ? { endsAt: iso(row!.ends)! } : {}) },
    });
    await publishHall(tx, section.id, 'hall.resumed', { reason: call.reason, at: iso(row!.at), endsAt: iso(row!.ends) });
    return { paused: false as const, endsAt: iso(row!.ends) };
  });
}

export async function postMessage(call: HostCall & { text: string }) {
  return call.db.transaction(async (tx) => {
    const { hall, section } = await loadHall(tx, call.sectionId, { lock: true });
    requireHost(section, call.account);
    assertHallState(hall, ['open', 'decrypting', 'reading', 'confirming'], { zh: '发送消息', en: 'post a message' });
    const [row] = await tx.insert(hallMessage).values({ sectionId: section.id, accountId: call.account.accountId, text: call.text }).returning();
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'hall.message',
      targetType: 'section',
      targetId: section.id,
      digests: { text: digestOf(call.text) },
      details: { message: row!.id },
    });
    await publishHall(tx, section.id, 'hall.message', { id: row!.id, text: call.text, at: row!.at.toISOString() });
    return { id: row!.id, at: row!.at.toISOString() };
  });
}


/**
 * The host's decision on a bid that cannot be decrypted (电子招标投标办法 art. 31): the bidder's
 * fault → revoked (撤销), anyone else's → withdrawn (撤回), with a reason; the other bids go on.
 * Only for a bid whose decryption failed, or any still sealed once the window has closed.
 */
export async function decideBid(call: HostCall & { organisationId: string; outcome: 'revoked' | 'withdrawn'; reason: string }) {
  return call.db.transaction(async (tx) => {
    const { hall, section } = await loadHall(tx, call.sectionId, { lock: true });
    requireHost(section, call.account);
    assertNotPaused(hall);
    assertHallState(hall, ['decrypting'], { zh: '处理无法解密的投标', en: 'decide on a bid that cannot be decrypted' });
    const [bid] = await tx.select().from(bidDecryption).where(and(eq(bidDecryption.sectionId, section.id), eq(bidDecryption.organisationId, call.organisationId)));
    if (!bid) throw hallRefusal('NOT_FOUND', 'no-such-bid', '该单位在本标段没有投标', 'That company has no bid in this section');
    const [{ closed, stale }] = (await executeRows<{ closed: boolean; stale: boolean }>(
      tx,
      sql`select coalesce(now() >= ${hall.decryptionEndsAt?.toISOString() ?? null}::timestamptz, false) as closed,
                 coalesce(${bid.handedOverAt?.toISOString() ?? null}::timestamptz < now() - make_interval(mins => ${STALE_DECRYPTION_MINUTES}), false) as stale`,
    )) as [{ closed: boolean; stale: boolean }];
    const over = closed || hall.windowClosedAt !== null;
    // Once the window is over, a decryption left `decrypting` by a process that stopped can no longer
    // be taken over by a new hand-over: the host decides it like a bid still sealed.
    if (!(bid.state === 'failed' || (over && bid.state === 'waiting') || (over && bid.state === 'decrypting' && stale))) {
      throw hallRefusal('CONFLICT', 'not-decidable', `该投标当前状态为 ${bid.state}，只有解密失败的投标，或解密时间结束后仍未解密的投标，才由主持人处理`, `That bid is ${bid.state}; the host decides only bids whose decryption failed, or that are still sealed once the window has closed`, { state: bid.state });
    }
    const [company] = await tx.select({ name: organisation.name, creditCode: organisation.creditCode }).from(organisation).where(eq(organisation.id, call.organisationId));
    await tx.update(bidDecryption).set({ state: call.outcome, reason: call.reason, decidedBy: call.account.accountId, updatedAt: sql`now()` }).where(and(eq(bidDecryption.sectionId, section.id), eq(bidDecryption.organisationId, call.organisationId)));
    // Custodian shares waiting for this bid are of no use any more (recovery.ts).
    await discardPendingShares(tx, section.id, call.organisationId);
    const [row] = await tx
      .insert(openingRecordRow)
      .values({ sectionId: section.id, position: await nextPosition(tx, section.id), organisationId: call.organisationId, companyName: company!.name, creditCode: company!.creditCode, outcome: call.outcome, reason: call.reason })
      .returning();
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'hall.decide',
      targetType: 'section',
      targetId: section.id,
      details: { organisation: call.organisationId, outcome: call.outcome, reason: call.reason, previous: bid.state },
    });
    await publishHall(tx, section.id, 'bid.decided', { organisationId: call.organisationId, outcome: call.outcome, reason: call.reason });
    await publishHall(tx, section.id, 'record.row', { row: publicRow(row!) });
    await settleIfComplete(tx, section.id);
    return { state: call.outcome, row: publicRow(row!) };
  });
}
