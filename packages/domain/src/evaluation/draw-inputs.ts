/**
 * The inputs of an expert draw (专家抽取) and their canonical encoding (docs/expert-draw.md §2). The
 * encoding is what the pool digest and the inputs digest are computed over; it is committed in the
 * trace log before the public value exists, so nobody can change the pool once the draw could be
 * predicted.
 *
 * Every identifier is printable ASCII from a small alphabet, so "sorted by bytes" and JavaScript's
 * string order agree, and no Unicode normalisation question arises.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { AppError } from '../errors';
import { isValidCreditCode } from '../organisation/credit-code';

export const DRAW_VERSION = 'ggzy-expert-draw/v1';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const id = (what: string, en: string) => z.string().regex(ID, { error: `${what}应为 1–64 个字母、数字或 . _ : - / ${en} must be 1–64 letters, digits or . _ : -` });

/** An organisation, by 统一社会信用代码, by its platform id, or both; two refs match on either. */
export const organisationRefSchema = z
  .object({
    creditCode: z
      .string()
      .refine(isValidCreditCode, { error: '统一社会信用代码格式或校验位不对 / the unified social credit code is malformed or fails its check character' })
      .optional(),
    organisationId: id('单位标识', 'an organisation id').optional(),
  })
  .strict()
  .refine((r) => r.creditCode !== undefined || r.organisationId !== undefined, {
    error: '单位应给出统一社会信用代码或平台单位标识 / an organisation needs a credit code or a platform id',
  });
export type OrganisationRef = z.infer<typeof organisationRefSchema>;

/**
 * Specialty codes are paths in the specialty tree (评标专家专业分类): a child's code is its parent's
 * code followed by more characters (A01 → A0101 → A010101), so a request for a code is met by an
 * expert holding that code or any code below it.
 */
const specialty = z.string().regex(/^[A-Za-z0-9]{1,32}$/, { error: '专业代码应为 1–32 个字母或数字 / specialty codes are 1–32 letters or digits' });
/** GB/T 2260 administrative division codes (6 digits, or longer for townships). */
const region = z.string().regex(/^[0-9]{6,12}$/, { error: '地区代码应为 6–12 位数字 / region codes are 6–12 digits' });

export const poolExpertSchema = z
  .object({
    id: id('专家标识', 'an expert id'),
    specialties: z.array(specialty).min(1, { error: '专家至少有一个专业 / an expert has at least one specialty' }).max(32),
    region,
    /** The expert's employer; null for a retired or self-employed expert. */
    employer: organisationRefSchema.nullable(),
    /** In the pool and free on the evaluation date (not suspended, not on leave). */
    available: z.boolean(),
    /** Organisations the expert declared an interest in (former employer, relatives' companies, …). */
    conflicts: z.array(organisationRefSchema).max(256).default([]),
  })
  .strict();
export type PoolExpert = z.input<typeof poolExpertSchema>;

/** A rule a deployment adds (e.g. "not the same tenderer within 6 months"), evaluated by its caller, given as data. */
export const deploymentRuleSchema = z
  .object({
    code: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, { error: '规则代码应为小写字母、数字和连字符 / rule codes are lower-case letters, digits and hyphens' }),
    expertIds: z.array(id('专家标识', 'an expert id')).max(100_000),
  })
  .strict();
export type DeploymentRule = z.input<typeof deploymentRuleSchema>;

export const drawNeedSchema = z
  .object({
    specialty,
    count: z.number().int().min(1, { error: '每个专业至少抽取 1 人 / draw at least 1 expert per specialty' }).max(99),
  })
  .strict();

