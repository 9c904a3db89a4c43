/**
 * Enrolment (证书申领): the owner makes its key pair and a PKCS#10 request where it lives (the
 * browser or the CLI); only the request travels to the CA, never the private key (DESIGN.md §4).
 */
import forge from 'node-forge';
import { generateSm2KeyPair } from '../envelope/sm2-keys';
import type { PlatformCa } from './ca';
import { readCertificate } from './certificate';
import { CertificateError } from './errors';
import {
  SM2_DEFAULT_USER_ID,
  SM2_WITH_SM3,
  readSm2Signed,
  signSm2Certificate,
  sm2CertificationRequest,
  sm2PrivateKeyFromPem,
  sm2PrivateKeyToPem,
  sm2SubjectKeyIdentifier,
  sm2Verify,
} from './sm2';
import {
  MIN_RSA_BITS,
  OID,
  generateRsaKeyPair,
  decodedAttributes,
  isCreditCode,
  nameAttribute,
  nameValue,
  normaliseSerial,
  bytesOf,
  parsePrivateKey,
  randomSerial,
  samePublicKey,
  subjectKeyIdOf,
} from './x509';

export interface EnrolmentSubject {
  /** CN: the company's registered name (or, for a custodian, the person's name). */
  commonName: string;
  /** O: the organisation; for a bidder usually the same as CN. */
  organisation: string;
  /** 统一社会信用代码; goes into the subject's serialNumber attribute (OID 2.5.4.5). */
  creditCode: string;
  organisationalUnit?: string;
  /** C; 'CN' by default. */
  country?: string;
}

export interface KeyPairAndCsr {
  /** PKCS#8 PEM; stays with its owner (save it with toPkcs12 once the certificate arrives). */
  privateKeyPem: string;
  csrPem: string;
}

function subjectName(subject: EnrolmentSubject): forge.pki.CertificateField[] {
  const { commonName, organisation, creditCode, organisationalUnit, country = 'CN' } = subject;
  if (!commonName.trim() || !organisation.trim())
    throw new CertificateError('invalid-input', 'the subject needs a common name (CN) and an organisation (O)');
  if (!isCreditCode(creditCode))
    throw new CertificateError('invalid-input', `"${creditCode}" is not an 18-character 统一社会信用代码`);
  if (!/^[A-Z]{2}$/.test(country)) throw new CertificateError('invalid-input', 'country must be a two-letter code');
  return [
    nameAttribute(OID.country, country),
    nameAttribute(OID.organisation, organisation),
    ...(organisationalUnit ? [nameAttribute(OID.organisationalUnit, organisationalUnit)] : []),
    nameAttribute(OID.commonName, commonName),
    nameAttribute(OID.serialNumber, creditCode),
  ];
}

/**
 * Browser/CLI side: a key pair and a CSR signed with it. RSA (default): WebCrypto RSA-2048 and
 * SHA-256 with RSA. SM2: an SM2 key (sm-crypto-v2, from the platform CSPRNG) and SM2-with-SM3;
 * the private key PEM is then SM2 PKCS#8 (what OpenSSL and GmSSL read).
 */
export async function createKeyPairAndCsr(options: {
  subject: EnrolmentSubject;
  algorithm?: 'rsa' | 'sm2';
  modulusLength?: 2048 | 3072;
}): Promise<KeyPairAndCsr> {
  const name = subjectName(options.subject);
  if (options.algorithm === 'sm2') {
    const { privateKey } = generateSm2KeyPair();
    return { privateKeyPem: sm2PrivateKeyToPem(privateKey), csrPem: sm2CertificationRequest(name, privateKey) };
  }
  const { privateKey, publicKey, privateKeyPem } = await generateRsaKeyPair(options.modulusLength ?? 2048);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = publicKey;
  csr.setSubject(name);
  csr.sign(privateKey, forge.md.sha256.create());
  return { privateKeyPem, csrPem: forge.pki.certificationRequestToPem(csr) };
}

type CertificationRequest = ReturnType<typeof forge.pki.certificationRequestFromPem>;

export type CertificateUsage = 'bidder' | 'custodian';

/**
 * The end-entity profile per usage. Both roles sign (login challenge, submit, share submission) and
 * are RSA-OAEP wrap targets (a bidder's own content-key wrap, a custodian's Shamir share), so today
 * the two profiles are the same; the role itself lives in the platform's database, not in the
 * certificate, so that a certificate from an external CA (CA互认) can serve either role.
 */
