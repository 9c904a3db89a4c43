/**
 * The committee draw (专家抽取, docs/expert-draw.md), persisted:
 *
 * 1. the centre requests the committee of a section in `evaluating` (specialties and counts, own
 *    region or across regions, the tenderer's representatives), checked against DESIGN.md §3;
 * 2. `draw` commits a round: the inputs (pool snapshot, bidders, tenderer, deployment rules, everyone
 *    drawn before) are frozen in `draw_round`, and the commitment to the section's secret with the
 *    round's digests is a trace entry, in one transaction;
 * 3. the sequencer places that entry and signs a checkpoint; the first checkpoint whose tree size
 *    is larger than the entry's index is the round's public value (nobody knew its root before);
 * 4. the domain core draws the round; the members are stored and the round's result traced; the
 *    secret is revealed (trace entry `committee.draw.reveal`) once the first round is stored;
 * 5. drawn experts see their own draw and confirm or decline with a reason; `draw` again fills the
 *    gaps with the next round (a fresh commitment entry, a later checkpoint).
 *
 * A committed round is always completed, never replaced: otherwise the platform could commit again
 * until it liked the committee. Names stay secret: only the centre and the supervisor list the
 * members, and every such read is a trace entry.
 */
import { appendTrace } from '@ggzy/audit';
import {
  and,
  committeeMember,
  committeeRequest,
  drawRound,
  eq,
  executeRows,
  expert,
  expertDraw,
  expertSpecialty,
  inArray,
  organisation,
  project,
  section,
  specialty,
  sql,
  traceCheckpoint,
  traceEntry,
  type Database,
} from '@ggzy/db';
import {
  AppError,
  assertCommittee,
  canonicalDrawInputs,
  checkDrawTiming,
  drawCommitment,
  drawDigests,
  drawExperts,
  eligibilityOf,
  generateDrawSecret,
  holdsSpecialty,
  isValidCreditCode,
  localDateOf,
  DRAW_VERSION,
  type DeploymentRule,
  type DrawInputs,
  type DrawRecord,
  type OrganisationRef,
  type PoolExpert,
} from '@ggzy/domain';
import { actorOf, type RequestInfo, type Services, type SessionAccount } from '../context';
import { regionScope } from '../directory/region-scope';
import { digestOf } from '../tender/create-section';
import { loadHolidayCalendar } from '../tender/access';