export const drawInputsSchema = z
  .object({
    sectionId: id('标段标识', 'the section id'),
    /** 0 for the first draw; each refill after a decline is the next round. */
    round: z.number().int().min(0).max(999),
    /** Drawn in this order; the experts of one need are not drawn again for a later one. */
    needs: z.array(drawNeedSchema).min(1, { error: '请至少指定一个专业及人数 / name at least one specialty and count' }).max(32),
    /** True: the whole pool whatever the region (跨区域); false: only the regions listed (the caller includes the regions below). */
    crossRegion: z.boolean(),
    regions: z.array(region).max(4096),
    pool: z.array(poolExpertSchema).max(1_000_000),
    /** The bidders of the section (after the opening: every company whose bid was opened). */
    bidders: z.array(organisationRefSchema).max(100_000),
    /** The tenderer and its agency. */
    tenderer: z.array(organisationRefSchema).min(1, { error: '请给出招标人 / name the tenderer' }).max(16),
    rules: z.array(deploymentRuleSchema).max(64).default([]),
    /** Experts drawn in earlier rounds of this section (confirmed or declined): never drawn again. */
    alreadyDrawn: z.array(id('专家标识', 'an expert id')).max(10_000).default([]),
  })
  .strict()
  .superRefine((inputs, ctx) => {
    const codes = inputs.needs.map((n) => n.specialty);
    if (new Set(codes).size !== codes.length) ctx.addIssue({ code: 'custom', path: ['needs'], message: '同一专业只能列一次 / each specialty is listed once' });
    const ids = inputs.pool.map((e) => e.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', path: ['pool'], message: '专家库中有重复的专家标识 / the pool lists an expert id twice' });
    const rules = inputs.rules.map((r) => r.code);
    if (new Set(rules).size !== rules.length) ctx.addIssue({ code: 'custom', path: ['rules'], message: '规则代码重复 / a rule code is listed twice' });
    if (inputs.crossRegion && inputs.regions.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['regions'], message: '跨区域抽取不再限定地区，请勿列出地区 / a cross-region draw lists no regions' });
    }
    if (!inputs.crossRegion && inputs.regions.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['regions'], message: '请列出可抽取的地区，或选择跨区域抽取 / list the regions to draw from, or draw across regions' });
    }
  });
export type DrawInputs = z.input<typeof drawInputsSchema>;

/** Inputs after validation, with every set sorted and deduplicated: the form the procedure works on. */
export interface CanonicalDrawInputs {
  sectionId: string;
  round: number;
  needs: { specialty: string; count: number }[];
  crossRegion: boolean;
  regions: string[];
  pool: CanonicalExpert[];
  bidders: CanonicalRef[];
  tenderer: CanonicalRef[];
  rules: { code: string; expertIds: string[] }[];
  alreadyDrawn: string[];
}
export interface CanonicalRef {
  creditCode: string;
  organisationId: string;
}
export interface CanonicalExpert {
  id: string;
  specialties: string[];
  region: string;
  /** Both fields empty: no employer. */
  employer: CanonicalRef;
  available: boolean;
  conflicts: CanonicalRef[];
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedSet = (values: readonly string[]) => [...new Set(values)].sort(byString);
const refOf = (r: OrganisationRef | null): CanonicalRef => ({ creditCode: r?.creditCode ?? '', organisationId: r?.organisationId ?? '' });
const refKey = (r: CanonicalRef) => `${r.creditCode}\u0000${r.organisationId}`;
function sortedRefs(refs: readonly OrganisationRef[]): CanonicalRef[] {
  const unique = new Map(refs.map((r) => [refKey(refOf(r)), refOf(r)]));
  // By credit code, then organisation id, in byte order (an absent field is the empty string, first).
  return [...unique.keys()].sort(byString).map((k) => unique.get(k)!);
}

/** A refusal of malformed draw inputs, naming the first offending field. */
export function invalidDrawInput(error: z.ZodError): AppError {
  const issue = error.issues[0]!;
  const field = issue.path.join('.');
  const at = issue.message.indexOf(' / ');
  const [zh, en] = at < 0 ? [issue.message, issue.message] : [issue.message.slice(0, at), issue.message.slice(at + 3)];
  return new AppError('INVALID_INPUT', { zh: `抽取条件${field ? `（${field}）` : ''}：${zh}`, en: `draw inputs${field ? ` (${field})` : ''}: ${en}` }, { reason: 'invalid-draw-input', field });
}

export function canonicalDrawInputs(value: unknown): CanonicalDrawInputs {
  const parsed = drawInputsSchema.safeParse(value);
  if (!parsed.success) throw invalidDrawInput(parsed.error);
  const i = parsed.data;
  return {
    sectionId: i.sectionId,
    round: i.round,
    needs: i.needs.map((n) => ({ specialty: n.specialty, count: n.count })),
    crossRegion: i.crossRegion,
    regions: sortedSet(i.regions),
    pool: i.pool
      .map((e) => ({
        id: e.id,
        specialties: sortedSet(e.specialties),
        region: e.region,
        employer: refOf(e.employer),
        available: e.available,
        conflicts: sortedRefs(e.conflicts),
      }))
      .sort((a, b) => byString(a.id, b.id)),
    bidders: sortedRefs(i.bidders),
    tenderer: sortedRefs(i.tenderer),
    rules: i.rules.map((r) => ({ code: r.code, expertIds: sortedSet(r.expertIds) })).sort((a, b) => byString(a.code, b.code)),
    alreadyDrawn: sortedSet(i.alreadyDrawn),
  };
}

// --- The byte encoding (docs/expert-draw.md §2) ---

export function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}
/** A byte string: its length as u32, then the bytes. */
export const bytesField = (bytes: Uint8Array) => concatBytes(u32(bytes.length), bytes);
export const str = (s: string) => bytesField(utf8ToBytes(s));

