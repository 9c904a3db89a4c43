import { createHash, randomBytes } from 'node:crypto';

/** A random bearer token (256 bits) for the cookie, and the digest that is stored instead of it. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