const refusal = (code: 'INVALID_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'PERMISSION_DENIED' | 'RULE_VIOLATION', reason: string, zh: string, en: string, details: Record<string, string | number | boolean | null> = {}) =>
  new AppError(code, { zh, en }, { reason, ...details });

const SECTION_NOT_FOUND = () => refusal('NOT_FOUND', 'no-section', '没有这个标段', 'No such section');

interface DrawSection {
  id: string;
  code: string;
  name: string;
  state: string;
  type: (typeof section.$inferSelect)['type'];
  regionCode: string;
  estimatedPrice: number;
  centreId: string;
  centreRegionCode: string;
  tendererId: string;
  agencyId: string | null;
}

async function loadSection(db: Database, sectionId: string, lock = false): Promise<DrawSection> {
  const query = db
    .select({
      id: section.id,
      code: section.code,
      name: section.name,
      state: section.state,
      type: section.type,
      regionCode: section.regionCode,
      estimatedPrice: section.estimatedPrice,
      centreId: project.centreId,
      centreRegionCode: organisation.regionCode,
      tendererId: project.tendererId,
      agencyId: project.agencyId,
    })
    .from(section)
    .innerJoin(project, eq(project.id, section.projectId))
    .innerJoin(organisation, eq(organisation.id, project.centreId))
    .where(eq(section.id, sectionId));
  const [row] = lock ? await query.for('update', { of: section }) : await query;
  if (!row) throw SECTION_NOT_FOUND();
  return row;
}

function requireOwnCentre(s: DrawSection, account: SessionAccount): void {
  if (account.role !== 'centre' || account.organisationId !== s.centreId) {
    throw refusal('PERMISSION_DENIED', 'not-section-centre', '只有本标段所属交易中心的工作人员可以抽取评标专家', 'Only staff of the centre that hosts this section can draw its committee');
  }
}

function requireEvaluating(s: DrawSection, action: { zh: string; en: string }): void {
  if (s.state !== 'evaluating') {
    throw refusal('RULE_VIOLATION', 'not-evaluating', `标段不在评标阶段（当前为 ${s.state}），不能${action.zh}`, `The section is not being evaluated (it is ${s.state}); you cannot ${action.en}`, { state: s.state });
  }
}

export interface CommitteeRequestInput {
  sectionId: string;
  needs: Array<{ specialty: string; count: number }>;
  regionScope: 'own' | 'cross';
  tendererRepresentatives: number;
  evaluationStartsAt: Date;
  offSite: boolean;
}

interface Call {
  db: Database;
  request: RequestInfo;
  account: SessionAccount;
}

/** The centre asks for a section's committee; refused when it breaks the committee rules. Changeable until the first round is committed. */
export async function requestCommittee(call: Call & { input: CommitteeRequestInput }) {
  const input = call.input;
  return call.db.transaction(async (tx) => {
    const s = await loadSection(tx, input.sectionId, true);
    requireOwnCentre(s, call.account);
    requireEvaluating(s, { zh: '申请抽取专家', en: 'request a committee' });
    const [draw] = await tx.select({ sectionId: expertDraw.sectionId }).from(expertDraw).where(eq(expertDraw.sectionId, s.id));
    if (draw) throw refusal('CONFLICT', 'draw-started', '本标段已开始抽取专家，抽取条件不能再更改', 'The draw of this section has started; its request can no longer change');
    if (input.evaluationStartsAt.getTime() <= Date.now()) {
      throw refusal('RULE_VIOLATION', 'evaluation-in-past', '评标开始时间应晚于现在', 'The evaluation starts in the future');
    }
    const codes = input.needs.map((n) => n.specialty);
    if (new Set(codes).size !== codes.length) throw refusal('INVALID_INPUT', 'specialty-twice', '同一专业只能列一次', 'Each specialty is listed once');
    const experts = input.needs.reduce((sum, n) => sum + n.count, 0);
    assertCommittee({ type: s.type, budgetFen: s.estimatedPrice, experts, tendererRepresentatives: input.tendererRepresentatives });
    const known = new Set((await tx.select({ code: specialty.code }).from(specialty).where(inArray(specialty.code, codes))).map((r) => r.code));
    const unknown = codes.filter((c) => !known.has(c));
    if (unknown.length) throw refusal('INVALID_INPUT', 'unknown-specialty', `专业代码不存在：${unknown.join('、')}`, `Unknown specialty codes: ${unknown.join(', ')}`);
    const values = {
      needs: input.needs,
      regionScope: input.regionScope,
      tendererRepresentatives: input.tendererRepresentatives,
      evaluationStartsAt: input.evaluationStartsAt,
      offSite: input.offSite,
      requestedBy: call.account.accountId,
      updatedAt: new Date(),
    };
    await tx
      .insert(committeeRequest)
      .values({ sectionId: s.id, ...values })
      .onConflictDoUpdate({ target: committeeRequest.sectionId, set: values });
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'committee.request',
      targetType: 'section',
      targetId: s.id,
      digests: { request: digestOf({ ...input, evaluationStartsAt: input.evaluationStartsAt.toISOString() }) },
      details: {
        needs: input.needs.map((n) => `${n.specialty}×${n.count}`).join(','),
        regionScope: input.regionScope,
        experts: String(experts),
        tendererRepresentatives: String(input.tendererRepresentatives),
        evaluationStartsAt: input.evaluationStartsAt.toISOString(),
      },
    });
    return { sectionId: s.id, experts, members: experts + input.tendererRepresentatives };
  });
}

// --- Deployment rules (回避规则 a deployment adds) ---

export interface DrawRuleContext {
  sectionId: string;
  tendererId: string;
  agencyId: string | null;
  at: Date;
}
/** A deployment's recusal rule: evaluated by the platform, given to the draw as the ids it excludes. */
export type DrawRuleHook = (db: Database, context: DrawRuleContext) => Promise<DeploymentRule>;

/** Experts who sat (drawn and not declined) on a committee of the same tenderer within `months` months. */
export function sameTendererWithinMonths(months: number): DrawRuleHook {
  return async (db, c) => {
    const rows = await executeRows<{ expert_id: string }>(
      db,
      sql`select distinct m.expert_id from committee_member m
            join section s on s.id = m.section_id join project p on p.id = s.project_id
           where p.tenderer_id = ${c.tendererId} and m.section_id <> ${c.sectionId}
             and m.state in ('drawn', 'confirmed')
             and m.drawn_at >= ${c.at.toISOString()}::timestamptz - make_interval(months => ${months})`,
    );
    return { code: `same-tenderer-${months}-months`, expertIds: rows.map((r) => r.expert_id) };
  };
}

