/**
 * Sealing a bid (DESIGN.md §4): runs on the bidder's side only (browser or CLI). Streams: memory
 * stays around one chunk whatever the size of the bid.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '../digest';
import { ByteQueue, bytesOf, type ByteSource } from './byte-stream';
import { nobleSha256, type Sha256Factory } from './hashing';
import { EnvelopeError } from './errors';
import {
  COMMITMENT_LENGTH,
  DEFAULT_CHUNK_SIZE,
  FORMAT_VERSION,
  KEY_LENGTH,
  NONCE_PREFIX_LENGTH,
  RECORD_CHUNK,
  RECORD_FINAL,
  SALT_LENGTH,
  SUITE_RSA_AES,
  chunkNonce,
  encodeHeader,
  hex,
  recordHeader,
  type EnvelopeHeader,
  type RecipientRole,
} from './format';
import {
  encryptChunk,
  importContentKey,
  importRecipientPublicKey,
  keyCommitmentOf,
  wrapContentKey,
} from './rsa-aes-suite';

export interface SealRecipient {
  /** 'bidder' for the bidder's own certificate key, 'opening' for the section's opening key. */
  role: RecipientRole;
  /** RSA public key: a WebCrypto key or SubjectPublicKeyInfo DER bytes. */
  publicKey: CryptoKey | Uint8Array;
}

export interface SealProgress {
  /** Plaintext bytes of the bid encrypted so far. */
  plaintextBytes: number;
  /** Envelope bytes produced so far. */
  envelopeBytes: number;
}

export interface SealEnvelopeOptions {
  plaintext: ByteSource;
  recipients: readonly SealRecipient[];
  /** Travels in clear in the header and is bound to every chunk, e.g. { section: '…', bidder: '…' }. */
  metadata?: Record<string, string>;
  /** Plaintext bytes per chunk; 4 MiB unless a test needs small chunks. */
  chunkSize?: number;
  onProgress?: (progress: SealProgress) => void;
  /** Incremental SHA-256 to use (default @noble/hashes); Node callers may pass `() => createHash('sha256')`. */
  createSha256?: Sha256Factory;
}

export interface SealSummary {
  /** SHA-256(salt ‖ plaintext), hex; also in the envelope's trailer. */
  commitment: string;
  /** SHA-256 of every envelope byte, hex: what the bidder signs in its submit. */
  ciphertextSha256: string;
  /** SHA-256 of the header bytes, hex. */
  headerSha256: string;
  plaintextBytes: number;
  envelopeBytes: number;
  chunks: number;
}

export interface SealedEnvelope {
  header: EnvelopeHeader;
  headerBytes: Uint8Array;
  /** The envelope bytes, in order. Single use: iterate once. */
  bytes: AsyncIterable<Uint8Array>;
  /** Settles when `bytes` has been read to the end (rejects if sealing failed or was abandoned). */
  summary: Promise<SealSummary>;
}

export function sealEnvelope(options: SealEnvelopeOptions): Promise<SealedEnvelope> {
  return sealWith(options, {
    contentKey: randomBytes(KEY_LENGTH),
    noncePrefix: randomBytes(NONCE_PREFIX_LENGTH),
    salt: randomBytes(SALT_LENGTH),
  });
}

/**
 * INTERNAL — TEST VECTORS ONLY. Never call this outside the vector generator and tests: fixing the
 * content key, nonce prefix or salt destroys the envelope's security. RSA-OAEP is randomised by
 * WebCrypto, so a vector also fixes the wrapped keys (one per recipient, in order).
 */
export interface FixedRandomnessForTestVectors {
  contentKey: Uint8Array;
  noncePrefix: Uint8Array;
  salt: Uint8Array;
  wrappedKeys?: readonly Uint8Array[];
}

/** INTERNAL — TEST VECTORS ONLY (see FixedRandomnessForTestVectors). Not exported from the package. */
export function sealWithFixedRandomnessForTestVectors(
  options: SealEnvelopeOptions,
  fixed: FixedRandomnessForTestVectors,
): Promise<SealedEnvelope> {
  return sealWith(options, fixed);
}

