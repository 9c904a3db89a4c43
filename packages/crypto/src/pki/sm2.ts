/**
 * SM2 in certificates (GM/T 0015, GB/T 20518): signatures are SM2 with SM3 (OID
 * 1.2.156.10197.1.501) over Z ‖ message, Z computed with the default user id "1234567812345678"
 * (GM/T 0009 §10), DER-encoded as SEQUENCE { r, s }. The curve arithmetic is sm-crypto-v2's.
 *
 * node-forge writes and reads RSA certificates only. For SM2 it still does the X.509 work
 * (names, validity, extensions) on a copy whose public key is a stand-in RSA key; this file puts
 * the real SM2 SubjectPublicKeyInfo and an SM2 signature in place of the stand-in's, and reads the
 * real key back out before node-forge parses the rest.
 */
import forge from 'node-forge';
import { sm2 } from 'sm-crypto-v2';
import {
  bytesOfHex,
  derSequenceItems,
  hexOfBytes,
  sm2PointOfSpki,
  sm2PrivateKeyFromPkcs8,
  sm2PrivateKeyToPkcs8,
  sm2SpkiOfPoint,
  type Sm2PrivateKey,
} from '../envelope/sm2-keys';
import { CertificateError } from './errors';

export const SM2_WITH_SM3 = '1.2.156.10197.1.501';
/** GM/T 0009 default user id (ENTL = 128 bits). */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

export function binaryOf(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return s;
}
export function bytesOf(binary: string): Uint8Array {
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** SM2 signature (DER) with SM3 and the default user id. */
export function sm2Sign(key: Sm2PrivateKey, message: Uint8Array): Uint8Array {
  return bytesOfHex(sm2.doSignature(message, hexOfBytes(key.d), { der: true, hash: true, publicKey: hexOfBytes(key.publicPoint), userId: SM2_DEFAULT_USER_ID }));
}

/**
 * Verifies an SM2 signature (DER) with SM3. `userIds`: the default id always; certificates also
 * accept the empty id, which OpenSSL 3 uses when no distinguishing id is configured (a signature
 * under either id still needs the private key).
 */
export function sm2Verify(publicPoint: Uint8Array, message: Uint8Array, signature: Uint8Array, userIds: readonly string[] = [SM2_DEFAULT_USER_ID]): boolean {
  if (signature.length < 8 || signature.length > 80 || signature[0] !== 0x30) return false;
  return userIds.some((userId) => {
    try {
      return sm2.doVerifySignature(message, hexOfBytes(signature), hexOfBytes(publicPoint), { der: true, hash: true, userId });
    } catch {
      return false;
    }
  });
}

const PEM_PRIVATE = 'PRIVATE KEY';

export function sm2PrivateKeyToPem(key: Sm2PrivateKey): string {
  return forge.pem.encode({ type: PEM_PRIVATE, body: binaryOf(sm2PrivateKeyToPkcs8(key)) });
}

/** An SM2 PKCS#8 PEM ("BEGIN PRIVATE KEY") as OpenSSL writes it; undefined if the PEM holds another kind of key. */
export function sm2PrivateKeyFromPem(pem: string): Sm2PrivateKey | undefined {
  let der: Uint8Array;
  try {
    const block = forge.pem.decode(pem).find((b) => b.type === PEM_PRIVATE);
    if (!block) return undefined;
    der = bytesOf(block.body);
  } catch {
    return undefined;
  }
  try {
    return sm2PrivateKeyFromPkcs8(der);
  } catch {
    return undefined;
  }
}

export function isSm2PrivateKeyPem(pem: string): boolean {
  return sm2PrivateKeyFromPem(pem) !== undefined;
}

/**
 * subjectKeyIdentifier for an SM2 key, with an explicit value (node-forge would hash its stand-in
 * key): SHA-1 of the subjectPublicKey bit string's contents, the point (RFC 5280 §4.2.1.2 method 1).
 */
export function sm2SubjectKeyIdentifier(point: Uint8Array): { name: string; id: string; value: forge.asn1.Asn1 } {
  const md = forge.md.sha1.create();
  md.update(binaryOf(point));
  return {
    name: 'subjectKeyIdentifier',
    id: '2.5.29.14',
    value: forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, md.digest().getBytes()),
  };
}

// ---- the stand-in RSA key that lets node-forge handle the rest of an SM2 certificate ----

const STAND_IN = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger('c'.repeat(128), 16), new forge.jsbn.BigInteger('10001', 16));
const asn1 = forge.asn1;

function sm2AlgorithmIdentifier(): forge.asn1.Asn1 {
  // GM/T 0015: SM2-with-SM3 carries no parameters.
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(SM2_WITH_SM3).getBytes()),
  ]);
}

function spkiAsn1(point: Uint8Array): forge.asn1.Asn1 {
  return asn1.fromDer(binaryOf(sm2SpkiOfPoint(point)));
}

