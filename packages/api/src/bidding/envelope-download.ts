/**
 * A company's own sealed envelope, served back to it (docs/sealed-bids.md §8, the decryption
 * self-test 解密自检): the browser does not keep an envelope once it is submitted, and the self-test
 * must run on what the platform actually holds. The bytes are ciphertext, no secret to their owner;
 * nobody else's upload is served (not even its existence confirmed), and every download is traced.
 * Nothing key-like is ever received here: the request is a bare GET, the key stays with the bidder.
 */
import { appendTrace } from '@ggzy/audit';
import { bidUpload, eq, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import type { ObjectStore } from '@ggzy/storage';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { bidObjectKey } from './uploads';

/** Another company's upload, or none: the same answer, so the id's existence is not confirmed. */
export const notOwnEnvelope = () =>
  new AppError(
    'NOT_FOUND',
    {
      zh: '没有这份投标文件，或它不属于贵单位：只能下载本单位上传的投标文件',
      en: "No such sealed bid, or it is not your company's: you can download only your own company's uploads",
    },
    { reason: 'not-own-upload' },
  );

export async function downloadOwnEnvelope(options: { db: Database; store: ObjectStore; request: RequestInfo; account: SessionAccount; uploadId: string }) {
  const { db, account, uploadId } = options;
  if (!account.organisationId) throw notOwnEnvelope();
  const [row] = await db.select().from(bidUpload).where(eq(bidUpload.id, uploadId));
  // Any account of the company may test the company's bid (the certificate, not the account, opens it).
  if (!row || row.organisationId !== account.organisationId) throw notOwnEnvelope();
  const key = bidObjectKey(row.sectionId, row.id);
  const info = row.completedAt ? await options.store.head(key) : null;
  if (!info) {
    throw new AppError(
      'NOT_FOUND',
      {
        zh: '这份投标文件尚未完整上传或已被拒收，平台没有保存它；请完成上传，或重新加密并上传',
        en: 'This sealed bid was not completely uploaded or was refused, so the platform does not hold it: finish the upload, or seal and upload again',
      },
      { reason: 'not-stored' },
    );
  }
  // Traced before the first byte goes out: who took which upload, and the digest of what it got.
  await appendTrace(db, actorOf(options.request, account), {
    action: 'bid.envelope.download',
    targetType: 'section',
    targetId: row.sectionId,
    ...(row.ciphertextSha256 ? { digests: { ciphertext: row.ciphertextSha256 } } : {}),
    details: { upload: row.id, bytes: String(info.size) },
  });
  return { upload: row, size: info.size, stream: await options.store.get(key) };
}