async function sealWith(options: SealEnvelopeOptions, random: FixedRandomnessForTestVectors): Promise<SealedEnvelope> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (random.contentKey.length !== KEY_LENGTH || random.salt.length !== SALT_LENGTH)
    throw new EnvelopeError('invalid-input', 'content key and salt must be 32 bytes');
  if (options.recipients.length === 0)
    throw new EnvelopeError('invalid-input', 'at least one recipient (the bidder itself) is required');

  const recipients = await Promise.all(
    options.recipients.map(async (r, i) => {
      const { key, keyId } = await importRecipientPublicKey(r.publicKey);
      const fixedWrap = random.wrappedKeys?.[i];
      const wrappedKey = fixedWrap ?? (await wrapContentKey(key, random.contentKey));
      return { role: r.role, keyId, wrappedKey };
    }),
  );
  const header: EnvelopeHeader = {
    version: FORMAT_VERSION,
    suite: SUITE_RSA_AES,
    chunkSize,
    noncePrefix: random.noncePrefix,
    keyCommitment: keyCommitmentOf(random.contentKey),
    recipients,
    metadata: { ...(options.metadata ?? {}) },
  };
  const headerBytes = encodeHeader(header);
  const headerDigest = sha256(headerBytes);
  const aesKey = await importContentKey(random.contentKey);

  let resolveSummary!: (s: SealSummary) => void;
  let rejectSummary!: (e: unknown) => void;
  const summary = new Promise<SealSummary>((resolve, reject) => {
    resolveSummary = resolve;
    rejectSummary = reject;
  });
  summary.catch(() => {}); // a caller that only iterates must not see an unhandled rejection

  async function* produce(): AsyncGenerator<Uint8Array> {
    let settled = false;
    try {
      const createSha256 = options.createSha256 ?? nobleSha256;
      const envelopeDigest = createSha256();
      const commitment = createSha256();
      const queue = new ByteQueue();
      let plaintextBytes = 0;
      let envelopeBytes = 0;
      let counter = 0;
      const out = (bytes: Uint8Array) => {
        envelopeDigest.update(bytes);
        envelopeBytes += bytes.length;
        return bytes;
      };

      // Encrypts every chunk that is known not to be the last: strictly more than a chunk is buffered.
      async function* drain(): AsyncGenerator<Uint8Array> {
        while (queue.length > chunkSize) {
          if (counter >= 0xffffffff) throw new EnvelopeError('invalid-input', 'too many chunks for one envelope');
          const ct = await encryptChunk(aesKey, chunkNonce(random.noncePrefix, counter, false), headerDigest, queue.take(chunkSize));
          yield out(recordHeader(RECORD_CHUNK, ct.length));
          yield out(ct);
          counter++;
          options.onProgress?.({ plaintextBytes: Math.max(0, plaintextBytes - queue.length), envelopeBytes });
        }
      }

      yield out(headerBytes);
      // The salt is the first 32 bytes of the encrypted stream, so it never travels in clear. With
      // chunks smaller than the salt, the salt alone can fill whole chunks.
      commitment.update(random.salt);
      queue.push(random.salt);
      yield* drain();
      for await (const piece of bytesOf(options.plaintext)) {
        commitment.update(piece);
        plaintextBytes += piece.length;
        queue.push(piece);
        yield* drain();
      }

      const commitmentBytes = commitment.digest();
      const finalAd = new Uint8Array(headerDigest.length + COMMITMENT_LENGTH);
      finalAd.set(headerDigest, 0);
      finalAd.set(commitmentBytes, headerDigest.length);
      const ct = await encryptChunk(aesKey, chunkNonce(random.noncePrefix, counter, true), finalAd, queue.take(queue.length));
      yield out(recordHeader(RECORD_FINAL, ct.length));
      yield out(ct);
      yield out(commitmentBytes);
      options.onProgress?.({ plaintextBytes, envelopeBytes });
      settled = true;
      resolveSummary({
        commitment: hex(commitmentBytes),
        ciphertextSha256: hex(envelopeDigest.digest()),
        headerSha256: hex(headerDigest),
        plaintextBytes,
        envelopeBytes,
        chunks: counter + 1,
      });
    } catch (error) {
      settled = true;
      rejectSummary(error);
      throw error;
    } finally {
      if (!settled) rejectSummary(new EnvelopeError('invalid-input', 'sealing was abandoned before the end'));
    }
  }

  return { header, headerBytes, bytes: produce(), summary };
}
