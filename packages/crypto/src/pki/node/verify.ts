/**
 * Server-side certificate checks on Node's OpenSSL (`@ggzy/crypto/node`): the same answers as the
 * portable code in pki/ (node-forge, sm-crypto), which browsers and the CLI keep using, at a fraction
 * of the CPU. What this file speeds up, and only that:
 *
 *   - RSA signatures (PKCS#1 v1.5) of an RSA issuer on an RSA certificate, SHA-256/384/512, the
 *     outer and inner signature algorithm the same: `X509Certificate.verify`;
 *   - RSA signed messages and login challenges (RSASSA-PKCS1-v1_5 / SHA-256 over
 *     `context ‖ 0x00 ‖ message`): `crypto.verify`.
 *
 * Everything else (SM2 certificates and signatures, other signature algorithms, certificates
 * OpenSSL cannot read) goes to the portable code. A signature OpenSSL refuses is asked of the
 * portable code too, so the fast path never refuses what the portable path accepts; the only
 * cost of that is on refusals.
 */
import { X509Certificate, constants, verify as nodeVerify, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { readCertificate, signatureVerifies as portableSignatureVerifies, type ParsedCertificate } from '../certificate';
import { rsaPublicKeyOf, spkiOf } from '../x509';
import { CHALLENGE_CONTEXT, checkChallenge, checkContext, framed, verifyFramed } from '../challenge';

const FAST_SIGNATURE_OIDS = new Set([
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
]);

/** A small insertion-ordered LRU on a Map. */
export class Lru<K, V> {
  readonly #map = new Map<K, V>();
  constructor(readonly max: number) {}
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as K);
  }
  clear(): void {
    this.#map.clear();
  }
  get size(): number {
    return this.#map.size;
  }
}

/** OpenSSL's reading of a PEM certificate, or null when it cannot read it (the portable path decides then). */
const x509s = new Lru<string, X509Certificate | null>(4096);

function x509Of(pem: string): X509Certificate | null {
  let x = x509s.get(pem);
  if (x === undefined) {
    try {
      x = new X509Certificate(pem);
    } catch {
      x = null;
    }
    x509s.set(pem, x);
  }
  return x;
}

/** The RSA public key of a certificate, or null when it is not an RSA key OpenSSL reads. */
function rsaKeyOf(pem: string): KeyObject | null {
  const x = x509Of(pem);
  if (!x) return null;
  const key = x.publicKey;
  return key.asymmetricKeyType === 'rsa' ? key : null;
}

/** One plain PEM certificate block (no headers) first in the text: what node-forge's PEM reader would find first. */
const PLAIN_PEM = /^\s*-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/\r\n]+={0,2})\r?\n-----END CERTIFICATE-----/;

/**
 * `forge.pki.certificateFromPem(pem)` with the base64 decoded natively: node-forge's PEM reader is
 * most of its cost. The same DER goes to the same node-forge ASN.1 and X.509 readers; a PEM that
 * is not one plain block goes to node-forge whole.
 */
function forgeCertificateOf(pem: string): forge.pki.Certificate {
  const body = PLAIN_PEM.exec(pem)?.[1];
  if (body === undefined) return forge.pki.certificateFromPem(pem);
  return forge.pki.certificateFromAsn1(forge.asn1.fromDer(Buffer.from(body, 'base64').toString('binary')));
}

/**
 * certificate.ts `readCertificate` for an RSA certificate OpenSSL reads: node-forge parses it once
 * (names, validity, extensions, the key's SubjectPublicKeyInfo as readCertificate writes it),
 * OpenSSL says which algorithm the key is (and reads it for the signature checks). Anything else, and any failure, goes to the portable function,
 * which then says why it refuses.
 */
export function readCertificateNode(pem: string, what = 'the certificate'): ParsedCertificate {
  const x = x509Of(pem);
  if (x && x.publicKey.asymmetricKeyType === 'rsa') {
    try {
      const cert = forgeCertificateOf(pem);
      return { pem, algorithm: 'rsa', forge: cert, spki: spkiOf(rsaPublicKeyOf(cert)) };
    } catch {
      // the portable path decides
    }
  }
  return readCertificate(pem, what);
}

/** The same answer as certificate.ts `signatureVerifies`, on OpenSSL where it can. */
export function signatureVerifiesNode(issuer: ParsedCertificate, child: ParsedCertificate): boolean {
  if (
    issuer.algorithm === 'rsa' &&
    child.algorithm === 'rsa' &&
    FAST_SIGNATURE_OIDS.has(child.forge.signatureOid ?? '') &&
    child.forge.signatureOid === child.forge.siginfo.algorithmOid &&
    issuer.forge.issued(child.forge)
  ) {
    const key = rsaKeyOf(issuer.pem);
    const cert = x509Of(child.pem);
    if (key && cert) {
      let ok = false;
      try {
        ok = cert.verify(key);
      } catch {
        ok = false;
      }
      if (ok) return true;
    }
  }
  return portableSignatureVerifies(issuer, child);
}

/** RSA on OpenSSL when it says yes; otherwise (SM2, a refusal, a certificate OpenSSL cannot read) the portable answer. */
function verifyFramedNode(certificatePem: string, bytes: Uint8Array, signature: Uint8Array): boolean {
  const key = rsaKeyOf(certificatePem);
  if (key) {
    try {
      if (nodeVerify('sha256', bytes, { key, padding: constants.RSA_PKCS1_PADDING }, signature)) return true;
    } catch {
      // the portable path decides
    }
  }
  return verifyFramed(certificatePem, bytes, signature);
}

/** `verifyMessage` (pki/challenge.ts) with RSA on OpenSSL; SM2 and anything OpenSSL refuses on the portable path. */
export function verifyMessageNode(certificatePem: string, context: string, message: Uint8Array, signature: Uint8Array): boolean {
  checkContext(context);
  return verifyFramedNode(certificatePem, framed(context, message), signature);
}

/** `verifyChallenge` (pki/challenge.ts) with RSA on OpenSSL; SM2 and anything OpenSSL refuses on the portable path. */
export function verifyChallengeNode(certificatePem: string, challenge: Uint8Array, signature: Uint8Array): boolean {
  checkChallenge(challenge);
  return verifyFramedNode(certificatePem, framed(CHALLENGE_CONTEXT, challenge), signature);
}
