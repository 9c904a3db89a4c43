/**
 * The envelope backend on Node's own OpenSSL (`@ggzy/crypto/node`): AES-256-GCM, SM4-CTR, SHA-256,
 * SM3 and HMAC-SM3 natively, each fed the chunk's pieces incrementally so nothing is joined, and
 * a seal's two long SHA-256 streams on worker threads so that they run beside the encryption.
 * Byte-identical to the portable backend (tested against the published vectors).
 * Node only: never import this from code a browser loads.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { ChunkAead, EnvelopeBackend, IncrementalHash } from '../backend';
import { TAG_LENGTH } from '../format';
import { offThreadSha256 } from './hash-worker';

const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function nodeHash(algorithm: 'sha256' | 'sm3'): IncrementalHash {
  const hash = createHash(algorithm);
  return {
    update: (data) => void hash.update(data),
    digest: () => view(hash.digest()),
  };
}

/**
 * The cipher is fed (and gives back) at most this much at a time. Node allocates every output anew;
 * a 4 MiB output comes from fresh memory (mmap: a page fault per 4 KiB, about 0.45 s per GiB on the
 * machine of docs/decisions/008), while 64 KiB outputs mostly reuse the allocator's freed blocks
 * (the garbage collector still frees them all: sealFileToFile encrypts on a worker instead).
 */
const CIPHER_PIECE = 64 * 1024;

function* inCipherPieces(pieces: readonly Uint8Array[]): Generator<Uint8Array> {
  for (const piece of pieces)
    for (let o = 0; o < piece.length; o += CIPHER_PIECE) yield piece.subarray(o, Math.min(piece.length, o + CIPHER_PIECE));
}

function nodeGcm(key: Uint8Array): ChunkAead {
  return {
    seal(nonce, ad, plaintext) {
      const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
      cipher.setAAD(ad);
      const out: Uint8Array[] = [];
      for (const piece of inCipherPieces(plaintext)) out.push(view(cipher.update(piece)));
      const rest = cipher.final();
      if (rest.length > 0) out.push(view(rest));
      out.push(view(cipher.getAuthTag()));
      return out;
    },
    open(nonce, ad, ciphertext, tag) {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
      decipher.setAAD(ad);
      decipher.setAuthTag(tag);
      // update() gives the plaintext before final() checks the tag; it is dropped unless final() passes.
      // Fed in pieces (see CIPHER_PIECE) into one output: a single 4 MiB update() costs about half
      // again as much as the decryption itself in fresh memory for its result.
      const plaintext = Buffer.allocUnsafeSlow(ciphertext.length);
      let at = 0;
      for (let o = 0; o < ciphertext.length; o += CIPHER_PIECE) {
        const piece = decipher.update(ciphertext.subarray(o, Math.min(ciphertext.length, o + CIPHER_PIECE)));
        plaintext.set(piece, at);
        at += piece.length;
      }
      try {
        const rest = decipher.final();
        plaintext.set(rest, at);
        at += rest.length;
        return view(plaintext).subarray(0, at);
      } catch {
        plaintext.fill(0);
        return undefined;
      }
    },
    openPieces(nonce, ad, ciphertext, tag) {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
      decipher.setAAD(ad);
      decipher.setAuthTag(tag);
      // Every output is a CIPHER_PIECE-sized buffer of its own (reused memory, see above); none is
      // released unless final() verifies the tag.
      const out: Uint8Array[] = [];
      for (const piece of inCipherPieces(ciphertext)) {
        const plain = decipher.update(piece);
        if (plain.length > 0) out.push(view(plain));
      }
      try {
        const rest = decipher.final();
        if (rest.length > 0) out.push(view(rest));
        return out;
      } catch {
        for (const p of out) p.fill(0);
        return undefined;
      }
    },
  };
}

export interface NodeBackendOptions {
  /**
   * How many of a seal's two long SHA-256 streams run on worker threads while the main thread
   * encrypts and writes: 2 (the commitment over the bid and the digest over the envelope, each on
   * its own worker), 1 (the envelope digest only) or 0 (everything on the calling thread). Default:
   * 2 when the machine has a second core, else 0.
   */
  offThreadDigest?: 0 | 1 | 2 | boolean;
  /** Which worker (lane) hashes each stream; by default the commitment lane 0, the envelope lane 1. */
  lanes?: { commitment?: number; envelope?: number };
}

export function createNodeBackend(options: NodeBackendOptions = {}): EnvelopeBackend {
  // Measured on a 2-core machine (1 GiB from readFileForSealing to writeEnvelopeFile, see
  // docs/decisions/008-parallel-sealing.md): 0 streams off-thread 2.8–3.9 s, 2 streams 1.6–2.6 s.
  // With the bid hashed in place (shared buffers) and the envelope copied once natively into shared
  // memory, moving a 0.63 s/GiB hash off the main thread costs far less than it saves. On a single
  // core it only adds copies.
  const cores = availableParallelism();
  const setting = options.offThreadDigest ?? (cores >= 2 ? 2 : 0);
  const streams = setting === true ? 2 : setting === false ? 0 : setting;
  return {
    name: `node (${streams} hash stream${streams === 1 ? '' : 's'} on worker threads)`,
    sha256: () => nodeHash('sha256'),
    ...(streams >= 1 ? { streamSha256: () => offThreadSha256({ lane: options.lanes?.envelope ?? 1 }) } : {}),
    ...(streams >= 2 ? { commitmentSha256: () => offThreadSha256({ lane: options.lanes?.commitment ?? 0 }) } : {}),
    aes256Gcm: nodeGcm,
    sm3(pieces) {
      const hash = createHash('sm3');
      for (const p of pieces) hash.update(p);
      return view(hash.digest());
    },
    hmacSm3(key, pieces) {
      const mac = createHmac('sm3', key);
      for (const p of pieces) mac.update(p);
      return view(mac.digest());
    },
    sm4Ctr(key, counterBlock, pieces) {
      const cipher = createCipheriv('sm4-ctr', key, counterBlock);
      const out = pieces.map((p) => view(cipher.update(p)));
      const rest = cipher.final();
      if (rest.length > 0) out.push(view(rest));
      return out;
    },
  };
}

/** The Node backend with its defaults: pass as `backend` to sealEnvelope, openEnvelope, inspectEnvelope. */
export const nodeBackend: EnvelopeBackend = createNodeBackend();
