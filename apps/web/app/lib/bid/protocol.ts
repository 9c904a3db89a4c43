/**
 * Messages between the bid page and its Web Workers. Sealing (seal.worker.ts) and key-file work
 * (keys.worker.ts) run off the main thread: PBKDF2 over a PKCS#12 file and hashing a large bid
 * take seconds, and the page must stay responsive (the countdown keeps ticking at 9:59).
 */
import type { BidBundlePart, OpeningSchedule } from '@ggzy/domain/bid';

/** A failure that crossed the worker boundary: the library's error code and, where it has them, both languages. */
export interface WorkerFailure {
  /** `CertificateError`, `EnvelopeError`, `BidBundleError`, … or `Error`. */
  kind: string;
  code: string | null;
  message: string;
  zh: string | null;
  en: string | null;
}

export interface SealRecipientInfo {
  role: 'bidder' | 'opening';
  /** DER SubjectPublicKeyInfo, base64 (from bidding.sealingInfo). */
  publicKeySpki: string;
}

export interface SealRequest {
  type: 'seal';
  /** The file in the Origin Private File System that receives the envelope. */
  opfsName: string;
  schedule: OpeningSchedule;
  files: Array<{ part: BidBundlePart; name: string; file: File }>;
  recipients: SealRecipientInfo[];
  metadata: Record<string, string>;
  suite: string;
  chunkSize: number;
  maxEnvelopeBytes: number;
}

/**
 * Opens an envelope kept in OPFS, given as a file, or downloaded from the platform (`url`: the
 * company's own submitted envelope, GET /api/bids/<uploadId>/envelope, fetched by the worker with
 * the session cookie and nothing else) with a PKCS#12 key: the self-check and the decryption
 * self-test (解密自检). With `requireBundle` a plaintext that is not a bid bundle is a failure.
 */
export interface OpenRequest {
  type: 'open';
  envelope: { opfsName: string } | { file: Blob } | { url: string };
  p12: Uint8Array;
  password: string;
  requireBundle?: boolean;
}

/**
 * At the opening (docs/opening-hall.md §3): reads only the header of the company's own stored
 * envelope and unwraps its content key with the PKCS#12 key, here in the browser. The page hands
 * over that bare content key and nothing else (never the key file, its password or the private key).
 */
export interface UnwrapRequest {
  type: 'unwrap';
  /** GET /api/bids/<uploadId>/envelope (own company only). */
  url: string;
  p12: Uint8Array;
  password: string;
}

export interface SealSummaryInfo {
  opfsName: string;
  suite: string;
  ciphertextSha256: string;
  envelopeBytes: number;
  plaintextBytes: number;
  chunks: number;
}

export type SealReply =
  | { type: 'progress'; plaintextBytes: number; totalBytes: number; envelopeBytes: number }
  | { type: 'done'; summary: SealSummaryInfo }
  | {
      type: 'opened';
      plaintextBytes: number;
      sha256: string;
      entries: string[];
      schedule: OpeningSchedule | null;
      /** SHA-256 over every envelope byte read (what the receipt names), its size and suite. */
      envelopeSha256: string;
      envelopeBytes: number;
      suite: string;
      /** The key file's certificate: its key id (SHA-256 of the SPKI, docs/pki.md §2). */
      certificateKeyId: string | null;
    }
  | { type: 'unwrapped'; contentKey: Uint8Array; suite: string; certificateKeyId: string | null }
  | { type: 'error'; failure: WorkerFailure };

export type KeysRequest =
  /** Reads a PKCS#12 file: the certificate and private key, for signing here and nothing else. */
  | { type: 'unlock'; p12: Uint8Array; password: string }
  /** A new key pair and a CSR for this subject; the private key stays in the page until saved. */
  | { type: 'csr'; subject: { commonName: string; organisation: string; creditCode: string }; algorithm: 'rsa' | 'sm2' }
  | { type: 'pkcs12'; certificatePem: string; privateKeyPem: string; chainPems: string[]; password: string }
  | { type: 'sign'; privateKeyPem: string; context: string; message: Uint8Array }
  | { type: 'signChallenge'; privateKeyPem: string; challenge: Uint8Array }
  /** The key of a certificate, for sealing to it. */
  | { type: 'certificate'; certificatePem: string };

/** A certificate's public key: DER SubjectPublicKeyInfo (base64), algorithm and envelope key id; null parts if unreadable. */
export interface CertificateKeyInfo {
  spki: string | null;
  algorithm: 'rsa' | 'sm2' | null;
  keyId: string | null;
}

export type KeysReply =
  | ({ type: 'unlocked'; certificatePem: string; privateKeyPem: string; chainPems: string[] } & CertificateKeyInfo)
  | ({ type: 'certificate' } & CertificateKeyInfo)
  | { type: 'csr'; csrPem: string; privateKeyPem: string }
  | { type: 'pkcs12'; bytes: Uint8Array }
  | { type: 'signature'; signature: Uint8Array }
  | { type: 'error'; failure: WorkerFailure };

/** Any thrown value as a WorkerFailure (structured clone keeps only plain data). */
export function failureOf(error: unknown): WorkerFailure {
  const e = error as { name?: unknown; code?: unknown; message?: unknown; zh?: unknown; en?: unknown; reason?: unknown } | null;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    kind: text(e?.name) ?? 'Error',
    // BidBundleError carries the platform code (INVALID_INPUT) in `code` and its own in `reason`.
    code: text(e?.reason) ?? text(e?.code),
    message: text(e?.message) ?? String(error),
    zh: text(e?.zh),
    en: text(e?.en),
  };
}