function signedStructure(toBeSigned: forge.asn1.Asn1, key: Sm2PrivateKey): Uint8Array {
  const tbs = bytesOf(asn1.toDer(toBeSigned).getBytes());
  const signature = sm2Sign(key, tbs);
  const whole = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    toBeSigned,
    sm2AlgorithmIdentifier(),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\u0000${binaryOf(signature)}`),
  ]);
  return bytesOf(asn1.toDer(whole).getBytes());
}

/**
 * Signs a certificate prepared with node-forge (names, validity, serial, extensions already set;
 * its `publicKey` is ignored) as an SM2 certificate for `subjectPoint`, issued by `issuerKey`.
 * Extensions that depend on the key (subjectKeyIdentifier) must carry explicit values.
 */
export function signSm2Certificate(cert: forge.pki.Certificate, subjectPoint: Uint8Array, issuerKey: Sm2PrivateKey): string {
  cert.publicKey = STAND_IN;
  cert.siginfo.algorithmOid = SM2_WITH_SM3;
  const getTbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate;
  const tbs = getTbs(cert);
  const fields = tbs.value as forge.asn1.Asn1[];
  // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, spki, [3] extensions
  fields[2] = sm2AlgorithmIdentifier();
  fields[6] = spkiAsn1(subjectPoint);
  return forge.pem.encode({ type: 'CERTIFICATE', body: binaryOf(signedStructure(tbs, issuerKey)) });
}

/** A PKCS#10 request for an SM2 key, self-signed with SM2/SM3 (the proof of possession). */
export function sm2CertificationRequest(subject: forge.pki.CertificateField[], key: Sm2PrivateKey): string {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = STAND_IN;
  csr.setSubject(subject);
  const getInfo = (forge.pki as unknown as { getCertificationRequestInfo(c: unknown): forge.asn1.Asn1 }).getCertificationRequestInfo;
  const info = getInfo(csr);
  (info.value as forge.asn1.Asn1[])[2] = spkiAsn1(key.publicPoint); // CRI: version, subject, spki, [0] attributes
  return forge.pem.encode({ type: 'CERTIFICATE REQUEST', body: binaryOf(signedStructure(info, key)) });
}

export interface Sm2Signed<T> {
  /** node-forge's reading of everything but the key (its publicKey is the stand-in). */
  parsed: T;
  point: Uint8Array;
  spki: Uint8Array;
  toBeSigned: Uint8Array;
  signatureOid: string;
  signature: Uint8Array;
}

function childrenOf(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  return node && Array.isArray(node.value) ? node.value : [];
}

/**
 * Reads an SM2 certificate or request: takes out the real key, the signed bytes and the signature,
 * then lets node-forge read the rest with the stand-in key in place. `spkiIndex` is the position of
 * the SubjectPublicKeyInfo inside the signed part (6 in a v3 TBSCertificate, 2 in a request).
 */
export function readSm2Signed<T>(der: Uint8Array, what: string, kind: 'certificate' | 'request'): Sm2Signed<T> {
  let root: forge.asn1.Asn1;
  try {
    root = asn1.fromDer(binaryOf(der), { decodeBitStrings: false } as never);
  } catch (error) {
    throw new CertificateError(kind === 'request' ? 'bad-csr' : 'malformed', `${what} is not DER (${(error as Error).message})`);
  }
  const [toBeSigned, algorithm, signatureBits] = childrenOf(root);
  const fields = childrenOf(toBeSigned);
  const first = fields[0];
  const spkiIndex = kind === 'request' ? 2 : first && first.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 6 : 5;
  const spkiNode = fields[spkiIndex];
  const oidNode = childrenOf(algorithm)[0];
  if (!toBeSigned || !spkiNode || !oidNode || typeof oidNode.value !== 'string' || !signatureBits || typeof signatureBits.value !== 'string')
    throw new CertificateError(kind === 'request' ? 'bad-csr' : 'malformed', `${what} is not a signed X.509 structure`);
  const spki = bytesOf(asn1.toDer(spkiNode).getBytes());
  let point: Uint8Array;
  try {
    point = sm2PointOfSpki(spki);
  } catch (error) {
    throw new CertificateError(kind === 'request' ? 'bad-csr' : 'malformed', `${what} does not carry a valid SM2 key (${(error as Error).message})`);
  }
  // The signed bytes exactly as received (not re-encoded), for the signature check.
  let signedBytes: Uint8Array;
  try {
    signedBytes = derSequenceItems(der)[0]!;
  } catch (error) {
    throw new CertificateError(kind === 'request' ? 'bad-csr' : 'malformed', `${what} is not strict DER (${(error as Error).message})`);
  }
  fields[spkiIndex] = forge.pki.publicKeyToAsn1(STAND_IN);
  let parsed: T;
  try {
    parsed = (kind === 'request' ? forge.pki.certificationRequestFromAsn1(root, false) : forge.pki.certificateFromAsn1(root, false)) as T;
  } catch (error) {
    throw new CertificateError(kind === 'request' ? 'bad-csr' : 'malformed', `${what} cannot be parsed (${(error as Error).message})`);
  }
  return {
    parsed,
    point,
    spki: sm2SpkiOfPoint(point),
    toBeSigned: signedBytes,
    signatureOid: asn1.derToOid(oidNode.value),
    signature: bytesOf(signatureBits.value).subarray(1),
  };
}
