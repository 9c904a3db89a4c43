/**
 * The expert pool (评标专家库, issue 13): centre staff maintain the experts of their region and the
 * specialty tree; an expert keeps their own availability and declared conflicts. Every change is a
 * trace entry in its own transaction; ID numbers are never stored (only a tagged SHA-256 and a mask).
 */
import { appendTrace } from '@ggzy/audit';
import { sha256Hex } from '@ggzy/crypto';
import { account, and, eq, expert, expertSpecialty, inArray, region, specialty, type Database } from '@ggzy/db';
import { AppError, isValidCreditCode } from '@ggzy/domain';
import { z } from 'zod';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { regionScope } from '../directory/region-scope';
import { digestOf } from '../tender/create-section';

export interface PoolCall {
  db: Database;
  request: RequestInfo;
  account: SessionAccount;
}

// --- Field schemas (messages "中文 / English", split by the callers) ---

const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** 居民身份证号码 (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character. */
export function isValidResidentId(value: string): boolean {
  if (!/^[0-9]{17}[0-9X]$/.test(value)) return false;
  const sum = RESIDENT_ID_WEIGHTS.reduce((s, w, i) => s + w * Number(value[i]), 0);
  return '10X98765432'[sum % 11] === value[17];
}
export const idNumberDigest = (idNumber: string) => sha256Hex(`ggzy-expert-id/v1:${idNumber.toUpperCase()}`);
export const maskIdNumber = (idNumber: string) => `${idNumber.slice(0, 4)}${'*'.repeat(idNumber.length - 8)}${idNumber.slice(-4)}`;

export const specialtyCodeSchema = z.string().trim().regex(/^[A-Za-z0-9]{1,32}$/, { error: '专业代码应为 1–32 个字母或数字 / specialty codes are 1–32 letters or digits' });
export const creditCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isValidCreditCode, { error: '统一社会信用代码格式或校验位不对 / the unified social credit code is malformed or fails its check character' });
const regionCodeSchema = z.string().trim().regex(/^[0-9]{6,12}$/, { error: '地区代码应为 6–12 位数字 / region codes are 6–12 digits' });
const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: '日期格式应为 YYYY-MM-DD / dates are YYYY-MM-DD' });

export const unavailableSchema = z
  .array(
    z
      .object({ from: localDate, to: localDate, reason: z.string().trim().max(200).optional() })
      .strict()
      .refine((p) => p.from <= p.to, { error: '不可参加评标的时段应先开始后结束 / an unavailable period ends on or after its start' }),
  )
  .max(100);
export const conflictsSchema = z.array(creditCodeSchema).max(256, { error: '申报的利害关系单位最多 256 家 / at most 256 declared conflicts' });

export const expertFieldsSchema = z
  .object({
    name: z.string().trim().min(2, { error: '姓名至少 2 个字 / the name has at least 2 characters' }).max(50, { error: '姓名最多 50 个字 / the name has at most 50 characters' }),
    idNumber: z
      .string()
      .trim()
      .toUpperCase()
      .refine(isValidResidentId, { error: '居民身份证号码格式或校验位不对 / the resident ID number is malformed or fails its check character' }),
    title: z.string().trim().min(2, { error: '请填写职称 / give the professional title' }).max(50),
    regionCode: regionCodeSchema,
    employerName: z.string().trim().max(200).nullable().default(null),
    employerCreditCode: creditCodeSchema.nullable().default(null),
    specialties: z.array(specialtyCodeSchema).min(1, { error: '专家至少有一个专业 / an expert has at least one specialty' }).max(32, { error: '专家最多 32 个专业 / at most 32 specialties' }),
    conflicts: conflictsSchema.default([]),
    /** The expert's sign-in account (role expert), when they have one. */
    username: z.string().trim().min(1).max(64).nullable().default(null),
  })
  .strict()
  .refine((e) => (e.employerName === null) === (e.employerCreditCode === null), {
    error: '工作单位名称与统一社会信用代码应同时填写或同时留空 / give both the employer name and its credit code, or neither',
  });