const PROFILES: Record<CertificateUsage, { digitalSignature: true; keyEncipherment: true; clientAuth: true }> = {
  bidder: { digitalSignature: true, keyEncipherment: true, clientAuth: true },
  custodian: { digitalSignature: true, keyEncipherment: true, clientAuth: true },
};

export interface IssueCertificateOptions {
  ca: PlatformCa;
  csrPem: string;
  usage: CertificateUsage;
  validityDays: number;
  /** Hex; a random positive 128-bit serial when omitted (the normal case). */
  serialNumber?: string;
  /** Start of validity; now minus five minutes by default (clock skew). */
  notBefore?: Date;
}

export interface IssuedCertificate {
  certificatePem: string;
  /** Lowercase hex, as validateCertificate reports it and as revocation lists name it. */
  serialNumber: string;
}

const SKEW_MS = 5 * 60 * 1000;

interface ReadRequest {
  subject: forge.pki.CertificateField[];
  /** The requested key: a node-forge RSA key, or an SM2 point. */
  rsa?: forge.pki.rsa.PublicKey;
  sm2?: Uint8Array;
}

function readRsaCsr(csrPem: string): ReadRequest {
  let csr: CertificationRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(csrPem);
  } catch (error) {
    throw new CertificateError('bad-csr', `the request cannot be parsed (${(error as Error).message})`);
  }
  let verified = false;
  try {
    verified = csr.verify();
  } catch {
    verified = false;
  }
  // The request's self-signature proves the applicant holds the private key of the key it names.
  if (!verified) throw new CertificateError('bad-csr', 'the request is not signed by the private key it names');
  const key = csr.publicKey as forge.pki.rsa.PublicKey | null;
  if (!key || key.n.bitLength() < MIN_RSA_BITS)
    throw new CertificateError('bad-csr', `RSA keys shorter than ${MIN_RSA_BITS} bits are refused`);
  // Small public exponents (3, 17) invite the low-exponent attacks on RSA; every current toolkit uses
  // 65537 (F4), as NIST SP 800-56B requires.
  if (key.e.compareTo(new forge.jsbn.BigInteger('65537')) < 0 || !key.e.testBit(0))
    throw new CertificateError('bad-csr', `RSA public exponents below 65537 (or even) are refused; this key's is ${key.e.toString(10)}`);
  return { subject: csr.subject.attributes, rsa: key };
}

function readSm2Csr(der: Uint8Array): ReadRequest {
  const read = readSm2Signed<CertificationRequest>(der, 'the request', 'request');
  // Requests made by OpenSSL 3 without a distinguishing id are signed with the empty id.
  if (read.signatureOid !== SM2_WITH_SM3 || !sm2Verify(read.point, read.toBeSigned, read.signature, [SM2_DEFAULT_USER_ID, '']))
    throw new CertificateError('bad-csr', 'the request is not signed (SM2 with SM3) by the private key it names');
  return { subject: read.parsed.subject.attributes, sm2: read.point };
}

function csrDer(csrPem: string): Uint8Array {
  try {
    const block = forge.pem.decode(csrPem)[0];
    if (!block) throw new Error('no PEM block');
    return bytesOf(block.body);
  } catch (error) {
    throw new CertificateError('bad-csr', `the request is not PEM (${(error as Error).message})`);
  }
}

// id-ecPublicKey with the SM2 curve inside the request's SubjectPublicKeyInfo.
const SM2_CURVE_OID = [0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];
const hasSm2Curve = (der: Uint8Array) => der.some((_, i) => SM2_CURVE_OID.every((b, j) => der[i + j] === b));

/** Which kind of key a PKCS#10 request is for, so the CA side can pick its RSA or SM2 CA. Checks nothing else. */
export function csrKeyAlgorithm(csrPem: string): 'rsa' | 'sm2' {
  return hasSm2Curve(csrDer(csrPem)) ? 'sm2' : 'rsa';
}

/** Parses and checks a PKCS#10 request of either algorithm: the self-signature and the key. */
function readCsr(csrPem: string): ReadRequest {
  const der = csrDer(csrPem);
  return hasSm2Curve(der) ? readSm2Csr(der) : readRsaCsr(csrPem);
}

