import { appendTrace } from '@ggzy/audit';
import { and, documentDownload, eq, executeRows, isNotNull, sql, tenderDocument, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import type { ObjectStore } from '@ggzy/storage';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { requireOwnSection, requireRegionSection, SECTION_NOT_FOUND } from './access';

export const MAX_DOCUMENT_BYTES = 500 * 2 ** 20;

const FILENAME = /^[^\\/:*?"<>|\u0000-\u001f]{1,200}$/;

/**
 * Stores one tender document file. Before publication it is part of the first version; after, it
 * waits (unpublished) for the amendment that issues it. The bytes go to the write-once store first;
 * the row that makes them part of the section is written with its trace entry in one transaction.
 */
export async function uploadDocument(options: {
  db: Database;
  store: ObjectStore;
  request: RequestInfo;
  account: SessionAccount;
  sectionId: string;
  filename: string;
  contentType: string;
  body: Readable;
}) {
  const { db, account } = options;
  const filename = options.filename.normalize('NFC').trim();
  if (!FILENAME.test(filename)) {
    throw new AppError('INVALID_INPUT', { zh: '文件名不合法（不能含 \\ / : * ? " < > |）', en: 'Invalid file name (no \\ / : * ? " < > |)' });
  }
  const { section: current } = await requireOwnSection(db, options.sectionId, account);
  if (current.state !== 'draft' && current.state !== 'announced') {
    throw new AppError('CONFLICT', { zh: '投标截止后不能再上传招标文件', en: 'Tender documents cannot be added after the deadline' });
  }
  const key = `tender/${current.id}/${randomUUID()}`;
  const stored = await options.store.put(key, options.body, { contentType: options.contentType });
  if (stored.size === 0) throw new AppError('INVALID_INPUT', { zh: '文件为空', en: 'The file is empty' });
  return db.transaction(async (tx) => {
    const { section: locked } = await requireOwnSection(tx, options.sectionId, account, { lock: true });
    const [{ version } = { version: 1 }] = await executeRows<{ version: number }>(
      tx,
      sql`select case when ${locked.state} = 'draft' then 1
                      else coalesce(max(version) filter (where published_at is not null), 0) + 1 end as version
            from tender_document where section_id = ${locked.id}`,
    );
    const [row] = await tx
      .insert(tenderDocument)
      .values({
        sectionId: locked.id,
        version,
        filename,
        contentType: options.contentType,
        size: stored.size,
        sha256: stored.sha256,
        objectKey: key,
        uploadedBy: account.accountId,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      throw new AppError('CONFLICT', { zh: `本版本已有同名文件“${filename}”`, en: `This version already has a file named “${filename}”` });
    }
    await appendTrace(tx, actorOf(options.request, account), {
      action: 'document.upload',
      targetType: 'section',
      targetId: locked.id,
      digests: { file: stored.sha256 },
      details: { document: row.id, filename, version: String(version), size: String(stored.size) },
    });
    return { id: row.id, version, filename, size: stored.size, sha256: stored.sha256 };
  });
}

/**
 * Hands out a published tender document. A bidder company obtains it only while the documents are
 * available (the database clock decides) and each download is recorded for that company; the
 * tenderer, the agency, the centre and the supervisor may read it at any time.
 */
export async function obtainDocument(options: { db: Database; store: ObjectStore; request: RequestInfo; account: SessionAccount; documentId: string }) {
  const { db, account } = options;
  const [document] = await db
    .select()
    .from(tenderDocument)
    .where(and(eq(tenderDocument.id, options.documentId), isNotNull(tenderDocument.publishedAt)));
  if (!document) throw new AppError('NOT_FOUND', { zh: '没有这个招标文件', en: 'No such tender document' });

  if (account.role === 'bidder') {
    if (!account.organisationId) throw SECTION_NOT_FOUND;
    await db.transaction(async (tx) => {
      const [window] = await executeRows<{ state: string; open: boolean; before: boolean }>(
        tx,
        sql`select state, now() >= documents_from and now() <= documents_until as open, now() < documents_from as before
              from section where id = ${document.sectionId}`,
      );
      if (!window || window.state !== 'announced' || !window.open) {
        throw new AppError('RULE_VIOLATION', {
          zh: window?.before ? '招标文件尚未开始发放' : '招标文件获取期已结束',
          en: window?.before ? 'The tender documents are not available yet' : 'The period for obtaining the tender documents has ended',
        });
      }
      await tx.insert(documentDownload).values({
        sectionId: document.sectionId,
        documentId: document.id,
        organisationId: account.organisationId!,
        accountId: account.accountId,
      });
      await appendTrace(tx, actorOf(options.request, account), {
        action: 'document.download',
        targetType: 'section',
        targetId: document.sectionId,
        digests: { file: document.sha256 },
        details: { document: document.id, version: String(document.version) },
      });
    });
  } else {
    if (account.role === 'tenderer' || account.role === 'agency') await requireOwnSection(db, document.sectionId, account);
    else if (account.role === 'centre' || account.role === 'supervisor') await requireRegionSection(db, document.sectionId, account);
    else throw new AppError('PERMISSION_DENIED', { zh: '无权获取招标文件', en: 'You may not obtain tender documents' });
    await appendTrace(db, actorOf(options.request, account), {
      action: 'document.read',
      targetType: 'section',
      targetId: document.sectionId,
      details: { document: document.id },
    });
  }
  return { document, stream: await options.store.get(document.objectKey) };
}
