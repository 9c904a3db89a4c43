import { appendTrace } from '@ggzy/audit';
import { sha256Hex } from '@ggzy/crypto';
import { count, eq, executeRows, organisation, project, section, sql, type Database } from '@ggzy/db';
import { AppError, checkBond, checkSchedule, type CreateSectionInput } from '@ggzy/domain';
import canonicalize from 'canonicalize';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { loadHolidayCalendar, organisationOfKind } from './access';
import { centreForRegion } from './find-centre';
import { ruleViolation } from './rule-error';
import { searchTextOf } from './search-text';

/** Checks the §3 rules that a draft can already be held to (schedule and bond). */
export async function validateSectionRules(db: Database, type: CreateSectionInput['project']['type'], method: CreateSectionInput['project']['method'], fields: CreateSectionInput['section']) {
  const calendar = await loadHolidayCalendar(db);
  const problems = [
    ...checkSchedule({ type, method, documentsFrom: fields.documentsFrom, documentsUntil: fields.documentsUntil, deadline: fields.deadline, listingFrom: fields.listingFrom }, calendar),
    ...checkBond({ type, estimatedPrice: fields.estimatedPrice, bond: fields.bond }),
  ];
  if (fields.openingMode === 'bidderAndCustodians') {
    const n = fields.custodianIds.length;
    const k = fields.custodianThreshold ?? 0;
    if (n < 3 || k < 2 || k > n) {
      throw new AppError('INVALID_INPUT', {
        zh: '启用保管人密钥时须指定至少 3 名保管人，门限 k 满足 2 ≤ k ≤ 保管人数',
        en: 'A custodian key needs at least 3 custodians and a threshold k with 2 ≤ k ≤ the number of custodians',
      });
    }
  }
  if (problems.length > 0) throw ruleViolation(problems);
}

export function digestOf(value: unknown): string {
  return sha256Hex(canonicalize(JSON.parse(JSON.stringify(value))) ?? '');
}

/**
 * A tenderer (or the agency acting for one) registers a project with its first section, as a draft.
 * The hosting centre is the nearest one at or above the tenderer's region.
 */
export async function createSection(options: { db: Database; request: RequestInfo; account: SessionAccount; input: CreateSectionInput }) {
  const { db, account, input } = options;
  if (!account.organisationId) throw new AppError('PERMISSION_DENIED', { zh: '账号未归属任何单位', en: 'This account belongs to no organisation' });
  let tendererId: string;
  let agencyId: string | null = null;
  if (account.role === 'agency') {
    if (!input.project.tendererId) {
      throw new AppError('INVALID_INPUT', { zh: '代理机构登记项目时须选择招标人', en: 'An agency must name the tenderer it acts for' });
    }
    tendererId = (await organisationOfKind(db, input.project.tendererId, 'tenderer')).id;
    agencyId = account.organisationId;
  } else {
    tendererId = account.organisationId;
    if (input.project.agencyId) agencyId = (await organisationOfKind(db, input.project.agencyId, 'agency')).id;
  }
  const [tenderer] = await db.select().from(organisation).where(eq(organisation.id, tendererId));
  await validateSectionRules(db, input.project.type, input.project.method, input.section);
  const centre = await centreForRegion(db, tenderer!.regionCode);

  return db.transaction(async (tx) => {
    // 项目编号: region, year, running number within them (serialised by an advisory lock per region).
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`project-code:${tenderer!.regionCode}`}))`);
    const [{ year } = { year: '' }] = await executeRows<{ year: string }>(tx, sql`select to_char(now() at time zone 'Asia/Shanghai', 'YYYY') as year`);
    const prefix = `${tenderer!.regionCode}-${year}-`;
    const [existing] = await tx.select({ n: count() }).from(project).where(sql`${project.code} like ${`${prefix}%`}`);
    const code = `${prefix}${String((existing?.n ?? 0) + 1).padStart(4, '0')}`;
    const [created] = await tx
      .insert(project)
      .values({
        code,
        name: input.project.name,
        type: input.project.type,
        method: input.project.method,
        regionCode: tenderer!.regionCode,
        centreId: centre.id,
        tendererId,
        agencyId,
        createdBy: account.accountId,
      })
      .returning();
    const [draft] = await tx
      .insert(section)
      .values({ projectId: created!.id, code: `${code}-01`, type: input.project.type, method: input.project.method, regionCode: tenderer!.regionCode, searchText: searchTextOf(input.section.name, `${code}-01`, input.project.name), ...input.section, custodianThreshold: input.section.custodianThreshold ?? null, listingFrom: input.section.listingFrom ?? null })
      .returning();
    await appendTrace(tx, actorOf(options.request, account), {
      action: 'section.create',
      targetType: 'section',
      targetId: draft!.id,
      digests: { fields: digestOf(input) },
      details: { project: code, section: draft!.code },
    });
    return { projectId: created!.id, projectCode: code, sectionId: draft!.id, sectionCode: draft!.code };
  });
}
