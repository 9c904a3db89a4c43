/**
 * A draw record (docs/expert-draw.md §5): what the platform publishes once the result is decided,
 * so anyone can recompute the committee. `verifyDrawRecord` is what `ggzy verify-draw` runs; it
 * reports every difference rather than stopping at the first.
 */
import { z } from 'zod';
import { AppError, isAppError } from '../errors';
import { canonicalDrawInputs, DRAW_VERSION } from './draw-inputs';
import { drawExperts, verifyDrawReveal, type DrawResult } from './draw';

const hex = (bytes: string) => z.string().regex(new RegExp(`^([0-9a-f]{2}){${bytes}}$`), { error: `应为小写十六进制 / lower-case hex of ${bytes} bytes` });

export const drawRecordSchema = z
  .object({
    version: z.literal(DRAW_VERSION, { error: `记录版本应为 ${DRAW_VERSION} / the record version is ${DRAW_VERSION}` }),
    sectionId: z.string(),
    commitment: hex('32'),
    secret: hex('32'),
    rounds: z
      .array(
        z
          .object({
            /** The unpredictable value of this round, e.g. the root of the first checkpoint signed after the round's commitment entry. */
            publicValue: hex('16,64'),
            /** Where the public value comes from (e.g. `{ "checkpointSize": 1234 }`); shown, not checked here. */
            publicValueSource: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
            inputs: z.unknown(),
            /** The digests committed in the trace log before the public value; compared when given. */
            poolDigest: hex('32').optional(),
            inputsDigest: hex('32').optional(),
            committee: z.array(z.object({ specialty: z.string(), expertIds: z.array(z.string()) }).strict()),
            /** Drawn experts of this round who declined (filled by the next round). */
            declined: z.array(z.string()).default([]),
          })
          .strict(),
      )
      .min(1, { error: '记录中没有抽取轮次 / the record has no round' }),
  })
  .strict();
export type DrawRecord = z.input<typeof drawRecordSchema>;

export type DrawMismatch =
  | { kind: 'commitment' }
  | { kind: 'section'; round: number; recorded: string }
  | { kind: 'round-number'; round: number; recorded: number }
  | { kind: 'refill-exclusion'; round: number; missing: string[] }
  | { kind: 'pool-digest'; round: number; recorded: string; recomputed: string }
  | { kind: 'inputs-digest'; round: number; recorded: string; recomputed: string }
  | { kind: 'committee'; round: number; specialty: string; recorded: string[]; recomputed: string[] }
  | { kind: 'needs'; round: number; recorded: string[]; recomputed: string[] }
  | { kind: 'draw-refused'; round: number; zh: string; en: string }
  | { kind: 'declined-not-drawn'; round: number; expertIds: string[] };

export interface DrawVerification {
  matches: boolean;
  sectionId: string;
  mismatches: DrawMismatch[];
  /** Recomputed rounds (null where the recomputation was refused). */
  rounds: (DrawResult | null)[];
  /** The committee's experts after all rounds: everyone drawn who did not decline, by specialty, in draw order. */
  committee: { specialty: string; expertIds: string[] }[];
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Describes one difference, Chinese first then English. */
export function describeDrawMismatch(m: DrawMismatch): { zh: string; en: string } {
  const r = 'round' in m ? m.round : 0;
  switch (m.kind) {
    case 'commitment':
      return { zh: '揭示的抽取密钥与事先承诺的不符', en: 'the revealed secret does not match the commitment' };
    case 'section':
      return { zh: `第 ${r} 轮的标段为 ${m.recorded}，与记录的标段不同`, en: `round ${r} names section ${m.recorded}, not the record's` };
    case 'round-number':
      return { zh: `第 ${r} 个轮次的轮次号为 ${m.recorded}`, en: `round ${r} is numbered ${m.recorded}` };
    case 'refill-exclusion':
      return { zh: `第 ${r} 轮（补抽）未排除此前已抽取的专家：${m.missing.join('、')}`, en: `round ${r} (refill) does not exclude experts drawn before: ${m.missing.join(', ')}` };
    case 'pool-digest':
      return { zh: `第 ${r} 轮专家库摘要不符：记录 ${m.recorded}，重算 ${m.recomputed}`, en: `round ${r} pool digest differs: recorded ${m.recorded}, recomputed ${m.recomputed}` };
    case 'inputs-digest':
      return { zh: `第 ${r} 轮抽取条件摘要不符：记录 ${m.recorded}，重算 ${m.recomputed}`, en: `round ${r} inputs digest differs: recorded ${m.recorded}, recomputed ${m.recomputed}` };
    case 'committee':
      return {
        zh: `第 ${r} 轮专业 ${m.specialty}：记录的专家为 ${m.recorded.join('、') || '（无）'}，重算得到 ${m.recomputed.join('、') || '（无）'}`,
        en: `round ${r} specialty ${m.specialty}: the record names ${m.recorded.join(', ') || '(none)'}; recomputed ${m.recomputed.join(', ') || '(none)'}`,
      };
    case 'needs':
      return { zh: `第 ${r} 轮记录的专业为 ${m.recorded.join('、')}，抽取条件为 ${m.recomputed.join('、')}`, en: `round ${r} records specialties ${m.recorded.join(', ')}; the inputs ask for ${m.recomputed.join(', ')}` };
    case 'declined-not-drawn':
      return { zh: `第 ${r} 轮记录为拒绝的专家并未在该轮抽中：${m.expertIds.join('、')}`, en: `round ${r} lists as declined experts it did not draw: ${m.expertIds.join(', ')}` };
    case 'draw-refused':
      return { zh: `第 ${r} 轮无法按记录的条件抽取：${m.zh}`, en: `round ${r} cannot be drawn from its inputs: ${m.en}` };
  }
}

/**
 * Recomputes every round of a record. A record that is not one (bad JSON shape, invalid inputs)
 * is refused with INVALID_INPUT; a record that is well-formed but disagrees is `matches: false`.
 */
export function verifyDrawRecord(value: unknown): DrawVerification {
  const parsed = drawRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new AppError('INVALID_INPUT', { zh: `抽取记录${field ? `（${field}）` : ''}格式不对：${issue.message}`, en: `the draw record${field ? ` (${field})` : ''} is malformed: ${issue.message}` }, { reason: 'invalid-draw-record', field });
  }
  const record = parsed.data;
  const mismatches: DrawMismatch[] = [];
  if (!verifyDrawReveal(record.secret, record.commitment)) mismatches.push({ kind: 'commitment' });

