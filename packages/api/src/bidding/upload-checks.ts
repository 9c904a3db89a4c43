/**
 * Check 4 of docs/sealed-bids.md §5, pure: the upload a submit names is the caller's, for the
 * message's section, complete, a well-formed envelope of the section's suite, and exactly the bytes
 * the bidder signed. Run inside the section's transaction on rows read there (record-submissions.ts),
 * each refusal with its own reason, in this order.
 */
import { AppError } from '@ggzy/domain';
import type { SectionRow } from './bid-window';
import { UPLOAD_NOT_FOUND, type BidUploadRow } from './uploads';

export const refuse = (code: 'INVALID_INPUT' | 'RULE_VIOLATION' | 'CONFLICT', reason: string, zh: string, en: string, details: Record<string, string | number> = {}) =>
  new AppError(code, { zh, en }, { reason, ...details });

export interface UploadClaim {
  accountId: string;
  organisationId: string;
  sectionId: string;
  ciphertextSha256: string;
  envelopeBytes: number;
}

/** Why the upload cannot be submitted as claimed, or null when it can. */
export function uploadRefusal(upload: BidUploadRow | undefined, claim: UploadClaim, section: Pick<SectionRow, 'envelopeSuite'>): AppError | null {
  // Anyone else's upload is NOT_FOUND: its existence is not confirmed.
  if (!upload || upload.accountId !== claim.accountId || upload.organisationId !== claim.organisationId) return UPLOAD_NOT_FOUND;
  if (upload.sectionId !== claim.sectionId) {
    return refuse('INVALID_INPUT', 'upload-section', '该上传不属于消息所载的标段', 'The upload belongs to another section than the message names');
  }
  if (!upload.completedAt) return refuse('CONFLICT', 'upload-incomplete', '投标文件尚未上传完成，请完成上传后再提交', 'The upload is not complete; finish it before submitting');
  if (upload.inspectionError) {
    const code = upload.inspectionError.split(':')[0]!;
    return refuse(
      'RULE_VIOLATION',
      'envelope-refused',
      `投标文件不是完整的加密投标文件，不予接收（${upload.inspectionError}）；未加密的投标文件一律拒收`,
      `The upload is not a complete sealed bid and is refused (${upload.inspectionError}); unencrypted bids are never accepted`,
      { inspection: code },
    );
  }
  if (upload.ciphertextSha256 !== claim.ciphertextSha256) {
    return refuse('INVALID_INPUT', 'digest-mismatch', '消息中的密文摘要与上传的文件不一致', 'The ciphertext digest in the message does not match the uploaded file', { uploaded: upload.ciphertextSha256 ?? '' });
  }
  if (upload.length !== claim.envelopeBytes) {
    return refuse('INVALID_INPUT', 'size-mismatch', '消息中的文件大小与上传的文件不一致', 'The size in the message does not match the uploaded file', { uploaded: upload.length });
  }
  if (upload.suite !== section.envelopeSuite) {
    return refuse('RULE_VIOLATION', 'wrong-suite', `投标文件的加密算法套件与招标要求（${section.envelopeSuite}）不符`, `The bid is sealed with another suite than the tender requires (${section.envelopeSuite})`, { suite: upload.suite ?? '' });
  }
  return null;
}
