/**
 * The bidder's part of the opening hall from the command line (docs/opening-hall.md, "From the
 * command line"): `ggzy hall sign-in` signs the hall's challenge with the certificate's key, and
 * `ggzy decrypt --section` downloads the company's own stored envelope, unwraps the content key HERE
 * with the certificate's private key (the key commitment checked) and hands over only the bare
 * 32-byte content key (`hall.handOverKey`). The private key, the key-file password and the PKCS#12
 * bytes never leave this machine; the account password goes only to `auth.login`.
 */
import { EnvelopeError, fromPkcs12, readEnvelopeHeader, signMessage, unwrapEnvelopeContentKey, type ByteSource } from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { TRPCClientError } from '@trpc/client';
import canonicalize from 'canonicalize';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { me, myCertificates } from './contract';
import { currentSubmittedBid, downloadEnvelope, keyOf } from './decrypt-check';
import { CliError } from './errors';
import { p12Password } from './files';
import { signIn, type Session, type SignInOptions } from './session';

export const SIGN_IN_CONTEXT = 'ggzy-hall-sign-in/v1';

export interface HallOptions extends SignInOptions {
  section: string;
  p12: string;
  p12Password?: string | undefined;
}

function sectionIdOf(value: string): string {
  if (!z.uuid().safeParse(value).success) throw new CliError(`标段编号应为 UUID / the section id is a UUID: ${value}`);
  return value;
}

const challengeAnswer = z.looseObject({
  sectionId: z.string(),
  organisationId: z.string(),
  challengeId: z.string(),
  challenge: z.string(),
  expiresAt: z.string(),
  message: z.string(),
});
const signInAnswer = z.looseObject({ signedInAt: z.string(), already: z.boolean() });

const recordRow = z.looseObject({
  position: z.number(),
  organisationId: z.string(),
  companyName: z.string(),
  creditCode: z.string().nullable(),
  outcome: z.string(),
  priceFen: z.number().nullable(),
  priceInWords: z.string().nullable(),
  durationDays: z.number().nullable(),
  quality: z.string().nullable(),
  bondReference: z.string().nullable(),
  ciphertextSha256: z.string().nullable(),
  matchesReceipt: z.boolean().nullable(),
  readAt: z.string(),
});
export type HallRecordRow = z.infer<typeof recordRow>;
const handOverAnswer = z.looseObject({ state: z.string(), already: z.boolean(), row: recordRow.optional() });
const hallSnapshot = z.looseObject({
  section: z.looseObject({ id: z.string(), code: z.string(), name: z.string() }),
  me: z.looseObject({ role: z.string(), organisationId: z.string().nullable() }),
  bidders: z.array(z.looseObject({ organisationId: z.string(), state: z.string(), reason: z.string().nullable(), queuePosition: z.number().nullable() })),
  record: z.array(recordRow),
});

/** Serials compared as numbers: case and leading zeros (DER's sign byte) vary between tools. */
const normaliseSerial = (serial: string) => serial.toLowerCase().replace(/^0+(?=.)/, '');

/** The platform's reason for a refusal (`details.reason` of its AppError), if it gave one. */
export function refusalReason(error: unknown): string | null {
  if (!(error instanceof TRPCClientError)) return null;
  const reason = (error.data as { app?: { details?: { reason?: unknown } } } | undefined)?.app?.details?.reason;
  return typeof reason === 'string' ? reason : null;
}

async function readKeyFile(options: HallOptions) {
  const bytes = new Uint8Array(
    await readFile(options.p12).catch((error: unknown) => {
      throw new CliError(`无法读取证书文件 ${options.p12} / cannot read the key file ${options.p12}: ${(error as Error).message}`);
    }),
  );
  const password = await p12Password(options.p12Password, { zh: '证书文件密码', en: 'key-file password' });
  return { bytes, password };
}

