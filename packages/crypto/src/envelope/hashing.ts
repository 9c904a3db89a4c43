/**
 * Incremental SHA-256 for the commitment and the ciphertext digest. WebCrypto has no streaming
 * digest, so the portable default is @noble/hashes (pure JS, ~180 MB/s on the CI machine). The CLI
 * and the server may pass Node's native hash (`() => createHash('sha256')`, ~10× faster) so that
 * sealing a large bid is bound by AES-GCM rather than by hashing; this module never imports node:*.
 */
import { sha256 } from '@noble/hashes/sha2.js';

export interface IncrementalSha256 {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

export type Sha256Factory = () => IncrementalSha256;

export const nobleSha256: Sha256Factory = () => sha256.create();
