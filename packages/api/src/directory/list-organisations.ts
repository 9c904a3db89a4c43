import { account, asc, count, eq, inArray, organisation, region, type Database } from '@ggzy/db';
import type { OrganisationKind } from '@ggzy/domain';
import type { SessionAccount } from '../context';
import { regionScope } from './region-scope';

/** Organisations in the caller's region and below, with their account counts. */
export async function listOrganisations(db: Database, options: { account: SessionAccount; kind?: OrganisationKind | undefined }) {
  const scope = await regionScope(db, options.account.regionCode);
  const rows = await db
    .select({
      id: organisation.id,
      kind: organisation.kind,
      name: organisation.name,
      creditCode: organisation.creditCode,
      regionCode: organisation.regionCode,
      regionName: region.name,
      accounts: count(account.id),
    })
    .from(organisation)
    .innerJoin(region, eq(region.code, organisation.regionCode))
    .leftJoin(account, eq(account.organisationId, organisation.id))
    .where(inArray(organisation.regionCode, scope))
    .groupBy(organisation.id, region.name)
    .orderBy(asc(organisation.kind), asc(organisation.name));
  return options.kind ? rows.filter((r) => r.kind === options.kind) : rows;
}
