/**
 * `ggzy decrypt --check`: the decryption self-test (解密自检, docs/sealed-bids.md §8). Before the
 * deadline a bidder makes sure that the certificate it will decrypt with at the opening still opens
 * its sealed bid: a renewed or replaced certificate on a new key is the commonest reason bids fail at
 * real openings, and before the deadline there is still time to seal again.
 *
 * Everything happens here: the content key is unwrapped with the key file's private key, the key
 * commitment checked, and (by default) the whole envelope decrypted into nowhere, every chunk's tag,
 * the end of the stream and the salted commitment verified, and the plaintext read as a bid bundle
 * with its opening schedule. The platform receives nothing but the signed-in download of the
 * company's own envelope (`GET /api/bids/<uploadId>/envelope`), and only with `--section`.
 */
import {
  EnvelopeError,
  fromPkcs12,
  openEnvelope,
  readEnvelopeHeader,
  sm2PrivateKeyFromPem,
  unwrapEnvelopeContentKey,
  type ByteSource,
  type EnvelopePrivateKey,
} from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { createHash, X509Certificate } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { BundleCollector } from './bundle-check';
import { CliError } from './errors';
import { p12Password } from './files';
import { signIn, type Session, type SignInOptions } from './session';

/** Exit codes of `ggzy decrypt --check` (also in its help text). */
export const CHECK_EXIT = {
  /** The certificate opens the bid; every check passed. */
  passed: 0,
  /** This certificate cannot open the bid: seal again with the current certificate. */
  wrongKey: 1,
  /** The envelope is damaged or its plaintext is not a bid bundle: seal again and submit. */
  damaged: 2,
  /** The check could not run (key file, password, network, no submitted bid, …). */
  error: 3,
} as const;

export const WRONG_KEY_MESSAGE =
  '此证书无法解开您的投标文件，请在截止时间前用当前证书重新加密并提交 / this certificate cannot open your bid: seal it again with your current certificate and submit before the deadline';
export const DAMAGED_MESSAGE =
  '您的投标文件已损坏或不是有效的投标文件包，开标时将无法解密，请在截止时间前重新加密并提交 / your sealed bid is damaged or not a valid bid bundle and could not be opened at the opening: seal it again and submit before the deadline';

export interface CheckCertificate {
  serial: string;
  subject: string;
  notAfter: string;
}

export type CheckOutcome =
  | {
      passed: true;
      certificate: CheckCertificate;
      envelope: { sha256: string | null; bytes: number | null; suite: string; headerSha256: string };
      /** Absent with `keyOnly` (only the key was unwrapped). */
      bid: { plaintextBytes: number; files: number } | null;
    }
  | { passed: false; exitCode: 1 | 2; certificate: CheckCertificate; code: string; detail: string; message: string };

function certificateOf(pem: string): CheckCertificate {
  try {
    const x509 = new X509Certificate(pem);
    return { serial: x509.serialNumber.toLowerCase(), subject: x509.subject.replace(/\n/g, ', '), notAfter: new Date(x509.validTo).toISOString() };
  } catch {
    return { serial: '?', subject: '?', notAfter: '?' };
  }
}

