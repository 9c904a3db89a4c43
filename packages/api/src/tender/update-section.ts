import { appendTrace } from '@ggzy/audit';
import { eq, section, sql, type Database } from '@ggzy/db';
import { AppError, isEditable, type SectionFields } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { requireOwnSection } from './access';
import { digestOf, validateSectionRules } from './create-section';
import { searchTextOf } from './search-text';

/** Edits a draft. After publication the section changes only through amendments (实施条例 art. 21). */
export async function updateSection(options: { db: Database; request: RequestInfo; account: SessionAccount; sectionId: string; fields: SectionFields }) {
  const { db, account } = options;
  return db.transaction(async (tx) => {
    const { section: current, project } = await requireOwnSection(tx, options.sectionId, account, { lock: true });
    if (!isEditable(current.state)) {
      throw new AppError('CONFLICT', { zh: '标段已发布，只能通过澄清或修改变更', en: 'The section is published; change it through an amendment' });
    }
    await validateSectionRules(tx, project.type, project.method, options.fields);
    await tx
      .update(section)
      .set({ ...options.fields, searchText: searchTextOf(options.fields.name, current.code, project.name), custodianThreshold: options.fields.custodianThreshold ?? null, listingFrom: options.fields.listingFrom ?? null, updatedAt: sql`now()` })
      .where(eq(section.id, current.id));
    await appendTrace(tx, actorOf(options.request, account), {
      action: 'section.update',
      targetType: 'section',
      targetId: current.id,
      digests: { fields: digestOf(options.fields) },
    });
    return { ok: true as const };
  });
}
