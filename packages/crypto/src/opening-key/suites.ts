/**
 * The key pair of an opening key, per envelope suite: how to make one, and how to tell that a private
 * half rebuilt from shares is the one whose public half bidders sealed to. Runs wherever the envelope
 * does (WebCrypto for RSA, the envelope's own SM2 code for the GM/T suite; no node:* imports).
 *
 * - `rsa-oaep-sha256/aes-256-gcm-stream`: RSA-OAEP (SHA-256), 3072 bits. Verified by (1) the
 *   rebuilt bytes being exactly the PKCS#8 WebCrypto writes for the key values they carry, (2) the key's
 *   (n, e) giving the published SPKI, (3) its private fields agreeing with n and e (p·q = n, d
 *   inverts e, dp, dq, qi are those of p, q, d: decryption uses the CRT values only, so a wrong d
 *   would otherwise go unnoticed), and (4) an encrypt/decrypt round trip. The rebuilt key is a
 *   non-extractable WebCrypto key.
 * - `sm2/sm4-ctr-hmac-sm3-stream` (SUITE_SM2_SM4): an SM2 key pair from the envelope's
 *   generateSm2KeyPair; its PKCS#8 (docs/envelope.md §9 "Private keys") is what is split. Verified by
 *   (1) the rebuilt bytes being exactly the canonical PKCS#8 (sm2PrivateKeyToPkcs8) of the key they
 *   carry, whose stored public point sm2PrivateKeyFromPkcs8 checks against d·G, (2) the public point
 *   recomputed from d giving the published SPKI, and (3) a probe content key wrapped to the published
 *   SPKI and unwrapped with the rebuilt key, both through the envelope's SM2 suite, i.e. the code
 *   that opens the bids. The rebuilt key is the envelope's Sm2PrivateKey (WebCrypto has no SM2, so it
 *   is a plain object holding d; like the RSA key it lives in memory only).
 *
 * Because of (1), a share damaged anywhere fails, even in a byte (a version, a parameter) that a
 * lenient reader ignores. Anything that fails a check is `shares-do-not-match`.
 * Anything else is `shares-do-not-match`.
 */
import { SUITE_RSA_AES, SUITE_SM2_SM4, type EnvelopePrivateKey } from '../envelope';
import { suiteById } from '../envelope/registry';
import { generateSm2KeyPair, sm2PointOfSpki, sm2PrivateKeyFromPkcs8, sm2PrivateKeyToPkcs8, sm2SpkiOfPoint, type Sm2PrivateKey } from '../envelope/sm2-keys';
import { OpeningKeyError } from './errors';

const subtle = () => globalThis.crypto.subtle;
const RSA_OAEP = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;

export interface OpeningKeyPair {
  /** DER SubjectPublicKeyInfo: published with the section, the envelope's `opening` recipient. */
  publicKeySpki: Uint8Array;
  /** DER PKCS#8 of the private half: split into shares, then forgotten. */
  privateKeyPkcs8: Uint8Array;
}

export interface OpeningKeySuite {
  /** `modulusLength` is for RSA only; other suites ignore it. */
  generate(options: { modulusLength?: 2048 | 3072 }): Promise<OpeningKeyPair>;
  /**
   * Imports a rebuilt PKCS#8 and proves it is the private half of `publicKeySpki`, or throws
   * `shares-do-not-match`. Returns the key as the envelope reader takes it (EnvelopePrivateKey).
   */
  importVerified(privateKeyPkcs8: Uint8Array, publicKeySpki: Uint8Array): Promise<EnvelopePrivateKey>;
}

function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A JWK field (base64url, unsigned big-endian) as a bigint; undefined when absent or malformed. */
function bigOf(field: string | undefined): bigint | undefined {
  if (!field || !/^[A-Za-z0-9_-]+$/.test(field)) return undefined;
  const binary = atob(field.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(field.length / 4) * 4, '='));
  let hex = '';
  for (let i = 0; i < binary.length; i++) hex += binary.charCodeAt(i).toString(16).padStart(2, '0');
  return BigInt(`0x${hex || '0'}`);
}

/**
 * Every private field of an RSA key agrees with n and e: p·q = n, e·d ≡ 1 mod p−1 and mod q−1, and
 * the CRT values dp, dq, qi are those of p, q and d. Decryption uses the CRT values only, so without
 * this a share damaged where d lies would go unnoticed by a round trip.
 */
