/**
 * The committee draw, persisted (issue 13, docs/expert-draw.md): a pool of 30 where two experts work
 * for bidders, the commitment before a later checkpoint, the reveal, a decline refilled by a new
 * round, the stored record recomputed by the domain's verifier and by `ggzy verify-draw`, the
 * committee's names secret, and the committee rules.
 */
import { and, asc, committeeMember, desc, drawRound, eq, traceCheckpoint, traceEntry } from '@ggzy/db';
import { canonicalDrawInputs, drawCommitment, drawExperts, eligibilityOf, generateDrawSecret, verifyDrawRecord, type DrawRecord } from '@ggzy/domain';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, signedIn, type TestClient, type TestPlatform } from '../testing';
import { drawCommittee } from './draw';
import { evaluatingSection, expertAccounts, organisationCreditCode, poolCsv, poolRows, saveTestSpecialties } from './test-support';

const causeOf = (error: unknown) => (error as { cause?: { code?: string; zh?: string; en?: string; details?: Record<string, unknown> } }).cause;
async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    const cause = causeOf(error);
    if (!cause?.code) throw error;
    return cause;
  }
  throw new Error('expected a refusal');
}

const CLI = fileURLToPath(new URL('../../../cli/bin/ggzy.mjs', import.meta.url));

describe('the committee draw', { timeout: 120_000 }, () => {
  let platform: TestPlatform;
  let centre: TestClient;
  let supervisor: TestClient;
  let sectionId: string;
  /** Expert id → username of the pool's 30 experts. */
  const accountOf = new Map<string, string>();
  let bidderEmployed: string[];
  const clients = new Map<string, TestClient>();
  const clientOf = async (expertId: string) => {
    const username = accountOf.get(expertId)!;
    if (!clients.has(username)) clients.set(username, await signedIn(platform.services, username));
    return clients.get(username)!;
  };
  const soon = () => new Date(Date.now() + 2 * 3600_000);

  beforeAll(async () => {
    platform = await createTestPlatform();
    const db = platform.services.db;
    centre = await signedIn(platform.services, 'centre');
    supervisor = await signedIn(platform.services, 'supervisor');
    await saveTestSpecialties(centre);
    const usernames = await expertAccounts(db, 30);
    // Experts 3 (A01) and 21 (B02) work for the section's bidders.
    const employers = {
      2: { name: '示例建工集团有限公司', creditCode: await organisationCreditCode(db, 'bidder1') },
      21: { name: '东江路桥工程有限公司', creditCode: await organisationCreditCode(db, 'bidder2') },
    };
    const { ids } = await centre.caller.evaluation.importExperts({ format: 'csv', content: poolCsv(poolRows(30, { usernames, employers })) });
    ids.forEach((id, i) => accountOf.set(id, usernames[i]!));
    bidderEmployed = [ids[2]!, ids[21]!];
    sectionId = (await evaluatingSection(db, { bidders: ['bidder1', 'bidder2', 'bidder3'] })).id;
  });
  afterAll(async () => {
    await platform?.close();
  });

  it('refuses committees that break the rules, with clear messages', async () => {
    const ask = (needs: Array<{ specialty: string; count: number }>, tendererRepresentatives: number, id = sectionId) =>
      refusal(centre.caller.evaluation.requestCommittee({ sectionId: id, needs, regionScope: 'own', tendererRepresentatives, evaluationStartsAt: soon() }));
    const six = await ask([{ specialty: 'A01', count: 4 }, { specialty: 'B02', count: 2 }], 0);
    expect(six).toMatchObject({ code: 'RULE_VIOLATION', details: { reason: 'committee-odd' } });
    expect(six.zh).toContain('评标委员会成员应为单数（招标投标法第三十七条），现为 6 人');
    const fewExperts = await ask([{ specialty: 'A01', count: 3 }], 2);
    expect(fewExperts).toMatchObject({ code: 'RULE_VIOLATION', details: { reason: 'committee-experts' } });
    expect(fewExperts.zh).toContain('5 人的委员会至少需 4 名专家，现为 3 名');
    const procurement = await evaluatingSection(platform.services.db, { bidders: ['bidder1'], type: 'procurement', estimatedPriceFen: 1_200_000_000 });
    const large = await ask([{ specialty: 'A01', count: 3 }, { specialty: 'B02', count: 2 }], 0, procurement.id);
    expect(large).toMatchObject({ code: 'RULE_VIOLATION', details: { reason: 'committee-large-budget' } });
    expect(large.zh).toContain('采购预算金额在1000万元以上的项目，评标委员会成员应为7人以上单数');
    const past = await refusal(centre.caller.evaluation.requestCommittee({ sectionId, needs: [{ specialty: 'A01', count: 5 }], regionScope: 'own', tendererRepresentatives: 0, evaluationStartsAt: new Date(Date.now() - 60_000) }));
    expect(past).toMatchObject({ code: 'RULE_VIOLATION', details: { reason: 'evaluation-in-past' } });
    expect(await ask([{ specialty: 'Z9', count: 5 }], 0)).toMatchObject({ code: 'INVALID_INPUT', details: { reason: 'unknown-specialty' } });
    // Nothing was stored: drawing now is refused for want of a request.
    expect(await refusal(centre.caller.evaluation.draw({ sectionId }))).toMatchObject({ code: 'CONFLICT', details: { reason: 'no-request' } });
  });

  it('refuses non-centre callers, and traces each refusal', async () => {
    const bidder = await signedIn(platform.services, 'bidder1');
    expect(await refusal(bidder.caller.evaluation.draw({ sectionId }))).toMatchObject({ code: 'PERMISSION_DENIED' });
    const [denied] = await platform.services.db.select().from(traceEntry).where(and(eq(traceEntry.action, 'auth.denied'), eq(traceEntry.targetId, 'evaluation.draw'))).orderBy(desc(traceEntry.id)).limit(1);
    expect(denied).toMatchObject({ outcome: 'denied', actorName: 'bidder1', details: { permission: 'draw:committee:region' } });
    // Another centre's staff hold the permission but not this section.
    const otherCentre = await signedIn(platform.services, 'centre.dj');
    expect(await refusal(otherCentre.caller.evaluation.requestCommittee({ sectionId, needs: [{ specialty: 'A01', count: 5 }], regionScope: 'own', tendererRepresentatives: 0, evaluationStartsAt: soon() }))).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { reason: 'not-section-centre' },
    });
    const [refused] = await platform.services.db.select().from(traceEntry).where(and(eq(traceEntry.action, 'request.refused'), eq(traceEntry.actorName, 'centre.dj'))).orderBy(desc(traceEntry.id)).limit(1);
    expect(refused).toMatchObject({ outcome: 'denied', targetId: 'evaluation.requestCommittee', details: { reason: 'not-section-centre' } });
  });

  it('draws 5 of the 30 after a commitment and a later checkpoint; experts employed by bidders are never eligible; the secret is revealed', async () => {
    await centre.caller.evaluation.requestCommittee({ sectionId, needs: [{ specialty: 'A01', count: 3 }, { specialty: 'B02', count: 2 }], regionScope: 'own', tendererRepresentatives: 0, evaluationStartsAt: soon() });
    const drawn = await centre.caller.evaluation.draw({ sectionId });
    expect(drawn).toMatchObject({ round: 0, seated: 5, needed: 5, gaps: 0 });

    const db = platform.services.db;
    const members = await db.select().from(committeeMember).where(eq(committeeMember.sectionId, sectionId));
    expect(members).toHaveLength(5);
    for (const id of bidderEmployed) expect(members.map((m) => m.expertId)).not.toContain(id);

    // The order of evidence: commitment entry, then a checkpoint that includes it, then the draw and the reveal.
    const [round] = await db.select().from(drawRound).where(eq(drawRound.sectionId, sectionId));
    const [commit] = await db.select().from(traceEntry).where(eq(traceEntry.id, round!.commitEntryId));
    expect(commit).toMatchObject({ action: 'committee.draw.commit', digests: { pool: round!.poolDigest, inputs: round!.inputsDigest } });
    expect(commit!.seq).not.toBeNull();
    expect(round!.checkpointSize!).toBeGreaterThan(commit!.seq!);
    const [checkpoint] = await db.select().from(traceCheckpoint).where(eq(traceCheckpoint.size, round!.checkpointSize!));
    expect(Buffer.from(checkpoint!.rootHash).toString('hex')).toBe(round!.publicValue);
    const reveal = await db.select().from(traceEntry).where(and(eq(traceEntry.action, 'committee.draw.reveal'), eq(traceEntry.targetId, sectionId)));
    expect(reveal).toHaveLength(1);
    expect(reveal[0]!.id).toBeGreaterThan(commit!.id);
    expect(drawCommitment(reveal[0]!.details.secret!)).toBe(commit!.digests.commitment);
    // The commitment entry holds no secret and no names.
    expect(JSON.stringify(commit)).not.toContain(reveal[0]!.details.secret!);

    // Why the two were not eligible: employed by a bidder (recusal); and whatever the secret, never drawn.
    const inputs = canonicalDrawInputs(round!.inputs);
    const { ineligible } = eligibilityOf(inputs);
    for (const id of bidderEmployed) expect(ineligible.find((e) => e.expertId === id)?.reasons.map((r) => r.code)).toContain('employed-by-bidder');
    for (let i = 0; i < 40; i++) {
      const result = drawExperts({ inputs: round!.inputs, secret: generateDrawSecret(), publicValue: round!.publicValue! });
      for (const id of bidderEmployed) expect(result.expertIds).not.toContain(id);
    }
  });

  it('keeps the names secret: the centre and the supervisor list them (each read traced), nobody else', async () => {
    const db = platform.services.db;
    const before = (await db.select().from(traceEntry).where(and(eq(traceEntry.action, 'committee.members.read'), eq(traceEntry.targetId, sectionId)))).length;
    const listed = await centre.caller.evaluation.committee({ sectionId });
    expect(listed.members).toHaveLength(5);
    expect(listed.members[0]!.name).toMatch(/^专家\d{3}$/);
    expect((await supervisor.caller.evaluation.committee({ sectionId })).members).toHaveLength(5);
    const reads = await db.select().from(traceEntry).where(and(eq(traceEntry.action, 'committee.members.read'), eq(traceEntry.targetId, sectionId)));
    expect(reads.length - before).toBe(2);
    expect(reads.map((r) => r.actorName)).toEqual(expect.arrayContaining(['centre', 'supervisor']));

    for (const username of ['bidder1', 'tenderer', 'agency']) {
      const other = await signedIn(platform.services, username);
      expect(await refusal(other.caller.evaluation.committee({ sectionId }))).toMatchObject({ code: 'PERMISSION_DENIED' });
      const [denied] = await db.select().from(traceEntry).where(and(eq(traceEntry.actorName, username), eq(traceEntry.targetId, 'evaluation.committee'))).orderBy(desc(traceEntry.id)).limit(1);
      expect(denied).toMatchObject({ outcome: 'denied' });
    }
    // A drawn expert sees their own draw, and nobody else's.
    const [member] = listed.members;
    const mine = await (await clientOf(member!.expertId)).caller.evaluation.myDraws();
    expect(mine).toEqual([expect.objectContaining({ sectionId, state: 'drawn', specialty: member!.specialty })]);
    expect(JSON.stringify(mine)).not.toMatch(/专家\d{3}/);
    expect(await refusal((await clientOf(member!.expertId)).caller.evaluation.committee({ sectionId }))).toMatchObject({ code: 'PERMISSION_DENIED' });
    const notDrawn = [...accountOf.keys()].find((id) => !listed.members.some((m) => m.expertId === id))!;
    expect(await (await clientOf(notDrawn)).caller.evaluation.myDraws()).toEqual([]);
    expect(await refusal((await clientOf(notDrawn)).caller.evaluation.respond({ sectionId, decision: 'confirm' }))).toMatchObject({ code: 'NOT_FOUND', details: { reason: 'not-drawn' } });
  });

  it('fills a decline with a new round of the same draw (a fresh commitment and checkpoint), traced', async () => {
    const db = platform.services.db;
    const { members } = await centre.caller.evaluation.committee({ sectionId });
    const [decliner, ...others] = members;
    const declinerClient = await clientOf(decliner!.expertId);
    expect(await refusal(declinerClient.caller.evaluation.respond({ sectionId, decision: 'decline' }))).toMatchObject({ code: 'INVALID_INPUT', details: { reason: 'reason-required' } });
    await declinerClient.caller.evaluation.respond({ sectionId, decision: 'decline', reason: '当天另有公务安排' });
    for (const m of others) await (await clientOf(m.expertId)).caller.evaluation.respond({ sectionId, decision: 'confirm' });
    expect(await refusal(declinerClient.caller.evaluation.respond({ sectionId, decision: 'confirm' }))).toMatchObject({ code: 'CONFLICT', details: { reason: 'already-answered' } });

    const refill = await centre.caller.evaluation.draw({ sectionId });
    expect(refill).toMatchObject({ round: 1, seated: 5, confirmed: 4, gaps: 0 });
    const after = await centre.caller.evaluation.committee({ sectionId });
    const replaced = after.members.find((m) => m.expertId === decliner!.expertId)!;
    expect(replaced).toMatchObject({ state: 'replaced', reason: '当天另有公务安排', round: 0 });
    const newcomer = after.members.find((m) => m.round === 1)!;
    expect(newcomer).toMatchObject({ specialty: decliner!.specialty, state: 'drawn' });
    expect(replaced.replacedBy).toBe(newcomer.expertId);
    expect(members.map((m) => m.expertId)).not.toContain(newcomer.expertId);
    for (const id of bidderEmployed) expect(newcomer.expertId).not.toBe(id);

    // Round 1 has its own commitment entry, after the decline, and a checkpoint after that entry.
    const rounds = await db.select().from(drawRound).where(eq(drawRound.sectionId, sectionId)).orderBy(asc(drawRound.round));
    expect(rounds.map((r) => r.state)).toEqual(['drawn', 'drawn']);
    const [decline] = await db.select().from(traceEntry).where(and(eq(traceEntry.action, 'committee.member.decline'), eq(traceEntry.targetId, sectionId)));
    expect(rounds[1]!.commitEntryId).toBeGreaterThan(decline!.id);
    expect(rounds[1]!.checkpointSize!).toBeGreaterThan(rounds[0]!.checkpointSize!);
    expect(canonicalDrawInputs(rounds[1]!.inputs).alreadyDrawn).toEqual([...members.map((m) => m.expertId)].sort());
    const actions = (await db.select({ action: traceEntry.action }).from(traceEntry).where(and(eq(traceEntry.targetId, sectionId))).orderBy(asc(traceEntry.id))).map((r) => r.action).filter((a) => a.startsWith('committee.draw'));
    expect(actions).toEqual(['committee.draw.commit', 'committee.draw.round', 'committee.draw.reveal', 'committee.draw.commit', 'committee.draw.round']);

    // Nothing left to fill.
    expect(await refusal(centre.caller.evaluation.draw({ sectionId }))).toMatchObject({ code: 'CONFLICT', details: { reason: 'committee-complete' } });
    // The decliner's own view says so.
    expect(await declinerClient.caller.evaluation.myDraws()).toEqual([expect.objectContaining({ state: 'replaced' })]);
    // The request can no longer change once the draw has started.
    expect(await refusal(centre.caller.evaluation.requestCommittee({ sectionId, needs: [{ specialty: 'A01', count: 5 }], regionScope: 'own', tendererRepresentatives: 0, evaluationStartsAt: soon() }))).toMatchObject({ code: 'CONFLICT', details: { reason: 'draw-started' } });
  });

  it('stores a record that recomputes to the same committee; a changed secret or pool gives a different one; ggzy verify-draw agrees', async () => {
    const record = (await supervisor.caller.evaluation.drawRecord({ sectionId })) as DrawRecord;
    expect(record.rounds).toHaveLength(2);
    const verification = verifyDrawRecord(record);
    expect(verification.mismatches).toEqual([]);
    expect(verification.matches).toBe(true);
    const seated = (await centre.caller.evaluation.committee({ sectionId })).members.filter((m) => m.state === 'drawn' || m.state === 'confirmed').map((m) => m.expertId).sort();
    expect(verification.committee.flatMap((g) => g.expertIds).sort()).toEqual(seated);

    // Another secret: the commitment fails and the committee differs.
    const otherSecret = JSON.parse(JSON.stringify(record)) as DrawRecord;
    otherSecret.secret = generateDrawSecret();
    const changed = verifyDrawRecord(otherSecret);
    expect(changed.matches).toBe(false);
    expect(changed.mismatches.map((m) => m.kind)).toContain('commitment');
    expect(changed.mismatches.map((m) => m.kind)).toContain('committee');
    const stored = record.rounds[0]!;
    const redrawn = drawExperts({ inputs: stored.inputs, secret: otherSecret.secret, publicValue: stored.publicValue });
    expect(redrawn.expertIds).not.toEqual(stored.committee.flatMap((g) => g.expertIds));
    expect(drawExperts({ inputs: stored.inputs, secret: record.secret, publicValue: stored.publicValue }).expertIds).toEqual(stored.committee.flatMap((g) => g.expertIds));
    // Another pool (one more expert): the digests and the committee differ.
    const otherPool = JSON.parse(JSON.stringify(record)) as DrawRecord & { rounds: Array<{ inputs: { pool: Array<{ id: string; available: boolean }> } }> };
    otherPool.rounds[0]!.inputs.pool.push({ ...otherPool.rounds[0]!.inputs.pool[0]!, id: 'zz-new-expert' } as never);
    expect(verifyDrawRecord(otherPool).mismatches.map((m) => m.kind)).toContain('pool-digest');

    const dir = await mkdtemp(join(tmpdir(), 'ggzy-draw-record-'));
    try {
      await writeFile(join(dir, 'record.json'), JSON.stringify(record));
      await writeFile(join(dir, 'changed.json'), JSON.stringify(otherSecret));
      const run = promisify(execFile);
      const ok = await run(process.execPath, [CLI, 'verify-draw', join(dir, 'record.json')]);
      expect(ok.stdout).toContain('专家抽取核验一致');
      const bad = await run(process.execPath, [CLI, 'verify-draw', join(dir, 'changed.json')]).then(
        () => null,
        (error: { code?: number; stdout?: string }) => error,
      );
      expect(bad?.code).not.toBe(0);
      expect(bad?.stdout).toContain('揭示的抽取密钥与事先承诺的不符');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Reading the record is traced too.
    const [read] = await platform.services.db.select().from(traceEntry).where(and(eq(traceEntry.action, 'committee.record.read'), eq(traceEntry.targetId, sectionId)));
    expect(read).toMatchObject({ actorName: 'supervisor' });
  });

  it('never draws a disabled expert or one who declared a conflict with a bidder', async () => {
    const db = platform.services.db;
    const second = await evaluatingSection(db, { bidders: ['bidder3'] });
    const experts = await centre.caller.evaluation.experts({ specialty: 'B02' });
    // Ten B02 experts are eligible for the B02-only section; disable one, have another declare bidder3.
    const inScope = experts.filter((e) => !bidderEmployed.includes(e.id));
    const disabled = inScope[0]!;
    const conflicted = inScope[1]!;
    await centre.caller.evaluation.setExpertStatus({ expertId: disabled.id, status: 'disabled', reason: '暂停评标资格' });
    await (await clientOf(conflicted.id)).caller.evaluation.updateMyProfile({ conflicts: [await organisationCreditCode(db, 'bidder3')] });
    await centre.caller.evaluation.requestCommittee({ sectionId: second.id, needs: [{ specialty: 'B02', count: 5 }], regionScope: 'own', tendererRepresentatives: 0, evaluationStartsAt: soon() });
    await centre.caller.evaluation.draw({ sectionId: second.id });
    const [round] = await db.select().from(drawRound).where(eq(drawRound.sectionId, second.id));
    const { ineligible } = eligibilityOf(canonicalDrawInputs(round!.inputs));
    expect(ineligible.find((e) => e.expertId === disabled.id)?.reasons.map((r) => r.code)).toContain('unavailable');
    expect(ineligible.find((e) => e.expertId === conflicted.id)?.reasons.map((r) => r.code)).toContain('declared-conflict');
    const drawnIds = (await db.select().from(committeeMember).where(eq(committeeMember.sectionId, second.id))).map((m) => m.expertId);
    expect(drawnIds).toHaveLength(5);
    expect(drawnIds).not.toContain(disabled.id);
    expect(drawnIds).not.toContain(conflicted.id);
    // Not enough left for a larger committee: refused before anything is committed.
    const third = await evaluatingSection(db, { bidders: ['bidder3'] });
    await centre.caller.evaluation.requestCommittee({ sectionId: third.id, needs: [{ specialty: 'B02', count: 15 }], regionScope: 'own', tendererRepresentatives: 0, evaluationStartsAt: soon() });
    const short = await refusal(centre.caller.evaluation.draw({ sectionId: third.id }));
    expect(short).toMatchObject({ code: 'RULE_VIOLATION', details: { reason: 'not-enough-experts' } });
    expect(short.zh).toContain('专业 B02 需抽取 15 名专家');
    expect(await db.select().from(drawRound).where(eq(drawRound.sectionId, third.id))).toEqual([]);
  });
  it('takes a government procurement draw no earlier than 2 working days before the evaluation', async () => {
    const db = platform.services.db;
    const procurement = await evaluatingSection(db, { bidders: ['bidder1'], type: 'procurement', estimatedPriceFen: 500_000_000 });
    const far = new Date(Date.now() + 20 * 86_400_000);
    await centre.caller.evaluation.requestCommittee({ sectionId: procurement.id, needs: [{ specialty: 'B02', count: 5 }], regionScope: 'cross', tendererRepresentatives: 0, evaluationStartsAt: far });
    const early = await refusal(centre.caller.evaluation.draw({ sectionId: procurement.id }));
    expect(early).toMatchObject({ code: 'RULE_VIOLATION', details: { reason: 'draw-too-early' } });
    expect(early.zh).toContain('财库〔2016〕198号第十三条');
    expect(await db.select().from(drawRound).where(eq(drawRound.sectionId, procurement.id))).toEqual([]);
    // Off-site evaluation (异地评审) is not held to it.
    await centre.caller.evaluation.requestCommittee({ sectionId: procurement.id, needs: [{ specialty: 'B02', count: 5 }], regionScope: 'cross', tendererRepresentatives: 0, evaluationStartsAt: far, offSite: true });
    expect(await centre.caller.evaluation.draw({ sectionId: procurement.id })).toMatchObject({ round: 0, seated: 5 });
  });

  it("applies the deployment's rule: not the same tenderer's committee within N months", async () => {
    const db = platform.services.db;
    const seatedBefore = (await db.select().from(committeeMember).where(eq(committeeMember.sectionId, sectionId))).filter((m) => m.state === 'drawn' || m.state === 'confirmed').map((m) => m.expertId);
    platform.services.settings.drawRules = { sameTendererMonths: 6 };
    try {
      const next = await evaluatingSection(db, { bidders: ['bidder3'] });
      await centre.caller.evaluation.requestCommittee({ sectionId: next.id, needs: [{ specialty: 'A01', count: 5 }], regionScope: 'own', tendererRepresentatives: 0, evaluationStartsAt: soon() });
      await centre.caller.evaluation.draw({ sectionId: next.id });
      const [round] = await db.select().from(drawRound).where(eq(drawRound.sectionId, next.id));
      const inputs = canonicalDrawInputs(round!.inputs);
      expect(inputs.rules.map((r) => r.code)).toEqual(['same-tenderer-6-months']);
      const { ineligible } = eligibilityOf(inputs);
      for (const id of seatedBefore) expect(ineligible.find((e) => e.expertId === id)?.reasons).toContainEqual({ code: 'deployment-rule', rule: 'same-tenderer-6-months' });
      const drawnIds = (await db.select().from(committeeMember).where(eq(committeeMember.sectionId, next.id))).map((m) => m.expertId);
      for (const id of seatedBefore) expect(drawnIds).not.toContain(id);
    } finally {
      delete platform.services.settings.drawRules;
    }
  });
  it('completes a committed round that found no checkpoint yet, never replacing it', async () => {
    const db = platform.services.db;
    const next = await evaluatingSection(db, { bidders: ['bidder1'] });
    await centre.caller.evaluation.requestCommittee({ sectionId: next.id, needs: [{ specialty: 'B02', count: 5 }], regionScope: 'own', tendererRepresentatives: 0, evaluationStartsAt: soon() });
    const account = (await centre.caller.auth.me())!;
    const stalled = { db, settings: platform.services.settings, sequenceNow: async () => {} };
    const call = { db, request: { requestId: 'stalled', ip: null, userAgent: null, cookies: {}, csrfHeader: null }, account: account as never, sectionId: next.id, waitMs: 100 };
    const error = await drawCommittee(stalled, call).then(() => null, (e: { code?: string; details?: Record<string, unknown> }) => e);
    expect(error).toMatchObject({ code: 'CONFLICT', details: { reason: 'checkpoint-pending', round: 0 } });
    const [committed] = await db.select().from(drawRound).where(eq(drawRound.sectionId, next.id));
    expect(committed).toMatchObject({ round: 0, state: 'committed', checkpointSize: null });
    // The next call draws that same round: same commitment entry, same frozen inputs.
    expect(await centre.caller.evaluation.draw({ sectionId: next.id })).toMatchObject({ round: 0, seated: 5 });
    const rounds = await db.select().from(drawRound).where(eq(drawRound.sectionId, next.id));
    expect(rounds).toHaveLength(1);
    expect(rounds[0]).toMatchObject({ state: 'drawn', commitEntryId: committed!.commitEntryId, inputsDigest: committed!.inputsDigest });
    const commits = await db.select().from(traceEntry).where(and(eq(traceEntry.action, 'committee.draw.commit'), eq(traceEntry.targetId, next.id)));
    expect(commits).toHaveLength(1);
  });
});
