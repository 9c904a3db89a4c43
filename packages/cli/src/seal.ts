/**
 * `ggzy seal` and `ggzy open`: the sealed-bid envelope (docs/envelope.md) from the command line, for
 * large bids and automation. Sealing happens here, on the bidder's machine; nothing is sent anywhere.
 */
import { fromPkcs12, openEnvelope, sealEnvelope, subjectPublicKeyInfoOf, type SealRecipient, type SealSummary } from '@ggzy/crypto';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Node's SHA-256 is several times faster than the portable one; the bytes are identical. */
const nodeSha256 = () => {
  const hash = createHash('sha256');
  return { update: (data: Uint8Array) => hash.update(data), digest: () => new Uint8Array(hash.digest()) };
};

async function recipientOf(certificatePath: string, role: SealRecipient['role']): Promise<SealRecipient> {
  return { role, publicKey: subjectPublicKeyInfoOf(await readFile(certificatePath, 'utf8'), certificatePath) };
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
  const sealed = await sealEnvelope({
    plaintext: createReadStream(options.input) as AsyncIterable<Uint8Array>,
    recipients,
    ...(options.metadata ? { metadata: options.metadata } : {}),
    createSha256: nodeSha256,
    onProgress: (p) => options.onProgress?.(p.plaintextBytes),
  });
  const partial = `${options.output}.partial`;
  try {
    await pipeline(Readable.from(sealed.bytes), createWriteStream(partial, { flags: 'wx' }));
    const summary = await sealed.summary;
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

async function privateKeyFromPkcs12(path: string, password: string): Promise<CryptoKey> {
  const { privateKeyPem } = fromPkcs12(new Uint8Array(await readFile(path)), password);
  const der = Buffer.from(privateKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return globalThis.crypto.subtle.importKey('pkcs8', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['decrypt']);
}

/**
 * Opens an envelope file. The plaintext is written to a temporary file and only renamed into place
 * after every chunk, the end of the stream and the commitment have verified: a damaged envelope leaves
 * nothing that could be mistaken for the bid.
 */
export async function openFile(options: OpenFileOptions): Promise<{ bytes: number }> {
  let key: { privateKey: CryptoKey } | { contentKey: Uint8Array };
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
    const plaintext = openEnvelope({ envelope: createReadStream(options.input) as AsyncIterable<Uint8Array>, key, createSha256: nodeSha256 });
    await pipeline(
      Readable.from(
        (async function* () {
          for await (const part of plaintext) {
            bytes += part.length;
            yield part;
          }
        })(),
      ),
      createWriteStream(partial, { flags: 'wx', mode: 0o600 }),
    );
    await rename(partial, options.output);
    return { bytes };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