function rsaPrivateFieldsAgree(jwk: JsonWebKey): boolean {
  const [n, e, d, p, q, dp, dq, qi] = [jwk.n, jwk.e, jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map(bigOf);
  if (n === undefined || e === undefined || d === undefined || p === undefined || q === undefined || dp === undefined || dq === undefined || qi === undefined)
    return false;
  if (p <= 1n || q <= 1n || p * q !== n) return false;
  return (e * d) % (p - 1n) === 1n && (e * d) % (q - 1n) === 1n && dp === d % (p - 1n) && dq === d % (q - 1n) && (qi * q) % p === 1n;
}

const mismatch = () =>
  new OpeningKeyError('shares-do-not-match', 'the shares do not rebuild this opening key: a share is missing, wrong or damaged');

const rsaOaep: OpeningKeySuite = {
  // 3072 bits by default: the key guards every bid of the section until the opening, and a share
  // set may be kept for the records' 15 years (政府采购法 art. 42).
  async generate({ modulusLength = 3072 }) {
    const pair = await subtle().generateKey(
      { ...RSA_OAEP, modulusLength, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ['encrypt', 'decrypt'],
    );
    return {
      publicKeySpki: new Uint8Array(await subtle().exportKey('spki', pair.publicKey)),
      privateKeyPkcs8: new Uint8Array(await subtle().exportKey('pkcs8', pair.privateKey)),
    };
  },

  async importVerified(privateKeyPkcs8, publicKeySpki) {
    let extractable: CryptoKey;
    try {
      extractable = await subtle().importKey('pkcs8', own(privateKeyPkcs8), RSA_OAEP, true, ['decrypt']);
    } catch {
      throw mismatch();
    }
    // Exactly the DER of the key's values (a damaged version or parameter byte that an importer
    // ignores, or carries over on export, is still a damaged share)…
    const jwk = await subtle().exportKey('jwk', extractable);
    let reencoded: Uint8Array | undefined;
    try {
      reencoded = new Uint8Array(await subtle().exportKey('pkcs8', await subtle().importKey('jwk', jwk, RSA_OAEP, true, ['decrypt'])));
    } catch {
      reencoded = undefined;
    }
    const sameBytes = reencoded !== undefined && equal(reencoded, privateKeyPkcs8);
    reencoded?.fill(0);
    if (!sameBytes) throw mismatch();
    // …with the modulus and exponent of the published half…
    const publicHalf = await subtle().importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'RSA-OAEP-256', ext: true }, RSA_OAEP, true, ['encrypt']);
    if (!equal(new Uint8Array(await subtle().exportKey('spki', publicHalf)), publicKeySpki)) throw mismatch();
    // …private fields that all belong to it (a PKCS#8 can carry n and e with a wrong d or p)…
    if (!rsaPrivateFieldsAgree(jwk)) throw mismatch();
    // …and a key that actually inverts it, as the envelope will use it.
    const probe = globalThis.crypto.getRandomValues(new Uint8Array(32));
    const privateKey = await subtle().importKey('pkcs8', own(privateKeyPkcs8), RSA_OAEP, false, ['decrypt']);
    try {
      const back = new Uint8Array(await subtle().decrypt(RSA_OAEP, privateKey, await subtle().encrypt(RSA_OAEP, publicHalf, probe)));
      if (!equal(back, probe)) throw mismatch();
    } catch (error) {
      throw error instanceof OpeningKeyError ? error : mismatch();
    }
    return privateKey;
  },
};

const sm2: OpeningKeySuite = {
  async generate() {
    const pair = generateSm2KeyPair();
    // The PKCS#8 is a copy; the key object's scalar is not needed any more.
    pair.privateKey.d.fill(0);
    return { publicKeySpki: pair.publicKeySpki, privateKeyPkcs8: pair.privateKeyPkcs8 };
  },

  async importVerified(privateKeyPkcs8, publicKeySpki) {
    let key: Sm2PrivateKey;
    let published: Uint8Array;
    try {
      // Parses strictly and checks the public point stored in the PKCS#8 is d·G.
      key = sm2PrivateKeyFromPkcs8(privateKeyPkcs8);
      published = sm2SpkiOfPoint(sm2PointOfSpki(publicKeySpki));
    } catch {
      throw mismatch();
    }
    const canonical = sm2PrivateKeyToPkcs8(key);
    const sameBytes = equal(canonical, privateKeyPkcs8);
    canonical.fill(0);
    // The public point recomputed from d is the published one…
    if (!sameBytes || !equal(sm2SpkiOfPoint(key.publicPoint), published)) {
      key.d.fill(0);
      throw mismatch();
    }
    // …and the envelope's SM2 suite unwraps, with this key, what it wraps to the published key.
    const suite = suiteById(SUITE_SM2_SM4);
    const probe = globalThis.crypto.getRandomValues(new Uint8Array(32));
    let back: Uint8Array | undefined;
    try {
      const recipient = await suite.importRecipient(published);
      back = await suite.unwrap(key, await recipient.wrap(probe));
    } catch {
      back = undefined;
    }
    if (!back || !equal(back, probe)) {
      key.d.fill(0);
      throw mismatch();
    }
    return key;
  },
};

const suites: ReadonlyMap<string, OpeningKeySuite> = new Map([
  [SUITE_RSA_AES, rsaOaep],
  [SUITE_SM2_SM4, sm2],
]);

export const OPENING_KEY_SUITES: readonly string[] = [...suites.keys()];

export function openingKeySuite(id: string): OpeningKeySuite {
  const suite = suites.get(id);
  if (!suite) throw new OpeningKeyError('unsupported-suite', `no opening key for envelope suite ${JSON.stringify(id)} yet`);
  return suite;
}
