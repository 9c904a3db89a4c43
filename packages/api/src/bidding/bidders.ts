/**
 * `tender.bidders` (docs/sealed-bids.md §5): which companies have a bid in a section, and whether it
 * stands or was withdrawn. Never what they bid. The tenderer and agency (their own sections) and the
 * centre see names and status only, in name order so that the order gives nothing away; the
 * supervisor, who watches the process, also sees when each bid arrived.
 */
import { appendTrace } from '@ggzy/audit';
import { asc, bid, bidSubmission, eq, organisation, type Database } from '@ggzy/db';
import { roleHasPermission } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { requireOwnSection, requireRegionSection } from '../tender/access';

export async function listSectionBidders(db: Database, options: { request: RequestInfo; account: SessionAccount; sectionId: string }) {
  const { account, sectionId } = options;
  // Staff of a region see its sections; a tenderer or agency only the ones it runs.
  if (roleHasPermission(account.role, 'read:bids:region')) await requireRegionSection(db, sectionId, account);
  else await requireOwnSection(db, sectionId, account);
  const rows = await db
    .select({ organisationName: organisation.name, status: bid.status, receivedAt: bidSubmission.receivedAt })
    .from(bid)
    .innerJoin(organisation, eq(organisation.id, bid.organisationId))
    .innerJoin(bidSubmission, eq(bidSubmission.id, bid.submissionId))
    .where(eq(bid.sectionId, sectionId))
    .orderBy(asc(organisation.name));
  const withTimes = account.role === 'supervisor';
  // Who bid is confidential before the opening: every look is in the log.
  await appendTrace(db, actorOf(options.request, account), {
    action: 'bid.bidders.read',
    targetType: 'section',
    targetId: sectionId,
    details: { bidders: String(rows.length), times: String(withTimes) },
  });
  return rows.map((row) => ({
    organisationName: row.organisationName,
    status: row.status,
    ...(withTimes ? { receivedAt: row.receivedAt.toISOString() } : {}),
  }));
}
