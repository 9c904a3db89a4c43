/**
 * What the bid deadline does beyond the section's state (docs/opening-hall.md §2), inside the
 * deadline transition's transaction (tender/timed-transitions.ts): with enough standing bids, the
 * opening hall opens with one `bid_decryption` row per bid, waiting; with too few, the failure
 * notice (流标公告) naming the rule is published.
 */
import { appendTrace } from '@ggzy/audit';
import { and, asc, bid, bidDecryption, eq, notice, openingHall, organisation, sql, type Database } from '@ggzy/db';
import { MINIMUM_BIDS } from '@ggzy/domain';
import { publishHall } from './events';

export const DEFAULT_WINDOW_MINUTES = 30;

/** Opens the hall of a section that has just reached its deadline with enough bids. */
export async function openHall(tx: Database, sectionId: string): Promise<{ bidders: number }> {
  const standing = await tx
    .select({ organisationId: bid.organisationId, submissionId: bid.submissionId, name: organisation.name })
    .from(bid)
    .innerJoin(organisation, eq(organisation.id, bid.organisationId))
    .where(and(eq(bid.sectionId, sectionId), eq(bid.status, 'submitted')))
    .orderBy(asc(organisation.name));
  await tx.insert(openingHall).values({ sectionId, windowMinutes: DEFAULT_WINDOW_MINUTES });
  await tx.insert(bidDecryption).values(standing.map((b) => ({ sectionId, organisationId: b.organisationId, submissionId: b.submissionId })));
  await appendTrace(tx, { actorName: 'system' }, {
    action: 'hall.open',
    targetType: 'section',
    targetId: sectionId,
    details: { bidders: String(standing.length), windowMinutes: String(DEFAULT_WINDOW_MINUTES) },
  });
  // The deadline has passed: who bid may now be named (招标投标法 art. 22 protects it only until then).
  await publishHall(tx, sectionId, 'hall.opened', {
    state: 'open',
    windowMinutes: DEFAULT_WINDOW_MINUTES,
    bidders: standing.map((b) => ({ organisationId: b.organisationId, name: b.name })),
  });
  return { bidders: standing.length };
}

export function failureNoticeBody(bids: number): { title: string; bodyHtml: string } {
  return {
    title: '流标公告 / Notice of failed tender',
    bodyHtml:
      `<p>本标段投标截止时，递交投标文件的投标人为 ${bids} 个，少于 ${MINIMUM_BIDS} 个。依据《中华人民共和国招标投标法实施条例》第四十四条` +
      `（投标人少于 3 个的，不得开标；招标人应当重新招标），本标段不予开标，招标失败（流标），招标人将依法重新招标。</p>` +
      `<p>At the bid deadline ${bids} bidder(s) had submitted a bid, fewer than ${MINIMUM_BIDS}. Under article 44 of the Implementing ` +
      `Regulations of the Tendering and Bidding Law (with fewer than 3 bidders the bids are not opened and the tenderer tenders again), ` +
      `this section is not opened: the tender has failed and will be tendered again.</p>`,
  };
}

/** Publishes the failure notice of a section that has just failed at its deadline. */
export async function publishFailureNotice(tx: Database, sectionId: string, bids: number): Promise<string> {
  const { title, bodyHtml } = failureNoticeBody(bids);
  const [row] = await tx
    .insert(notice)
    .values({ sectionId, kind: 'failure', title, bodyHtml, publishedAt: sql`now()`, createdBy: null })
    .returning({ id: notice.id, publishedAt: notice.publishedAt });
  await appendTrace(tx, { actorName: 'system' }, {
    action: 'notice.publish',
    targetType: 'section',
    targetId: sectionId,
    details: { notice: row!.id, kind: 'failure', rule: '实施条例第四十四条', bids: String(bids) },
  });
  return row!.id;
}