/** The envelope recipient key in a PKCS#12 file: SM2 (GM/T suite) or RSA-OAEP (extractable, so the reader can name its stanza). */
async function keyOf(p12: Uint8Array, password: string): Promise<{ privateKey: EnvelopePrivateKey; certificate: CheckCertificate }> {
  let contents;
  try {
    contents = fromPkcs12(p12, password);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CliError(
      code === 'wrong-password'
        ? '证书文件密码错误 / wrong password for the key file'
        : `无法读取证书文件 / cannot read the key file: ${(error as Error).message}`,
    );
  }
  const certificate = certificateOf(contents.certificatePem);
  const sm2 = sm2PrivateKeyFromPem(contents.privateKeyPem);
  if (sm2) return { privateKey: sm2, certificate };
  const der = Buffer.from(contents.privateKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const privateKey = await globalThis.crypto.subtle.importKey('pkcs8', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['decrypt']);
  return { privateKey, certificate };
}

/** Hashes the envelope's bytes as they pass: its digest is what the receipt names. */
function digesting(source: AsyncIterable<Uint8Array>) {
  const hash = createHash('sha256');
  let bytes = 0;
  async function* pass() {
    for await (const piece of source) {
      hash.update(piece);
      bytes += piece.length;
      yield piece;
    }
  }
  return { bytes: pass(), result: () => ({ sha256: hash.digest('hex'), bytes }) };
}

const FAILS_AS_DAMAGED = new Set(['tampered', 'truncated', 'trailing-data', 'commitment-mismatch', 'malformed-header', 'unsupported-suite']);

/**
 * Runs the self-test on an envelope (a file or the platform's download) with a PKCS#12 key file.
 * A refusal of the key or the envelope is an outcome (`passed: false`); only a check that could not
 * run throws.
 */
export async function checkEnvelope(options: {
  envelope: () => AsyncIterable<Uint8Array>;
  p12: Uint8Array;
  password: string;
  keyOnly?: boolean;
  onProgress?: (plaintextBytes: number) => void;
}): Promise<CheckOutcome> {
  const { privateKey, certificate } = await keyOf(options.p12, options.password);
  const fail = (error: unknown): CheckOutcome => {
    const code = error instanceof EnvelopeError ? error.code : ((error as { reason?: string }).reason ?? (error as { code?: string }).code ?? 'error');
    const detail = error instanceof EnvelopeError ? error.detail : (error as Error).message;
    if (code === 'wrong-key') return { passed: false, exitCode: 1, certificate, code, detail, message: WRONG_KEY_MESSAGE };
    if (error instanceof EnvelopeError && !FAILS_AS_DAMAGED.has(code)) throw error;
    if (!(error instanceof EnvelopeError) && (error as { name?: string }).name !== 'BidBundleError') throw error;
    return { passed: false, exitCode: 2, certificate, code, detail, message: DAMAGED_MESSAGE };
  };

  if (options.keyOnly) {
    try {
      const info = await readEnvelopeHeader(options.envelope() as ByteSource);
      await unwrapEnvelopeContentKey(info.header, privateKey, undefined, nodeBackend);
      return { passed: true, certificate, envelope: { sha256: null, bytes: null, suite: info.header.suite, headerSha256: info.headerSha256 }, bid: null };
    } catch (error) {
      return fail(error);
    }
  }

  const envelope = digesting(options.envelope());
  const bundle = new BundleCollector();
  let header: { suite: string; headerSha256: string } | null = null;
  let files = 0;
  try {
    for await (const piece of openEnvelope({
      envelope: envelope.bytes,
      key: { privateKey },
      backend: nodeBackend,
      onHeader: (info) => (header = { suite: info.header.suite, headerSha256: info.headerSha256 }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    })) {
      bundle.add(piece);
    }
    files = (await bundle.finish()).entries.length;
  } catch (error) {
    return fail(error);
  }
  const digest = envelope.result();
  return {
    passed: true,
    certificate,
    envelope: { sha256: digest.sha256, bytes: digest.bytes, suite: header!.suite, headerSha256: header!.headerSha256 },
    bid: { plaintextBytes: bundle.size, files },
  };
}

const submissions = z.array(
  z.looseObject({
    id: z.string(),
    kind: z.enum(['submit', 'withdraw']),
    uploadId: z.string().nullable(),
    ciphertextSha256: z.string().nullable(),
    envelopeBytes: z.number().nullable(),
    current: z.boolean(),
  }),
);

/** The company's current submitted bid in a section: its upload id and what the receipt says of it. */
export async function currentSubmittedBid(session: Session, sectionId: string) {
  const list = await session.query('bidding.submissions', { sectionId }, submissions);
  const current = list.find((s) => s.current);
  if (!current || current.kind !== 'submit' || !current.uploadId) {
    throw new CliError(
      current?.kind === 'withdraw'
        ? '本单位在该标段的投标已撤回，没有可自检的投标文件 / your company’s bid in this section is withdrawn: there is no sealed bid to test'
        : '本单位在该标段尚未递交投标文件 / your company has not submitted a bid in this section',
    );
  }
  return { uploadId: current.uploadId, ciphertextSha256: current.ciphertextSha256, envelopeBytes: current.envelopeBytes };
}

/** Streams the company's own envelope from the platform (a GET with the session; nothing else is sent). */
export async function downloadEnvelope(session: Session, uploadId: string): Promise<AsyncIterable<Uint8Array>> {
  const path = `/api/bids/${encodeURIComponent(uploadId)}/envelope`;
  const response = await fetch(new URL(path, session.baseUrl), { headers: session.headers() }).catch((error: unknown) => {
    throw new CliError(`无法连接平台 ${session.baseUrl} / cannot reach the platform at ${session.baseUrl} (${(error as Error).message})`);
  });
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => null)) as { error?: { zh?: string; en?: string } } | null;
    const text = body?.error?.zh ? `${body.error.zh} / ${body.error.en}` : `HTTP ${response.status}`;
    throw new CliError(`下载投标文件被拒绝 / the download of the sealed bid was refused: ${text}`);
  }
  return response.body as unknown as AsyncIterable<Uint8Array>;
}