/**
 * Writes the encoding into one growing buffer: a pool of 10,000 experts is some 1.6 MB of small
 * fields, and concatenating arrays field by field costs more than hashing the result.
 */
class ByteWriter {
  private buffer = new Uint8Array(64 * 1024);
  private view = new DataView(this.buffer.buffer);
  private length = 0;
  private static readonly encoder = new TextEncoder();

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
  u32(n: number): this {
    this.reserve(4);
    this.view.setUint32(this.length, n, false);
    this.length += 4;
    return this;
  }
  u8(b: boolean): this {
    this.reserve(1);
    this.buffer[this.length++] = b ? 1 : 0;
    return this;
  }
  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }
  str(s: string): this {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; every field here is ASCII anyway.
    this.reserve(4 + 3 * s.length);
    const { written } = ByteWriter.encoder.encodeInto(s, this.buffer.subarray(this.length + 4));
    this.view.setUint32(this.length, written, false);
    this.length += 4 + written;
    return this;
  }
  list<T>(items: readonly T[], each: (item: T) => void): this {
    this.u32(items.length);
    for (const item of items) each(item);
    return this;
  }
  ref(r: CanonicalRef): this {
    return this.str(r.creditCode).str(r.organisationId);
  }
  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

function writePool(w: ByteWriter, pool: readonly CanonicalExpert[]): ByteWriter {
  w.str(`${DRAW_VERSION}:pool`).list(pool, (e) => {
    w.str(e.id)
      .list(e.specialties, (s) => w.str(s))
      .str(e.region)
      .ref(e.employer)
      .u8(e.available)
      .list(e.conflicts, (c) => w.ref(c));
  });
  return w;
}

export function encodePool(pool: readonly CanonicalExpert[]): Uint8Array {
  return writePool(new ByteWriter(), pool).bytes();
}

export function encodeDrawInputs(inputs: CanonicalDrawInputs, poolDigest: Uint8Array = sha256(encodePool(inputs.pool))): Uint8Array {
  const w = new ByteWriter();
  w.str(`${DRAW_VERSION}:inputs`)
    .str(inputs.sectionId)
    .u32(inputs.round)
    .list(inputs.needs, (n) => w.str(n.specialty).u32(n.count))
    .u8(inputs.crossRegion)
    .list(inputs.regions, (r) => w.str(r))
    .raw(poolDigest)
    .list(inputs.bidders, (r) => w.ref(r))
    .list(inputs.tenderer, (r) => w.ref(r))
    .list(inputs.rules, (r) => w.str(r.code).list(r.expertIds, (id) => w.str(id)))
    .list(inputs.alreadyDrawn, (id) => w.str(id));
  return w.bytes();
}

export interface DrawDigests {
  /** SHA-256 of the encoded pool, hex. */
  pool: string;
  /** SHA-256 of the encoded inputs (request, exclusions and the pool digest), hex. */
  inputs: string;
}

export function drawDigests(inputs: CanonicalDrawInputs): DrawDigests {
  const pool = sha256(encodePool(inputs.pool));
  return { pool: bytesToHex(pool), inputs: bytesToHex(sha256(encodeDrawInputs(inputs, pool))) };
}
