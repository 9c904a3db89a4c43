/**
 * Certificate login (证书登录): the server sends random challenge bytes, the holder signs them with
 * RSASSA-PKCS1-v1_5 / SHA-256, the server verifies with the certificate (after validateCertificate).
 *
 * PKCS#1 v1.5 rather than PSS because the USB keys (UKey) and external CAs' middleware that bidders
 * already own sign v1.5 almost universally, and WebCrypto does both; node-forge ≥ 1.4.3 verifies
 * v1.5 strictly (older releases accepted forged signatures). The same key signs bid submits, so the
 * signed message is domain-separated: a server cannot pass off a submit digest as a challenge.
 */
import forge from 'node-forge';
import { CertificateError } from './errors';
import { binaryOf, bytesOf, parseCertificate, parsePrivateKey, rsaPublicKeyOf } from './x509';

export const CHALLENGE_CONTEXT = 'ggzy-login-challenge/v1';
const MIN_CHALLENGE = 16;
const MAX_CHALLENGE = 1024;

function digestOf(challenge: Uint8Array): forge.md.MessageDigest {
  if (challenge.length < MIN_CHALLENGE || challenge.length > MAX_CHALLENGE)
    throw new CertificateError('invalid-input', `a challenge has ${MIN_CHALLENGE} to ${MAX_CHALLENGE} bytes`);
  // Signed message: ASCII context ‖ 0x00 ‖ challenge.
  const md = forge.md.sha256.create();
  md.update(`${CHALLENGE_CONTEXT}\u0000`);
  md.update(binaryOf(challenge));
  return md;
}

export function signChallenge(privateKeyPem: string, challenge: Uint8Array): Uint8Array {
  const key = parsePrivateKey(privateKeyPem);
  return bytesOf(key.sign(digestOf(challenge)));
}

/** True only for a signature by the certificate's key over this challenge. Validate the certificate separately. */
export function verifyChallenge(certificatePem: string, challenge: Uint8Array, signature: Uint8Array): boolean {
  const publicKey = rsaPublicKeyOf(parseCertificate(certificatePem));
  const md = digestOf(challenge);
  try {
    return publicKey.verify(md.digest().getBytes(), binaryOf(signature));
  } catch {
    return false;
  }
}

/**
 * Signed messages other than login challenges (bid submits, withdrawals): the same scheme with the
 * message's own context string, so that no signed message can be replayed as another kind.
 * Signed bytes: ASCII context ‖ 0x00 ‖ message (any length).
 */
function messageDigestOf(context: string, message: Uint8Array): forge.md.MessageDigest {
  if (!/^ggzy-[a-z-]+\/v\d+$/.test(context) || context === CHALLENGE_CONTEXT)
    throw new CertificateError('invalid-input', `"${context}" is not a signing context`);
  const md = forge.md.sha256.create();
  md.update(`${context}\u0000`);
  md.update(binaryOf(message));
  return md;
}

export function signMessage(privateKeyPem: string, context: string, message: Uint8Array): Uint8Array {
  const key = parsePrivateKey(privateKeyPem);
  return bytesOf(key.sign(messageDigestOf(context, message)));
}

/** True only for a signature by the certificate's key over context ‖ 0x00 ‖ message. Validate the certificate separately. */
export function verifyMessage(certificatePem: string, context: string, message: Uint8Array, signature: Uint8Array): boolean {
  const publicKey = rsaPublicKeyOf(parseCertificate(certificatePem));
  const md = messageDigestOf(context, message);
  try {
    return publicKey.verify(md.digest().getBytes(), binaryOf(signature));
  } catch {
    return false;
  }
}