export interface DecryptCheckOptions extends SignInOptions {
  /** An envelope file… */
  envelope?: string | undefined;
  /** …or the section whose current submitted bid the platform holds. */
  section?: string | undefined;
  p12: string;
  p12Password?: string | undefined;
  keyOnly?: boolean | undefined;
  onProgress?: (plaintextBytes: number) => void;
}

export interface DecryptCheckResult {
  outcome: CheckOutcome;
  /** With --section: the submission's digest, which the downloaded envelope must have. */
  submitted: { uploadId: string; ciphertextSha256: string | null } | null;
}

export async function runDecryptCheck(options: DecryptCheckOptions): Promise<DecryptCheckResult> {
  if (Boolean(options.envelope) === Boolean(options.section)) {
    throw new CliError('请给出投标文件（密封文件），或用 --section 检查已递交的投标（二选一）/ give an envelope file, or --section for your submitted bid, not both');
  }
  const p12 = new Uint8Array(await readFile(options.p12).catch((error: unknown) => {
    throw new CliError(`无法读取证书文件 ${options.p12} / cannot read the key file ${options.p12}: ${(error as Error).message}`);
  }));
  const password = await p12Password(options.p12Password, { zh: '证书文件密码', en: 'key-file password' });
  if (options.envelope) {
    const path = options.envelope;
    await stat(path).catch((error: unknown) => {
      throw new CliError(`无法读取投标文件 ${path} / cannot read the envelope ${path}: ${(error as Error).message}`);
    });
    const outcome = await checkEnvelope({
      envelope: () => createReadStream(path, { highWaterMark: 4 << 20 }) as AsyncIterable<Uint8Array>,
      p12,
      password,
      keyOnly: options.keyOnly,
      onProgress: options.onProgress,
    });
    return { outcome, submitted: null };
  }
  const session = await signIn(options);
  try {
    const bid = await currentSubmittedBid(session, options.section!);
    // A download per read: the key-only check reads the header, the full check the whole envelope.
    let source: AsyncIterable<Uint8Array> | null = await downloadEnvelope(session, bid.uploadId);
    const outcome = await checkEnvelope({
      envelope: () => {
        const s = source;
        source = null;
        if (!s) throw new CliError('internal: the envelope was read twice');
        return s;
      },
      p12,
      password,
      keyOnly: options.keyOnly,
      onProgress: options.onProgress,
    });
    if (outcome.passed && outcome.envelope.sha256 && bid.ciphertextSha256 && outcome.envelope.sha256 !== bid.ciphertextSha256) {
      throw new CliError(
        `平台返回的投标文件摘要与回执不符（${outcome.envelope.sha256}，回执为 ${bid.ciphertextSha256}）/ the envelope the platform served does not have the receipt’s digest (${outcome.envelope.sha256}, receipt ${bid.ciphertextSha256})`,
      );
    }
    return { outcome, submitted: { uploadId: bid.uploadId, ciphertextSha256: bid.ciphertextSha256 } };
  } finally {
    await session.logout();
  }
}

/** The lines `ggzy decrypt --check` prints. */
export function formatCheck(result: DecryptCheckResult): { stdout: string; stderr: string } {
  const { outcome } = result;
  const cert = `  证书 / certificate: ${outcome.certificate.subject}, serial ${outcome.certificate.serial}, valid until ${outcome.certificate.notAfter}\n`;
  if (!outcome.passed) {
    return { stdout: '', stderr: `✗ ${outcome.message}\n  [${outcome.code}] ${outcome.detail}\n${cert}` };
  }
  const lines = [
    outcome.bid ? '✓ 解密自检通过 / decryption self-test passed' : '✓ 此证书可以解开内容密钥 / this certificate unwraps the content key (key check only; run without --key-only to decrypt it all)',
    cert.trimEnd(),
    `  投标文件 / envelope: suite ${outcome.envelope.suite}${outcome.envelope.sha256 ? `, ciphertext sha256 ${outcome.envelope.sha256}, ${outcome.envelope.bytes} bytes` : `, header sha256 ${outcome.envelope.headerSha256}`}`,
  ];
  if (result.submitted) lines.push(`  已递交的投标 / submitted bid: upload ${result.submitted.uploadId}${outcome.envelope.sha256 ? ' (digest matches the receipt)' : ''}`);
  if (outcome.bid) lines.push(`  内容 / content: ${outcome.bid.plaintextBytes} bytes, opening schedule and ${outcome.bid.files} file(s); every chunk and the commitment verified`);
  return { stdout: `${lines.join('\n')}\n`, stderr: '' };
}
