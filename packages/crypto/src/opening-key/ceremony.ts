/**
 * The opening-key ceremony (DESIGN.md §4, docs/sealed-bids.md §2): a fresh key pair for a section,
 * whose private half exists afterwards only as Shamir shares (k of n), each sealed as an envelope to
 * one custodian's certificate key. The private half and the plain shares live in memory only for the
 * length of this call.
 */
import { split } from 'shamir-secret-sharing';
import { sha256Hex } from '../digest';
import { EnvelopeError, isSm2PrivateKey, isSm2Spki, sealEnvelope, SUITE_RSA_AES, SUITE_SM2_SM4, type ByteSource, type EnvelopeSuiteId } from '../envelope';
import { suiteById } from '../envelope/registry';
import { OpeningKeyError } from './errors';
import { rebuildOpeningKey, SHARE_METADATA } from './rebuild';
import { openingKeySuite } from './suites';

export interface OpeningKeyCustodian {
  /** The custodian's account id; bound into its sealed share. */
  id: string;
  /**
   * DER SubjectPublicKeyInfo of the custodian's current certificate: the share's recipient. RSA or
   * SM2, whatever the section's suite: the share is sealed in the suite of this key.
   */
  publicKeySpki: Uint8Array;
}

export interface CreateOpeningKeyOptions {
  /** The section's envelope suite. */
  suite: string;
  /** k: how many custodians together can open. 2 ≤ k ≤ n. */
  threshold: number;
  /** n custodians, 2…255, each with a distinct key. */
  custodians: readonly OpeningKeyCustodian[];
  /** RSA suite only; 3072 unless a test wants speed. */
  modulusLength?: 2048 | 3072;
}

export interface SealedOpeningKeyShare {
  custodianId: string;
  /** An envelope (docs/envelope.md) whose plaintext is the share; only the custodian's key opens it. */
  sealedShare: Uint8Array;
  /** SHA-256 (hex) of sealedShare, for the trace log. */
  sealedShareSha256: string;
  /**
   * SHA-256 (hex) of the plain share: lets the server recognise a share submitted for recovery as
   * this custodian's before any rebuild. A share is uniformly random bytes; its digest reveals nothing.
   */
  shareSha256: string;
}

export interface CreatedOpeningKey {
  suite: string;
  publicKeySpki: Uint8Array;
  /** SHA-256 (hex) of publicKeySpki: the envelope's `opening` recipient key id. */
  keyId: string;
  threshold: number;
  shares: SealedOpeningKeyShare[];
}

async function collect(bytes: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of bytes) parts.push(part);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The envelope suite a share is sealed in: the one of the custodian's certificate key (docs/sealed-bids.md §2). */
export function shareSuiteOf(custodianSpki: Uint8Array): EnvelopeSuiteId {
  return isSm2Spki(custodianSpki) ? SUITE_SM2_SM4 : SUITE_RSA_AES;
}

/**
 * Validates the options and every custodian's key before any key is made: each key must be one the
 * envelope can seal to (RSA or SM2), and no two custodians may hold the same key (compared by the
 * envelope's key id, i.e. after canonical re-encoding).
 */
async function checkOptions({ threshold, custodians }: CreateOpeningKeyOptions): Promise<void> {
  const n = custodians.length;
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > n || n > 255)
    throw new OpeningKeyError('invalid-input', `a threshold k with 2 ≤ k ≤ n ≤ 255 is required (k = ${threshold}, n = ${n})`);
  if (new Set(custodians.map((c) => c.id)).size !== n) throw new OpeningKeyError('invalid-input', 'a custodian appears twice');
  const keyIds = new Set<string>();
  for (const custodian of custodians) {
    let keyId: Uint8Array;
    try {
      ({ keyId } = await suiteById(shareSuiteOf(custodian.publicKeySpki)).importRecipient(custodian.publicKeySpki));
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      throw new OpeningKeyError('invalid-input', `custodian ${custodian.id}'s key cannot receive a share (an RSA or SM2 key is needed): ${error.message}`);
    }
    keyIds.add(sha256Hex(keyId));
  }
  if (keyIds.size !== n) throw new OpeningKeyError('invalid-input', 'two custodians share one key: each share needs its own holder');
}

export async function createOpeningKey(options: CreateOpeningKeyOptions): Promise<CreatedOpeningKey> {
  const suite = openingKeySuite(options.suite);
  await checkOptions(options);
  const { threshold, custodians } = options;
  const { publicKeySpki, privateKeyPkcs8 } = await suite.generate({ modulusLength: options.modulusLength });
  // The envelope's key id (docs/envelope.md §2): SHA-256 of the DER SubjectPublicKeyInfo.
  const keyId = sha256Hex(publicKeySpki);
  const plainShares = await split(privateKeyPkcs8, custodians.length, threshold);
  try {
    // Proves the split before anything leaves this function: the first k shares rebuild the key.
    const proof = await rebuildOpeningKey({ suite: options.suite, publicKeySpki, threshold, shares: plainShares.slice(0, threshold) });
    // An SM2 key is a plain object holding d (a WebCrypto key cannot be wiped, nor read).
    if (isSm2PrivateKey(proof.privateKey)) proof.privateKey.d.fill(0);
    const shares: SealedOpeningKeyShare[] = [];
    for (const [i, custodian] of custodians.entries()) {
      const sealed = await sealEnvelope({
        plaintext: [plainShares[i]!] satisfies ByteSource,
        // Role 'bidder' = "the holder's own certificate key" (docs/sealed-bids.md §2), in the suite
        // of that key: an SM2 custodian gets a GM/T envelope whatever the section's suite.
        recipients: [{ role: 'bidder', publicKey: custodian.publicKeySpki }],
        suite: shareSuiteOf(custodian.publicKeySpki),
        metadata: {
          [SHARE_METADATA.keyId]: keyId,
          [SHARE_METADATA.custodian]: custodian.id,
          [SHARE_METADATA.threshold]: String(threshold),
          [SHARE_METADATA.shares]: String(custodians.length),
        },
      });
      const sealedShare = await collect(sealed.bytes);
      await sealed.summary;
      shares.push({ custodianId: custodian.id, sealedShare, sealedShareSha256: sha256Hex(sealedShare), shareSha256: sha256Hex(plainShares[i]!) });
    }
    return { suite: options.suite, publicKeySpki, keyId, threshold, shares };
  } finally {
    // Best effort: JavaScript gives no guarantee that no other copy exists, but these ones go now.
    privateKeyPkcs8.fill(0);
    for (const share of plainShares) share.fill(0);
  }
}