export type ExpertFields = z.output<typeof expertFieldsSchema>;

const refusal = (code: 'INVALID_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'PERMISSION_DENIED', reason: string, zh: string, en: string, details: Record<string, string | number | boolean | null> = {}) =>
  new AppError(code, { zh, en }, { reason, ...details });

export const EXPERT_NOT_FOUND = () => refusal('NOT_FOUND', 'no-expert', '专家库中没有这位专家', 'No such expert in the pool');

/** What is wrong with these fields against the database (regions, specialties, accounts, the unique key); empty when nothing. */
export async function checkExpertFields(
  db: Database,
  rows: readonly ExpertFields[],
  options: { scope: readonly string[]; exceptExpertId?: string },
): Promise<Array<{ index: number; zh: string; en: string }>> {
  const problems: Array<{ index: number; zh: string; en: string }> = [];
  const regionCodes = [...new Set(rows.map((r) => r.regionCode))];
  const codes = [...new Set(rows.flatMap((r) => r.specialties))];
  const digests = rows.map((r) => idNumberDigest(r.idNumber));
  const usernames = [...new Set(rows.flatMap((r) => (r.username ? [r.username] : [])))];
  const knownRegions = new Set(regionCodes.length ? (await db.select({ code: region.code }).from(region).where(inArray(region.code, regionCodes))).map((r) => r.code) : []);
  const knownCodes = new Set(codes.length ? (await db.select({ code: specialty.code }).from(specialty).where(inArray(specialty.code, codes))).map((r) => r.code) : []);
  const taken = new Map(
    (await db.select({ id: expert.id, digest: expert.idNumberSha256 }).from(expert).where(inArray(expert.idNumberSha256, digests.length ? digests : ['']))).map((r) => [r.digest, r.id]),
  );
  const accounts = new Map(
    usernames.length
      ? (
          await db
            .select({ id: account.id, username: account.username, role: account.role, linked: expert.id })
            .from(account)
            .leftJoin(expert, eq(expert.accountId, account.id))
            .where(inArray(account.username, usernames))
        ).map((a) => [a.username, a])
      : [],
  );
  const seenDigest = new Map<string, number>();
  const seenUser = new Map<string, number>();
  rows.forEach((row, index) => {
    const add = (zh: string, en: string) => problems.push({ index, zh, en });
    if (!knownRegions.has(row.regionCode)) add(`地区代码 ${row.regionCode} 不存在`, `region ${row.regionCode} does not exist`);
    else if (!options.scope.includes(row.regionCode)) add(`地区 ${row.regionCode} 不在本中心管辖范围内`, `region ${row.regionCode} is outside this centre's region`);
    const unknown = row.specialties.filter((c) => !knownCodes.has(c));
    if (unknown.length) add(`专业代码不存在：${unknown.join('、')}`, `unknown specialty codes: ${unknown.join(', ')}`);
    if (new Set(row.specialties).size !== row.specialties.length) add('同一专业列了两次', 'a specialty is listed twice');
    if (row.employerCreditCode && row.conflicts.includes(row.employerCreditCode)) add('申报的利害关系单位不必包括本人工作单位（任职单位自动回避）', 'the employer need not be declared as a conflict (it is recused anyway)');
    const digest = digests[index]!;
    const existing = taken.get(digest);
    if (existing && existing !== options.exceptExpertId) add('该身份证号码的专家已在专家库中', 'an expert with this ID number is already in the pool');
    if (seenDigest.has(digest)) add(`与第 ${seenDigest.get(digest)! + 1} 条的身份证号码重复`, `same ID number as entry ${seenDigest.get(digest)! + 1}`);
    else seenDigest.set(digest, index);
    if (row.username) {
      const a = accounts.get(row.username);
      if (!a) add(`账号 ${row.username} 不存在`, `account ${row.username} does not exist`);
      else if (a.role !== 'expert') add(`账号 ${row.username} 不是评标专家账号`, `account ${row.username} is not an expert account`);
      else if (a.linked && a.linked !== options.exceptExpertId) add(`账号 ${row.username} 已关联其他专家`, `account ${row.username} is linked to another expert`);
      if (seenUser.has(row.username)) add(`与第 ${seenUser.get(row.username)! + 1} 条的账号重复`, `same account as entry ${seenUser.get(row.username)! + 1}`);
      else seenUser.set(row.username, index);
    }
  });
  return problems;
}

async function accountIdsOf(db: Database, usernames: string[]): Promise<Map<string, string>> {
  if (usernames.length === 0) return new Map();
  return new Map((await db.select({ id: account.id, username: account.username }).from(account).where(inArray(account.username, usernames))).map((a) => [a.username, a.id]));
}

/** Inserts checked experts with their specialties (one statement each); returns their ids in order. */
export async function insertExperts(db: Database, rows: readonly ExpertFields[], createdBy: string): Promise<string[]> {
  const accounts = await accountIdsOf(db, rows.flatMap((r) => (r.username ? [r.username] : [])));
  const idOf = new Map<string, string>();
  // Chunks keep each statement well under PostgreSQL's 65,535 bind parameters.
  for (let i = 0; i < rows.length; i += 1000) {
    const inserted = await db
      .insert(expert)
      .values(
        rows.slice(i, i + 1000).map((r) => ({
          accountId: r.username ? accounts.get(r.username)! : null,
          name: r.name,
          idNumberSha256: idNumberDigest(r.idNumber),
          idNumberMasked: maskIdNumber(r.idNumber),
          title: r.title,
          regionCode: r.regionCode,
          employerName: r.employerName,
          employerCreditCode: r.employerCreditCode,
          conflicts: [...new Set(r.conflicts)].sort(),
          createdBy,
        })),
      )
      .returning({ id: expert.id, digest: expert.idNumberSha256 });
    // Matched by the unique key, so nothing rests on the order RETURNING reports rows in.
    for (const r of inserted) idOf.set(r.digest, r.id);
  }
  const ids = rows.map((r) => idOf.get(idNumberDigest(r.idNumber))!);
  const links = rows.flatMap((r, i) => r.specialties.map((code) => ({ expertId: ids[i]!, specialtyCode: code })));
  for (let i = 0; i < links.length; i += 10_000) await db.insert(expertSpecialty).values(links.slice(i, i + 10_000));
  return ids;
}

/** The digest of what the trace entry of a change records: everything but the ID number. */
const profileDigest = (r: ExpertFields) => digestOf({ ...r, idNumber: idNumberDigest(r.idNumber) });

function invalid(problems: Array<{ zh: string; en: string }>): AppError {
  return refusal('INVALID_INPUT', 'invalid-expert', `专家信息有误：${problems.map((p) => p.zh).join('；')}`, `The expert's details are wrong: ${problems.map((p) => p.en).join('; ')}`);
}

export async function createExpert(call: PoolCall & { fields: ExpertFields }) {
  return call.db.transaction(async (tx) => {
    const scope = await regionScope(tx, call.account.regionCode);
    const problems = await checkExpertFields(tx, [call.fields], { scope });
    if (problems.length) throw invalid(problems);
    const [id] = await insertExperts(tx, [call.fields], call.account.accountId);
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'expert.create',
      targetType: 'expert',
      targetId: id!,
      digests: { profile: profileDigest(call.fields) },
      details: { regionCode: call.fields.regionCode, specialties: call.fields.specialties.join(',') },
    });
    return { id: id! };
  });
}

