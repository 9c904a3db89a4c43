/**
 * The key pair of an opening key, per envelope suite: how to make one, and how to tell that a private
 * half rebuilt from shares is the one whose public half bidders sealed to. Everything is WebCrypto,
 * so the ceremony runs wherever the envelope does.
 *
 * SM2 (suite `SUITE_SM2_SM4`) plugs in here with the envelope's SM2 key helpers: generate with
 * generateSm2KeyPair, PKCS#8 through sm2PrivateKeyToPkcs8 / sm2PrivateKeyFromPkcs8, and verify by
 * recomputing the public point from d and comparing SPKIs; until then it is `unsupported-suite`.
 */
import { SUITE_RSA_AES } from '../envelope';
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
  generate(options: { modulusLength?: 2048 | 3072 }): Promise<OpeningKeyPair>;
  /** Imports a rebuilt PKCS#8 and proves it is the private half of `publicKeySpki`, or throws `shares-do-not-match`. */
  importVerified(privateKeyPkcs8: Uint8Array, publicKeySpki: Uint8Array): Promise<CryptoKey>;
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
    // Same modulus and exponent as the published half…
    const { n, e } = await subtle().exportKey('jwk', extractable);
    const publicHalf = await subtle().importKey('jwk', { kty: 'RSA', n, e, alg: 'RSA-OAEP-256', ext: true }, RSA_OAEP, true, ['encrypt']);
    if (!equal(new Uint8Array(await subtle().exportKey('spki', publicHalf)), publicKeySpki)) throw mismatch();
    // …and a private exponent that actually inverts it (a PKCS#8 can carry n and e with a wrong d).
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

const suites: ReadonlyMap<string, OpeningKeySuite> = new Map([[SUITE_RSA_AES, rsaOaep]]);

export const OPENING_KEY_SUITES: readonly string[] = [...suites.keys()];

export function openingKeySuite(id: string): OpeningKeySuite {
  const suite = suites.get(id);
  if (!suite) throw new OpeningKeyError('unsupported-suite', `no opening key for envelope suite ${JSON.stringify(id)} yet`);
  return suite;
}