function rulesOf(services: Pick<Services, 'settings'>): DrawRuleHook[] {
  const months = services.settings.drawRules?.sameTendererMonths;
  return months ? [sameTendererWithinMonths(months)] : [];
}

// --- Building a round's inputs ---

const orgRef = (o: { id: string; creditCode: string | null }): OrganisationRef => (o.creditCode && isValidCreditCode(o.creditCode) ? { creditCode: o.creditCode, organisationId: o.id } : { organisationId: o.id });

function availableOn(row: typeof expert.$inferSelect, date: string): boolean {
  return row.status === 'active' && !row.unavailable.some((p) => p.from <= date && date <= p.to);
}

/** The whole pool as the draw sees it on the evaluation date (docs/expert-draw.md §2.1). */
async function poolSnapshot(db: Database, evaluationDate: string): Promise<PoolExpert[]> {
  const rows = await db.select().from(expert);
  const links = await db.select().from(expertSpecialty);
  const byExpert = new Map<string, string[]>();
  for (const l of links) byExpert.set(l.expertId, [...(byExpert.get(l.expertId) ?? []), l.specialtyCode]);
  return rows
    .filter((r) => byExpert.has(r.id))
    .map((r) => ({
      id: r.id,
      specialties: byExpert.get(r.id)!,
      region: r.regionCode,
      employer: r.employerCreditCode ? { creditCode: r.employerCreditCode } : null,
      available: availableOn(r, evaluationDate),
      conflicts: r.conflicts.map((c) => ({ creditCode: c })),
    }));
}

/**
 * The section's bidders: every company in its opening record (docs/opening-hall.md, revoked and
 * withdrawn bids included) and every company that submitted a bid (a withdrawn one took part too).
 */
async function biddersOf(db: Database, sectionId: string): Promise<OrganisationRef[]> {
  const rows = await executeRows<{ id: string; credit_code: string | null }>(
    db,
    sql`select o.id, o.credit_code from organisation o
         where o.id in (select organisation_id from opening_record_row where section_id = ${sectionId}
                        union select organisation_id from bid_submission where section_id = ${sectionId})`,
  );
  return rows.map((r) => orgRef({ id: r.id, creditCode: r.credit_code }));
}

/**
 * Refuses before anything is committed when the round could fail: need by need, the candidates
 * minus those an earlier need could take must still be enough, whatever the stream turns out to be.
 */
function assertDrawable(inputs: DrawInputs): { eligible: number } {
  const canonical = canonicalDrawInputs(inputs);
  const { eligible } = eligibilityOf(canonical);
  const byId = new Map(canonical.pool.map((e) => [e.id, e]));
  canonical.needs.forEach((need, i) => {
    const earlier = canonical.needs.slice(0, i);
    const candidates = eligible.filter((id) => holdsSpecialty(byId.get(id)!, need.specialty));
    const contested = candidates.filter((id) => earlier.some((e) => holdsSpecialty(byId.get(id)!, e.specialty))).length;
    const worst = candidates.length - Math.min(contested, earlier.reduce((s, e) => s + e.count, 0));
    if (worst < need.count) {
      throw refusal(
        'RULE_VIOLATION',
        'not-enough-experts',
        `专业 ${need.specialty} 需抽取 ${need.count} 名专家，但回避后符合条件的只有 ${worst} 名；请扩大地区范围（跨区域抽取）或调整专业`,
        `Specialty ${need.specialty} needs ${need.count} expert(s) but only ${worst} are sure to be eligible after recusal; draw across regions or change the specialty`,
        { specialty: need.specialty, needed: need.count, available: worst },
      );
    }
  });
  return { eligible: eligible.length };
}

/** The gaps left by declines not yet filled, per specialty, in the request's order. */
function gapsOf(members: Array<typeof committeeMember.$inferSelect>, requestNeeds: Array<{ specialty: string }>): Array<{ specialty: string; count: number }> {
  const open = members.filter((m) => m.state === 'declined');
  return requestNeeds.map((n) => ({ specialty: n.specialty, count: open.filter((m) => m.specialty === n.specialty).length })).filter((n) => n.count > 0);
}

// --- The draw ---

