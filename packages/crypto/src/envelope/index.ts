/** The sealed-bid envelope (DESIGN.md §4, docs/envelope.md). Test-vector hooks are deliberately not exported. */
export { EnvelopeError, type EnvelopeErrorCode } from './errors';
export {
  DEFAULT_CHUNK_SIZE,
  SUITE_RSA_AES,
  type EnvelopeHeader,
  type RecipientRole,
  type RecipientStanza,
} from './format';
export { keyIdOfSpki } from './rsa-aes-suite';
export {
  sealEnvelope,
  type SealEnvelopeOptions,
  type SealProgress,
  type SealRecipient,
  type SealSummary,
  type SealedEnvelope,
} from './seal';
export {
  openEnvelope,
  openEnvelopeToBytes,
  readEnvelopeHeader,
  unwrapEnvelopeContentKey,
  type EnvelopeHeaderInfo,
  type OpenEnvelopeOptions,
  type OpeningKey,
} from './open';
export { inspectEnvelope, type EnvelopeInspection } from './inspect';
export type { ByteSource } from './byte-stream';
export type { IncrementalSha256, Sha256Factory } from './hashing';
