/**
 * The verifiable random draw of the evaluation committee (专家抽取, issue 13), written down byte for
 * byte in docs/expert-draw.md so another program can recompute it:
 *
 * 1. eligibility with recusal (招标投标法 art. 37; 实施条例 art. 46): every expert not eligible is
 *    listed with all its reasons, so the centre can see why;
 * 2. seed = HMAC-SHA-256(secret, public value ‖ section ‖ round ‖ inputs digest): the secret is
 *    committed in the trace log before the public value (a checkpoint root signed later) exists;
 * 3. a keyed stream HMAC-SHA-256(seed, counter), 32-bit words, rejection sampling for unbiased
 *    integers, a forward Fisher–Yates over the eligible experts in id order, the first n per need.
 *
 * Pure and portable (runs in the browser too): @noble/hashes, no node:* imports.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { AppError } from '../errors';
import {
  bytesField,
  canonicalDrawInputs,
  drawDigests,
  DRAW_VERSION,
  str,
  u32,
  type CanonicalDrawInputs,
  type CanonicalExpert,
  type CanonicalRef,
} from './draw-inputs';

export const DRAW_SECRET_BYTES = 32;

// --- Commitment ---

/** A fresh secret for one section's draw: 32 random bytes, hex. */
export function generateDrawSecret(): string {
  return bytesToHex(randomBytes(DRAW_SECRET_BYTES));
}

function secretBytes(secretHex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(secretHex)) {
    throw new AppError('INVALID_INPUT', { zh: '抽取密钥应为 64 位小写十六进制（32 字节）', en: 'the draw secret is 64 lower-case hex digits (32 bytes)' }, { reason: 'invalid-secret' });
  }
  return hexToBytes(secretHex);
}

/** commitment = SHA-256(str("ggzy-expert-draw/v1:commitment") ‖ secret), hex. */
export function drawCommitment(secretHex: string): string {
  return bytesToHex(sha256(concatBytes(str(`${DRAW_VERSION}:commitment`), secretBytes(secretHex))));
}

/** Whether a revealed secret is the one committed to. */
export function verifyDrawReveal(secretHex: string, commitmentHex: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(secretHex) || !/^[0-9a-f]{64}$/.test(commitmentHex)) return false;
  return drawCommitment(secretHex) === commitmentHex;
}

// --- Eligibility ---

export type IneligibleReason =
  | { code: 'unavailable' }
  | { code: 'already-drawn' }
  | { code: 'employed-by-bidder'; organisation: CanonicalRef }
  | { code: 'employed-by-tenderer'; organisation: CanonicalRef }
  | { code: 'declared-conflict'; organisation: CanonicalRef }
  | { code: 'deployment-rule'; rule: string }
  | { code: 'region' }
  | { code: 'specialty' };

/** The reasons that are recusal (回避) rather than "not available" or "not what was asked for". */
export const RECUSAL_REASONS: ReadonlySet<IneligibleReason['code']> = new Set(['employed-by-bidder', 'employed-by-tenderer', 'declared-conflict', 'deployment-rule']);

const orgName = (r: CanonicalRef) => [r.creditCode, r.organisationId].filter(Boolean).join(' / ');

export function describeIneligibility(reason: IneligibleReason): { zh: string; en: string } {
  switch (reason.code) {
    case 'unavailable':
      return { zh: '专家暂停或无法参加评标', en: 'the expert is suspended or not available' };
    case 'already-drawn':
      return { zh: '本标段已抽取过该专家（已确认或已拒绝）', en: 'already drawn for this section (confirmed or declined)' };
    case 'employed-by-bidder':
      return { zh: `任职于投标人 ${orgName(reason.organisation)}，应当回避`, en: `employed by the bidder ${orgName(reason.organisation)}: recused` };
    case 'employed-by-tenderer':
      return { zh: `任职于招标人或其代理机构 ${orgName(reason.organisation)}，应当回避`, en: `employed by the tenderer or its agency ${orgName(reason.organisation)}: recused` };
    case 'declared-conflict':
      return { zh: `申报了与 ${orgName(reason.organisation)} 的利害关系，应当回避`, en: `declared an interest in ${orgName(reason.organisation)}: recused` };
    case 'deployment-rule':
      return { zh: `按本地回避规则 ${reason.rule} 回避`, en: `recused under the deployment rule ${reason.rule}` };
    case 'region':
      return { zh: '不在本次抽取的地区范围内', en: 'not in a region this draw takes experts from' };
    case 'specialty':
      return { zh: '没有本次抽取所需的专业', en: 'has none of the specialties asked for' };
  }
}

