/**
 * Enrolment (证书申领): the owner makes its key pair and a PKCS#10 request where it lives (the
 * browser or the CLI); only the request travels to the CA, never the private key (DESIGN.md §4).
 */
import forge from 'node-forge';
import type { PlatformCa } from './ca';
import { CertificateError } from './errors';
import {
  MIN_RSA_BITS,
  OID,
  generateRsaKeyPair,
  decodedAttributes,
  isCreditCode,
  nameAttribute,
  nameValue,
  normaliseSerial,
  parseCertificate,
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

/** Browser/CLI side: an RSA key pair (WebCrypto) and a CSR signed with it (SHA-256 with RSA). */
export async function createKeyPairAndCsr(options: {
  subject: EnrolmentSubject;
  modulusLength?: 2048 | 3072;
}): Promise<KeyPairAndCsr> {
  const name = subjectName(options.subject);
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

function readCsr(csrPem: string): CertificationRequest {
  let csr: CertificationRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(csrPem);
  } catch (error) {
    throw new CertificateError('bad-csr', `the request cannot be parsed or its key is not RSA (${(error as Error).message})`);
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
  return csr;
}

function csrAttribute(csr: CertificationRequest, oid: string): string | undefined {
  return nameValue(csr.subject.attributes, oid);
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
    commonName: csrAttribute(csr, OID.commonName) ?? '',
    organisation: csrAttribute(csr, OID.organisation) ?? '',
    creditCode: csrAttribute(csr, OID.serialNumber) ?? '',
    organisationalUnit: csrAttribute(csr, OID.organisationalUnit),
    country: csrAttribute(csr, OID.country),
  };
  let name: forge.pki.CertificateField[];
  try {
    name = subjectName(subject);
  } catch (error) {
    throw new CertificateError('bad-csr', `the request's subject does not fit the profile: ${(error as CertificateError).detail}`);
  }

  const caCert = parseCertificate(ca.certificatePem, 'the CA certificate');
  const caKey = parsePrivateKey(ca.privateKeyPem);
  if (!samePublicKey(caCert.publicKey as forge.pki.rsa.PublicKey, caKey))
    throw new CertificateError('invalid-input', 'the CA private key does not belong to the CA certificate');
  const caKeyId = subjectKeyIdOf(caCert);
  if (!caKeyId) throw new CertificateError('invalid-input', 'the CA certificate has no subjectKeyIdentifier');

  const cert = forge.pki.createCertificate();
  cert.publicKey = csr.publicKey as forge.pki.rsa.PublicKey;
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
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(caKeyId) },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), serialNumber };
}
