/**
 * One reading of a certificate for both key algorithms the platform accepts: RSA (node-forge reads
 * it whole) and SM2 (node-forge reads names, validity and extensions; the key and the SM2-with-SM3
 * signature are read by sm2.ts). Validation, login and the envelope's key id work on this.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import forge from 'node-forge';
import { CertificateError } from './errors';
import { SM2_DEFAULT_USER_ID, SM2_WITH_SM3, readSm2Signed, sm2Verify } from './sm2';
import { bytesOf, hexOf, parseCertificate, publicKeyAlgorithmOfCertificate, rsaPublicKeyOf, spkiOf } from './x509';

export interface ParsedCertificate {
  pem: string;
  algorithm: 'rsa' | 'sm2';
  /** node-forge's certificate: names, validity, serial, extensions. For SM2 its publicKey is a stand-in: use `spki`. */
  forge: forge.pki.Certificate;
  /** DER SubjectPublicKeyInfo of the real key (canonical encoding). */
  spki: Uint8Array;
  /** SM2 only: the public point (04 ‖ x ‖ y), the signed bytes, the signature algorithm and value. */
  sm2?: { point: Uint8Array; toBeSigned: Uint8Array; signatureOid: string; signature: Uint8Array };
}

function derOf(pem: string, what: string): Uint8Array {
  try {
    const block = forge.pem.decode(pem)[0];
    if (!block) throw new Error('no PEM block');
    return bytesOf(block.body);
  } catch (error) {
    throw new CertificateError('malformed', `${what} is not PEM-encoded DER (${(error as Error).message})`);
  }
}

/** Reads an RSA or SM2 certificate; anything else is `unsupported-algorithm`, unreadable input `malformed`. */
export function readCertificate(pem: string, what = 'the certificate'): ParsedCertificate {
  const algorithm = publicKeyAlgorithmOfCertificate(pem);
  if (algorithm === 'rsa') {
    const cert = parseCertificate(pem, what);
    return { pem, algorithm, forge: cert, spki: spkiOf(rsaPublicKeyOf(cert)) };
  }
  if (algorithm === 'sm2') {
    const read = readSm2Signed<forge.pki.Certificate>(derOf(pem, what), what, 'certificate');
    return {
      pem,
      algorithm,
      forge: read.parsed,
      spki: read.spki,
      sm2: { point: read.point, toBeSigned: read.toBeSigned, signatureOid: read.signatureOid, signature: read.signature },
    };
  }
  throw new CertificateError('unsupported-algorithm', `${what} carries neither an RSA nor an SM2 key`);
}

/**
 * True if `issuer`'s key signed `child`. RSA issuers verify RSA certificates (node-forge, strict
 * PKCS#1 v1.5); SM2 issuers verify SM2-with-SM3 signatures, as national-crypto CAs issue them.
 * A certificate of one algorithm signed by a key of the other is not something the platform's or
 * a GM/T CA's profile produces, and does not verify here.
 */
export function signatureVerifies(issuer: ParsedCertificate, child: ParsedCertificate): boolean {
  if (issuer.algorithm === 'rsa' && child.algorithm === 'rsa') {
    try {
      return issuer.forge.verify(child.forge);
    } catch {
      return false;
    }
  }
  if (issuer.sm2 && child.sm2) {
    if (child.sm2.signatureOid !== SM2_WITH_SM3) return false;
    // Certificates accept the empty user id too: OpenSSL 3 signs with it unless told otherwise.
    return sm2Verify(issuer.sm2.point, child.sm2.toBeSigned, child.sm2.signature, [SM2_DEFAULT_USER_ID, '']);
  }
  return false;
}

/** docs/pki.md §2: hex SHA-256 of the DER SubjectPublicKeyInfo, the envelope's key_id, for both algorithms. */
export function keyIdOf(cert: ParsedCertificate): string {
  return hexOf(sha256(cert.spki));
}

/** The SubjectPublicKeyInfo (DER) of an RSA or SM2 certificate: what an envelope wraps its content key to. */
export function subjectPublicKeyInfoOf(pem: string, what = 'the certificate'): Uint8Array {
  return readCertificate(pem, what).spki;
}

/** The key algorithm of a certificate the platform accepts, i.e. the envelope suite it can receive. */
export function certificateKeyAlgorithm(pem: string, what = 'the certificate'): 'rsa' | 'sm2' {
  return readCertificate(pem, what).algorithm;
}