export interface Eligibility {
  /** Eligible expert ids in canonical order (byte order of the id). */
  eligible: string[];
  /** Every other expert of the pool, in canonical order, with all its reasons. */
  ineligible: { expertId: string; reasons: IneligibleReason[] }[];
}

const matchesRef = (a: CanonicalRef, b: CanonicalRef) =>
  (a.creditCode !== '' && a.creditCode === b.creditCode) || (a.organisationId !== '' && a.organisationId === b.organisationId);

/** Indexes refs by each of their keys, so a pool of 10,000 against 300 bidders is a few lookups per expert. */
function refIndex(refs: readonly CanonicalRef[]) {
  const byKey = new Map<string, CanonicalRef>();
  for (const r of refs) {
    if (r.creditCode) byKey.set(`c:${r.creditCode}`, r);
    if (r.organisationId) byKey.set(`o:${r.organisationId}`, r);
  }
  return (r: CanonicalRef): CanonicalRef | undefined => (r.creditCode && byKey.get(`c:${r.creditCode}`)) || (r.organisationId && byKey.get(`o:${r.organisationId}`)) || undefined;
}

/** Whether the expert holds the requested specialty or one below it in the tree. */
export const holdsSpecialty = (expert: CanonicalExpert, code: string) => expert.specialties.some((s) => s.startsWith(code));

export function eligibilityOf(inputs: CanonicalDrawInputs): Eligibility {
  const bidder = refIndex(inputs.bidders);
  const tenderer = refIndex(inputs.tenderer);
  const drawn = new Set(inputs.alreadyDrawn);
  const regions = new Set(inputs.regions);
  const ruled = new Map<string, string[]>();
  for (const rule of inputs.rules) for (const id of rule.expertIds) ruled.set(id, [...(ruled.get(id) ?? []), rule.code]);

  const eligible: string[] = [];
  const ineligible: Eligibility['ineligible'] = [];
  for (const expert of inputs.pool) {
    const reasons: IneligibleReason[] = [];
    if (!expert.available) reasons.push({ code: 'unavailable' });
    if (drawn.has(expert.id)) reasons.push({ code: 'already-drawn' });
    const employerIsBidder = bidder(expert.employer);
    if (employerIsBidder) reasons.push({ code: 'employed-by-bidder', organisation: employerIsBidder });
    const employerIsTenderer = tenderer(expert.employer);
    if (employerIsTenderer) reasons.push({ code: 'employed-by-tenderer', organisation: employerIsTenderer });
    for (const conflict of expert.conflicts) {
      const party = bidder(conflict) ?? tenderer(conflict);
      if (party && !reasons.some((r) => r.code === 'declared-conflict' && matchesRef(r.organisation, party))) reasons.push({ code: 'declared-conflict', organisation: party });
    }
    for (const rule of ruled.get(expert.id) ?? []) reasons.push({ code: 'deployment-rule', rule });
    if (!inputs.crossRegion && !regions.has(expert.region)) reasons.push({ code: 'region' });
    if (!inputs.needs.some((n) => holdsSpecialty(expert, n.specialty))) reasons.push({ code: 'specialty' });
    if (reasons.length === 0) eligible.push(expert.id);
    else ineligible.push({ expertId: expert.id, reasons });
  }
  return { eligible, ineligible };
}

// --- Seed and stream ---

/** seed = HMAC-SHA-256(secret, str(tag) ‖ bytes(public value) ‖ str(section) ‖ u32(round) ‖ inputs digest). */
export function drawSeed(options: { secret: string; publicValue: string; sectionId: string; round: number; inputsDigest: string }): Uint8Array {
  if (!/^([0-9a-f]{2}){16,64}$/.test(options.publicValue)) {
    throw new AppError('INVALID_INPUT', { zh: '公开随机值应为 16–64 字节的小写十六进制', en: 'the public value is 16–64 bytes of lower-case hex' }, { reason: 'invalid-public-value' });
  }
  const message = concatBytes(
    str(`${DRAW_VERSION}:seed`),
    bytesField(hexToBytes(options.publicValue)),
    str(options.sectionId),
    u32(options.round),
    hexToBytes(options.inputsDigest),
  );
  return hmac(sha256, secretBytes(options.secret), message);
}

/**
 * The keyed stream: block c = HMAC-SHA-256(seed, u64be(c)) for c = 0, 1, 2, …; the blocks'
 * bytes in order, read as big-endian 32-bit words. Each round has its own seed, so its own counter
 * space starting at 0.
 */
export class DrawStream {
  private counter = 0;
  private block = new Uint8Array(0);
  private offset = 0;
  /** Words read so far (rejected ones included): for tests and for the record. */
  wordsRead = 0;

  constructor(private readonly seed: Uint8Array) {}

