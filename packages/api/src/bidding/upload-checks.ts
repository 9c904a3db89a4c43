/**
 * Check 4 of docs/sealed-bids.md §5, pure: the upload a submit names is the caller's, for the
 * message's section, complete, a well-formed envelope of the section's suite, exactly the bytes
 * the bidder signed, bound by its header to this section, this bidder and the prescribed recipients
 * (checked again on what bid_upload recorded of the header: envelope-binding.ts), and no copy of
 * another company's upload. Run inside the section's transaction on rows read there
 * (record-submissions.ts), each refusal with its own reason, in this order.
 */
import { AppError } from '@ggzy/domain';
import type { SectionRow } from './bid-window';
import { bindingError, bindingRefusal, isBindingReason, type BindingWorld } from './envelope-binding';
import { uploadNotFound, wrongSuite, type BidUploadRow } from './uploads';

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
export function uploadRefusal(
  upload: BidUploadRow | undefined,
  claim: UploadClaim,
  section: Pick<SectionRow, 'envelopeSuite' | 'code'>,
  world: BindingWorld,
  /** Another company's upload with the same ciphertext digest, if any. */
  copied: { id: string; organisationId: string } | null,
): AppError | null {
  // Anyone else's upload is NOT_FOUND: its existence is not confirmed.
  if (!upload || upload.accountId !== claim.accountId || upload.organisationId !== claim.organisationId) return uploadNotFound();
  if (upload.sectionId !== claim.sectionId) {
    return refuse('INVALID_INPUT', 'upload-section', '该上传不属于消息所载的标段', 'The upload belongs to another section than the message names');
  }
  if (!upload.completedAt) return refuse('CONFLICT', 'upload-incomplete', '投标文件尚未上传完成，请完成上传后再提交', 'The upload is not complete; finish it before submitting');
  if (upload.inspectionError) {
    const code = upload.inspectionError.split(':')[0]!;
    // Refused when it completed, before it was stored: the same reason again.
    if (code === 'wrong-suite') return wrongSuite(section.envelopeSuite, upload.suite ?? '');
    if (isBindingReason(code)) {
      return bindingError(
        code,
        code === 'envelope-section'
          ? { header: upload.headerSection ?? '', expected: section.code }
          : code === 'envelope-bidder'
            ? { header: upload.headerBidder ?? '' }
            : code === 'envelope-recipients'
              ? { custodians: world.hasCustodians ? 'yes' : 'no' }
              : {},
      );
    }
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
  if (upload.suite !== section.envelopeSuite) return wrongSuite(section.envelopeSuite, upload.suite ?? '');
  const binding = bindingRefusal({ section: upload.headerSection, bidder: upload.headerBidder, recipients: upload.recipientKeyIds ?? [] }, world);
  if (binding) return binding;
  if (copied) return bindingError('duplicate-ciphertext');
  return null;
}
