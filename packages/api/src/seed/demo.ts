import { appendTrace } from '@ggzy/audit';
import { account, count, organisation, region, type Database } from '@ggzy/db';
import { creditCodeCheckCharacter, type OrganisationKind, type Role } from '@ggzy/domain';
import { hashPassword } from '../auth/password';

/** The password of every demo account (printed in the README; change it in any real deployment). */
export const DEMO_PASSWORD = 'Ggzy@2026';

export interface DemoLogin {
  username: string;
  role: Role;
  displayName: string;
  organisation: string | null;
}

const REGIONS = [
  { code: '990000', name: '示例省', level: 'province' as const, parentCode: null },
  { code: '990100', name: '示例市', level: 'city' as const, parentCode: '990000' },
  { code: '990121', name: '东江县', level: 'county' as const, parentCode: '990100' },
  { code: '990122', name: '西山县', level: 'county' as const, parentCode: '990100' },
];

interface DemoOrganisation {
  key: string;
  kind: OrganisationKind;
  name: string;
  regionCode: string;
  /** The first 17 characters of the credit code; the check character is computed. */
  code17: string;
}

const ORGANISATIONS: DemoOrganisation[] = [
  { key: 'centre', kind: 'centre', name: '示例市公共资源交易中心', regionCode: '990100', code17: '12990100MB0000011' },
  { key: 'centre-dj', kind: 'centre', name: '东江县公共资源交易中心', regionCode: '990121', code17: '12990121MB0000021' },
  { key: 'supervisor', kind: 'supervisor', name: '示例市发展和改革委员会', regionCode: '990100', code17: '11990100MB0000031' },
  { key: 'tenderer', kind: 'tenderer', name: '示例市城市建设投资集团有限公司', regionCode: '990100', code17: '91990100MA0000041' },
  { key: 'agency', kind: 'agency', name: '示例工程招标代理有限公司', regionCode: '990100', code17: '91990100MA0000051' },
  { key: 'bidder1', kind: 'bidder', name: '示例建工集团有限公司', regionCode: '990100', code17: '91990100MA0000061' },
  { key: 'bidder2', kind: 'bidder', name: '东江路桥工程有限公司', regionCode: '990121', code17: '91990121MA0000071' },
  { key: 'bidder3', kind: 'bidder', name: '西山水利水电建设有限公司', regionCode: '990122', code17: '91990122MA0000081' },
  { key: 'bidder4', kind: 'bidder', name: '示例智慧科技股份有限公司', regionCode: '990100', code17: '91990100MA0000091' },
  { key: 'bidder5', kind: 'bidder', name: '华辰建设工程有限公司', regionCode: '990100', code17: '91990100MA0000101' },
  { key: 'guarantor', kind: 'guarantor', name: '示例银行股份有限公司示例市分行', regionCode: '990100', code17: '91990100MA0000111' },
];

const ACCOUNTS: Array<{ username: string; displayName: string; role: Role; org: string | null; regionCode: string }> = [
  { username: 'centre', displayName: '陈晓（交易中心）', role: 'centre', org: 'centre', regionCode: '990100' },
  { username: 'centre.dj', displayName: '林峰（东江县中心）', role: 'centre', org: 'centre-dj', regionCode: '990121' },
  { username: 'supervisor', displayName: '孙立（行政监督）', role: 'supervisor', org: 'supervisor', regionCode: '990100' },
  { username: 'tenderer', displayName: '吴建国（招标人）', role: 'tenderer', org: 'tenderer', regionCode: '990100' },
  { username: 'agency', displayName: '郑丽（招标代理）', role: 'agency', org: 'agency', regionCode: '990100' },
  { username: 'bidder1', displayName: '王强（示例建工）', role: 'bidder', org: 'bidder1', regionCode: '990100' },
  { username: 'bidder2', displayName: '李明（东江路桥）', role: 'bidder', org: 'bidder2', regionCode: '990121' },
  { username: 'bidder3', displayName: '赵刚（西山水利）', role: 'bidder', org: 'bidder3', regionCode: '990122' },
  { username: 'bidder4', displayName: '钱芳（示例智慧）', role: 'bidder', org: 'bidder4', regionCode: '990100' },
  { username: 'bidder5', displayName: '冯磊（华辰建设）', role: 'bidder', org: 'bidder5', regionCode: '990100' },
  ...['张伟', '王芳', '李娜', '刘洋', '陈静', '杨磊', '赵敏', '黄涛', '周婷'].map((name, i) => ({
    username: `expert${i + 1}`,
    displayName: `${name}（评标专家）`,
    role: 'expert' as const,
    org: null,
    regionCode: '990100',
  })),
  { username: 'guarantor', displayName: '何静（保函机构）', role: 'guarantor', org: 'guarantor', regionCode: '990100' },
];

/**
 * Loads the demo data into an empty database (regions, organisations of every kind, one or more
 * accounts per role). Does nothing when organisations exist already, so a restart keeps the data.
 */
export async function seedDemo(db: Database, options: { password?: string } = {}): Promise<{ seeded: boolean; logins: DemoLogin[] }> {
  const logins: DemoLogin[] = ACCOUNTS.map((a) => ({
    username: a.username,
    role: a.role,
    displayName: a.displayName,
    organisation: ORGANISATIONS.find((o) => o.key === a.org)?.name ?? null,
  }));
  const [existing] = await db.select({ n: count() }).from(organisation);
  if ((existing?.n ?? 0) > 0) return { seeded: false, logins };

  const password = options.password ?? DEMO_PASSWORD;
  const hashes = await Promise.all(ACCOUNTS.map(() => hashPassword(password)));
  await db.transaction(async (tx) => {
    await tx.insert(region).values(REGIONS);
    const orgs = await tx
      .insert(organisation)
      .values(
        ORGANISATIONS.map((o) => ({
          kind: o.kind,
          name: o.name,
          regionCode: o.regionCode,
          creditCode: o.code17 + creditCodeCheckCharacter(o.code17),
        })),
      )
      .returning({ id: organisation.id, name: organisation.name });
    const orgId = (key: string | null) => {
      const name = ORGANISATIONS.find((o) => o.key === key)?.name;
      return orgs.find((o) => o.name === name)?.id ?? null;
    };
    await tx.insert(account).values(
      ACCOUNTS.map((a, i) => ({
        username: a.username,
        displayName: a.displayName,
        role: a.role,
        organisationId: orgId(a.org),
        regionCode: a.regionCode,
        passwordHash: hashes[i]!,
      })),
    );
    await appendTrace(tx, { actorName: 'system' }, {
      action: 'system.seed.demo',
      details: { organisations: String(ORGANISATIONS.length), accounts: String(ACCOUNTS.length) },
    });
  });
  return { seeded: true, logins };
}