async function loadExpertInScope(db: Database, expertId: string, account: SessionAccount, lock = false) {
  const query = db.select().from(expert).where(eq(expert.id, expertId));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw EXPERT_NOT_FOUND();
  const scope = await regionScope(db, account.regionCode);
  if (!scope.includes(row.regionCode)) {
    throw refusal('PERMISSION_DENIED', 'expert-out-of-region', '该专家不在本中心管辖的专家库中', "This expert is not in your centre's pool");
  }
  return { row, scope };
}

export async function updateExpert(call: PoolCall & { expertId: string; fields: ExpertFields }) {
  return call.db.transaction(async (tx) => {
    const { scope } = await loadExpertInScope(tx, call.expertId, call.account, true);
    const problems = await checkExpertFields(tx, [call.fields], { scope, exceptExpertId: call.expertId });
    if (problems.length) throw invalid(problems);
    const accounts = await accountIdsOf(tx, call.fields.username ? [call.fields.username] : []);
    const f = call.fields;
    await tx
      .update(expert)
      .set({
        accountId: f.username ? accounts.get(f.username)! : null,
        name: f.name,
        idNumberSha256: idNumberDigest(f.idNumber),
        idNumberMasked: maskIdNumber(f.idNumber),
        title: f.title,
        regionCode: f.regionCode,
        employerName: f.employerName,
        employerCreditCode: f.employerCreditCode,
        conflicts: [...new Set(f.conflicts)].sort(),
        updatedAt: new Date(),
      })
      .where(eq(expert.id, call.expertId));
    await tx.delete(expertSpecialty).where(eq(expertSpecialty.expertId, call.expertId));
    await tx.insert(expertSpecialty).values(f.specialties.map((code) => ({ expertId: call.expertId, specialtyCode: code })));
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'expert.update',
      targetType: 'expert',
      targetId: call.expertId,
      digests: { profile: profileDigest(f) },
      details: { regionCode: f.regionCode, specialties: f.specialties.join(',') },
    });
    return { id: call.expertId };
  });
}

