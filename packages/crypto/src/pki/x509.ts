/**
 * Reading X.509 with node-forge (≥ 1.4.3; see DESIGN.md §4) and the platform's certificate profile.
 * Everything here is portable (node-forge and @noble/hashes; no node:* imports).
 *
 * SM2 (GM/T 0015): `publicKeyAlgorithmOfCertificate` reads the SPKI algorithm before node-forge
 * (which understands RSA only) parses the certificate; certificate.ts branches there to sm2.ts for
 * SM2 certificates. The helpers below that take a node-forge certificate work for both (for SM2,
 * node-forge's object carries a stand-in key; the real one is in ParsedCertificate.spki).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import forge from 'node-forge';
import { CertificateError } from './errors';

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  sm2Curve: '1.2.156.10197.1.301',
  commonName: '2.5.4.3',
  /** X.520 serialNumber: where the platform profile puts the 统一社会信用代码 (docs/pki.md). */
  serialNumber: '2.5.4.5',
  country: '2.5.4.6',
  organisation: '2.5.4.10',
  organisationalUnit: '2.5.4.11',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** Smallest RSA modulus accepted anywhere in the module (the envelope refuses shorter keys too). */
export const MIN_RSA_BITS = 2048;

export type PublicKeyAlgorithm = 'rsa' | 'sm2' | 'other';

/** The subject of an end-entity certificate as the platform reads it. */
export interface CertificateSubject {
  /** CN: the company's name (or the custodian's name). */
  commonName: string;
  /** O: the organisation. */
  organisation: string;
  /** 统一社会信用代码 (GB 32100-2015), from the subject's serialNumber attribute (2.5.4.5). */
  creditCode: string | undefined;
  /** OU, when present. */
  organisationalUnit: string | undefined;
  /** C, when present. */
  country: string | undefined;
}

/** 18 characters from the GB 32100-2015 alphabet (digits and capitals except I, O, Z, S, V). */
const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export function isCreditCode(value: string): boolean {
  return CREDIT_CODE.test(value);
}