/** CA side: checks the request, then issues an end-entity certificate under the platform profile (docs/pki.md). */
export function issueCertificate(options: IssueCertificateOptions): IssuedCertificate {
  const { ca, csrPem, usage, validityDays } = options;
  const profile = PROFILES[usage];
  if (!profile) throw new CertificateError('invalid-input', `unknown certificate usage "${String(usage)}"`);
  if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > 3650)
    throw new CertificateError('invalid-input', 'validityDays must be a whole number from 1 to 3650');
  if (options.serialNumber !== undefined && !/^[0-9a-fA-F]{1,38}$/.test(options.serialNumber))
    throw new CertificateError('invalid-input', 'serialNumber must be 1 to 38 hex digits (RFC 5280: at most 20 octets)');
  const serialNumber = normaliseSerial(options.serialNumber ?? randomSerial());

  const csr = readCsr(csrPem);
  // Only the profile's name fields are copied, re-encoded by the CA; requested extensions are ignored.
  const subject: EnrolmentSubject = {
    commonName: nameValue(csr.subject, OID.commonName) ?? '',
    organisation: nameValue(csr.subject, OID.organisation) ?? '',
    creditCode: nameValue(csr.subject, OID.serialNumber) ?? '',
    organisationalUnit: nameValue(csr.subject, OID.organisationalUnit),
    country: nameValue(csr.subject, OID.country),
  };
  let name: forge.pki.CertificateField[];
  try {
    name = subjectName(subject);
  } catch (error) {
    throw new CertificateError('bad-csr', `the request's subject does not fit the profile: ${(error as CertificateError).detail}`);
  }

  const caParsed = readCertificate(ca.certificatePem, 'the CA certificate');
  const caCert = caParsed.forge;
  const caKeyId = subjectKeyIdOf(caCert);
  if (!caKeyId) throw new CertificateError('invalid-input', 'the CA certificate has no subjectKeyIdentifier');
  // An RSA CA issues RSA certificates, an SM2 CA SM2 certificates (as GM/T 0015 CAs do).
  if ((caParsed.algorithm === 'sm2') !== (csr.sm2 !== undefined))
    throw new CertificateError(
      'bad-csr',
      `this CA issues ${caParsed.algorithm.toUpperCase()} certificates; a request for an ${csr.sm2 ? 'SM2' : 'RSA'} key needs the platform's ${csr.sm2 ? 'SM2' : 'RSA'} CA`,
    );

  const cert = forge.pki.createCertificate();
  // node-forge derives the RSA subjectKeyIdentifier from this when the extensions are set.
  if (csr.rsa) cert.publicKey = csr.rsa;
  // DER INTEGER is signed: keep the serial positive with a leading 00 when its top bit is set.
  cert.serialNumber = (serialNumber.length % 2 ? '0' : '') + serialNumber;
  if (/^[89a-f]/.test(cert.serialNumber)) cert.serialNumber = `00${cert.serialNumber}`;
  const notBefore = options.notBefore ?? new Date(Date.now() - SKEW_MS);
  // A leaf never outlives its CA.
  const notAfter = new Date(Math.min(notBefore.getTime() + validityDays * 86_400_000, caCert.validity.notAfter.getTime()));
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(name);
  cert.setIssuer(decodedAttributes(caCert.subject.attributes));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    {
      name: 'keyUsage',
      digitalSignature: profile.digitalSignature,
      keyEncipherment: profile.keyEncipherment,
      critical: true,
    },
    { name: 'extKeyUsage', clientAuth: profile.clientAuth },
    csr.sm2 ? sm2SubjectKeyIdentifier(csr.sm2) : { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(caKeyId) },
  ]);
  if (csr.sm2) {
    const caKey = sm2PrivateKeyFromPem(ca.privateKeyPem);
    if (!caKey || !caParsed.sm2 || !caKey.publicPoint.every((b, i) => b === caParsed.sm2?.point[i]))
      throw new CertificateError('invalid-input', 'the CA private key does not belong to the CA certificate');
    return { certificatePem: signSm2Certificate(cert, csr.sm2, caKey), serialNumber };
  }
  const caKey = parsePrivateKey(ca.privateKeyPem);
  if (!samePublicKey(caCert.publicKey as forge.pki.rsa.PublicKey, caKey))
    throw new CertificateError('invalid-input', 'the CA private key does not belong to the CA certificate');
  cert.sign(caKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), serialNumber };
}
