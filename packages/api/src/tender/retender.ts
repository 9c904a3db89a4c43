import { appendTrace } from '@ggzy/audit';
import { count, eq, section, type Database } from '@ggzy/db';
import { AppError, canRetender } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { requireOwnSection } from './access';
import { searchTextOf } from './search-text';

/**
 * A failed (流标) or cancelled section is tendered again as a new draft section of the same project
 * that points back to it; the old one stays as it was. Dates must be set anew before publication.
 */
export async function retenderSection(options: { db: Database; request: RequestInfo; account: SessionAccount; sectionId: string }) {
  const { db, account } = options;
  return db.transaction(async (tx) => {
    const { section: old, project } = await requireOwnSection(tx, options.sectionId, account, { lock: true });
    if (!canRetender(old.state)) {
      throw new AppError('CONFLICT', { zh: '只有流标或终止的标段可以重新招标', en: 'Only a failed or cancelled section can be tendered again' });
    }
    const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(section).where(eq(section.projectId, project.id));
    const code = `${project.code}-${String(n + 1).padStart(2, '0')}`;
    const [draft] = await tx
      .insert(section)
      .values({
        projectId: project.id,
        code,
        type: old.type,
        method: old.method,
        regionCode: old.regionCode,
        name: old.name,
        searchText: searchTextOf(old.name, code, project.name),
        estimatedPrice: old.estimatedPrice,
        bond: old.bond,
        bidValidityDays: old.bidValidityDays,
        scoringMethod: old.scoringMethod,
        documentsFrom: old.documentsFrom,
        documentsUntil: old.documentsUntil,
        deadline: old.deadline,
        listingFrom: old.listingFrom,
        openingMode: old.openingMode,
        custodianThreshold: old.custodianThreshold,
        custodianIds: old.custodianIds,
        retenderOf: old.id,
      })
      .returning({ id: section.id, code: section.code });
    await appendTrace(tx, actorOf(options.request, account), {
      action: 'section.retender',
      targetType: 'section',
      targetId: draft!.id,
      details: { retenderOf: old.id, previousState: old.state },
    });
    return { sectionId: draft!.id, sectionCode: draft!.code };
  });
}