export function bytesOf(binary: string): Uint8Array {
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function binaryOf(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return s;
}

export function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Serials compare as lowercase hex without leading zero bytes (DER may prepend 00 to keep them positive). */
export function normaliseSerial(serial: string): string {
  const hex = serial.toLowerCase().replace(/[^0-9a-f]/g, '').replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

function derOfPem(pem: string, what: string): forge.asn1.Asn1 {
  try {
    const msg = forge.pem.decode(pem)[0];
    if (!msg) throw new Error('no PEM block');
    return forge.asn1.fromDer(msg.body);
  } catch (error) {
    throw new CertificateError('malformed', `${what} is not PEM-encoded DER (${(error as Error).message})`);
  }
}

function child(node: forge.asn1.Asn1 | undefined, index: number): forge.asn1.Asn1 | undefined {
  return node && Array.isArray(node.value) ? node.value[index] : undefined;
}

/** Reads the public-key algorithm of a certificate's SPKI without asking node-forge to understand the key. */
export function publicKeyAlgorithmOfCertificate(pem: string): PublicKeyAlgorithm {
  const tbs = child(derOfPem(pem, 'the certificate'), 0);
  // TBSCertificate: [0] version (optional), serial, signature, issuer, validity, subject, spki, …
  const first = child(tbs, 0);
  const offset = first && first.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const algorithm = child(child(tbs, 5 + offset), 0);
  const oidNode = child(algorithm, 0);
  if (!oidNode || typeof oidNode.value !== 'string') throw new CertificateError('malformed', 'the certificate has no public key');
  const oid = forge.asn1.derToOid(oidNode.value);
  if (oid === OID.rsaEncryption) return 'rsa';
  const curve = child(algorithm, 1);
  if (oid === OID.ecPublicKey && curve && typeof curve.value === 'string' && forge.asn1.derToOid(curve.value) === OID.sm2Curve)
    return 'sm2';
  return 'other';
}

/**
 * Parses an RSA certificate with node-forge; anything else is `unsupported-algorithm` or
 * `malformed`. Code that accepts SM2 too uses readCertificate (certificate.ts).
 */
export function parseCertificate(pem: string, what = 'the certificate'): forge.pki.Certificate {
  const algorithm = publicKeyAlgorithmOfCertificate(pem);
  if (algorithm === 'sm2')
    throw new CertificateError('unsupported-algorithm', `${what} is an SM2 certificate, which this operation does not take`);
  if (algorithm !== 'rsa') throw new CertificateError('unsupported-algorithm', `${what} does not carry an RSA key`);
  try {
    return forge.pki.certificateFromPem(pem);
  } catch (error) {
    throw new CertificateError('malformed', `${what} cannot be parsed (${(error as Error).message})`);
  }
}

export function rsaPublicKeyOf(cert: forge.pki.Certificate): forge.pki.rsa.PublicKey {
  return cert.publicKey as forge.pki.rsa.PublicKey;
}

/** DER SubjectPublicKeyInfo of the certificate's key, in the canonical encoding WebCrypto exports. */
export function spkiOf(publicKey: forge.pki.rsa.PublicKey): Uint8Array {
  return bytesOf(forge.asn1.toDer(forge.pki.publicKeyToAsn1(publicKey)).getBytes());
}

/**
 * The key id of docs/envelope.md §2: SHA-256 of the DER SubjectPublicKeyInfo. The same function as
 * the envelope's `keyIdOfSpki`, so a certificate's key id finds its recipient stanza.
 */
export function keyIdOfCertificate(cert: forge.pki.Certificate): string {
  return hexOf(sha256(spkiOf(rsaPublicKeyOf(cert))));
}

/** Name attributes as written: UTF8String values decoded from the raw bytes node-forge returns. */
export function decodedAttributes(attributes: forge.pki.CertificateField[]): forge.pki.CertificateField[] {
  return attributes.map((a) => {
    const tag = (a as { valueTagClass?: number }).valueTagClass;
    if (tag !== forge.asn1.Type.UTF8 || typeof a.value !== 'string') return a;
    try {
      return { ...a, value: forge.util.decodeUtf8(a.value) };
    } catch {
      return a;
    }
  });
}

export function nameValue(attributes: forge.pki.CertificateField[], oid: string): string | undefined {
  const value = decodedAttributes(attributes).find((a) => a.type === oid)?.value;
  return typeof value === 'string' ? value : undefined;
}

function attribute(cert: forge.pki.Certificate, oid: string): string | undefined {
  return nameValue(cert.subject.attributes, oid);
}

export function subjectOf(cert: forge.pki.Certificate): CertificateSubject {
  return {
    commonName: attribute(cert, OID.commonName) ?? '',
    organisation: attribute(cert, OID.organisation) ?? '',
    creditCode: attribute(cert, OID.serialNumber),
    organisationalUnit: attribute(cert, OID.organisationalUnit),
    country: attribute(cert, OID.country),
  };
}

interface BasicConstraints {
  cA: boolean;
  pathLenConstraint: number | undefined;
}

export function basicConstraintsOf(cert: forge.pki.Certificate): BasicConstraints | undefined {
  const ext = cert.getExtension('basicConstraints') as { cA?: boolean; pathLenConstraint?: number } | null;
  return ext ? { cA: ext.cA === true, pathLenConstraint: ext.pathLenConstraint } : undefined;
}

export function keyUsageOf(cert: forge.pki.Certificate): Record<string, boolean> | undefined {
  return (cert.getExtension('keyUsage') as Record<string, boolean> | null) ?? undefined;
}

export function subjectKeyIdOf(cert: forge.pki.Certificate): string | undefined {
  const ext = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  return ext?.subjectKeyIdentifier?.toLowerCase();
}

/** node-forge writes but does not read authorityKeyIdentifier; keyIdentifier is its [0] field. */
export function authorityKeyIdOf(cert: forge.pki.Certificate): string | undefined {
  const ext = cert.getExtension('authorityKeyIdentifier') as { value?: string } | null;
  if (!ext || typeof ext.value !== 'string') return undefined;
  try {
    const seq = forge.asn1.fromDer(ext.value);
    const keyId = Array.isArray(seq.value)
      ? seq.value.find((n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 0)
      : undefined;
    return keyId && typeof keyId.value === 'string' ? forge.util.bytesToHex(keyId.value).toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** Random positive 128-bit serial (RFC 5280: ≤ 20 octets, positive; CA/B: ≥ 64 bits of randomness). */
export function randomSerial(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return hexOf(bytes);
}

/**
 * UTF-8 strings for names so that Chinese company names survive (node-forge defaults to
 * PrintableString). node-forge UTF-8-encodes on writing but hands back raw bytes on reading, hence
 * `decodedAttributes`.
 */
export function nameAttribute(oid: string, value: string): forge.pki.CertificateField {
  const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value);
  return printable
    ? ({ type: oid, value, valueTagClass: forge.asn1.Type.PRINTABLESTRING } as unknown as forge.pki.CertificateField)
    : ({ type: oid, value, valueTagClass: forge.asn1.Type.UTF8 } as unknown as forge.pki.CertificateField);
}

/** Generates an RSA key pair with WebCrypto (native and fast in Node and browsers) and hands it to node-forge. */
export async function generateRsaKeyPair(modulusLength: 2048 | 3072 | 4096): Promise<{
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  privateKeyPem: string;
}> {
  const subtle = globalThis.crypto.subtle;
  const pair = await subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
  const privateKey = forge.pki.privateKeyFromAsn1(forge.asn1.fromDer(binaryOf(pkcs8))) as forge.pki.rsa.PrivateKey;
  const publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  return { privateKey, publicKey, privateKeyPem: privateKeyToPkcs8Pem(privateKey) };
}

export function parsePrivateKey(pem: string): forge.pki.rsa.PrivateKey {
  try {
    return forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  } catch (error) {
    throw new CertificateError('invalid-input', `the private key is not a PEM RSA key (${(error as Error).message})`);
  }
}

export function samePublicKey(a: { n: forge.jsbn.BigInteger; e: forge.jsbn.BigInteger }, b: { n: forge.jsbn.BigInteger; e: forge.jsbn.BigInteger }): boolean {
  return a.n.equals(b.n) && a.e.equals(b.e);
}

/** PKCS#8 ("BEGIN PRIVATE KEY"), which WebCrypto, OpenSSL and node-forge all import. */
export function privateKeyToPkcs8Pem(privateKey: forge.pki.rsa.PrivateKey): string {
  return forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(privateKey)));
}
