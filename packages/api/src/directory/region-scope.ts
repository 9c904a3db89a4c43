import { executeRows, sql, type Database } from '@ggzy/db';

/** A region and every region below it (市县一体化: a city's scope includes its counties). */
export async function regionScope(db: Database, code: string): Promise<string[]> {
  const rows = await executeRows<{ code: string }>(
    db,
    sql`with recursive scope(code) as (
          select code from region where code = ${code}
          union all
          select r.code from region r join scope s on r.parent_code = s.code)
        select code from scope`,
  );
  return rows.map((r) => r.code);
}
