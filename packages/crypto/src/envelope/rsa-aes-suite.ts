/**
 * The primitives of suite "rsa-oaep-sha256/aes-256-gcm-stream", all from WebCrypto and
 * @noble/hashes so the same code runs in Node 20 and in browsers. Nothing here is a cipher of its
 * own; this file only fixes parameters (label, hash, nonce and associated data).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { EnvelopeError } from './errors';
import { KEY_LENGTH, TAG_LENGTH } from './format';

const subtle = () => globalThis.crypto.subtle;
const ascii = (s: string) => new TextEncoder().encode(s);

/** RSA-OAEP label: keeps an envelope key wrap from being mistaken for any other OAEP ciphertext. */
export const OAEP_LABEL = ascii('ggzy-envelope/v1/rsa-oaep-sha256');
export const KEY_COMMITMENT_LABEL = ascii('ggzy-envelope/v1/key-commitment');
const MIN_MODULUS_BITS = 2048;

const oaepImport = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;

/** WebCrypto's BufferSource typing wants ArrayBuffer-backed views; copy only the rare other kind. */
export function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer) return bytes as Uint8Array<ArrayBuffer>;
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

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
    throw new EnvelopeError('invalid-input', 'recipient key is not an RSA SubjectPublicKeyInfo');
  }
  const { modulusLength } = key.algorithm as RsaHashedKeyAlgorithm;
  if (modulusLength < MIN_MODULUS_BITS)
    throw new EnvelopeError('invalid-input', `RSA keys shorter than ${MIN_MODULUS_BITS} bits are refused`);
  // The id is taken over WebCrypto's own DER export, the same bytes an opener derives from its
  // private key, so a caller's non-canonical encoding cannot make the key unrecognisable.
  return { key, keyId: keyIdOfSpki(new Uint8Array(await subtle().exportKey('spki', key))) };
}

export async function wrapContentKey(recipient: CryptoKey, contentKey: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await subtle().encrypt({ name: 'RSA-OAEP', label: own(OAEP_LABEL) }, recipient, own(contentKey)),
  );
}

/** Returns undefined when the private key cannot decrypt this wrap (wrong key or damaged wrap). */
export async function unwrapContentKey(privateKey: CryptoKey, wrapped: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    const key = new Uint8Array(
      await subtle().decrypt({ name: 'RSA-OAEP', label: own(OAEP_LABEL) }, privateKey, own(wrapped)),
    );
    return key.length === KEY_LENGTH ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The key id of a private key's public half, when WebCrypto lets us see it (extractable keys).
 * Non-extractable keys (kept in IndexedDB) return undefined and the caller tries every recipient.
 */
export async function keyIdOfPrivateKey(privateKey: CryptoKey): Promise<Uint8Array | undefined> {
  if (!privateKey.extractable) return undefined;
  const jwk = await subtle().exportKey('jwk', privateKey);
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) return undefined;
  const pub = await subtle().importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e }, oaepImport, true, ['encrypt']);
  return keyIdOfSpki(new Uint8Array(await subtle().exportKey('spki', pub)));
}

export function importContentKey(contentKey: Uint8Array): Promise<CryptoKey> {
  return subtle().importKey('raw', own(contentKey), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

export async function encryptChunk(
  key: CryptoKey,
  nonce: Uint8Array<ArrayBuffer>,
  associatedData: Uint8Array,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  return new Uint8Array(
    await subtle().encrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: own(associatedData), tagLength: TAG_LENGTH * 8 },
      key,
      own(plaintext),
    ),
  );
}

/** Returns undefined when the tag does not verify. */
export async function decryptChunk(
  key: CryptoKey,
  nonce: Uint8Array<ArrayBuffer>,
  associatedData: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: nonce, additionalData: own(associatedData), tagLength: TAG_LENGTH * 8 },
        key,
        own(ciphertext),
      ),
    );
  } catch {
    return undefined;
  }
}
