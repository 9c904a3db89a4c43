/**
 * The platform's document-signing certificate (开标记录签章): an RSA key and an end-entity
 * certificate issued by the platform CA (docs/pki.md §1) for signing the documents the platform
 * publishes (the opening record; later the evaluation report beside the members' own signatures).
 */
import type { PlatformCa } from '@ggzy/crypto';
import forge from 'node-forge';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { PdfKeySigner } from './sign';

export interface DocumentSigningCertificateOptions {
  /** Common name; "公共资源交易平台 开标记录签章" by default. */
  commonName?: string;
  organisation?: string;
  /** Validity in days (1…3650), clamped to the CA's own notAfter. 825 by default. */
  validityDays?: number;
  /** Start of validity; now − 5 minutes by default (clock skew), as for every end-entity certificate. */
  notBefore?: Date;
}

export const DEFAULT_DOCUMENT_SIGNER_CN = '公共资源交易平台 开标记录签章';

/**
 * A fresh RSA-2048 key and its certificate from the platform CA: keyUsage (critical)
 * digitalSignature + nonRepudiation (contentCommitment), extKeyUsage emailProtection-free, CA:FALSE,
 * subject C=CN, O=<organisation>, CN=<commonName>. Returns the signer for signPdf, the chain being
 * the certificate and the CA's.
 */
export function issueDocumentSigningCertificate(ca: PlatformCa, options: DocumentSigningCertificateOptions = {}): PdfKeySigner {
  const caCert = forge.pki.certificateFromPem(ca.certificatePem);
  const caKey = forge.pki.privateKeyFromPem(ca.privateKeyPem) as forge.pki.rsa.PrivateKey;
  if (!caKey.n) throw new Error('the document-signing certificate needs the RSA platform CA (SM2 documents are planned)');
  const days = options.validityDays ?? 825;
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new Error('validityDays must be a whole number from 1 to 3650');

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;

  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // 128 random bits, positive.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString('hex');
  const notBefore = options.notBefore ?? new Date(Date.now() - 5 * 60_000);
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter > caCert.validity.notAfter ? caCert.validity.notAfter : notAfter;
  const caOrganisation = caCert.subject.getField('O') as { value: string; valueTagClass?: number } | null;
  // node-forge hands UTF8String values back as UTF-8 bytes.
  const organisation =
    options.organisation ??
    (caOrganisation ? (caOrganisation.valueTagClass === forge.asn1.Type.UTF8 ? forge.util.decodeUtf8(caOrganisation.value) : caOrganisation.value) : '公共资源交易平台');
  cert.setSubject([
    { shortName: 'C', value: 'CN' },
    { shortName: 'O', value: organisation, valueTagClass: forge.asn1.Type.UTF8 },
    { shortName: 'CN', value: options.commonName ?? DEFAULT_DOCUMENT_SIGNER_CN, valueTagClass: forge.asn1.Type.UTF8 },
  ] as forge.pki.CertificateField[]);
  // The issuer must be the CA's subject byte for byte; forge re-encodes UTF8String values it returned undecoded.
  cert.setIssuer(
    caCert.subject.attributes.map((a) =>
      (a as { valueTagClass?: number }).valueTagClass === forge.asn1.Type.UTF8 ? { ...a, value: forge.util.decodeUtf8(String(a.value)) } : a,
    ),
  );
  const caKeyId = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    ...(caKeyId?.subjectKeyIdentifier ? [{ name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(caKeyId.subjectKeyIdentifier) }] : []),
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { keyPem, certificateChainPem: [forge.pki.certificateToPem(cert), ca.certificatePem] };
}
