/**
 * The holder's key file (证书文件): a password-protected PKCS#12 (.p12/.pfx) the bidder keeps,
 * importable by OpenSSL, Windows and browsers.
 *
 * Parameters (docs/pki.md §4): the private key is a pkcs8ShroudedKeyBag under PBES2 with PBKDF2
 * (HMAC-SHA256, 16-byte salt, PKCS12_ITERATIONS) and AES-256-CBC. node-forge leaves the certificate
 * bags unencrypted (certificates are public) and always writes the PFX MAC as HMAC-SHA1 with the
 * PKCS#12 key derivation and the same iteration count; it cannot write an SHA-256 MAC. The MAC is
 * what tells a wrong password apart from a damaged file.
 */
import forge from 'node-forge';
import { sm2PrivateKeyFromPkcs8, sm2PrivateKeyToPkcs8, type Sm2PrivateKey } from '../envelope/sm2-keys';
import { readCertificate, type ParsedCertificate } from './certificate';
import { CertificateError } from './errors';
import { sm2Pkcs12 } from './pkcs12-sm2';
import { sm2PrivateKeyFromPem, sm2PrivateKeyToPem } from './sm2';
import { binaryOf, bytesOf, parseCertificate, parsePrivateKey, privateKeyToPkcs8Pem, samePublicKey, subjectOf } from './x509';

/**
 * node-forge encodes the MAC iteration count correctly only below 65 536; the same count serves
 * PBKDF2. 50 000 costs about a second in pure JavaScript on a phone-class CPU.
 */
export const PKCS12_ITERATIONS = 50_000;

export interface Pkcs12Contents {
  certificatePem: string;
  privateKeyPem: string;
  /** The CA certificates stored beside the holder's own, as stored. */
  chainPems: string[];
}

function checkPassword(password: string): void {
  // PBKDF2 in node-forge takes the password as a byte string; restricting it to printable ASCII
  // keeps the file openable by OpenSSL and Windows (which use UTF-8 and BMPString respectively).
  if (!/^[\x20-\x7e]{8,128}$/.test(password))
    throw new CertificateError('invalid-input', 'the password must be 8 to 128 printable ASCII characters');
}

export function toPkcs12(options: {
  certificatePem: string;
  privateKeyPem: string;
  password: string;
  chainPems?: readonly string[];
}): Uint8Array {
  const { certificatePem, privateKeyPem, password, chainPems = [] } = options;
  checkPassword(password);
  const sm2Key = sm2PrivateKeyFromPem(privateKeyPem);
  if (sm2Key) return sm2ToPkcs12(sm2Key, certificatePem, chainPems, password);
  const cert = parseCertificate(certificatePem);
  const chain = chainPems.map((pem, i) => parseCertificate(pem, `chain certificate #${i + 1}`));
  const key = parsePrivateKey(privateKeyPem);
  if (!samePublicKey(cert.publicKey as forge.pki.rsa.PublicKey, key))
    throw new CertificateError('invalid-input', 'the private key does not belong to the certificate');
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert, ...chain], password, {
    algorithm: 'aes256',
    count: PKCS12_ITERATIONS,
    saltSize: 16,
    // Passed through to PBES2 (missing from @types/node-forge).
    prfAlgorithm: 'sha256',
    friendlyName: subjectOf(cert).commonName || 'certificate',
  } as Parameters<typeof forge.pkcs12.toPkcs12Asn1>[3]);
  return bytesOf(forge.asn1.toDer(asn1).getBytes());
}

const derOfPem = (pem: string) => bytesOf(forge.pem.decode(pem)[0]?.body ?? '');
const samePoint = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** SM2: the same file layout and parameters, assembled by pkcs12-sm2.ts (node-forge writes RSA only). */
function sm2ToPkcs12(key: Sm2PrivateKey, certificatePem: string, chainPems: readonly string[], password: string): Uint8Array {
  const cert = readCertificate(certificatePem);
  chainPems.forEach((pem, i) => readCertificate(pem, `chain certificate #${i + 1}`));
  if (!cert.sm2 || !samePoint(cert.sm2.point, key.publicPoint))
    throw new CertificateError('invalid-input', 'the private key does not belong to the certificate');
  return sm2Pkcs12({
    privateKeyPkcs8: sm2PrivateKeyToPkcs8(key),
    certificateDers: [certificatePem, ...chainPems].map(derOfPem),
    password,
    friendlyName: subjectOf(cert.forge).commonName || 'certificate',
    iterations: PKCS12_ITERATIONS,
  });
}

