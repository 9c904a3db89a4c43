/**
 * The primitives the envelope needs, behind one small interface, so that the same format code runs
 * on the portable backend (WebCrypto, @noble/hashes and sm-crypto-v2: browsers, Web Workers, Node)
 * and on Node's native OpenSSL (`@ggzy/crypto/node`, several times faster for large bids). Nothing
 * here implements a primitive; a backend only adapts a library's calling convention. Both backends
 * must produce the same bytes (tested against the published vectors).
 *
 * This module and everything it imports must stay free of node:* imports and Node globals (Buffer,
 * process): it is what a browser Web Worker loads.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { sm3 as smSm3, sm4 as smSm4 } from 'sm-crypto-v2';
import { TAG_LENGTH } from './format';

/** An incremental hash; a backend may do the work elsewhere (another thread), hence the optional promises. */
export interface IncrementalHash {
  /** May return a promise (a backend hashing elsewhere applies backpressure that way); awaited. */
  update(data: Uint8Array): unknown;
  digest(): Uint8Array | Promise<Uint8Array>;
  /** Frees resources (a worker thread) when the hash is abandoned before `digest`. */
  dispose?(): void;
}

/** The historical name of a SHA-256 hash: Node's `createHash('sha256')` fits it as is. */
export interface IncrementalSha256 {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}
export type Sha256Factory = () => IncrementalSha256;

/**
 * AES-256-GCM (128-bit tag) for one content key. Plaintexts arrive as pieces so that a backend able
 * to encrypt incrementally never has to join them; ciphertexts leave as pieces (ciphertext, tag).
 */
export interface ChunkAead {
  seal(nonce: Uint8Array, associatedData: Uint8Array, plaintext: readonly Uint8Array[]): Uint8Array[] | Promise<Uint8Array[]>;
  /** The plaintext, or undefined when the tag does not verify. Never releases unauthenticated bytes. */
  open(
    nonce: Uint8Array,
    associatedData: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
  ): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /**
   * Optional: `open` for a ciphertext in pieces, giving the plaintext in pieces, so that a backend
   * that decrypts incrementally neither joins the input nor allocates one large output.
   */
  openPieces?(
    nonce: Uint8Array,
    associatedData: Uint8Array,
    ciphertext: readonly Uint8Array[],
    tag: Uint8Array,
  ): Uint8Array[] | undefined | Promise<Uint8Array[] | undefined>;
}

export interface EnvelopeBackend {
  readonly name: string;
  /** Incremental SHA-256 (plaintext commitment of the RSA suite). */
  sha256(): IncrementalHash;
  /**
   * Incremental SHA-256 for the ciphertext digest, the longest stream hashed. A backend may run it
   * on another thread while the next chunk is encrypted; defaults to `sha256`.
   */
  streamSha256?(): IncrementalHash;
  /** Likewise for the RSA suite's plaintext commitment, the other long stream; defaults to `sha256`. */
  commitmentSha256?(): IncrementalHash;
  aes256Gcm(key: Uint8Array): ChunkAead | Promise<ChunkAead>;
  /** SM3 of the concatenated pieces (one shot: the portable library has no incremental SM3). */
  sm3(pieces: readonly Uint8Array[]): Uint8Array;
  /** HMAC-SM3 of the concatenated pieces under `key`. */
  hmacSm3(key: Uint8Array, pieces: readonly Uint8Array[]): Uint8Array;
  /**
   * SM4 in CTR mode (GB/T 17964, NIST SP 800-38A): the 16-byte initial counter block is incremented
   * as a 128-bit big-endian integer per block. Encryption and decryption are the same operation.
   */
  sm4Ctr(key: Uint8Array, counterBlock: Uint8Array, pieces: readonly Uint8Array[]): Uint8Array[];
}

export function concatPieces(pieces: readonly Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** WebCrypto's BufferSource typing wants ArrayBuffer-backed views; copy only the rare other kind. */
export function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer) return bytes as Uint8Array<ArrayBuffer>;
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const subtle = () => globalThis.crypto.subtle;

async function webCryptoGcm(key: Uint8Array): Promise<ChunkAead> {
  const aesKey = await subtle().importKey('raw', own(key), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  const params = (nonce: Uint8Array, ad: Uint8Array) =>
    ({ name: 'AES-GCM', iv: own(nonce), additionalData: own(ad), tagLength: TAG_LENGTH * 8 }) as const;
  return {
    async seal(nonce, ad, plaintext) {
      const out = new Uint8Array(await subtle().encrypt(params(nonce, ad), aesKey, own(concatPieces(plaintext))));
      return [out];
    },
    async open(nonce, ad, ciphertext, tag) {
      try {
        return new Uint8Array(await subtle().decrypt(params(nonce, ad), aesKey, own(concatPieces([ciphertext, tag]))));
      } catch {
        return undefined;
      }
    },
  };
}

/** Adds `blocks` to a 16-byte big-endian counter block (the 128-bit increment OpenSSL's CTR uses). */
function addToCounter(block: Uint8Array, blocks: number): void {
  let carry = blocks;
  for (let i = 15; i >= 0 && carry > 0; i--) {
    const sum = block[i]! + (carry % 256);
    block[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
}

/**
 * sm-crypto-v2 offers SM4 in ECB, CBC and GCM only. CTR is the keystream SM4(counter block j) XORed
 * into the data (SP 800-38A §6.5); the block cipher is the library's, applied in ECB to the counter
 * blocks. Cross-checked against OpenSSL's sm4-ctr in the tests.
 */
function portableSm4Ctr(key: Uint8Array, counterBlock: Uint8Array, pieces: readonly Uint8Array[]): Uint8Array[] {
  const data = concatPieces(pieces);
  const blocks = Math.ceil(data.length / 16);
  const counters = new Uint8Array(blocks * 16);
  const counter = Uint8Array.from(counterBlock);
  for (let j = 0; j < blocks; j++) {
    counters.set(counter, j * 16);
    addToCounter(counter, 1);
  }
  const keystream = smSm4.encrypt(counters, key, { mode: 'ecb', padding: 'none', output: 'array' });
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ keystream[i]!;
  return [out];
}

/** WebCrypto (AES-GCM), @noble/hashes (SHA-256) and sm-crypto-v2 (SM3, SM4): runs in browsers, Workers and Node. */
export const portableBackend: EnvelopeBackend = {
  name: 'portable',
  sha256: () => sha256.create(),
  aes256Gcm: webCryptoGcm,
  sm3: (pieces) => fromHex(smSm3(concatPieces(pieces))),
  hmacSm3: (key, pieces) => fromHex(smSm3(concatPieces(pieces), { key, mode: 'hmac' })),
  sm4Ctr: portableSm4Ctr,
};

/**
 * The backend with every hash on the calling thread. Opening uses it: a server opens many envelopes
 * at once, and off-thread hashing (with its shared memory per stream) is for the one large seal on
 * a bidder's machine.
 */
export function onCallingThread(backend: EnvelopeBackend): EnvelopeBackend {
  const { streamSha256: _stream, commitmentSha256: _commitment, ...rest } = backend;
  return rest;
}

/** Wraps a caller's SHA-256 factory (the older `createSha256` option) into a backend. */
export function withSha256(backend: EnvelopeBackend, createSha256: Sha256Factory | undefined): EnvelopeBackend {
  if (!createSha256) return backend;
  const wrap = (): IncrementalHash => {
    const h = createSha256();
    return { update: (d) => void h.update(d), digest: () => new Uint8Array(h.digest()) };
  };
  return { ...backend, sha256: wrap, streamSha256: wrap, commitmentSha256: wrap };
}
