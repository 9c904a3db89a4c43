/**
 * The sealed-bid envelope (DESIGN.md §4, docs/envelope.md). Portable: safe to import in a browser
 * Web Worker. The Node backend is a separate entry, `@ggzy/crypto/node`. Test-vector hooks are
 * deliberately not exported.
 */
export { EnvelopeError, type EnvelopeErrorCode } from './errors';
export {
  DEFAULT_CHUNK_SIZE,
  SUITE_RSA_AES,
  SUITE_SM2_SM4,
  SUPPORTED_SUITES,
  type EnvelopeHeader,
  type EnvelopeSuiteId,
  type RecipientRole,
  type RecipientStanza,
} from './format';
export { keyIdOfSpki } from './rsa-aes-suite';
export {
  generateSm2KeyPair,
  isSm2PrivateKey,
  isSm2Spki,
  sm2PrivateKeyFromPkcs8,
  sm2PrivateKeyToPkcs8,
  sm2SpkiOfPoint,
  type Sm2KeyPair,
  type Sm2PrivateKey,
} from './sm2-keys';
export { envelopeRecipientFromSpki } from './recipient';
export type { EnvelopePrivateKey } from './suite';
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
export { portableBackend, type ChunkAead, type EnvelopeBackend, type IncrementalHash, type IncrementalSha256, type Sha256Factory } from './backend';
