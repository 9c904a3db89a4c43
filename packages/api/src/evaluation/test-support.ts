/** Fixtures for the expert pool and draw tests: a section in `evaluating`, a specialty tree, a pool as a CSV file. */
import { account, eq, executeRows, organisation, sql, type Database } from '@ggzy/db';
import { creditCodeCheckCharacter } from '@ggzy/domain';
import { randomBytes } from 'node:crypto';
import { SCORING_TEMPLATES } from '@ggzy/domain';
import type { TestClient } from '../testing';

/** A resident ID number with the right check character, from a 17-digit body. */
export function residentId(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((s, w, i) => s + w * Number(first17[i]), 0);
  return first17 + '10X98765432'[sum % 11]!;
}
export const creditCode = (first17: string) => first17 + creditCodeCheckCharacter(first17);

/**
 * A section as the opening leaves it: state `evaluating`, with the given bidders in its opening
 * record (what the hall writes as it reads the bids out).
 */
export async function evaluatingSection(
  db: Database,
  options: { bidders: string[]; type?: 'construction' | 'procurement'; estimatedPriceFen?: number },
): Promise<{ id: string; code: string }> {
  const tag = randomBytes(4).toString('hex');
  const type = options.type ?? 'construction';
  const [p] = await executeRows<{ id: string }>(
    db,
    sql`insert into project (code, name, type, method, region_code, centre_id, tenderer_id, created_by)
        values (${`EVA-${tag}`}, '评标测试项目', ${type}, 'open', '990100',
                (select id from organisation where kind = 'centre' and region_code = '990100'),
                (select id from organisation where kind = 'tenderer' limit 1),
                (select id from account where username = 'tenderer')) returning id`,
  );
  const [s] = await executeRows<{ id: string; code: string }>(
    db,
    sql`insert into section (project_id, code, type, method, region_code, name, state, estimated_price, bond, bid_validity_days, scoring_method,
                             documents_from, documents_until, deadline, published_at)
        values (${p!.id}, ${`EVA-${tag}-01`}, ${type}, 'open', '990100', '评标测试标段', 'evaluating', ${options.estimatedPriceFen ?? 100_000_000}, 0, 90,
                ${JSON.stringify(SCORING_TEMPLATES.comprehensive)}::jsonb, now() - interval '30 days', now() - interval '10 days',
                now() - interval '1 hour', now() - interval '30 days')
        returning id, code`,
  );
  for (const [position, username] of options.bidders.entries()) {
    const [org] = await db
      .select({ id: organisation.id, name: organisation.name, creditCode: organisation.creditCode })
      .from(account)
      .innerJoin(organisation, eq(organisation.id, account.organisationId))
      .where(eq(account.username, username));
    await executeRows(
      db,
      sql`insert into opening_record_row (section_id, position, organisation_id, company_name, credit_code, outcome, price_fen)
          values (${s!.id}, ${position + 1}, ${org!.id}, ${org!.name}, ${org!.creditCode}, 'decrypted', ${90_000_000 + position})`,
    );
  }
  return s!;
}

export async function organisationCreditCode(db: Database, username: string): Promise<string> {
  const [row] = await db.select({ creditCode: organisation.creditCode }).from(account).innerJoin(organisation, eq(organisation.id, account.organisationId)).where(eq(account.username, username));
  return row!.creditCode!;
}

/** Expert accounts `pool01`… with the demo password (the hash of expert1's, so no extra argon2 work). */
export async function expertAccounts(db: Database, count: number, prefix = 'pool'): Promise<string[]> {
  const [template] = await db.select().from(account).where(eq(account.username, 'expert1'));
  const usernames = Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`);
  await db.insert(account).values(usernames.map((username) => ({ username, displayName: `${username}（评标专家）`, role: 'expert' as const, regionCode: '990100', passwordHash: template!.passwordHash })));
  return usernames;
}

/** The specialty tree the tests use: A01 (two children) and B02. */
export async function saveTestSpecialties(centre: TestClient): Promise<void> {
  await centre.caller.evaluation.saveSpecialty({ code: 'A01', name: '房屋建筑工程', parentCode: null });
  await centre.caller.evaluation.saveSpecialty({ code: 'A0101', name: '房屋建筑施工', parentCode: 'A01' });
  await centre.caller.evaluation.saveSpecialty({ code: 'A0102', name: '房屋建筑造价', parentCode: 'A01' });
  await centre.caller.evaluation.saveSpecialty({ code: 'B02', name: '工程经济', parentCode: null });
}

export interface PoolRow {
  name: string;
  idNumber: string;
  title: string;
  regionCode: string;
  employerName: string;
  employerCreditCode: string;
  specialties: string;
  conflicts: string;
  username: string;
}

export function poolCsv(rows: PoolRow[]): string {
  const header = '姓名,身份证号,职称,地区,工作单位,统一社会信用代码,专业,利害关系单位,账号';
  const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [header, ...rows.map((r) => [r.name, r.idNumber, r.title, r.regionCode, r.employerName, r.employerCreditCode, r.specialties, r.conflicts, r.username].map(cell).join(','))].join('\n') + '\n';
}

/**
 * A pool of `count` experts: the first 20 in A01 (A0101 or A0102), the rest in B02, a few in both;
 * each employed by a company of its own unless `employers` says otherwise (index → credit code).
 */
export function poolRows(count: number, options: { usernames?: string[]; employers?: Record<number, { name: string; creditCode: string }>; idBase?: string } = {}): PoolRow[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(3, '0');
    const employer = options.employers?.[i] ?? { name: `示例设计院${n}有限公司`, creditCode: creditCode(`91990100MA1${n}000`.slice(0, 17)) };
    const specialties = i < 20 ? (i % 2 ? 'A0101' : 'A0102') + (i % 5 === 0 ? ';B02' : '') : 'B02';
    return {
      name: `专家${n}`,
      idNumber: residentId(`${options.idBase ?? '11010519800101'}${n}`),
      title: i % 3 ? '高级工程师' : '正高级工程师',
      regionCode: i % 4 === 3 ? '990121' : '990100',
      employerName: employer.name,
      employerCreditCode: employer.creditCode,
      specialties,
      conflicts: '',
      username: options.usernames?.[i] ?? '',
    };
  });
}
