/**
 * Submitting, replacing and withdrawing a sealed bid (docs/sealed-bids.md §5). The bid counts only
 * when a small signed message naming the uploaded envelope's digest commits before the deadline on
 * the database clock. The checks run in the contract's order, each with its own message; then the
 * section's transaction (record-submissions.ts) takes the section row lock, the same lock the
 * deadline's close takes, so a submit and the close never both succeed.
 */
import { verifyMessageNode as verifyMessage } from '@ggzy/crypto/node';
import { requireValidCertificate } from '../certificate/require-valid-certificate';
import { actorOf, type RequestInfo, type Services, type SessionAccount } from '../context';
import type { Receipt } from './receipt';
import { recordSubmission, type SubmissionRequest } from './record-submissions';
import { refuse } from './upload-checks';
import { receiptOfRecorded } from './submissions';
import { parseSignedMessage, submitMessageSchema, SUBMIT_CONTEXT, WITHDRAW_CONTEXT, withdrawMessageSchema } from './signed-message';

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
  // Check 4 (the upload is the caller's, complete, for this section, a well-formed envelope of the
  // section's suite, exactly the bytes signed) runs in the section's transaction, on the rows read
  // there for every submit of the batch (upload-checks.ts).
  const recorded = await recordSubmission(
    caller.services.db,
    submissionOf(caller, input, { kind: 'submit', sectionId: message.sectionId, uploadId: message.uploadId, ciphertextSha256: message.ciphertextSha256, envelopeBytes: message.envelopeBytes }),
  );
  // The answer waits for the trace entry's place in the log (the receipt names it).
  return receiptOfRecorded(caller.services, recorded);
}

export async function withdrawBid(caller: Caller, input: SignedRequest): Promise<Receipt> {
  const message = await verifySigned(caller, input, WITHDRAW_CONTEXT, (text) => parseSignedMessage(text, withdrawMessageSchema));
  const recorded = await recordSubmission(
    caller.services.db,
    submissionOf(caller, input, { kind: 'withdraw', sectionId: message.sectionId, uploadId: null, ciphertextSha256: null, envelopeBytes: null }),
  );
  return receiptOfRecorded(caller.services, recorded);
}

