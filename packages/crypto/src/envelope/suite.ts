/**
 * What differs between algorithm suites (docs/envelope.md §4 and §9): the key wrap, the chunk
 * cipher, the header digest bound into every chunk, the key commitment and the plaintext
 * commitment. Framing, records, nonces and the reading rules are shared (format.ts, seal.ts,
 * open.ts) and identical for every suite.
 */
import type { EnvelopeBackend } from './backend';
import type { Sm2PrivateKey } from './sm2-keys';

/** A recipient's private key: a WebCrypto RSA-OAEP key, or an SM2 key (WebCrypto has no SM2). */
export type EnvelopePrivateKey = CryptoKey | Sm2PrivateKey;

export interface ImportedRecipient {
  /** SHA-256 of the canonical DER SubjectPublicKeyInfo (docs/envelope.md §2), for every suite. */
  keyId: Uint8Array;
  wrap(contentKey: Uint8Array): Promise<Uint8Array>;
}

/** Encrypts and decrypts the chunks of one envelope (one content key, one nonce prefix). */
export interface ChunkCipher {
  /** Returns the record body (ciphertext ‖ 16-byte tag) as pieces. */
  seal(nonce: Uint8Array, associatedData: Uint8Array, plaintext: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /** The plaintext, or undefined if authentication fails; `body` is ciphertext ‖ tag. */
  open(nonce: Uint8Array, associatedData: Uint8Array, body: Uint8Array): Promise<Uint8Array | undefined>;
  /** Optional: `open` with the body in pieces and the plaintext in pieces (the same checks). */
  openPieces?(nonce: Uint8Array, associatedData: Uint8Array, body: readonly Uint8Array[]): Promise<Uint8Array[] | undefined>;
}

/** The salted plaintext commitment C, fed chunk by chunk (salt first, as the stream S). */
export interface StreamCommitment {
  addChunk(pieces: readonly Uint8Array[]): Promise<void>;
  digest(): Promise<Uint8Array>;
  /** Frees what an unfinished commitment holds (a worker session). */
  dispose?(): void;
}

export interface Suite {
  readonly id: string;
  /** H, the associated data of every chunk. */
  headerDigest(backend: EnvelopeBackend, headerBytes: Uint8Array): Uint8Array;
  keyCommitment(backend: EnvelopeBackend, contentKey: Uint8Array): Uint8Array;
  importRecipient(publicKey: CryptoKey | Uint8Array): Promise<ImportedRecipient>;
  /** undefined when the key id cannot be computed (a non-extractable WebCrypto key) or the key is of another algorithm. */
  keyIdOfPrivateKey(privateKey: EnvelopePrivateKey): Promise<Uint8Array | undefined>;
  /** True if the key is of this suite's algorithm at all. */
  acceptsPrivateKey(privateKey: EnvelopePrivateKey): boolean;
  /** undefined when this key cannot unwrap `wrapped` (wrong key or damaged wrap). */
  unwrap(privateKey: EnvelopePrivateKey, wrapped: Uint8Array): Promise<Uint8Array | undefined>;
  chunkCipher(backend: EnvelopeBackend, contentKey: Uint8Array): Promise<ChunkCipher>;
  commitment(backend: EnvelopeBackend): StreamCommitment;
}

/** Constant-time comparison of two byte strings (tags, commitments). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