type DrawServices = Pick<Services, 'db' | 'sequenceNow' | 'settings'>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Step 2: commit the next round (or find the committed one still to be drawn). */
async function commitRound(services: DrawServices, call: Call & { sectionId: string }): Promise<{ round: number; commitEntryId: number }> {
  return services.db.transaction(async (tx) => {
    const s = await loadSection(tx, call.sectionId, true);
    requireOwnCentre(s, call.account);
    requireEvaluating(s, { zh: '抽取专家', en: 'draw the committee' });
    const [pending] = await tx.select().from(drawRound).where(and(eq(drawRound.sectionId, s.id), eq(drawRound.state, 'committed')));
    if (pending) return { round: pending.round, commitEntryId: pending.commitEntryId };

    const [request] = await tx.select().from(committeeRequest).where(eq(committeeRequest.sectionId, s.id));
    if (!request) throw refusal('CONFLICT', 'no-request', '请先提出抽取申请（专业、人数、地区范围）', 'Request the committee first (specialties, counts, regions)');
    const members = await tx.select().from(committeeMember).where(eq(committeeMember.sectionId, s.id));
    const rounds = await tx.select({ round: drawRound.round }).from(drawRound).where(eq(drawRound.sectionId, s.id));
    const round = rounds.length;
    const needs = round === 0 ? request.needs : gapsOf(members, request.needs);
    if (needs.length === 0) {
      throw refusal('CONFLICT', 'committee-complete', '评标委员会的专家已抽齐，没有需要补抽的空缺', 'The committee has all its experts; there is no gap to fill');
    }

    const now = new Date();
    const timing = checkDrawTiming({ type: s.type, drawAt: now, evaluationStartsAt: request.evaluationStartsAt, offSite: request.offSite }, await loadHolidayCalendar(tx));
    if (timing.length) {
      const p = timing[0]!;
      throw refusal('RULE_VIOLATION', p.rule, p.zh, p.en, p.limit ? { limit: p.limit } : {});
    }

    const tenderer = [{ id: s.tendererId }, ...(s.agencyId ? [{ id: s.agencyId }] : [])];
    const tendererOrgs = await tx.select({ id: organisation.id, creditCode: organisation.creditCode }).from(organisation).where(inArray(organisation.id, tenderer.map((t) => t.id)));
    const rules: DeploymentRule[] = [];
    for (const hook of rulesOf(services)) rules.push(await hook(tx, { sectionId: s.id, tendererId: s.tendererId, agencyId: s.agencyId, at: now }));
    const inputs: DrawInputs = {
      sectionId: s.id,
      round,
      needs,
      crossRegion: request.regionScope === 'cross',
      regions: request.regionScope === 'cross' ? [] : await regionScope(tx, s.centreRegionCode),
      pool: await poolSnapshot(tx, localDateOf(request.evaluationStartsAt)),
      bidders: await biddersOf(tx, s.id),
      tenderer: tendererOrgs.map(orgRef),
      rules,
      alreadyDrawn: members.map((m) => m.expertId),
    };
    const { eligible } = assertDrawable(inputs);
    const digests = drawDigests(canonicalDrawInputs(inputs));

    let [draw] = await tx.select().from(expertDraw).where(eq(expertDraw.sectionId, s.id));
    if (!draw) {
      const secret = generateDrawSecret();
      [draw] = await tx.insert(expertDraw).values({ sectionId: s.id, secret, commitment: drawCommitment(secret) }).returning();
    }
    const entry = await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'committee.draw.commit',
      targetType: 'section',
      targetId: s.id,
      digests: { commitment: draw!.commitment, pool: digests.pool, inputs: digests.inputs },
      details: { version: DRAW_VERSION, round: String(round), needs: needs.map((n) => `${n.specialty}×${n.count}`).join(','), pool: String(inputs.pool.length), eligible: String(eligible) },
    });
    await tx.insert(drawRound).values({ sectionId: s.id, round, inputs: inputs as unknown as Record<string, unknown>, poolDigest: digests.pool, inputsDigest: digests.inputs, commitEntryId: entry.id });
    return { round, commitEntryId: entry.id };
  });
}

