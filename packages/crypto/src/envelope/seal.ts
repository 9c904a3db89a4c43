/**
 * Sealing a bid (DESIGN.md §4): runs on the bidder's side only (browser or CLI). Streams: memory
 * stays around one chunk whatever the size of the bid.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '../digest';
import { portableBackend, withSha256, type EnvelopeBackend, type Sha256Factory } from './backend';
import { ByteQueue, bytesOf, type ByteSource } from './byte-stream';
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
  type EnvelopeSuiteId,
  type RecipientRole,
} from './format';
import { suiteById } from './registry';

export interface SealRecipient {
  /** 'bidder' for the bidder's own certificate key, 'opening' for the section's opening key. */
  role: RecipientRole;
  /**
   * The recipient's public key, of the envelope's suite: SubjectPublicKeyInfo DER bytes (RSA or
   * SM2), or a WebCrypto RSA-OAEP public key for the RSA suite.
   */
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
  /** The algorithm suite; `rsa-oaep-sha256/aes-256-gcm-stream` unless the tender chose the GM/T suite. */
  suite?: EnvelopeSuiteId;
  onProgress?: (progress: SealProgress) => void;
  /**
   * Where the primitives come from: the portable backend by default (WebCrypto, @noble/hashes,
   * sm-crypto-v2), or `nodeBackend` from `@ggzy/crypto/node` in Node (native, much faster).
   */
  backend?: EnvelopeBackend;
  /** Older hook, still honoured: an incremental SHA-256 (e.g. Node's) for the SHA-256 hashing only. */
  createSha256?: Sha256Factory;
}

export interface SealSummary {
  /** The salted plaintext commitment, hex (SHA-256(salt ‖ plaintext) for the RSA suite); also the envelope's trailer. */
  commitment: string;
  /** SHA-256 of every envelope byte, hex: what the bidder signs in its submit. */
  ciphertextSha256: string;
  /** SHA-256 of the header bytes, hex (for every suite). */
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
  const suite = suiteById(options.suite ?? SUITE_RSA_AES);
  const backend = withSha256(options.backend ?? portableBackend, options.createSha256);
  if (random.contentKey.length !== KEY_LENGTH || random.salt.length !== SALT_LENGTH)
    throw new EnvelopeError('invalid-input', 'content key and salt must be 32 bytes');
  if (options.recipients.length === 0)
    throw new EnvelopeError('invalid-input', 'at least one recipient (the bidder itself) is required');

  const recipients = await Promise.all(
    options.recipients.map(async (r, i) => {
      const recipient = await suite.importRecipient(r.publicKey);
      const wrappedKey = random.wrappedKeys?.[i] ?? (await recipient.wrap(random.contentKey));
      return { role: r.role, keyId: recipient.keyId, wrappedKey };
    }),
  );
  const header: EnvelopeHeader = {
    version: FORMAT_VERSION,
    suite: suite.id,
    chunkSize,
    noncePrefix: random.noncePrefix,
    keyCommitment: suite.keyCommitment(backend, random.contentKey),
    recipients,
    metadata: { ...(options.metadata ?? {}) },
  };
  const headerBytes = encodeHeader(header);
  const headerDigest = suite.headerDigest(backend, headerBytes);
  const cipher = await suite.chunkCipher(backend, random.contentKey);

  let resolveSummary!: (s: SealSummary) => void;
  let rejectSummary!: (e: unknown) => void;
  const summary = new Promise<SealSummary>((resolve, reject) => {
    resolveSummary = resolve;
    rejectSummary = reject;
  });
  summary.catch(() => {}); // a caller that only iterates must not see an unhandled rejection

  async function* produce(): AsyncGenerator<Uint8Array> {
    let settled = false;
    const envelopeDigest = (backend.streamSha256 ?? backend.sha256)();
    const commitment = suite.commitment(backend);
    try {
      const queue = new ByteQueue();
      let plaintextBytes = 0;
      let envelopeBytes = 0;
      let counter = 0;
      // Every byte handed out is hashed first; a backend may hash on another thread meanwhile.
      const out = async (bytes: Uint8Array) => {
        await envelopeDigest.update(bytes);
        envelopeBytes += bytes.length;
        return bytes;
      };
      async function* record(kind: number, body: Uint8Array[]): AsyncGenerator<Uint8Array> {
        const length = body.reduce((n, p) => n + p.length, 0);
        yield await out(recordHeader(kind, length));
        for (const piece of body) if (piece.length > 0) yield await out(piece);
      }

      // Encrypts every chunk that is known not to be the last: strictly more than a chunk is buffered.
      async function* drain(): AsyncGenerator<Uint8Array> {
        while (queue.length > chunkSize) {
          if (counter >= 0xffffffff) throw new EnvelopeError('invalid-input', 'too many chunks for one envelope');
          const pieces = queue.takePieces(chunkSize);
          // Start the encryption first: with an asynchronous cipher (WebCrypto) it runs elsewhere
          // while this thread updates the commitment.
          const sealing = cipher.seal(chunkNonce(random.noncePrefix, counter, false), headerDigest, pieces);
          await commitment.addChunk(pieces);
          yield* record(RECORD_CHUNK, await sealing);
          counter++;
          options.onProgress?.({ plaintextBytes: Math.max(0, plaintextBytes - queue.length), envelopeBytes });
        }
      }

      yield await out(headerBytes);
      // The salt is the first 32 bytes of the encrypted stream, so it never travels in clear. With
      // chunks smaller than the salt, the salt alone can fill whole chunks.
      queue.push(random.salt);
      yield* drain();
      for await (const piece of bytesOf(options.plaintext)) {
        plaintextBytes += piece.length;
        queue.push(piece);
        yield* drain();
      }

      const last = queue.takePieces(queue.length);
      await commitment.addChunk(last);
      const commitmentBytes = await commitment.digest();
      const finalAd = new Uint8Array(headerDigest.length + COMMITMENT_LENGTH);
      finalAd.set(headerDigest, 0);
      finalAd.set(commitmentBytes, headerDigest.length);
      const body = await cipher.seal(chunkNonce(random.noncePrefix, counter, true), finalAd, last);
      yield* record(RECORD_FINAL, body);
      yield await out(commitmentBytes);
      options.onProgress?.({ plaintextBytes, envelopeBytes });
      const ciphertextSha256 = hex(await envelopeDigest.digest());
      settled = true;
      resolveSummary({
        commitment: hex(commitmentBytes),
        ciphertextSha256,
        headerSha256: hex(sha256(headerBytes)),
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
      envelopeDigest.dispose?.();
      commitment.dispose?.();
    }
  }

  return { header, headerBytes, bytes: produce(), summary };
}
