/**
 * Receipts (回执, docs/sealed-bids.md §6): every submit and withdrawal is answered at once with a
 * statement signed by the platform: section, company, ciphertext digest and size, the time on the
 * database clock, and the entry's place in the trace log. Ed25519 over
 * `"ggzy-receipt/v1\n" ‖ JCS(body)` (RFC 8785), so any JSON library can rebuild the signed bytes.
 */
import canonicalize from 'canonicalize';
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { ReceiptSigner } from '../context';

export const RECEIPT_TYPE = 'ggzy-receipt/v1';

export interface ReceiptBody {
  type: typeof RECEIPT_TYPE;
  submissionId: string;
  kind: 'submit' | 'withdraw';
  sectionId: string;
  sectionCode: string;
  organisationId: string;
  organisationName: string;
  ciphertextSha256: string | null;
  envelopeBytes: number | null;
  /** ISO 8601, database clock, millisecond precision. */
  receivedAt: string;
  traceEntryId: number;
  /** The entry's leaf index in the trace log's Merkle tree. */
  traceIndex: number;
  logOrigin: string;
}

export interface Receipt {
  body: ReceiptBody;
  /** Base64 Ed25519 signature. */
  signature: string;
  /** Hex SHA-256 of the raw public key (GET /api/receipts/key). */
  keyId: string;
  /**
   * The receipt as a witness of the log (docs/trace-log.md): the signed checkpoint that first
   * included the entry at `body.traceIndex`, and the entry's inclusion proof under it. Outside the
   * signed body: the checkpoint carries the log key's signature and the proof checks against its
   * root, so neither needs the receipt key. Absent only when the log has no checkpoint covering the
   * entry (never on an intact log: the sequencer signs one in the run that places the entry).
   */
  inclusion?: ReceiptInclusion;
}

export interface ReceiptInclusion {
  /** The signed checkpoint note (C2SP signed-note), of size > traceIndex. */
  checkpoint: string;
  /** Hex leaf hash of the entry at traceIndex. */
  leafHash: string;
  /** Hex hashes of the inclusion proof (RFC 9162 §2.1.3), leaf to root. */
  proof: string[];
}

// An Ed25519 private key is its 32-byte seed; PKCS#8 wraps it behind this fixed DER prefix (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
// …and the public key's SubjectPublicKeyInfo is this prefix and the raw 32 bytes.
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function createReceiptSigner(seed: Uint8Array): ReceiptSigner {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed has 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX.length));
  return {
    keyId: createHash('sha256').update(publicKey).digest('hex'),
    publicKey,
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

/** The exact bytes a receipt's signature covers. */
export function receiptSignedBytes(body: ReceiptBody): Uint8Array {
  return new TextEncoder().encode(`${RECEIPT_TYPE}\n${canonicalize(body)}`);
}

export function signReceipt(signer: ReceiptSigner, body: ReceiptBody): Receipt {
  return { body, signature: Buffer.from(signer.sign(receiptSignedBytes(body))).toString('base64'), keyId: signer.keyId };
}

function publicKeyOf(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** True when the receipt is signed by this key (raw 32 bytes, as GET /api/receipts/key gives it in base64). */
export function verifyReceipt(receipt: Receipt, publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  if (receipt.keyId !== createHash('sha256').update(publicKey).digest('hex')) return false;
  try {
    return verify(null, receiptSignedBytes(receipt.body), publicKeyOf(publicKey), Buffer.from(receipt.signature, 'base64'));
  } catch {
    return false;
  }
}
