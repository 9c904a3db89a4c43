/**
 * Digests and random values that run the same in Node and in the browser (sealing in the browser
 * comes in the sealed-bid work, DESIGN.md §4). Primitives come from @noble/hashes and WebCrypto's
 * random source; nothing here implements a primitive itself.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

const encoder = new TextEncoder();

export function sha256Hex(data: string | Uint8Array): string {
  return bytesToHex(sha256(typeof data === 'string' ? encoder.encode(data) : data));
}

/** Cryptographically random bytes from the platform's CSPRNG (WebCrypto, in Node and browsers). */
export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

/** A random token, base64url without padding: 32 bytes = 256 bits by default. */
export function randomToken(bytes = 32): string {
  let binary = '';
  for (const b of randomBytes(bytes)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Constant-time comparison of two strings of equal length (tokens, digests). */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