  nextWord(): number {
    if (this.offset === this.block.length) {
      const c = new Uint8Array(8);
      new DataView(c.buffer).setBigUint64(0, BigInt(this.counter++), false);
      this.block = hmac(sha256, this.seed, c);
      this.offset = 0;
    }
    const word = new DataView(this.block.buffer, this.block.byteOffset + this.offset, 4).getUint32(0, false);
    this.offset += 4;
    this.wordsRead++;
    return word;
  }
}

const TWO_32 = 2 ** 32;

/**
 * A uniform integer in [0, k), 1 ≤ k < 2^32: words at or above the largest multiple of k below 2^32
 * are rejected and the next word is read; the first one below it, mod k, is the answer. Every call
 * reads at least one word, also for k = 1.
 */
export function uniformBelow(k: number, nextWord: () => number): number {
  if (!Number.isInteger(k) || k < 1 || k >= TWO_32) throw new RangeError(`uniformBelow: k = ${k}`);
  const limit = TWO_32 - (TWO_32 % k);
  for (;;) {
    const x = nextWord();
    if (x < limit) return x % k;
  }
}

// --- The draw ---

export interface DrawnGroup {
  specialty: string;
  count: number;
  /** How many experts could have been drawn for this need. */
  candidates: number;
  /** The experts drawn, in draw order. */
  expertIds: string[];
}

export interface DrawResult {
  version: typeof DRAW_VERSION;
  sectionId: string;
  round: number;
  poolDigest: string;
  inputsDigest: string;
  seed: string;
  groups: DrawnGroup[];
  /** All drawn experts, need by need, in draw order. */
  expertIds: string[];
  eligibility: Eligibility;
  wordsRead: number;
}

/** Refused: not enough eligible experts for a need. Nothing is drawn. */
function notEnough(need: { specialty: string; count: number }, available: number): AppError {
  return new AppError(
    'RULE_VIOLATION',
    {
      zh: `专业 ${need.specialty} 需抽取 ${need.count} 名专家，但符合条件（回避后）的只有 ${available} 名；请扩大地区范围或调整专业`,
      en: `Specialty ${need.specialty} needs ${need.count} expert(s) but only ${available} are eligible after recusal; widen the regions or change the specialty`,
    },
    { reason: 'not-enough-experts', specialty: need.specialty, needed: need.count, available },
  );
}

/**
 * Draws one round. `inputs` is validated (zod) and canonicalised first, so the same draw given in
 * any order of its sets gives the same committee.
 */
export function drawExperts(options: { inputs: unknown; secret: string; publicValue: string }): DrawResult {
  return drawRound({ ...options, inputs: canonicalDrawInputs(options.inputs) });
}

/**
 * The draw over inputs already in canonical form (`canonicalDrawInputs`): for a caller that holds
 * them already, e.g. to show the eligibility first and then draw. Canonical means sorted in byte
 * order, which is not a database's text collation (PostgreSQL sorts by its locale unless told
 * `COLLATE "C"`): build them with `canonicalDrawInputs`, not from an ORDER BY.
 */
export function drawRound(options: { inputs: CanonicalDrawInputs; secret: string; publicValue: string }): DrawResult {
  const inputs = options.inputs;
  const digests = drawDigests(inputs);
  const eligibility = eligibilityOf(inputs);
  const seed = drawSeed({ secret: options.secret, publicValue: options.publicValue, sectionId: inputs.sectionId, round: inputs.round, inputsDigest: digests.inputs });
  const stream = new DrawStream(seed);
  const next = () => stream.nextWord();
  const byId = new Map(inputs.pool.map((e) => [e.id, e]));
  const taken = new Set<string>();
  const groups: DrawnGroup[] = [];
  for (const need of inputs.needs) {
    const candidates = eligibility.eligible.filter((id) => !taken.has(id) && holdsSpecialty(byId.get(id)!, need.specialty));
    if (candidates.length < need.count) throw notEnough(need, candidates.length);
    // Forward Fisher–Yates, stopped after `count` steps: the first `count` of the full shuffle.
    const m = candidates.length;
    for (let i = 0; i < need.count; i++) {
      const j = i + uniformBelow(m - i, next);
      [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
    }
    const drawn = candidates.slice(0, need.count);
    for (const id of drawn) taken.add(id);
    groups.push({ specialty: need.specialty, count: need.count, candidates: m, expertIds: drawn });
  }
  return {
    version: DRAW_VERSION,
    sectionId: inputs.sectionId,
    round: inputs.round,
    poolDigest: digests.pool,
    inputsDigest: digests.inputs,
    seed: bytesToHex(seed),
    groups,
    expertIds: groups.flatMap((g) => g.expertIds),
    eligibility,
    wordsRead: stream.wordsRead,
  };
}