export function fromPkcs12(bytes: Uint8Array, password: string): Pkcs12Contents {
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(binaryOf(bytes));
  } catch (error) {
    throw new CertificateError('malformed', `not a PKCS#12 file (${(error as Error).message})`);
  }
  let pfx: forge.pkcs12.Pkcs12Pfx;
  try {
    pfx = forge.pkcs12.pkcs12FromAsn1(asn1, true, password);
  } catch (error) {
    const message = (error as Error).message;
    if (/MAC could not be verified|Invalid password/i.test(message))
      throw new CertificateError('wrong-password', 'the PKCS#12 MAC does not verify with this password');
    throw new CertificateError('malformed', `the PKCS#12 file cannot be read (${message})`);
  }
  const keyBags = [
    ...(pfx.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag ?? '' })[forge.pki.oids.pkcs8ShroudedKeyBag ?? ''] ?? []),
    ...(pfx.getBags({ bagType: forge.pki.oids.keyBag ?? '' })[forge.pki.oids.keyBag ?? ''] ?? []),
  ];
  const certBags = pfx.getBags({ bagType: forge.pki.oids.certBag ?? '' })[forge.pki.oids.certBag ?? ''] ?? [];
  const key = keyBags.find((b) => b.key)?.key as forge.pki.rsa.PrivateKey | undefined;
  if (!key) return sm2FromBags(keyBags, certBags);
  const certs = certBags.flatMap((b) => (b.cert ? [b.cert] : []));
  const own = certs.find((c) => samePublicKey(c.publicKey as forge.pki.rsa.PublicKey, key));
  if (!own) throw new CertificateError('malformed', 'the PKCS#12 file holds no certificate for its private key');
  return {
    certificatePem: forge.pki.certificateToPem(own),
    privateKeyPem: privateKeyToPkcs8Pem(key),
    chainPems: certs.filter((c) => c !== own).map((c) => forge.pki.certificateToPem(c)),
  };
}

type Bag = forge.pkcs12.Bag & { asn1?: forge.asn1.Asn1 };

/** node-forge hands keys and certificates it cannot read (SM2) back as ASN.1. */
function sm2FromBags(keyBags: Bag[], certBags: Bag[]): Pkcs12Contents {
  let key: Sm2PrivateKey | undefined;
  for (const bag of keyBags) {
    if (!bag.asn1) continue;
    try {
      key = sm2PrivateKeyFromPkcs8(bytesOf(forge.asn1.toDer(bag.asn1).getBytes()));
      break;
    } catch {
      // not an SM2 key either
    }
  }
  if (!key) throw new CertificateError('malformed', 'the PKCS#12 file holds no private key (or an unreadable one)');
  const pems = certBags.flatMap((b) =>
    b.cert ? [forge.pki.certificateToPem(b.cert)] : b.asn1 ? [forge.pem.encode({ type: 'CERTIFICATE', body: forge.asn1.toDer(b.asn1).getBytes() })] : [],
  );
  const parsed: ParsedCertificate[] = pems.map((pem, i) => readCertificate(pem, `certificate #${i + 1} in the PKCS#12 file`));
  const own = parsed.find((c) => c.sm2 && samePoint(c.sm2.point, key.publicPoint));
  if (!own) throw new CertificateError('malformed', 'the PKCS#12 file holds no certificate for its private key');
  return { certificatePem: own.pem, privateKeyPem: sm2PrivateKeyToPem(key), chainPems: parsed.filter((c) => c !== own).map((c) => c.pem) };
}
