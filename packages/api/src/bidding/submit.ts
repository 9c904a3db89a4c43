/**
 * Submitting, replacing and withdrawing a sealed bid (docs/sealed-bids.md §5). The bid counts only
 * when a small signed message naming the uploaded envelope's digest commits before the deadline on
 * the database clock. The checks run in the contract's order, each with its own message; then the
 * section's transaction (record-submissions.ts) takes the section row lock, the same lock the
 * deadline's close takes, so a submit and the close never both succeed.
 */
import { verifyMessageNode as verifyMessage } from '@ggzy/crypto/node';
import { AppError } from '@ggzy/domain';
import { requireValidCertificate } from '../certificate/require-valid-certificate';
import { actorOf, type RequestInfo, type Services, type SessionAccount } from '../context';
import { readSection } from './bid-window';
import type { Receipt } from './receipt';
import { recordSubmission, type SubmissionRequest } from './record-submissions';
import { receiptOf } from './submissions';
import { parseSignedMessage, submitMessageSchema, SUBMIT_CONTEXT, WITHDRAW_CONTEXT, withdrawMessageSchema } from './signed-message';
import { requireOwnUpload } from './uploads';

export interface SignedRequest {
  /** The exact signed text: canonical JSON of the submit or withdrawal message. */
  message: string;
  /** Base64 signature by the certificate's key over `context ‖ 0x00 ‖ message`. */
  signature: string;
  certificateId: string;
}

interface Caller {
  services: Pick<Services, 'db' | 'pki' | 'receiptSigner' | 'signer' | 'sequenceNow'>;
  request: RequestInfo;
  account: SessionAccount;
}

const refuse = (code: 'INVALID_INPUT' | 'RULE_VIOLATION' | 'CONFLICT', reason: string, zh: string, en: string, details: Record<string, string | number> = {}) =>
  new AppError(code, { zh, en }, { reason, ...details });

/** Checks 1–3 of §5: the certificate, the signature, the message and the company it names. */
async function verifySigned<T extends { organisationId: string }>(caller: Caller, input: SignedRequest, context: string, parse: (text: string) => T): Promise<T> {
  const { db, pki } = caller.services;
  const certificate = await requireValidCertificate(db, pki, { certificateId: input.certificateId, account: caller.account, usage: 'signature' });
  const signature = new Uint8Array(Buffer.from(input.signature, 'base64'));
  if (signature.length === 0 || !verifyMessage(certificate.pem, context, new TextEncoder().encode(input.message), signature)) {
    throw refuse('INVALID_INPUT', 'bad-signature', '签名验证失败：签名与消息或证书不符', 'The signature does not verify against the message and the certificate');
  }
  const message = parse(input.message);
  if (message.organisationId !== caller.account.organisationId) {
    throw refuse('INVALID_INPUT', 'wrong-organisation', '签名的消息所载投标单位不是当前单位', 'The signed message names another company than yours');
  }
  return message;
}

/** The request as the section's transaction records it (record-submissions.ts). */
function submissionOf(caller: Caller, input: SignedRequest, fields: Pick<SubmissionRequest, 'kind' | 'sectionId' | 'uploadId' | 'ciphertextSha256' | 'envelopeBytes'>): SubmissionRequest {
  return {
    ...fields,
    organisationId: caller.account.organisationId!,
    accountId: caller.account.accountId,
    actor: actorOf(caller.request, caller.account),
    message: input.message,
    signature: new Uint8Array(Buffer.from(input.signature, 'base64')),
    certificateId: input.certificateId,
  };
}

export async function submitBid(caller: Caller, input: SignedRequest): Promise<Receipt> {
  const message = await verifySigned(caller, input, SUBMIT_CONTEXT, (text) => parseSignedMessage(text, submitMessageSchema));
  // Check 4: the upload is the caller's, complete, for this section, a well-formed envelope of the
  // section's suite, and exactly the bytes the bidder signed.
  const upload = await requireOwnUpload(caller.services.db, message.uploadId, caller.account);
  if (upload.sectionId !== message.sectionId) {
    throw refuse('INVALID_INPUT', 'upload-section', '该上传不属于消息所载的标段', 'The upload belongs to another section than the message names');
  }
  if (!upload.completedAt) throw refuse('CONFLICT', 'upload-incomplete', '投标文件尚未上传完成，请完成上传后再提交', 'The upload is not complete; finish it before submitting');
  if (upload.inspectionError) {
    const code = upload.inspectionError.split(':')[0]!;
    throw refuse(
      'RULE_VIOLATION',
      'envelope-refused',
      `投标文件不是完整的加密投标文件，不予接收（${upload.inspectionError}）；未加密的投标文件一律拒收`,
      `The upload is not a complete sealed bid and is refused (${upload.inspectionError}); unencrypted bids are never accepted`,
      { inspection: code },
    );
  }
  if (upload.ciphertextSha256 !== message.ciphertextSha256) {
    throw refuse('INVALID_INPUT', 'digest-mismatch', '消息中的密文摘要与上传的文件不一致', 'The ciphertext digest in the message does not match the uploaded file', { uploaded: upload.ciphertextSha256 ?? '' });
  }
  if (upload.length !== message.envelopeBytes) {
    throw refuse('INVALID_INPUT', 'size-mismatch', '消息中的文件大小与上传的文件不一致', 'The size in the message does not match the uploaded file', { uploaded: upload.length });
  }
  const section = await readSection(caller.services.db, message.sectionId);
  if (!section || upload.suite !== section.envelopeSuite) {
    throw refuse('RULE_VIOLATION', 'wrong-suite', `投标文件的加密算法套件与招标要求（${section?.envelopeSuite ?? '—'}）不符`, `The bid is sealed with another suite than the tender requires (${section?.envelopeSuite ?? '—'})`, { suite: upload.suite ?? '' });
  }
  const recorded = await recordSubmission(
    caller.services.db,
    submissionOf(caller, input, { kind: 'submit', sectionId: message.sectionId, uploadId: upload.id, ciphertextSha256: message.ciphertextSha256, envelopeBytes: message.envelopeBytes }),
  );
  // The answer waits for the trace entry's place in the log (the receipt names it).
  return receiptOf(caller.services, recorded.submissionId, { wait: true });
}

export async function withdrawBid(caller: Caller, input: SignedRequest): Promise<Receipt> {
  const message = await verifySigned(caller, input, WITHDRAW_CONTEXT, (text) => parseSignedMessage(text, withdrawMessageSchema));
  const recorded = await recordSubmission(
    caller.services.db,
    submissionOf(caller, input, { kind: 'withdraw', sectionId: message.sectionId, uploadId: null, ciphertextSha256: null, envelopeBytes: null }),
  );
  return receiptOf(caller.services, recorded.submissionId, { wait: true });
}

