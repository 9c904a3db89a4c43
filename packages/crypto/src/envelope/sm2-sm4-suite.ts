/**
 * Suite "sm2/sm4-ctr-hmac-sm3-stream" (docs/envelope.md §9), the GM/T suite for national-crypto
 * CAs: SM2 public-key encryption wraps the content key, each chunk is SM4-CTR then HMAC-SM3
 * (encrypt-then-MAC), SM3 digests the header and commits to the plaintext.
 *
 * Why CTR + HMAC and not SM4-GCM: Node's OpenSSL 3.0 has sm4-ctr and sm3 natively but no sm4-gcm,
 * so GCM would mean pure JavaScript on the CLI and the server too; CTR + HMAC-SM3 runs natively in
 * Node and on sm-crypto-v2 in the browser, with the same bytes.
 *
 * Why the commitment is an SM3 chain over the chunks and not SM3(salt ‖ bid): the browser's SM3
 * (sm-crypto-v2) is one-shot only, and the commitment must be computed while streaming with memory
 * bounded by one chunk. Chaining the chunks through SM3 is as binding and hiding (the salt is in
 * the first link) and needs only one-shot SM3 per chunk.
 */
import { sm2 } from 'sm-crypto-v2';
import { concatPieces, type EnvelopeBackend } from './backend';
import { EnvelopeError } from './errors';
import { KEY_LENGTH, SUITE_SM2_SM4, TAG_LENGTH } from './format';
import { keyIdOfSpki } from './rsa-aes-suite';
import { bytesOfHex, hexOfBytes, isSm2PrivateKey, sm2PointOfSpki, sm2SpkiOfPoint, Sm2KeyError } from './sm2-keys';
import { equalBytes, type Suite } from './suite';

const ascii = (s: string) => new TextEncoder().encode(s);
export const SM_LABELS = {
  keyCommitment: ascii('ggzy-envelope/v1/key-commitment'),
  encryptionKey: ascii('ggzy-envelope/v1/sm4-ctr-key'),
  macKey: ascii('ggzy-envelope/v1/hmac-sm3-key'),
  commitment: ascii('ggzy-envelope/v1/sm3-commitment'),
} as const;

/** C1 (04 ‖ x ‖ y, 65) ‖ C3 (SM3, 32) ‖ C2 (32, the content key XOR the KDF stream). */
export const SM2_WRAP_LENGTH = 65 + 32 + KEY_LENGTH;
const C1C3C2 = 1;

/** SM2 public-key encryption (GM/T 0003.4) of the content key, C1C3C2 with an uncompressed C1. */
export function sm2WrapContentKey(publicPoint: Uint8Array, contentKey: Uint8Array): Uint8Array {
  // sm-crypto-v2 writes C1 as x ‖ y without the 04 point-format byte; the format has it.
  const wrapped = bytesOfHex(`04${sm2.doEncrypt(contentKey, hexOfBytes(publicPoint), C1C3C2)}`);
  if (wrapped.length !== SM2_WRAP_LENGTH) throw new EnvelopeError('invalid-input', 'SM2 encryption gave an unexpected length');
  return wrapped;
}