/** Step 3: the first checkpoint signed after the commitment entry (its tree size is larger than the entry's index). */
async function checkpointAfter(services: DrawServices, entryId: number, waitMs: number): Promise<{ size: number; root: Uint8Array } | null> {
  const until = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    const [entry] = await services.db.select({ seq: traceEntry.seq }).from(traceEntry).where(eq(traceEntry.id, entryId));
    if (entry?.seq !== null && entry?.seq !== undefined) {
      const [checkpoint] = await services.db
        .select({ size: traceCheckpoint.size, root: traceCheckpoint.rootHash })
        .from(traceCheckpoint)
        .where(sql`${traceCheckpoint.size} > ${entry.seq}`)
        .orderBy(traceCheckpoint.size)
        .limit(1);
      if (checkpoint) return checkpoint;
    }
    if (attempt > 0 && Date.now() >= until) return null;
    await services.sequenceNow();
    if (attempt > 0) await sleep(Math.min(200, 20 * attempt));
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * Draws the next round of a section's committee: round 0 from the request, then one round per call
 * while declines leave gaps. Resumes a round committed by an earlier call that found no checkpoint.
 */
export async function drawCommittee(services: DrawServices, call: Call & { sectionId: string; waitMs?: number }) {
  const { round, commitEntryId } = await commitRound(services, call);
  const checkpoint = await checkpointAfter(services, commitEntryId, call.waitMs ?? 10_000);
  if (!checkpoint) {
    throw refusal('CONFLICT', 'checkpoint-pending', '抽取承诺已记录，但尚无其后签署的日志检查点；请稍后再次点击“抽取”完成本轮', 'The commitment is recorded but no log checkpoint has been signed after it yet; draw again shortly to complete this round', { round });
  }
  return services.db.transaction(async (tx) => {
    const s = await loadSection(tx, call.sectionId, true);
    requireOwnCentre(s, call.account);
    const [row] = await tx.select().from(drawRound).where(and(eq(drawRound.sectionId, s.id), eq(drawRound.round, round))).for('update');
    const [draw] = await tx.select().from(expertDraw).where(eq(expertDraw.sectionId, s.id));
    if (!row || !draw) throw refusal('CONFLICT', 'draw-missing', '抽取记录不完整', 'The draw record is incomplete');
    if (row.state === 'drawn') return summary(tx, s.id, round);

    const publicValue = hex(checkpoint.root);
    const result = drawExperts({ inputs: row.inputs, secret: draw.secret, publicValue });
    if (result.inputsDigest !== row.inputsDigest) throw new AppError('INTERNAL', { zh: '抽取条件摘要与承诺不符', en: 'the draw inputs differ from the commitment' });
    const groups = result.groups.map((g) => ({ specialty: g.specialty, expertIds: g.expertIds }));
    await tx.insert(committeeMember).values(groups.flatMap((g) => g.expertIds.map((expertId, position) => ({ sectionId: s.id, expertId, round, specialty: g.specialty, position }))));
    // Each declined expert's seat goes to the newcomer of the same specialty, in draw order.
    if (round > 0) {
      const declined = await tx.select().from(committeeMember).where(and(eq(committeeMember.sectionId, s.id), eq(committeeMember.state, 'declined'))).orderBy(committeeMember.round, committeeMember.position);
      for (const g of groups) {
        const seats = declined.filter((m) => m.specialty === g.specialty);
        for (const [i, newcomer] of g.expertIds.entries()) {
          const seat = seats[i];
          if (seat) await tx.update(committeeMember).set({ state: 'replaced', replacedBy: newcomer }).where(and(eq(committeeMember.sectionId, s.id), eq(committeeMember.expertId, seat.expertId)));
        }
      }
    }
    const actor = actorOf(call.request, call.account);
    const drawn = await appendTrace(tx, actor, {
      action: 'committee.draw.round',
      targetType: 'section',
      targetId: s.id,
      digests: { result: digestOf(groups), inputs: row.inputsDigest, seed: result.seed },
      details: { round: String(round), checkpointSize: String(checkpoint.size), publicValue, drawn: String(result.expertIds.length), commitEntryId: String(commitEntryId) },
    });
    await tx.update(drawRound).set({ state: 'drawn', checkpointSize: checkpoint.size, publicValue, result: groups, drawEntryId: drawn.id, drawnAt: new Date() }).where(and(eq(drawRound.sectionId, s.id), eq(drawRound.round, round)));
    if (draw.revealEntryId === null) {
      const reveal = await appendTrace(tx, actor, {
        action: 'committee.draw.reveal',
        targetType: 'section',
        targetId: s.id,
        digests: { commitment: draw.commitment },
        details: { version: DRAW_VERSION, secret: draw.secret },
      });
      await tx.update(expertDraw).set({ revealEntryId: reveal.id, revealedAt: new Date() }).where(eq(expertDraw.sectionId, s.id));
    }
    return summary(tx, s.id, round);
  });
}

async function summary(db: Database, sectionId: string, round: number) {
  const members = await db.select({ state: committeeMember.state }).from(committeeMember).where(eq(committeeMember.sectionId, sectionId));
  const seated = members.filter((m) => m.state === 'drawn' || m.state === 'confirmed').length;
  const [request] = await db.select({ needs: committeeRequest.needs }).from(committeeRequest).where(eq(committeeRequest.sectionId, sectionId));
  const needed = request?.needs.reduce((s, n) => s + n.count, 0) ?? 0;
  return {
    sectionId,
    round,
    seated,
    needed,
    confirmed: members.filter((m) => m.state === 'confirmed').length,
    gaps: members.filter((m) => m.state === 'declined').length,
  };
}

// --- The drawn expert's side ---

async function ownExpertId(db: Database, account: SessionAccount): Promise<string> {
  const [row] = await db.select({ id: expert.id }).from(expert).where(eq(expert.accountId, account.accountId));
  if (!row) throw refusal('NOT_FOUND', 'not-in-pool', '您的账号尚未关联专家库中的专家信息，请联系交易中心', 'Your account is not linked to an expert of the pool; contact the trading centre');
  return row.id;
}

/** The caller's own draws (the workspace's notifications): never anyone else's. */
export async function myDraws(db: Database, account: SessionAccount) {
  const expertId = await ownExpertId(db, account);
  const rows = await db
    .select({
      sectionId: committeeMember.sectionId,
      sectionCode: section.code,
      sectionName: section.name,
      specialty: committeeMember.specialty,
      round: committeeMember.round,
      state: committeeMember.state,
      reason: committeeMember.reason,
      drawnAt: committeeMember.drawnAt,
      respondedAt: committeeMember.respondedAt,
      evaluationStartsAt: committeeRequest.evaluationStartsAt,
      offSite: committeeRequest.offSite,
    })
    .from(committeeMember)
    .innerJoin(section, eq(section.id, committeeMember.sectionId))
    .innerJoin(committeeRequest, eq(committeeRequest.sectionId, committeeMember.sectionId))
    .where(eq(committeeMember.expertId, expertId))
    .orderBy(sql`${committeeMember.drawnAt} desc`);
  return rows.map((r) => ({ ...r, drawnAt: r.drawnAt.toISOString(), respondedAt: r.respondedAt?.toISOString() ?? null, evaluationStartsAt: r.evaluationStartsAt.toISOString() }));
}

export async function respondToDraw(call: Call & { sectionId: string; decision: 'confirm' | 'decline'; reason?: string | undefined }) {
  return call.db.transaction(async (tx) => {
    const s = await loadSection(tx, call.sectionId, true);
    const expertId = await ownExpertId(tx, call.account);
    const [member] = await tx.select().from(committeeMember).where(and(eq(committeeMember.sectionId, s.id), eq(committeeMember.expertId, expertId))).for('update');
    if (!member) throw refusal('NOT_FOUND', 'not-drawn', '您未被抽取为本标段的评标专家', 'You were not drawn for this section');
    requireEvaluating(s, { zh: '确认或拒绝参加评标', en: 'confirm or decline' });
    if (member.state !== 'drawn') {
      throw refusal('CONFLICT', 'already-answered', member.state === 'confirmed' ? '您已确认参加本标段评标' : '您已拒绝参加本标段评标', member.state === 'confirmed' ? 'You have already confirmed' : 'You have already declined', { state: member.state });
    }
    if (call.decision === 'decline' && !call.reason) throw refusal('INVALID_INPUT', 'reason-required', '拒绝参加评标须说明原因', 'Give a reason to decline');
    const state = call.decision === 'confirm' ? 'confirmed' : 'declined';
    await tx
      .update(committeeMember)
      .set({ state, reason: call.reason ?? null, respondedAt: new Date() })
      .where(and(eq(committeeMember.sectionId, s.id), eq(committeeMember.expertId, expertId)));
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: call.decision === 'confirm' ? 'committee.member.confirm' : 'committee.member.decline',
      targetType: 'section',
      targetId: s.id,
      ...(call.reason ? { digests: { reason: digestOf(call.reason) } } : {}),
      details: { round: String(member.round), specialty: member.specialty },
    });
    return { sectionId: s.id, state };
  });
}