/** Signs in, then finds the key file's certificate among the company's registered ones; it must be valid. */
async function openHallSession(options: HallOptions, certificatePem: string) {
  const serial = normaliseSerial(new X509Certificate(certificatePem).serialNumber);
  const session = await signIn(options);
  try {
    const account = await session.query('auth.me', undefined, me);
    if (!account?.organisationId) throw new CliError('该账号不属于任何单位，不能以投标人身份参加开标 / this account belongs to no company and cannot act as a bidder in the hall');
    const certificates = await session.query('certificate.mine', undefined, myCertificates);
    const certificate = certificates.find((c) => normaliseSerial(c.serial) === serial);
    if (!certificate) throw new CliError('此证书未在平台登记，不能用于签到 / this certificate is not registered with the platform and cannot sign in');
    if (certificate.status !== 'valid') {
      const zh = certificate.status === 'expired' ? '已过期' : '已吊销';
      throw new CliError(`此证书${zh}，不能在开标大厅使用，请使用本单位有效的数字证书 / this certificate is ${certificate.status} and cannot be used in the hall: use a valid certificate of your company`);
    }
    return { session, account: { ...account, organisationId: account.organisationId }, certificate: { id: certificate.id, serial } };
  } catch (error) {
    await session.logout();
    throw error;
  }
}

/** The challenge is checked before it is signed: only a hall sign-in for this section and this company. */
function checkedChallenge(answer: z.infer<typeof challengeAnswer>, sectionId: string, organisationId: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.message);
  } catch {
    parsed = null;
  }
  const expected = canonicalize({ type: SIGN_IN_CONTEXT, sectionId, organisationId, challengeId: answer.challengeId, challenge: answer.challenge });
  if (!parsed || answer.message !== expected || answer.sectionId !== sectionId || answer.organisationId !== organisationId) {
    throw new CliError('平台给出的签到消息不是本标段、本单位的签到，未签名 / the sign-in message the platform gave is not a sign-in for this section and company; nothing was signed');
  }
  return answer.message;
}

export interface HallSignInResult {
  signedInAt: string;
  already: boolean;
  certificate: { id: string; serial: string; subject: string };
  organisationName: string | null;
}

async function signInToHall(session: Session, sectionId: string, organisationId: string, privateKeyPem: string, certificateId: string) {
  const challenge = await session.mutate('hall.challenge', { sectionId }, challengeAnswer);
  const message = checkedChallenge(challenge, sectionId, organisationId);
  const signature = Buffer.from(signMessage(privateKeyPem, SIGN_IN_CONTEXT, new TextEncoder().encode(message))).toString('base64');
  return session.mutate('hall.signIn', { sectionId, message, signature, certificateId }, signInAnswer);
}

function loadP12(bytes: Uint8Array, password: string) {
  try {
    return fromPkcs12(bytes, password);
  } catch (error) {
    throw new CliError(
      (error as { code?: string }).code === 'wrong-password' ? '证书文件密码错误 / wrong password for the key file' : `无法读取证书文件 / cannot read the key file: ${(error as Error).message}`,
    );
  }
}

/** `ggzy hall sign-in`: the attendance record, signed with the certificate's key. */
export async function hallSignIn(options: HallOptions): Promise<HallSignInResult> {
  const sectionId = sectionIdOf(options.section);
  const file = await readKeyFile(options);
  const { certificatePem, privateKeyPem } = loadP12(file.bytes, file.password);
  const { session, account, certificate } = await openHallSession(options, certificatePem);
  try {
    const answer = await signInToHall(session, sectionId, account.organisationId, privateKeyPem, certificate.id);
    return { ...answer, certificate: { ...certificate, subject: new X509Certificate(certificatePem).subject.replace(/\n/g, ', ') }, organisationName: account.organisationName };
  } finally {
    await session.logout();
  }
}

export type HallDecryptResult =
  | { outcome: 'decrypted'; row: HallRecordRow; sectionCode: string }
  | { outcome: 'already-decrypted'; row: HallRecordRow | null; sectionCode: string }
  | { outcome: 'in-progress'; queuePosition: number | null; sectionCode: string };

/**
 * `ggzy decrypt --section` at the opening: the content key unwrapped here from the stored envelope's
 * header, handed over bare. A refusal by the platform throws (its bilingual message), except that an
 * already decrypted bid is an outcome.
 */
