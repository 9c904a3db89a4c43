import { and, eq, executeRows, organisation, sql, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';

/** The trading centre that hosts a region's projects: the nearest centre at or above the region. */
export async function centreForRegion(db: Database, regionCode: string): Promise<{ id: string; regionCode: string }> {
  const chain = await executeRows<{ code: string; depth: number }>(
    db,
    sql`with recursive up(code, parent_code, depth) as (
          select code, parent_code, 0 from region where code = ${regionCode}
          union all
          select r.code, r.parent_code, up.depth + 1 from region r join up on r.code = up.parent_code)
        select code, depth from up order by depth`,
  );
  for (const { code } of chain) {
    const [centre] = await db
      .select({ id: organisation.id, regionCode: organisation.regionCode })
      .from(organisation)
      .where(and(eq(organisation.kind, 'centre'), eq(organisation.regionCode, code)))
      .limit(1);
    if (centre) return centre;
  }
  throw new AppError('RULE_VIOLATION', {
    zh: '本地区尚无公共资源交易中心，无法登记项目',
    en: 'No trading centre serves this region yet; the project cannot be registered',
  });
}
