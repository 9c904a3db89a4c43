/**
 * `ggzy seal` and `ggzy open`: the sealed-bid envelope (docs/envelope.md) from the command line, for
 * large bids and automation. Sealing happens here, on the bidder's machine; nothing is sent anywhere.
 */
import {
  SUITE_RSA_AES,
  SUITE_SM2_SM4,
  certificateKeyAlgorithm,
  fromPkcs12,
  openEnvelope,
  sm2PrivateKeyFromPem,
  subjectPublicKeyInfoOf,
  type EnvelopePrivateKey,
  type SealRecipient,
  type SealSummary,
} from '@ggzy/crypto';
import { nodeBackend, sealFileToFile } from '@ggzy/crypto/node';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * I/O sizes for large files. Opening reads a whole chunk (4 MiB) at a time; a write buffer of
 * several chunks lets the output be produced while earlier pieces are being written, instead of
 * pausing after every 4 MiB piece (the 16 KiB default).
 */
const READ_SIZE = 4 * 1024 * 1024;
const WRITE_BUFFER = 16 * 1024 * 1024;

async function recipientOf(certificatePath: string, role: SealRecipient['role']): Promise<SealRecipient & { algorithm: 'rsa' | 'sm2' }> {
  const pem = await readFile(certificatePath, 'utf8');
  return { role, publicKey: subjectPublicKeyInfoOf(pem, certificatePath), algorithm: certificateKeyAlgorithm(pem, certificatePath) };
}

export interface SealFileOptions {
  input: string;
  output: string;
  /** The bidder's own certificate(s) (PEM). */
  to: string[];
  /** The section's opening-key certificate (PEM), when the tender uses one. */
  opening?: string | undefined;
  metadata?: Record<string, string>;
  onProgress?: (bytes: number) => void;
}

/** Seals a file into an envelope file. A failure leaves no output behind. */
export async function sealFile(options: SealFileOptions): Promise<SealSummary> {
  const recipients = [
    ...(await Promise.all(options.to.map((path) => recipientOf(path, 'bidder')))),
    ...(options.opening ? [await recipientOf(options.opening, 'opening')] : []),
  ];
  // The certificates' keys pick the suite: SM2 certificates take the GM/T suite (docs/envelope.md §9).
  const algorithms = new Set(recipients.map((r) => r.algorithm));
  if (algorithms.size > 1)
    throw new Error('证书算法不一致（RSA 与 SM2 混用）/ the certificates mix RSA and SM2 keys; one envelope uses one suite');
  const partial = `${options.output}.partial`;
  try {
    // Node's native AES-GCM and SHA-256 on worker threads, the bid read into shared buffers and the
    // envelope written in 64 KiB writes (same bytes as the portable backend; @ggzy/crypto/node).
    const summary = await sealFileToFile({
      input: options.input,
      output: partial,
      flags: 'wx',
      suite: algorithms.has('sm2') ? SUITE_SM2_SM4 : SUITE_RSA_AES,
      recipients,
      ...(options.metadata ? { metadata: options.metadata } : {}),
      onProgress: (p) => options.onProgress?.(p.plaintextBytes),
    });
    await rename(partial, options.output);
    return summary;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

export interface OpenFileOptions {
  input: string;
  output: string;
  /** The recipient's PKCS#12 file and its password… */
  p12?: string | undefined;
  password?: string | undefined;
  /** …or the bare content key, hex (the opening flow). */
  contentKey?: string | undefined;
}

async function privateKeyFromPkcs12(path: string, password: string): Promise<EnvelopePrivateKey> {
  const { privateKeyPem } = fromPkcs12(new Uint8Array(await readFile(path)), password);
  const sm2Key = sm2PrivateKeyFromPem(privateKeyPem);
  if (sm2Key) return sm2Key;
  const der = Buffer.from(privateKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return globalThis.crypto.subtle.importKey('pkcs8', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['decrypt']);
}

/**
 * Opens an envelope file. The plaintext is written to a temporary file and only renamed into place
 * after every chunk, the end of the stream and the commitment have verified: a damaged envelope leaves
 * nothing that could be mistaken for the bid.
 */
export async function openFile(options: OpenFileOptions): Promise<{ bytes: number }> {
  let key: { privateKey: EnvelopePrivateKey } | { contentKey: Uint8Array };
  if (options.contentKey) {
    if (!/^[0-9a-fA-F]{64}$/.test(options.contentKey)) throw new Error('内容密钥应为 64 位十六进制 / the content key is 64 hex digits');
    key = { contentKey: new Uint8Array(Buffer.from(options.contentKey, 'hex')) };
  } else if (options.p12 && options.password !== undefined) {
    key = { privateKey: await privateKeyFromPkcs12(options.p12, options.password) };
  } else {
    throw new Error('请提供 --p12 与密码，或 --content-key / give --p12 with its password, or --content-key');
  }
  const partial = `${options.output}.partial`;
  let bytes = 0;
  try {
    const plaintext = openEnvelope({ envelope: createReadStream(options.input, { highWaterMark: READ_SIZE }) as AsyncIterable<Uint8Array>, key, backend: nodeBackend });
    await pipeline(
      Readable.from(
        (async function* () {
          for await (const part of plaintext) {
            bytes += part.length;
            yield part;
          }
        })(),
      ),
      createWriteStream(partial, { flags: 'wx', mode: 0o600, highWaterMark: WRITE_BUFFER }),
    );
    await rename(partial, options.output);
    return { bytes };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
