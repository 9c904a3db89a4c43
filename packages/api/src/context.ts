import type { Database } from '@ggzy/db';
import type { CheckpointSigner, TraceActor } from '@ggzy/audit';
import type { ObjectStore } from '@ggzy/storage';
import type { Role } from '@ggzy/domain';
import type { PlatformCa } from '@ggzy/crypto';
import type { PdfSigner } from '@ggzy/pdf';
import type { LiveHub } from './live/watch';

/** What a request carries that the procedures may use. Built by the HTTP adapter or by tests. */
export interface RequestInfo {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  cookies: Record<string, string | undefined>;
  /** The `x-csrf-token` header, compared with the `ggzy_csrf` cookie on mutations. */
  csrfHeader: string | null;
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  httpOnly?: boolean;
}

/**
 * The platform's receipt key (回执签名密钥, docs/sealed-bids.md §6): Ed25519, kept outside the database
 * like the checkpoint key. Made by `createReceiptSigner` (packages/api/src/bidding/receipt.ts).
 */
export interface ReceiptSigner {
  /** Hex SHA-256 of the raw 32-byte public key. */
  readonly keyId: string;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface Services {
  db: Database;
  store: ObjectStore;
  signer: CheckpointSigner;
  /** Signs the receipts (回执) answered to every submit and withdrawal. */
  receiptSigner: ReceiptSigner;
  /** The platform CA (issues at enrolment) and the external roots the deployment trusts (CA互认). */
  pki: { ca: PlatformCa; sm2Ca?: PlatformCa | undefined; trustedRootsPem: string[] };
  /**
   * The platform's document-signing key and certificate (开标记录签章, docs/decisions/015-signed-pdf.md),
   * issued by the RSA platform CA. Absent: the closed opening record gets no PDF.
   */
  pdfSigner?: PdfSigner | undefined;
  /**
   * Runs the trace sequencer now (coalesced with a run already under way) and resolves when it has
   * placed what was committed before the call; used where an answer must carry a trace index (receipts).
   */
  sequenceNow(): Promise<void>;
  /** The process's LISTEN on live events (live/watch.ts); absent (tests): live views poll the table. */
  live?: LiveHub | undefined;
  settings: {
    sessionTtlHours: number;
    sessionIdleMinutes: number;
    secureCookies: boolean;
    /** OCDS: the registered ocid prefix and the public portal address used in release URLs. */
    ocidPrefix: string;
    publicUrl: string;
    /** Seconds the portal's list may be served from memory (0: never). */
    portalCacheSeconds?: number;
    /** Folder where resumable (tus) uploads are staged until complete. */
    uploadDir: string;
    /** Largest sealed bid accepted (Upload-Length); 2 GiB unless configured. */
    maxEnvelopeBytes?: number;
    /** Anonymous refusals per address before 429 (burst) and their refill per minute (refusals.ts). */
    anonymousRefusalLimit?: { burst: number; perMinute: number };
    /** Recusal rules the deployment adds to the expert draw (evaluation/draw.ts), e.g. not the same tenderer within N months. */
    drawRules?: { sameTendererMonths?: number };
  };
}

export interface SessionAccount {
  sessionId: string;
  accountId: string;
  username: string;
  displayName: string;
  role: Role;
  organisationId: string | null;
  organisationName: string | null;
  /** 统一社会信用代码, for certificate requests (the CSR's serialNumber). */
  organisationCreditCode?: string | null;
  regionCode: string;
}

export interface ApiContext extends Services {
  request: RequestInfo;
  setCookie(name: string, value: string, options?: CookieOptions): void;
  clearCookie(name: string): void;
  /** The signed-in account, resolved once per request (null: no or invalid session). */
  session(): Promise<SessionAccount | null>;
}

export const SESSION_COOKIE = 'ggzy_session';
export const CSRF_COOKIE = 'ggzy_csrf';

/** The trace-log fields that describe who acted, from the request and its session. */
export function actorOf(request: RequestInfo, account: SessionAccount | null): TraceActor {
  return {
    actorId: account?.accountId ?? null,
    actorName: account?.username ?? null,
    organisationId: account?.organisationId ?? null,
    role: account?.role ?? null,
    requestId: request.requestId,
    ip: request.ip,
    userAgent: request.userAgent,
  };
}
