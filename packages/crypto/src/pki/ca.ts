/**
 * The platform's own root CA (DESIGN.md §4: the embedded default and the CA of the tests). A
 * deployment that trusts external CAs (CA互认) lists their roots beside this one; see validate.ts.
 */
import forge from 'node-forge';
import { generateSm2KeyPair } from '../envelope/sm2-keys';
import { CertificateError } from './errors';
import { signSm2Certificate, sm2PrivateKeyToPem, sm2SubjectKeyIdentifier } from './sm2';
import { OID, generateRsaKeyPair, nameAttribute, randomSerial } from './x509';

export interface CreatePlatformCaOptions {
  commonName: string;
  organisation: string;
  validityYears: number;
  /**
   * 'rsa' (default): an RSA root signing with SHA-256/RSA. 'sm2': an SM2 root signing with
   * SM2-with-SM3, as the national-crypto (GM/T 0015) CAs do; it issues SM2 certificates only.
   */
  algorithm?: 'rsa' | 'sm2';
  /** RSA modulus; 3072 by default (a root outlives its leaves). Tests use 2048. Ignored for SM2. */
  modulusLength?: 2048 | 3072;
  /** Start of validity; now by default. Tests move it to build expired or future CAs. */
  notBefore?: Date;
}

export interface PlatformCa {
  certificatePem: string;
  /** PKCS#8 PEM. Whoever holds it can issue certificates: keep it offline or in an HSM in production. */
  privateKeyPem: string;
}

export async function createPlatformCa(options: CreatePlatformCaOptions): Promise<PlatformCa> {
  const { commonName, organisation, validityYears } = options;
  if (!commonName.trim() || !organisation.trim())
    throw new CertificateError('invalid-input', 'the CA needs a common name and an organisation');
  if (!Number.isInteger(validityYears) || validityYears < 1 || validityYears > 30)
    throw new CertificateError('invalid-input', 'validityYears must be a whole number from 1 to 30');

  const cert = forge.pki.createCertificate();
  cert.serialNumber = randomSerial();
  const notBefore = options.notBefore ?? new Date();
  cert.validity.notBefore = notBefore;
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + validityYears);
  cert.validity.notAfter = notAfter;
  const name = [
    nameAttribute(OID.country, 'CN'),
    nameAttribute(OID.organisation, organisation),
    nameAttribute(OID.commonName, commonName),
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  const extensions = [
    // pathlen:0: this CA issues end-entity certificates only, never a sub-CA.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ];
  if (options.algorithm === 'sm2') {
    const { privateKey } = generateSm2KeyPair();
    cert.setExtensions([...extensions, sm2SubjectKeyIdentifier(privateKey.publicPoint)]);
    return { certificatePem: signSm2Certificate(cert, privateKey.publicPoint, privateKey), privateKeyPem: sm2PrivateKeyToPem(privateKey) };
  }
  if (options.algorithm !== undefined && options.algorithm !== 'rsa')
    throw new CertificateError('invalid-input', `unknown CA algorithm "${String(options.algorithm)}"`);
  const { privateKey, publicKey, privateKeyPem } = await generateRsaKeyPair(options.modulusLength ?? 3072);
  cert.publicKey = publicKey;
  cert.setExtensions([...extensions, { name: 'subjectKeyIdentifier' }]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem };
}