export async function setExpertStatus(call: PoolCall & { expertId: string; status: 'active' | 'disabled'; reason: string }) {
  return call.db.transaction(async (tx) => {
    const { row } = await loadExpertInScope(tx, call.expertId, call.account, true);
    if (row.status === call.status) {
      throw refusal('CONFLICT', 'expert-status-unchanged', call.status === 'disabled' ? '该专家已被暂停' : '该专家已是正常状态', call.status === 'disabled' ? 'The expert is already disabled' : 'The expert is already active');
    }
    await tx.update(expert).set({ status: call.status, statusReason: call.reason, updatedAt: new Date() }).where(eq(expert.id, call.expertId));
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: call.status === 'disabled' ? 'expert.disable' : 'expert.enable',
      targetType: 'expert',
      targetId: call.expertId,
      digests: { reason: digestOf(call.reason) },
      details: { reason: call.reason },
    });
    return { id: call.expertId, status: call.status };
  });
}

/** The pool of the centre's region (and the regions below), for the centre's own pages. */
export async function listExperts(db: Database, account: SessionAccount, filter: { specialty?: string | undefined; status?: 'active' | 'disabled' | undefined }) {
  const scope = await regionScope(db, account.regionCode);
  const rows = await db
    .select()
    .from(expert)
    .where(and(inArray(expert.regionCode, scope), filter.status ? eq(expert.status, filter.status) : undefined))
    .orderBy(expert.name, expert.id);
  const links = rows.length ? await db.select().from(expertSpecialty).where(inArray(expertSpecialty.expertId, rows.map((r) => r.id))) : [];
  const out = rows.map((r) => ({
    id: r.id,
    name: r.name,
    idNumberMasked: r.idNumberMasked,
    title: r.title,
    regionCode: r.regionCode,
    employerName: r.employerName,
    employerCreditCode: r.employerCreditCode,
    status: r.status,
    statusReason: r.statusReason,
    linkedAccount: r.accountId !== null,
    unavailable: r.unavailable,
    conflicts: r.conflicts,
    specialties: links.filter((l) => l.expertId === r.id).map((l) => l.specialtyCode).sort(),
  }));
  return filter.specialty ? out.filter((e) => e.specialties.some((s) => s.startsWith(filter.specialty!))) : out;
}

