import { randomToken, sha256Hex } from '@ggzy/crypto';

/** A random bearer token (256 bits) for the session cookie. */
export function newToken(): string {
  return randomToken(32);
}

/** What is stored instead of the token: a copy of the database does not let anyone sign in. */
export function tokenDigest(token: string): string {
  return sha256Hex(token);
}
