import { account, asc, eq, inArray, organisation, type Database } from '@ggzy/db';
import type { SessionAccount } from '../context';
import { regionScope } from './region-scope';

/** Accounts registered in the caller's region and below. Password hashes never leave this query. */
export async function listAccounts(db: Database, options: { account: SessionAccount }) {
  const scope = await regionScope(db, options.account.regionCode);
  return db
    .select({
      id: account.id,
      username: account.username,
      displayName: account.displayName,
      role: account.role,
      status: account.status,
      organisationName: organisation.name,
      regionCode: account.regionCode,
      createdAt: account.createdAt,
    })
    .from(account)
    .leftJoin(organisation, eq(organisation.id, account.organisationId))
    .where(inArray(account.regionCode, scope))
    .orderBy(asc(account.role), asc(account.username));
}