// --- Secret names: the centre and the supervisor only, every read traced ---

async function requireCommitteeReader(db: Database, s: DrawSection, account: SessionAccount): Promise<void> {
  if (account.role === 'centre' && account.organisationId === s.centreId) return;
  if (account.role === 'supervisor' && (await regionScope(db, account.regionCode)).includes(s.regionCode)) return;
  throw refusal('PERMISSION_DENIED', 'committee-secret', '评标委员会成员名单在中标结果确定前保密，只有本标段的交易中心和行政监督部门可以查看', "The committee's names are secret until the result is decided: only the section's centre and its supervisor can see them");
}

export async function listCommittee(call: Call & { sectionId: string }) {
  return call.db.transaction(async (tx) => {
    const s = await loadSection(tx, call.sectionId);
    await requireCommitteeReader(tx, s, call.account);
    const members = await tx
      .select({
        expertId: committeeMember.expertId,
        name: expert.name,
        title: expert.title,
        regionCode: expert.regionCode,
        employerName: expert.employerName,
        specialty: committeeMember.specialty,
        round: committeeMember.round,
        position: committeeMember.position,
        state: committeeMember.state,
        reason: committeeMember.reason,
        replacedBy: committeeMember.replacedBy,
        respondedAt: committeeMember.respondedAt,
      })
      .from(committeeMember)
      .innerJoin(expert, eq(expert.id, committeeMember.expertId))
      .where(eq(committeeMember.sectionId, s.id))
      .orderBy(committeeMember.round, committeeMember.specialty, committeeMember.position);
    const [request] = await tx.select().from(committeeRequest).where(eq(committeeRequest.sectionId, s.id));
    const rounds = await tx
      .select({ round: drawRound.round, state: drawRound.state, checkpointSize: drawRound.checkpointSize, poolDigest: drawRound.poolDigest, inputsDigest: drawRound.inputsDigest })
      .from(drawRound)
      .where(eq(drawRound.sectionId, s.id))
      .orderBy(drawRound.round);
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'committee.members.read',
      targetType: 'section',
      targetId: s.id,
      details: { members: String(members.length) },
    });
    return {
      sectionId: s.id,
      request: request ? { needs: request.needs, regionScope: request.regionScope, tendererRepresentatives: request.tendererRepresentatives, evaluationStartsAt: request.evaluationStartsAt.toISOString(), offSite: request.offSite } : null,
      rounds,
      members: members.map((m) => ({ ...m, respondedAt: m.respondedAt?.toISOString() ?? null })),
    };
  });
}

