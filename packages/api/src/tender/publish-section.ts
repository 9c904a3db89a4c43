import { appendTrace } from '@ggzy/audit';
import { and, eq, executeRows, isNull, notice, section, sql, tenderDocument, type Database } from '@ggzy/db';
import { AppError, nextSectionState, type SectionFields } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { requireOwnSection } from './access';
import { digestOf, validateSectionRules } from './create-section';
import { createSectionOpeningKey } from './opening-key';
import type { Pki } from '../certificate/require-valid-certificate';
import { sanitizeNotice } from './sanitize';

/**
 * Publishes a draft: the tender notice goes to the portal and the documents become obtainable. The
 * rules are checked again against the database clock: the documents cannot start being issued before
 * publication.
 */
export async function publishSection(options: {
  db: Database;
  request: RequestInfo;
  account: SessionAccount;
  sectionId: string;
  noticeTitle: string;
  noticeHtml: string;
  /** Needed only for sections opened with custodians' shares (the opening key is sealed to their certificates). */
  pki?: Pki;
}) {
  const { db, account } = options;
  return db.transaction(async (tx) => {
    const { section: current, project } = await requireOwnSection(tx, options.sectionId, account, { lock: true });
    const next = nextSectionState(current.state, { type: 'publish' });
    const documents = await tx.select().from(tenderDocument).where(eq(tenderDocument.sectionId, current.id));
    if (documents.length === 0) {
      throw new AppError('RULE_VIOLATION', { zh: '发布前请上传招标文件', en: 'Upload the tender documents before publishing' });
    }
    const [{ now } = { now: new Date() }] = await executeRows<{ now: Date }>(tx, sql`select now() as now`);
    const nowTime = new Date(now).getTime();
    if (current.documentsFrom.getTime() < nowTime - 60_000) {
      throw new AppError(
        'RULE_VIOLATION',
        {
          zh: '招标文件开始发出时间已过，请改为发布时或之后再发布',
          en: 'The documents’ start time has passed; set it to the publication time or later',
        },
        { fields: 'documentsFrom' },
      );
    }
    await validateSectionRules(tx, project.type, project.method, {
      ...current,
      listingFrom: current.listingFrom ?? undefined,
      custodianThreshold: current.custodianThreshold ?? undefined,
      envelopeSuite: current.envelopeSuite as SectionFields['envelopeSuite'],
      scoringMethod: current.scoringMethod as never,
    });
    const bodyHtml = sanitizeNotice(options.noticeHtml);
    if (bodyHtml.trim() === '') throw new AppError('INVALID_INPUT', { zh: '公告正文不能为空', en: 'The notice text is empty' });
    if (current.openingMode === 'bidderAndCustodians') {
      if (!options.pki) throw new AppError('INTERNAL', { zh: '发布缺少平台证书服务', en: 'Publishing a custodian-key section needs the platform PKI' });
      await createSectionOpeningKey(tx, { pki: options.pki, request: options.request, account, section: current });
    }
    await tx.update(section).set({ state: next!, publishedAt: sql`now()`, stateChangedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(section.id, current.id));
    await tx.update(tenderDocument).set({ publishedAt: sql`now()` }).where(and(eq(tenderDocument.sectionId, current.id), isNull(tenderDocument.publishedAt)));
    const [published] = await tx
      .insert(notice)
      .values({ sectionId: current.id, kind: 'tender', title: options.noticeTitle, bodyHtml, publishedAt: sql`now()`, createdBy: account.accountId })
      .returning({ id: notice.id });
    await appendTrace(tx, actorOf(options.request, account), {
      action: 'section.publish',
      targetType: 'section',
      targetId: current.id,
      digests: { notice: digestOf(bodyHtml), documents: digestOf(documents.map((d) => d.sha256).sort()) },
      details: { from: current.state, to: next! },
    });
    return { noticeId: published!.id, state: next! };
  });
}
