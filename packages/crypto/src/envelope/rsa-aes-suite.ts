/**
 * Suite "rsa-oaep-sha256/aes-256-gcm-stream" (docs/envelope.md §4): RSA-OAEP key wrap from
 * WebCrypto, AES-256-GCM and SHA-256 from the backend. This file fixes parameters only (label, hash,
 * nonce and associated data); no primitive is implemented here.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { own, type EnvelopeBackend } from './backend';
import { EnvelopeError } from './errors';
import { KEY_LENGTH, SUITE_RSA_AES, TAG_LENGTH } from './format';
import { isSm2PrivateKey } from './sm2-keys';
import type { EnvelopePrivateKey, Suite } from './suite';

const subtle = () => globalThis.crypto.subtle;
const ascii = (s: string) => new TextEncoder().encode(s);

/** RSA-OAEP label: keeps an envelope key wrap from being mistaken for any other OAEP ciphertext. */
/** The body's last TAG_LENGTH bytes (the tag, copied: it may straddle two pieces) and the ciphertext before them, as views. */
function splitTag(body: readonly Uint8Array[]): { ciphertext: Uint8Array[]; tag: Uint8Array } | undefined {
  const total = body.reduce((n, p) => n + p.length, 0);
  if (total < TAG_LENGTH) return undefined;
  const cut = total - TAG_LENGTH;
  const ciphertext: Uint8Array[] = [];
  const tag = new Uint8Array(TAG_LENGTH);
  let at = 0;
  for (const piece of body) {
    const end = at + piece.length;
    if (at < cut) ciphertext.push(piece.subarray(0, Math.min(piece.length, cut - at)));
    if (end > cut) {
      const from = Math.max(0, cut - at);
      tag.set(piece.subarray(from), at + from - cut);
    }
    at = end;
  }
  return { ciphertext: ciphertext.filter((p) => p.length > 0), tag };
}

export const OAEP_LABEL = ascii('ggzy-envelope/v1/rsa-oaep-sha256');
export const KEY_COMMITMENT_LABEL = ascii('ggzy-envelope/v1/key-commitment');
const MIN_MODULUS_BITS = 2048;

const oaepImport = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;

export { own };

/** The key id of docs/envelope.md §2 for every suite: SHA-256 of the DER SubjectPublicKeyInfo. */
export function keyIdOfSpki(spki: Uint8Array): Uint8Array {
  return sha256(spki);
}

export function keyCommitmentOf(contentKey: Uint8Array): Uint8Array {
  return hmac(sha256, contentKey, KEY_COMMITMENT_LABEL);
}

export interface RecipientPublicKey {
  key: CryptoKey;
  keyId: Uint8Array;
}

/** Accepts a WebCrypto RSA public key or SPKI DER bytes; insists on RSA-OAEP with SHA-256, ≥ 2048 bits. */
export async function importRecipientPublicKey(input: CryptoKey | Uint8Array): Promise<RecipientPublicKey> {
  let spki: Uint8Array;
  if (input instanceof Uint8Array) {
    spki = input;
  } else {
    if (input.type !== 'public') throw new EnvelopeError('invalid-input', 'a recipient must be given as a public key');
    spki = new Uint8Array(await subtle().exportKey('spki', input));
  }
  let key: CryptoKey;
  try {
    key = await subtle().importKey('spki', own(spki), oaepImport, true, ['encrypt']);
  } catch {
    throw new EnvelopeError('invalid-input', 'recipient key is not an RSA SubjectPublicKeyInfo (this suite needs RSA keys)');
  }
  const { modulusLength } = key.algorithm as RsaHashedKeyAlgorithm;
  if (modulusLength < MIN_MODULUS_BITS)
    throw new EnvelopeError('invalid-input', `RSA keys shorter than ${MIN_MODULUS_BITS} bits are refused`);
  // The id is taken over WebCrypto's own DER export, the same bytes an opener derives from its
  // private key, so a caller's non-canonical encoding cannot make the key unrecognisable.
  return { key, keyId: keyIdOfSpki(new Uint8Array(await subtle().exportKey('spki', key))) };
}

export async function wrapContentKey(recipient: CryptoKey, contentKey: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().encrypt({ name: 'RSA-OAEP', label: own(OAEP_LABEL) }, recipient, own(contentKey)));
}

/** Returns undefined when the private key cannot decrypt this wrap (wrong key or damaged wrap). */
export async function unwrapContentKey(privateKey: CryptoKey, wrapped: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    const key = new Uint8Array(await subtle().decrypt({ name: 'RSA-OAEP', label: own(OAEP_LABEL) }, privateKey, own(wrapped)));
    return key.length === KEY_LENGTH ? key : undefined;
  } catch {
    return undefined;
  }
}

const isRsaKey = (key: EnvelopePrivateKey): key is CryptoKey =>
  !isSm2PrivateKey(key) && typeof key === 'object' && key !== null && (key as CryptoKey).algorithm?.name === 'RSA-OAEP';

/**
 * The key id of a private key's public half, when WebCrypto lets us see it (extractable keys).
 * Non-extractable keys (kept in IndexedDB) return undefined and the caller tries every recipient.
 */
export async function keyIdOfPrivateKey(privateKey: EnvelopePrivateKey): Promise<Uint8Array | undefined> {
  if (!isRsaKey(privateKey) || !privateKey.extractable) return undefined;
  const jwk = await subtle().exportKey('jwk', privateKey);
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) return undefined;
  const pub = await subtle().importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e }, oaepImport, true, ['encrypt']);
  return keyIdOfSpki(new Uint8Array(await subtle().exportKey('spki', pub)));
}

export const rsaAesSuite: Suite = {
  id: SUITE_RSA_AES,
  headerDigest: (_backend, headerBytes) => sha256(headerBytes),
  keyCommitment: (_backend, contentKey) => keyCommitmentOf(contentKey),
  async importRecipient(publicKey) {
    const { key, keyId } = await importRecipientPublicKey(publicKey);
    return { keyId, wrap: (contentKey) => wrapContentKey(key, contentKey) };
  },
  keyIdOfPrivateKey,
  acceptsPrivateKey: isRsaKey,
  unwrap: (privateKey, wrapped) => (isRsaKey(privateKey) ? unwrapContentKey(privateKey, wrapped) : Promise.resolve(undefined)),
  async chunkCipher(backend, contentKey) {
    const aead = await backend.aes256Gcm(contentKey);
    const openPieces = aead.openPieces?.bind(aead);
    return {
      seal: async (nonce, ad, plaintext) => aead.seal(nonce, ad, plaintext),
      open: async (nonce, ad, body) =>
        body.length < TAG_LENGTH ? undefined : aead.open(nonce, ad, body.subarray(0, body.length - TAG_LENGTH), body.subarray(body.length - TAG_LENGTH)),
      ...(openPieces
        ? {
            openPieces: async (nonce: Uint8Array, ad: Uint8Array, body: readonly Uint8Array[]) => {
              const split = splitTag(body);
              return split ? openPieces(nonce, ad, split.ciphertext, split.tag) : undefined;
            },
          }
        : {}),
    };
  },
  commitment(backend: EnvelopeBackend) {
    // C = SHA-256(salt ‖ bid): the chunks of S in order are exactly salt ‖ bid. A long stream, so
    // the backend may hash it on another thread.
    const hash = (backend.commitmentSha256 ?? backend.sha256)();
    return {
      async addChunk(pieces) {
        for (const p of pieces) await hash.update(p);
      },
      digest: async () => hash.digest(),
      dispose: () => hash.dispose?.(),
    };
  },
};