export function sm2UnwrapContentKey(d: Uint8Array, wrapped: Uint8Array): Uint8Array | undefined {
  if (wrapped.length !== SM2_WRAP_LENGTH || wrapped[0] !== 0x04) return undefined;
  try {
    const key = sm2.doDecrypt(hexOfBytes(wrapped.subarray(1)), hexOfBytes(d), C1C3C2, { output: 'array' });
    // sm-crypto-v2 answers a failed C3 check with an empty result rather than an exception.
    return key instanceof Uint8Array && key.length === KEY_LENGTH ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The SM2 recipient key: canonical SPKI (uncompressed point) and the point itself. */
export function importSm2Recipient(input: CryptoKey | Uint8Array): { point: Uint8Array; spki: Uint8Array; keyId: Uint8Array } {
  if (!(input instanceof Uint8Array))
    throw new EnvelopeError('invalid-input', 'SM2 recipients are given as SubjectPublicKeyInfo bytes (WebCrypto has no SM2 keys)');
  let point: Uint8Array;
  try {
    point = sm2PointOfSpki(input);
  } catch (error) {
    const why = error instanceof Sm2KeyError ? error.message : 'unreadable';
    throw new EnvelopeError('invalid-input', `recipient key is not an SM2 SubjectPublicKeyInfo (this suite needs SM2 keys): ${why}`);
  }
  const spki = sm2SpkiOfPoint(point);
  return { point, spki, keyId: keyIdOfSpki(spki) };
}

function deriveKeys(backend: EnvelopeBackend, contentKey: Uint8Array) {
  return {
    encryptionKey: backend.hmacSm3(contentKey, [SM_LABELS.encryptionKey]).subarray(0, 16),
    macKey: backend.hmacSm3(contentKey, [SM_LABELS.macKey]),
  };
}

/** The initial counter block of a chunk: its 12-byte nonce ‖ u32(0). */
function counterBlockOf(nonce: Uint8Array): Uint8Array {
  const block = new Uint8Array(16);
  block.set(nonce, 0);
  return block;
}

export const sm2Sm4Suite: Suite = {
  id: SUITE_SM2_SM4,
  headerDigest: (backend, headerBytes) => backend.sm3([headerBytes]),
  keyCommitment: (backend, contentKey) => backend.hmacSm3(contentKey, [SM_LABELS.keyCommitment]),
  async importRecipient(publicKey) {
    const { point, keyId } = importSm2Recipient(publicKey);
    return { keyId, wrap: async (contentKey) => sm2WrapContentKey(point, contentKey) };
  },
  keyIdOfPrivateKey: async (privateKey) => (isSm2PrivateKey(privateKey) ? keyIdOfSpki(sm2SpkiOfPoint(privateKey.publicPoint)) : undefined),
  acceptsPrivateKey: isSm2PrivateKey,
  unwrap: async (privateKey, wrapped) => (isSm2PrivateKey(privateKey) ? sm2UnwrapContentKey(privateKey.d, wrapped) : undefined),
  async chunkCipher(backend, contentKey) {
    const { encryptionKey, macKey } = deriveKeys(backend, contentKey);
    // tag = HMAC-SM3(K_mac, nonce ‖ ad ‖ ciphertext) truncated to 16 bytes; the ad's length (32 or
    // 64) follows from the last-chunk flag inside the nonce, so the MAC input parses one way only.
    const tagOf = (nonce: Uint8Array, ad: Uint8Array, ciphertext: readonly Uint8Array[]) =>
      backend.hmacSm3(macKey, [nonce, ad, ...ciphertext]).subarray(0, TAG_LENGTH);
    return {
      async seal(nonce, ad, plaintext) {
        const ciphertext = backend.sm4Ctr(encryptionKey, counterBlockOf(nonce), plaintext);
        return [...ciphertext, tagOf(nonce, ad, ciphertext)];
      },
      async open(nonce, ad, body) {
        if (body.length < TAG_LENGTH) return undefined;
        const ciphertext = body.subarray(0, body.length - TAG_LENGTH);
        // Encrypt-then-MAC: nothing is decrypted before the tag verifies.
        if (!equalBytes(tagOf(nonce, ad, [ciphertext]), body.subarray(body.length - TAG_LENGTH))) return undefined;
        const pieces = backend.sm4Ctr(encryptionKey, counterBlockOf(nonce), [ciphertext]);
        return concatPieces(pieces);
      },
    };
  },
  commitment(backend) {
    // c_{-1} = SM3(label); c_i = SM3(c_{i-1} ‖ P_i); C = c_{n-1}.
    let chain = backend.sm3([SM_LABELS.commitment]);
    return {
      async addChunk(pieces) {
        chain = backend.sm3([chain, ...pieces]);
      },
      digest: async () => chain,
    };
  },
};