// --- The specialty tree ---

export async function listSpecialties(db: Database) {
  return db.select({ code: specialty.code, name: specialty.name, parentCode: specialty.parentCode }).from(specialty).orderBy(specialty.code);
}

export async function saveSpecialty(call: PoolCall & { code: string; name: string; parentCode: string | null }) {
  return call.db.transaction(async (tx) => {
    if (call.parentCode !== null) {
      if (!(call.code.length > call.parentCode.length && call.code.startsWith(call.parentCode))) {
        throw refusal('INVALID_INPUT', 'specialty-not-below-parent', `下级专业代码应以上级代码 ${call.parentCode} 开头并更长`, `A child specialty's code starts with its parent's code ${call.parentCode} and is longer`);
      }
      const [parent] = await tx.select().from(specialty).where(eq(specialty.code, call.parentCode));
      if (!parent) throw refusal('INVALID_INPUT', 'no-parent-specialty', `上级专业 ${call.parentCode} 不存在`, `The parent specialty ${call.parentCode} does not exist`);
    }
    const [existing] = await tx.select().from(specialty).where(eq(specialty.code, call.code)).for('update');
    if (existing && existing.parentCode !== call.parentCode) {
      throw refusal('CONFLICT', 'specialty-parent-fixed', '专业代码的上级不能更改（代码即其在分类中的位置）', "A specialty's parent cannot change (its code is its place in the tree)");
    }
    if (existing) await tx.update(specialty).set({ name: call.name }).where(eq(specialty.code, call.code));
    else await tx.insert(specialty).values({ code: call.code, name: call.name, parentCode: call.parentCode });
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: existing ? 'specialty.rename' : 'specialty.create',
      targetType: 'specialty',
      targetId: call.code,
      details: { name: call.name, parentCode: call.parentCode ?? '' },
    });
    return { code: call.code };
  });
}

// --- The expert's own profile ---

async function ownExpert(db: Database, account: SessionAccount, lock = false) {
  const query = db.select().from(expert).where(eq(expert.accountId, account.accountId));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw refusal('NOT_FOUND', 'not-in-pool', '您的账号尚未关联专家库中的专家信息，请联系交易中心', 'Your account is not linked to an expert of the pool; contact the trading centre');
  return row;
}

export async function myProfile(db: Database, account: SessionAccount) {
  const row = await ownExpert(db, account);
  const links = await db.select().from(expertSpecialty).where(eq(expertSpecialty.expertId, row.id));
  return {
    id: row.id,
    name: row.name,
    idNumberMasked: row.idNumberMasked,
    title: row.title,
    regionCode: row.regionCode,
    employerName: row.employerName,
    employerCreditCode: row.employerCreditCode,
    status: row.status,
    unavailable: row.unavailable,
    conflicts: row.conflicts,
    specialties: links.map((l) => l.specialtyCode).sort(),
  };
}

export async function updateMyProfile(call: PoolCall & { unavailable?: z.output<typeof unavailableSchema> | undefined; conflicts?: string[] | undefined }) {
  return call.db.transaction(async (tx) => {
    const row = await ownExpert(tx, call.account, true);
    const conflicts = call.conflicts ? [...new Set(call.conflicts)].sort() : row.conflicts;
    const unavailable = call.unavailable ?? row.unavailable;
    await tx.update(expert).set({ conflicts, unavailable, updatedAt: new Date() }).where(eq(expert.id, row.id));
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'expert.profile.update',
      targetType: 'expert',
      targetId: row.id,
      digests: { conflicts: digestOf(conflicts), unavailable: digestOf(unavailable) },
      details: { conflicts: String(conflicts.length), unavailablePeriods: String(unavailable.length) },
    });
    return { id: row.id, conflicts, unavailable };
  });
}
