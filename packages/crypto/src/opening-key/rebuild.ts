/**
 * After the deadline, when a bidder's own key is lost (DESIGN.md §4): k custodians open their sealed
 * shares, and the server rebuilds the opening key in memory. shamir-secret-sharing returns bytes for
 * any share set, right or wrong, so the rebuilt key is proved against the published public half
 * before anyone uses it: a wrong or short share set fails loudly instead of yielding garbage.
 */
import { combine } from 'shamir-secret-sharing';
import { sha256Hex } from '../digest';
import { openEnvelopeToBytes, type ByteSource, type EnvelopePrivateKey, type OpeningKey } from '../envelope';
import { OpeningKeyError } from './errors';
import { openingKeySuite } from './suites';

/** Envelope metadata of a sealed share: which opening key and custodian it belongs to. */
export const SHARE_METADATA = {
  keyId: 'opening-key',
  custodian: 'custodian',
  threshold: 'threshold',
  shares: 'shares',
} as const;

export interface OpenedShare {
  /** The plain share: hand it to rebuildOpeningKey and drop it. */
  share: Uint8Array;
  /** The opening key (hex key id) and custodian the share was sealed for, from the authenticated header. */
  keyId: string;
  custodianId: string;
}

/**
 * The custodian's side: opens its sealed share with its certificate's private key. `expectKeyId`
 * refuses a share of another section's key (the header binding is authenticated by the envelope).
 */
export async function openSealedShare(options: {
  sealedShare: ByteSource;
  /** The custodian's certificate private key, as the envelope reader takes it (WebCrypto RSA-OAEP, or an Sm2PrivateKey). */
  key: Extract<OpeningKey, { privateKey: unknown }>;
  expectKeyId?: string;
}): Promise<OpenedShare> {
  let opened: Awaited<ReturnType<typeof openEnvelopeToBytes>>;
  try {
    opened = await openEnvelopeToBytes({ envelope: options.sealedShare, key: options.key });
  } catch (error) {
    throw new OpeningKeyError('wrong-share', `the sealed share does not open with this key (${(error as Error).message})`);
  }
  const keyId = opened.header.metadata[SHARE_METADATA.keyId];
  const custodianId = opened.header.metadata[SHARE_METADATA.custodian];
  if (!keyId || !custodianId) throw new OpeningKeyError('wrong-share', 'the envelope is not an opening-key share');
  if (options.expectKeyId !== undefined && keyId !== options.expectKeyId)
    throw new OpeningKeyError('wrong-share', `the share belongs to opening key ${keyId.slice(0, 16)}…, not ${options.expectKeyId.slice(0, 16)}…`);
  return { share: opened.plaintext, keyId, custodianId };
}

export interface RebuildOpeningKeyOptions {
  suite: string;
  /** The published public half (opening_key.public_key_spki). */
  publicKeySpki: Uint8Array;
  /** k, when known: fewer shares than that are refused before any arithmetic. */
  threshold?: number;
  shares: readonly Uint8Array[];
  /**
   * Also return the rebuilt PKCS#8 bytes. Only for checks that must compare bytes (tests, an audit
   * that the platform stored nothing private); the opening itself never needs them.
   */
  exportPkcs8?: boolean;
}

export interface RebuiltOpeningKey {
  /**
   * The envelope reader's private key (`openEnvelope({ key: { privateKey } })`): for the RSA suite a
   * non-extractable WebCrypto key (it decrypts content keys and cannot be exported again); for the
   * GM/T suite an Sm2PrivateKey, a plain object (WebCrypto has no SM2): keep it in memory only and
   * zero its `d` when done.
   */
  privateKey: EnvelopePrivateKey;
  /** Only with `exportPkcs8`. */
  privateKeyPkcs8?: Uint8Array;
  keyId: string;
}

export async function rebuildOpeningKey(options: RebuildOpeningKeyOptions): Promise<RebuiltOpeningKey> {
  const suite = openingKeySuite(options.suite);
  const { shares } = options;
  const needed = Math.max(2, options.threshold ?? 2);
  if (shares.length < needed)
    throw new OpeningKeyError('not-enough-shares', `${shares.length} share(s) given; ${needed} are needed to rebuild the opening key`);
  if (new Set(shares.map((s) => s.length)).size !== 1)
    throw new OpeningKeyError('shares-do-not-match', 'the shares differ in length: they are not shares of one key');
  let pkcs8: Uint8Array;
  try {
    pkcs8 = await combine([...shares]);
  } catch (error) {
    // For example two copies of one share.
    throw new OpeningKeyError('shares-do-not-match', `the shares cannot be combined (${(error as Error).message})`);
  }
  try {
    const privateKey = await suite.importVerified(pkcs8, options.publicKeySpki);
    return { privateKey, keyId: sha256Hex(options.publicKeySpki), ...(options.exportPkcs8 ? { privateKeyPkcs8: Uint8Array.from(pkcs8) } : {}) };
  } finally {
    pkcs8.fill(0);
  }
}
