/**
 * `ggzy submit` and `ggzy withdraw` (docs/sealed-bids.md §5): a small signed message naming the
 * uploaded envelope's digest, signed with the bidder's certificate key, answered by a signed receipt.
 */
import { fromPkcs12, signMessage } from '@ggzy/crypto';
import canonicalize from 'canonicalize';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { me, myCertificates, receipt, type Receipt } from './contract';
import { inspectEnvelopeFile } from './envelope-file';
import { CliError } from './errors';
import { p12Password, refuseExisting, writeFileAtomic } from './files';
import { signIn, type SignInOptions } from './session';
import { readUploadRecord, recordPathOf } from './upload';

export const SUBMIT_CONTEXT = 'ggzy-bid-submit/v1';
export const WITHDRAW_CONTEXT = 'ggzy-bid-withdraw/v1';

const submitFields = z.object({
  sectionId: z.string().min(1),
  organisationId: z.string().min(1),
  uploadId: z.string().min(1),
  ciphertextSha256: z.string().regex(/^[0-9a-f]{64}$/, { error: '密文摘要应为 64 位小写十六进制 / the ciphertext digest is 64 lowercase hex digits' }),
  envelopeBytes: z.number().int().positive(),
});
const withdrawFields = z.object({ sectionId: z.string().min(1), organisationId: z.string().min(1), nonce: z.string().min(16) });

/** The exact text the bidder signs: RFC 8785 canonical JSON, so the server re-derives the same bytes. */
export function buildSubmitMessage(fields: z.input<typeof submitFields>): string {
  return canonicalize({ type: SUBMIT_CONTEXT, ...submitFields.parse(fields) })!;
}

export function buildWithdrawMessage(fields: z.input<typeof withdrawFields>): string {
  return canonicalize({ type: WITHDRAW_CONTEXT, ...withdrawFields.parse(fields) })!;
}

export const newNonce = () => randomBytes(18).toString('base64');

export interface SignedRequestOptions extends SignInOptions {
  sectionId: string;
  p12: string;
  p12Password?: string | undefined;
  out: string;
}

export interface SubmitOptions extends SignedRequestOptions {
  /** An upload id, or the `.upload.json` record `ggzy upload` wrote (or the envelope beside it). */
  upload: string;
  envelope?: string | undefined;
}

/** Serials compared as numbers: case and leading zeros (DER's sign byte) vary between tools. */
const normaliseSerial = (serial: string) => serial.toLowerCase().replace(/^0+(?=.)/, '');

async function loadKey(options: SignedRequestOptions) {
  const password = await p12Password(options.p12Password, { zh: '证书文件密码', en: 'key-file password' });
  return fromPkcs12(new Uint8Array(await readFile(options.p12)), password);
}

/**
 * Resolves `--upload`: the `.upload.json` record, or the envelope with its record beside it, or a
 * bare upload id together with `--envelope` (whose digest and size are then computed here).
 */
async function uploadFields(upload: string, sectionId: string, envelope: string | undefined) {
  const record = (await readUploadRecord(upload).catch(() => null)) ?? (await readUploadRecord(recordPathOf(upload)).catch(() => null));
  if (!record) {
    if (envelope) {
      const inspection = await inspectEnvelopeFile(envelope);
      return { uploadId: upload, ciphertextSha256: inspection.ciphertextSha256, envelopeBytes: inspection.envelopeBytes };
    }
    throw new CliError(
      `找不到上传记录：请给出 ggzy upload 写下的 .upload.json 文件（或密封文件本身），或用 --envelope 给出上传的文件 / no upload record: give the .upload.json written by ggzy upload (or the envelope beside it), or the uploaded file with --envelope: ${upload}`,
    );
  }
  if (!record.completed) throw new CliError('上传尚未完成，请先再次运行 ggzy upload / the upload is not complete: run ggzy upload again first');
  if (record.sectionId !== sectionId) throw new CliError(`该上传属于另一个标段（${record.sectionId}）/ the upload belongs to another section (${record.sectionId})`);
  return { uploadId: record.uploadId, ciphertextSha256: record.ciphertextSha256, envelopeBytes: record.envelopeBytes };
}

async function sendSigned(
  options: SignedRequestOptions,
  procedure: 'bidding.submit' | 'bidding.withdraw',
  build: (organisationId: string) => { message: string; context: string },
  expected: (body: Receipt['body']) => boolean,
): Promise<Receipt> {
  // Fail before anything is sent if the receipt could not be written afterwards.
  await refuseExisting(options.out);
  const { certificatePem, privateKeyPem } = await loadKey(options);
  const serial = normaliseSerial(new X509Certificate(certificatePem).serialNumber);
  const session = await signIn(options);
  try {
    const account = await session.query('auth.me', undefined, me);
    if (!account?.organisationId) throw new CliError('该账号不属于任何单位，不能投标 / this account belongs to no organisation and cannot bid');
    const certificates = await session.query('certificate.mine', undefined, myCertificates);
    const certificate = certificates.find((c) => normaliseSerial(c.serial) === serial);
    if (!certificate) throw new CliError('此证书未在平台登记，请先申领或登记 / this certificate is not registered with the platform: enrol or register it first');
    if (certificate.status !== 'valid') throw new CliError(`此证书状态为 ${certificate.status}，不能使用 / this certificate is ${certificate.status}`);

    const { message, context } = build(account.organisationId);
    const signature = Buffer.from(signMessage(privateKeyPem, context, new TextEncoder().encode(message))).toString('base64');
    const answer = await session.mutate(procedure, { message, signature, certificateId: certificate.id }, receipt);
    // The receipt must be about what we sent; the signature is checked by verify-receipt.
    if (answer.body.sectionId !== options.sectionId || answer.body.organisationId !== account.organisationId || !expected(answer.body)) {
      throw new CliError('平台的回执与所提交的内容不符 / the platform’s receipt does not match what was sent');
    }
    await writeFileAtomic(options.out, `${JSON.stringify(answer, null, 2)}\n`);
    return answer;
  } finally {
    await session.logout();
  }
}

export async function submitBid(options: SubmitOptions): Promise<Receipt> {
  const fields = await uploadFields(options.upload, options.sectionId, options.envelope);
  return sendSigned(
    options,
    'bidding.submit',
    (organisationId) => ({ context: SUBMIT_CONTEXT, message: buildSubmitMessage({ sectionId: options.sectionId, organisationId, ...fields }) }),
    (body) => body.kind === 'submit' && body.ciphertextSha256 === fields.ciphertextSha256 && body.envelopeBytes === fields.envelopeBytes,
  );
}

export async function withdrawBid(options: SignedRequestOptions): Promise<Receipt> {
  return sendSigned(
    options,
    'bidding.withdraw',
    (organisationId) => ({ context: WITHDRAW_CONTEXT, message: buildWithdrawMessage({ sectionId: options.sectionId, organisationId, nonce: newNonce() }) }),
    (body) => body.kind === 'withdraw',
  );
}
