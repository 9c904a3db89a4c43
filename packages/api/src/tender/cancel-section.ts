import { appendTrace } from '@ggzy/audit';
import { eq, section, sql, type Database } from '@ggzy/db';
import { nextSectionState } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { requireOwnSection } from './access';

/** Cancelling is a state with its reason, never a deletion. */
export async function cancelSection(options: { db: Database; request: RequestInfo; account: SessionAccount; sectionId: string; reason: string }) {
  const { db, account } = options;
  return db.transaction(async (tx) => {
    const { section: current } = await requireOwnSection(tx, options.sectionId, account, { lock: true });
    const next = nextSectionState(current.state, { type: 'cancel', reason: options.reason })!;
    await tx.update(section).set({ state: next, stateReason: options.reason, stateChangedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(section.id, current.id));
    await appendTrace(tx, actorOf(options.request, account), {
      action: 'section.cancel',
      targetType: 'section',
      targetId: current.id,
      details: { from: current.state, to: next, reason: options.reason.slice(0, 200) },
    });
    return { state: next };
  });
}
