/**
 * Certificate login (证书登录): the server sends random challenge bytes, the holder signs them with
 * RSASSA-PKCS1-v1_5 / SHA-256 (RSA keys) or SM2 with SM3 and the default user id (SM2 keys, DER
 * signature), the server verifies with the certificate (after validateCertificate). The key's
 * algorithm picks the scheme; the signed bytes are the same for both.
 *
 * PKCS#1 v1.5 rather than PSS because the USB keys (UKey) and external CAs' middleware that bidders
 * already own sign v1.5 almost universally, and WebCrypto does both; node-forge ≥ 1.4.3 verifies
 * v1.5 strictly (older releases accepted forged signatures). The same key signs bid submits, so the
 * signed message is domain-separated: a server cannot pass off a submit digest as a challenge.
 */
import forge from 'node-forge';
import { readCertificate } from './certificate';
import { CertificateError } from './errors';
import { sm2PrivateKeyFromPem, sm2Sign, sm2Verify } from './sm2';
import { binaryOf, bytesOf, parsePrivateKey, rsaPublicKeyOf } from './x509';

export const CHALLENGE_CONTEXT = 'ggzy-login-challenge/v1';
const MIN_CHALLENGE = 16;
const MAX_CHALLENGE = 1024;

export function checkChallenge(challenge: Uint8Array): void {
  if (challenge.length < MIN_CHALLENGE || challenge.length > MAX_CHALLENGE)
    throw new CertificateError('invalid-input', `a challenge has ${MIN_CHALLENGE} to ${MAX_CHALLENGE} bytes`);
}

export function checkContext(context: string): void {
  if (!/^ggzy-[a-z-]+\/v\d+$/.test(context) || context === CHALLENGE_CONTEXT)
    throw new CertificateError('invalid-input', `"${context}" is not a signing context`);
}

/** The signed bytes: ASCII context ‖ 0x00 ‖ message. */
export function framed(context: string, message: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${context}\u0000`);
  const out = new Uint8Array(head.length + message.length);
  out.set(head, 0);
  out.set(message, head.length);
  return out;
}

function sign(privateKeyPem: string, bytes: Uint8Array): Uint8Array {
  const sm2Key = sm2PrivateKeyFromPem(privateKeyPem);
  if (sm2Key) return sm2Sign(sm2Key, bytes);
  const md = forge.md.sha256.create();
  md.update(binaryOf(bytes));
  return bytesOf(parsePrivateKey(privateKeyPem).sign(md));
}

/** The portable check of a signature over already framed bytes (RSA with node-forge, SM2 with sm-crypto). */
export function verifyFramed(certificatePem: string, bytes: Uint8Array, signature: Uint8Array): boolean {
  const cert = readCertificate(certificatePem);
  if (cert.sm2) return sm2Verify(cert.sm2.point, bytes, signature);
  const md = forge.md.sha256.create();
  md.update(binaryOf(bytes));
  try {
    return rsaPublicKeyOf(cert.forge).verify(md.digest().getBytes(), binaryOf(signature));
  } catch {
    return false;
  }
}

export function signChallenge(privateKeyPem: string, challenge: Uint8Array): Uint8Array {
  checkChallenge(challenge);
  return sign(privateKeyPem, framed(CHALLENGE_CONTEXT, challenge));
}

/** True only for a signature by the certificate's key over this challenge. Validate the certificate separately. */
export function verifyChallenge(certificatePem: string, challenge: Uint8Array, signature: Uint8Array): boolean {
  checkChallenge(challenge);
  return verifyFramed(certificatePem, framed(CHALLENGE_CONTEXT, challenge), signature);
}

/**
 * Signed messages other than login challenges (bid submits, withdrawals): the same scheme with the
 * message's own context string, so that no signed message can be replayed as another kind.
 * Signed bytes: ASCII context ‖ 0x00 ‖ message (any length).
 */
export function signMessage(privateKeyPem: string, context: string, message: Uint8Array): Uint8Array {
  checkContext(context);
  return sign(privateKeyPem, framed(context, message));
}

/** True only for a signature by the certificate's key over context ‖ 0x00 ‖ message. Validate the certificate separately. */
export function verifyMessage(certificatePem: string, context: string, message: Uint8Array, signature: Uint8Array): boolean {
  checkContext(context);
  return verifyFramed(certificatePem, framed(context, message), signature);
}