/** The draw record of docs/expert-draw.md §5 (what `ggzy verify-draw` reads), once the secret is revealed. Traced: it holds the pool snapshot. */
export async function drawRecord(call: Call & { sectionId: string }): Promise<DrawRecord> {
  return call.db.transaction(async (tx) => {
    const s = await loadSection(tx, call.sectionId);
    await requireCommitteeReader(tx, s, call.account);
    const [draw] = await tx.select().from(expertDraw).where(eq(expertDraw.sectionId, s.id));
    if (!draw || draw.revealEntryId === null) throw refusal('CONFLICT', 'not-revealed', '本标段尚无可核验的抽取记录（尚未抽取）', 'This section has no draw record to verify yet (nothing drawn)');
    const rounds = (await tx.select().from(drawRound).where(and(eq(drawRound.sectionId, s.id), eq(drawRound.state, 'drawn'))).orderBy(drawRound.round)).filter((r, i) => r.round === i);
    const members = await tx.select().from(committeeMember).where(eq(committeeMember.sectionId, s.id));
    await appendTrace(tx, actorOf(call.request, call.account), { action: 'committee.record.read', targetType: 'section', targetId: s.id, details: { rounds: String(rounds.length) } });
    return {
      version: DRAW_VERSION,
      sectionId: s.id,
      commitment: draw.commitment,
      secret: draw.secret,
      rounds: rounds.map((r) => ({
        publicValue: r.publicValue!,
        publicValueSource: { checkpointSize: r.checkpointSize!, commitEntryId: r.commitEntryId },
        poolDigest: r.poolDigest,
        inputsDigest: r.inputsDigest,
        inputs: r.inputs,
        committee: r.result!,
        declined: members.filter((m) => m.round === r.round && (m.state === 'declined' || m.state === 'replaced')).map((m) => m.expertId),
      })),
    };
  });
}