export async function hallDecrypt(options: HallOptions & { signIn?: boolean | undefined }): Promise<HallDecryptResult & { signedIn: { signedInAt: string; already: boolean } | null }> {
  const sectionId = sectionIdOf(options.section);
  const file = await readKeyFile(options);
  const { certificatePem, privateKeyPem } = loadP12(file.bytes, file.password);
  const { privateKey } = await keyOf(file.bytes, file.password);
  const { session, account, certificate } = await openHallSession(options, certificatePem);
  try {
    const signedIn = options.signIn ? await signInToHall(session, sectionId, account.organisationId, privateKeyPem, certificate.id) : null;
    // A bid already opened needs no key: said so without handing anything over (the hall may be past
    // its decryption by now, once every bid is read out).
    const before = await session.query('hall.get', { sectionId }, hallSnapshot);
    const standing = before.bidders.find((b) => b.organisationId === account.organisationId);
    if (standing && (standing.state === 'decrypted' || standing.state === 'recovered')) {
      return { outcome: 'already-decrypted', row: before.record.find((r) => r.organisationId === account.organisationId) ?? null, sectionCode: before.section.code, signedIn };
    }
    const bid = await currentSubmittedBid(session, sectionId);
    // Only the header is read (then the download is dropped): the key is unwrapped from it here.
    const { header } = await readEnvelopeHeader((await downloadEnvelope(session, bid.uploadId)) as ByteSource);
    let contentKey: Uint8Array;
    try {
      contentKey = await unwrapEnvelopeContentKey(header, privateKey, undefined, nodeBackend);
    } catch (error) {
      if (error instanceof EnvelopeError && error.code === 'wrong-key') {
        throw new CliError('此证书无法解开本单位的投标文件，未提交任何密钥；请使用密封时所用的证书 / this certificate cannot open your company’s bid; nothing was handed over: use the certificate the bid was sealed with');
      }
      if (error instanceof EnvelopeError) {
        throw new CliError(`内容密钥校验失败（${error.code}）：投标文件的密钥封装或密钥承诺不符，未提交任何密钥，请联系主持人 / the content key failed its check (${error.code}): the wrapped key or the key commitment does not match; nothing was handed over, contact the host`);
      }
      throw error;
    }
    let answer: z.infer<typeof handOverAnswer>;
    try {
      answer = await session.mutate('hall.handOverKey', { sectionId, organisationId: account.organisationId, contentKey: Buffer.from(contentKey).toString('base64') }, handOverAnswer);
    } catch (error) {
      if (refusalReason(error) !== 'already-decrypted') throw error;
      answer = { state: 'decrypted', already: true };
    } finally {
      contentKey.fill(0);
    }
    const snapshot = await session.query('hall.get', { sectionId }, hallSnapshot);
    const own = snapshot.record.find((r) => r.organisationId === account.organisationId) ?? null;
    const sectionCode = snapshot.section.code;
    if (!answer.already && answer.row) return { outcome: 'decrypted', row: answer.row, sectionCode, signedIn };
    if (answer.state === 'decrypting') {
      const mine = snapshot.bidders.find((b) => b.organisationId === account.organisationId);
      if (mine?.state === 'decrypting') return { outcome: 'in-progress', queuePosition: mine.queuePosition, sectionCode, signedIn };
    }
    return { outcome: 'already-decrypted', row: own, sectionCode, signedIn };
  } finally {
    await session.logout();
  }
}

/** Fen as yuan in figures: 9876543210 → "98,765,432.10". */
export function yuanInFigures(fen: number): string {
  const yuan = Math.trunc(fen / 100).toLocaleString('en-US');
  return `${fen < 0 ? '-' : ''}${yuan.replace('-', '')}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;
}

/** The record row as read out (唱标), one line per fact. */
export function formatRow(row: HallRecordRow): string[] {
  const lines = [`  唱标 / read out: #${row.position} ${row.companyName}${row.creditCode ? ` (${row.creditCode})` : ''}`];
  if (row.priceFen !== null) lines.push(`  投标报价 / price: ¥${yuanInFigures(row.priceFen)}${row.priceInWords ? ` (${row.priceInWords})` : ''}`);
  if (row.durationDays !== null) lines.push(`  工期 / duration: ${row.durationDays} 日历天 / days`);
  if (row.quality) lines.push(`  质量 / quality: ${row.quality}`);
  if (row.bondReference) lines.push(`  保证金 / bond: ${row.bondReference}`);
  if (row.ciphertextSha256) {
    lines.push(
      row.matchesReceipt
        ? `  密文摘要与回执一致 / digest matches the receipt: sha256 ${row.ciphertextSha256}`
        : `  ! 密文摘要与回执不一致 / the digest does NOT match the receipt: sha256 ${row.ciphertextSha256}`,
    );
  }
  return lines;
}

/** For the custodian's `ggzy hall share` (hall-share.ts): the same key-file reading and record row. */
export { readKeyFile as readKeyFileForHall, loadP12 as fromPkcs12ForHall, recordRow as hallRecordRow };