  const rounds: (DrawResult | null)[] = [];
  const drawnBefore: string[] = [];
  const declined: string[] = [];
  const committee: { specialty: string; expertIds: string[] }[] = [];
  record.rounds.forEach((round, index) => {
    let result: DrawResult;
    try {
      result = drawExperts({ inputs: round.inputs, secret: record.secret, publicValue: round.publicValue });
    } catch (error) {
      if (isAppError(error) && error.code === 'RULE_VIOLATION') {
        mismatches.push({ kind: 'draw-refused', round: index, zh: error.zh, en: error.en });
        rounds.push(null);
        drawnBefore.push(...round.committee.flatMap((g) => g.expertIds));
        return;
      }
      throw error;
    }
    rounds.push(result);
    if (result.sectionId !== record.sectionId) mismatches.push({ kind: 'section', round: index, recorded: result.sectionId });
    if (result.round !== index) mismatches.push({ kind: 'round-number', round: index, recorded: result.round });
    // Every expert drawn in an earlier round (confirmed or declined) is listed as already drawn.
    const excluded = new Set(canonicalDrawInputs(round.inputs).alreadyDrawn);
    const missing = [...new Set(drawnBefore)].filter((id) => !excluded.has(id));
    if (missing.length > 0) mismatches.push({ kind: 'refill-exclusion', round: index, missing });
    if (round.poolDigest && round.poolDigest !== result.poolDigest) mismatches.push({ kind: 'pool-digest', round: index, recorded: round.poolDigest, recomputed: result.poolDigest });
    if (round.inputsDigest && round.inputsDigest !== result.inputsDigest) mismatches.push({ kind: 'inputs-digest', round: index, recorded: round.inputsDigest, recomputed: result.inputsDigest });
    const recordedNeeds = round.committee.map((g) => g.specialty);
    const needs = result.groups.map((g) => g.specialty);
    if (!same(recordedNeeds, needs)) mismatches.push({ kind: 'needs', round: index, recorded: recordedNeeds, recomputed: needs });
    for (const group of result.groups) {
      const recorded = round.committee.find((g) => g.specialty === group.specialty)?.expertIds ?? [];
      if (!same(recorded, group.expertIds)) mismatches.push({ kind: 'committee', round: index, specialty: group.specialty, recorded, recomputed: group.expertIds });
    }
    const strangers = round.declined.filter((id) => !result.expertIds.includes(id));
    if (strangers.length > 0) mismatches.push({ kind: 'declined-not-drawn', round: index, expertIds: strangers });
    // What the round really drew (a recorded committee that differs is reported above).
    drawnBefore.push(...result.expertIds);
    declined.push(...round.declined);
    for (const group of result.groups) {
      const seat = committee.find((g) => g.specialty === group.specialty) ?? committee[committee.push({ specialty: group.specialty, expertIds: [] }) - 1]!;
      seat.expertIds.push(...group.expertIds);
    }
  });
  const out = new Set(declined);
  for (const seat of committee) seat.expertIds = seat.expertIds.filter((id) => !out.has(id));
  return { matches: mismatches.length === 0, sectionId: record.sectionId, mismatches, rounds, committee };
}
