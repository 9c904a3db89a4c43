import { asc, eq, organisation, type Database } from '@ggzy/db';

/**
 * The organisations a tenderer or agency may name on a project: agencies (for a tenderer) or
 * tenderers (for an agency). Names and codes only; these are registered companies, public facts.
 */
export async function listCounterparts(db: Database, kind: 'agency' | 'tenderer') {
  return db
    .select({ id: organisation.id, name: organisation.name, creditCode: organisation.creditCode, regionCode: organisation.regionCode })
    .from(organisation)
    .where(eq(organisation.kind, kind))
    .orderBy(asc(organisation.name));
}
