import { asc, region, type Database } from '@ggzy/db';

/** Every region, parents before children, with its depth: for the portal's region filter. */
export async function listRegions(db: Database) {
  const rows = await db.select().from(region).orderBy(asc(region.code));
  const byCode = new Map(rows.map((r) => [r.code, r]));
  const depth = (code: string | null): number => (code && byCode.has(code) ? 1 + depth(byCode.get(code)!.parentCode) : -1);
  const ordered: Array<{ code: string; name: string; level: string; depth: number }> = [];
  const visit = (parent: string | null) => {
    for (const r of rows.filter((x) => x.parentCode === parent || (parent === null && x.parentCode !== null && !byCode.has(x.parentCode)))) {
      ordered.push({ code: r.code, name: r.name, level: r.level, depth: depth(r.code) });
      visit(r.code);
    }
  };
  visit(null);
  return ordered;
}
