/**
 * The API answers the CLI relies on (docs/sealed-bids.md), as zod schemas: every answer is checked
 * at the edge, so a platform that drifts from the contract fails with a clear message instead of a
 * signature over the wrong thing. Objects are loose: the platform may add fields.
 */
import { z } from 'zod';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: 'base64' });
const hex = z.string().regex(/^[0-9a-f]+$/i, { error: 'hex' });
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { error: 'lowercase hex SHA-256' });

export const enrolAnswer = z.looseObject({
  id: z.string(),
  certificatePem: z.string().includes('BEGIN CERTIFICATE'),
  chainPem: z.array(z.string()),
  serial: z.string(),
  notAfter: z.union([z.string(), z.date()]),
});

export const myCertificates = z.array(
  z.looseObject({
    id: z.string(),
    serial: z.string(),
    status: z.enum(['valid', 'expired', 'revoked']),
  }),
);

export const me = z
  .looseObject({
    accountId: z.string(),
    username: z.string(),
    displayName: z.string(),
    organisationId: z.string().nullable(),
    organisationName: z.string().nullable(),
  })
  .nullable();

export const sealingInfo = z.looseObject({
  section: z.looseObject({ id: z.string(), code: z.string(), name: z.string(), deadline: z.union([z.string(), z.date()]), state: z.string() }),
  suite: z.string(),
  chunkSize: z.number().int().min(16),
  maxEnvelopeBytes: z.number().int().positive(),
  recipients: z.array(z.looseObject({ role: z.enum(['bidder', 'opening']), keyId: hex, publicKeySpki: base64 })).min(1),
  metadata: z.record(z.string(), z.string()),
  certificate: z.looseObject({ id: z.string(), serial: z.string() }).nullable(),
});
export type SealingInfo = z.infer<typeof sealingInfo>;

export const receiptBody = z.looseObject({
  type: z.literal('ggzy-receipt/v1'),
  submissionId: z.string(),
  kind: z.enum(['submit', 'withdraw']),
  sectionId: z.string(),
  sectionCode: z.string(),
  organisationId: z.string(),
  organisationName: z.string(),
  ciphertextSha256: sha256Hex.nullable(),
  envelopeBytes: z.number().int().nonnegative().nullable(),
  receivedAt: z.string(),
  traceEntryId: z.number().int().nonnegative(),
  traceIndex: z.number().int().nonnegative(),
  logOrigin: z.string(),
});
export type ReceiptBody = z.infer<typeof receiptBody>;

/** The receipt as a witness (docs/trace-log.md): the checkpoint that first included its entry, and the proof. */
export const receiptInclusion = z.looseObject({ checkpoint: z.string(), leafHash: sha256Hex, proof: z.array(sha256Hex) });

export const receipt = z.looseObject({ body: receiptBody, signature: base64, keyId: hex, inclusion: receiptInclusion.optional() });
export type Receipt = z.infer<typeof receipt>;

export const receiptKey = z.looseObject({ keyId: hex, publicKey: base64 });
export type ReceiptKey = z.infer<typeof receiptKey>;

export const logStatus = z.looseObject({
  origin: z.string(),
  verifierKey: z.string(),
  checkpoint: z.looseObject({ size: z.number().int().nonnegative(), note: z.string() }).nullable().optional(),
});

export const consistencyProof = z.looseObject({ proof: z.array(hex), first: z.string().nullable(), second: z.string() });

export const inclusionProof = z.looseObject({
  index: z.number().int(),
  leafHash: hex,
  proof: z.array(hex),
  checkpoint: z.looseObject({ size: z.number().int(), note: z.string() }),
});

export const traceEntries = z.array(
  z.looseObject({
    seq: z.number().int(),
    id: z.number().int(),
    at: z.string(),
    actorId: z.string().nullable(),
    actorName: z.string().nullable(),
    organisationId: z.string().nullable(),
    role: z.string().nullable(),
    action: z.string(),
    outcome: z.enum(['ok', 'denied', 'failed']),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    digests: z.record(z.string(), z.string()),
    details: z.record(z.string(), z.string()),
  }),
);
