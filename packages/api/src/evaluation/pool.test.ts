/** The expert pool (issue 13): the centre maintains it, a CSV import is taken whole or refused whole, experts keep their own profile. */
import { count, eq, expert, traceEntry, and, desc } from '@ggzy/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, signedIn, type TestClient, type TestPlatform } from '../testing';
import { creditCode, expertAccounts, poolCsv, poolRows, residentId, saveTestSpecialties } from './test-support';
import { parseExpertCsv } from './import';
import { isValidResidentId } from './pool';

const causeOf = (error: unknown) => (error as { cause?: { code?: string; zh?: string; en?: string; details?: Record<string, unknown> } }).cause;
async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return causeOf(error)!;
  }
  throw new Error('expected a refusal');
}

describe('the expert pool', () => {
  let platform: TestPlatform;
  let centre: TestClient;
  const poolSize = async () => (await platform.services.db.select({ n: count() }).from(expert))[0]!.n;

  beforeAll(async () => {
    platform = await createTestPlatform();
    centre = await signedIn(platform.services, 'centre');
    await saveTestSpecialties(centre);
  });
  afterAll(async () => {
    await platform?.close();
  });

  it('checks resident ID numbers by their check character', () => {
    expect(isValidResidentId('11010519491231002X')).toBe(true);
    expect(isValidResidentId('110105194912310021')).toBe(false);
    expect(isValidResidentId(residentId('11010519800101001'))).toBe(true);
  });

  it('keeps the specialty tree: a child code starts with its parent code', async () => {
    expect(await refusal(centre.caller.evaluation.saveSpecialty({ code: 'B0101', name: '错误', parentCode: 'A01' }))).toMatchObject({ code: 'INVALID_INPUT', details: { reason: 'specialty-not-below-parent' } });
    const tree = await centre.caller.evaluation.specialties();
    expect(tree.map((s) => s.code)).toEqual(['A01', 'A0101', 'A0102', 'B02']);
    expect(tree.find((s) => s.code === 'A0101')).toMatchObject({ parentCode: 'A01' });
  });

  it('refuses a file with any bad row whole, naming each row (Chinese, then English); the pool is unchanged', async () => {
    const before = await poolSize();
    const rows = poolRows(6, { idBase: '11010519810101' });
    const good = rows[1]!.idNumber;
    rows[1]!.idNumber = good.slice(0, 17) + (good[17] === '1' ? '2' : '1'); // wrong check character (file row 3)
    rows[3]!.specialties = 'A0101;Z99'; // unknown specialty (file row 5)
    rows[4]!.employerCreditCode = '91990100MA0000000X'; // bad credit code (file row 6)
    const error = await refusal(centre.caller.evaluation.importExperts({ format: 'csv', content: poolCsv(rows) }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.zh).toMatch(/^导入文件有 \d+ 处错误，未导入任何专家/);
    expect(error.zh).toContain('第 3 行：身份证号：居民身份证号码格式或校验位不对');
    expect(error.zh).toContain('第 6 行：统一社会信用代码');
    expect(error.en).toContain('row 3: idNumber: the resident ID number is malformed');
    expect(error.en).toContain('row 6: employerCreditCode');
    expect(error.details).toMatchObject({ reason: 'import-rejected' });
    expect(await poolSize()).toBe(before);

    // Row 5's unknown specialty is found against the database once the rows parse: still nothing imported.
    rows[1]!.idNumber = residentId('11010519810101902');
    rows[4]!.employerCreditCode = creditCode('91990100MA1905000');
    const second = await refusal(centre.caller.evaluation.importExperts({ format: 'csv', content: poolCsv(rows) }));
    expect(second.zh).toContain('第 5 行：专业代码不存在：Z99');
    expect(second.en).toContain('row 5: unknown specialty codes: Z99');
    expect(await poolSize()).toBe(before);

    // The refusal is in the trace log, with its reason.
    const [refused] = await platform.services.db.select().from(traceEntry).where(and(eq(traceEntry.action, 'request.refused'), eq(traceEntry.targetId, 'evaluation.importExperts'))).orderBy(desc(traceEntry.id)).limit(1);
    expect(refused).toMatchObject({ outcome: 'denied', details: { reason: 'import-rejected' } });
  });

  it('refuses duplicates within the file and against the pool, and unknown columns', async () => {
    const rows = poolRows(3, { idBase: '11010519820101' });
    rows[2]!.idNumber = rows[0]!.idNumber;
    const dup = await refusal(centre.caller.evaluation.importExperts({ format: 'csv', content: poolCsv(rows) }));
    expect(dup.zh).toContain('第 4 行：与第 2 行的身份证号码重复');
    expect(parseExpertCsv('姓名,身份证号,职称,地区,专业,爱好\n').problems[0]).toMatchObject({ row: 1, zh: '不认识的列“爱好”' });
    expect(parseExpertCsv('姓名,职称,地区,专业\n张三,高工,990100,A01\n').problems[0]).toMatchObject({ row: 1, zh: '缺少“身份证号”列' });
  });

  it('imports a good file in one transaction and one trace entry', async () => {
    const before = await poolSize();
    const result = await centre.caller.evaluation.importExperts({ format: 'csv', content: '\uFEFF' + poolCsv(poolRows(5, { idBase: '11010519830101' })) });
    expect(result.imported).toBe(5);
    expect(await poolSize()).toBe(before + 5);
    const [entry] = await platform.services.db.select().from(traceEntry).where(eq(traceEntry.action, 'expert.import')).orderBy(desc(traceEntry.id)).limit(1);
    expect(entry).toMatchObject({ details: { experts: '5' } });
    // The ID number is not stored; only its digest and a mask.
    const [stored] = await platform.services.db.select().from(expert).where(eq(expert.id, result.ids[0]!));
    expect(stored!.idNumberMasked).toMatch(/^1101\*{10}\d{3}[0-9X]$/);
    expect(JSON.stringify(stored)).not.toContain(residentId('11010519830101001'));
    // Importing the same file again is refused: the experts are in the pool already.
    const again = await refusal(centre.caller.evaluation.importExperts({ format: 'csv', content: poolCsv(poolRows(5, { idBase: '11010519830101' })) }));
    expect(again.zh).toContain('第 2 行：该身份证号码的专家已在专家库中');
  });

  it('lets the centre create, update and disable an expert, each traced', async () => {
    const fields = { name: '孙海', idNumber: residentId('11010519840101001'), title: '高级经济师', regionCode: '990100', employerName: null, employerCreditCode: null, specialties: ['B02'], conflicts: [], username: null };
    const { id } = await centre.caller.evaluation.createExpert(fields);
    await centre.caller.evaluation.updateExpert({ expertId: id, fields: { ...fields, title: '正高级经济师', specialties: ['B02', 'A0102'] } });
    await centre.caller.evaluation.setExpertStatus({ expertId: id, status: 'disabled', reason: '年度考核不合格' });
    const listed = (await centre.caller.evaluation.experts({})).find((e) => e.id === id);
    expect(listed).toMatchObject({ title: '正高级经济师', specialties: ['A0102', 'B02'], status: 'disabled' });
    const actions = (await platform.services.db.select({ action: traceEntry.action }).from(traceEntry).where(eq(traceEntry.targetId, id))).map((r) => r.action);
    expect(actions).toEqual(['expert.create', 'expert.update', 'expert.disable']);
    // A region outside the centre's is refused.
    const other = await refusal(centre.caller.evaluation.createExpert({ ...fields, idNumber: residentId('11010519840101002'), regionCode: '990000' }));
    expect(other).toMatchObject({ code: 'INVALID_INPUT' });
    expect(other.zh).toContain('不在本中心管辖范围内');
  });

  it('refuses the pool to anyone but the centre, and traces the refusal', async () => {
    const bidder = await signedIn(platform.services, 'bidder1');
    expect(await refusal(bidder.caller.evaluation.importExperts({ format: 'csv', content: poolCsv(poolRows(1, { idBase: '11010519850101' })) }))).toMatchObject({ code: 'PERMISSION_DENIED' });
    const [denied] = await platform.services.db.select().from(traceEntry).where(and(eq(traceEntry.action, 'auth.denied'), eq(traceEntry.targetId, 'evaluation.importExperts'))).orderBy(desc(traceEntry.id)).limit(1);
    expect(denied).toMatchObject({ outcome: 'denied', actorName: 'bidder1', details: { permission: 'manage:experts:region' } });
    const supervisor = await signedIn(platform.services, 'supervisor');
    expect(await refusal(supervisor.caller.evaluation.experts({}))).toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it("lets an expert keep their own profile (availability, conflicts), and only their own", async () => {
    const [username] = await expertAccounts(platform.services.db, 1, 'self');
    const rows = poolRows(1, { idBase: '11010519860101', usernames: [username!] });
    await centre.caller.evaluation.importExperts({ format: 'csv', content: poolCsv(rows) });
    const me = await signedIn(platform.services, username!);
    expect(await me.caller.evaluation.myProfile()).toMatchObject({ name: '专家001', specialties: ['A0102', 'B02'] });
    const conflict = creditCode('91990100MA0000999');
    await me.caller.evaluation.updateMyProfile({ conflicts: [conflict], unavailable: [{ from: '2026-12-20', to: '2026-12-31', reason: '出差' }] });
    expect(await me.caller.evaluation.myProfile()).toMatchObject({ conflicts: [conflict], unavailable: [{ from: '2026-12-20', to: '2026-12-31' }] });
    await expect(me.caller.evaluation.updateMyProfile({ conflicts: ['not-a-code'] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // An expert account not in the pool has no profile; an expert cannot maintain the pool.
    const stranger = await signedIn(platform.services, 'expert9');
    expect(await refusal(stranger.caller.evaluation.myProfile())).toMatchObject({ code: 'NOT_FOUND', details: { reason: 'not-in-pool' } });
    expect(await refusal(me.caller.evaluation.experts({}))).toMatchObject({ code: 'PERMISSION_DENIED' });
  });
});
