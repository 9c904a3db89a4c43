/**
 * SM2 keys as bytes (GM/T 0009, RFC 5480 shapes): SubjectPublicKeyInfo and PKCS#8 with
 * id-ecPublicKey and the SM2 curve OID, which is how OpenSSL, GmSSL and the Chinese CAs write them.
 * The curve arithmetic is sm-crypto-v2's (on @noble/curves); this file only reads and writes the
 * DER around it, with a small strict reader for the few fixed structures involved.
 * Portable: no node:* imports, no Buffer.
 */
import { sm2 } from 'sm-crypto-v2';

/** A recipient or signer's SM2 private key. WebCrypto has no SM2, so this is a plain object. */
export interface Sm2PrivateKey {
  readonly algorithm: 'SM2';
  /** The private scalar d, 32 bytes big-endian. */
  readonly d: Uint8Array;
  /** The public point, uncompressed: 04 ‖ x ‖ y (65 bytes). */
  readonly publicPoint: Uint8Array;
}

export function isSm2PrivateKey(key: unknown): key is Sm2PrivateKey {
  return typeof key === 'object' && key !== null && (key as { algorithm?: unknown }).algorithm === 'SM2' && (key as { d?: unknown }).d instanceof Uint8Array;
}

export class Sm2KeyError extends Error {
  override readonly name = 'Sm2KeyError';
}

const ID_EC_PUBLIC_KEY = Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01); // 1.2.840.10045.2.1
const SM2_CURVE = Uint8Array.of(0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d); // 1.2.156.10197.1.301
/** AlgorithmIdentifier { id-ecPublicKey, sm2 } */
const ALGORITHM = Uint8Array.of(0x30, ID_EC_PUBLIC_KEY.length + SM2_CURVE.length, ...ID_EC_PUBLIC_KEY, ...SM2_CURVE);

export const hexOfBytes = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
export const bytesOfHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

// ---- a minimal strict DER reader (definite lengths only; enough for SPKI, PKCS#8, ECPrivateKey) ----

interface Tlv {
  tag: number;
  value: Uint8Array;
  /** All bytes of the element, tag and length included. */
  raw: Uint8Array;
}

function readTlv(bytes: Uint8Array, offset: number): Tlv {
  const tag = bytes[offset];
  let lengthByte = bytes[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Sm2KeyError('DER ends early');
  let o = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count < 1 || count > 3) throw new Sm2KeyError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = bytes[o++];
      if (lengthByte === undefined) throw new Sm2KeyError('DER ends early');
      length = length * 256 + lengthByte;
    }
    if (length < 0x80) throw new Sm2KeyError('non-minimal DER length');
  }
  if (o + length > bytes.length) throw new Sm2KeyError('DER element runs past the end');
  return { tag, value: bytes.subarray(o, o + length), raw: bytes.subarray(offset, o + length) };
}

function children(value: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  for (let o = 0; o < value.length; ) {
    const tlv = readTlv(value, o);
    out.push(tlv);
    o += tlv.raw.length;
  }
  return out;
}

/** The raw bytes (tag and length included) of each element of the one SEQUENCE that fills `bytes`. */
export function derSequenceItems(bytes: Uint8Array): Uint8Array[] {
  return children(only(bytes, 0x30, 'the structure').value).map((t) => t.raw);
}

/** Parses exactly one element filling `bytes`. */
function only(bytes: Uint8Array, tag: number, what: string): Tlv {
  const tlv = readTlv(bytes, 0);
  if (tlv.tag !== tag || tlv.raw.length !== bytes.length) throw new Sm2KeyError(`${what} is not a single DER element`);
  return tlv;
}

function der(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const head = length < 0x80 ? [tag, length] : length < 0x100 ? [tag, 0x81, length] : [tag, 0x82, length >> 8, length & 0xff];
  const out = new Uint8Array(head.length + length);
  out.set(head, 0);
  let o = head.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ---- points and keys ----

/** Checks the point is on the SM2 curve and returns it uncompressed (65 bytes). */
export function canonicalSm2Point(point: Uint8Array): Uint8Array {
  const hex = hexOfBytes(point);
  let valid = false;
  try {
    valid = (point.length === 65 && point[0] === 0x04) || (point.length === 33 && (point[0] === 0x02 || point[0] === 0x03));
    valid = valid && sm2.verifyPublicKey(hex);
  } catch {
    valid = false;
  }
  if (!valid) throw new Sm2KeyError('not a point on the SM2 curve');
  if (point.length === 65) return Uint8Array.from(point);
  // Compressed: let the curve library decompress (comparePublicKeyHex accepts both forms).
  const decompressed = decompress(hex);
  if (!decompressed || !sm2.comparePublicKeyHex(decompressed, hex)) throw new Sm2KeyError('cannot decompress the SM2 point');
  return bytesOfHex(decompressed);
}

function decompress(compressedHex: string): string | undefined {
  // precomputePublicKey parses any encoding into a curve point, whose toHex(false) is uncompressed.
  try {
    return sm2.precomputePublicKey(compressedHex).toHex(false);
  } catch {
    return undefined;
  }
}

/** The canonical DER SubjectPublicKeyInfo of an SM2 public point (uncompressed, 91 bytes). */
export function sm2SpkiOfPoint(point: Uint8Array): Uint8Array {
  const canonical = canonicalSm2Point(point);
  return der(0x30, ALGORITHM, der(0x03, Uint8Array.of(0x00), canonical));
}

/** The public point (uncompressed) of an SM2 SubjectPublicKeyInfo; throws Sm2KeyError otherwise. */
export function sm2PointOfSpki(spki: Uint8Array): Uint8Array {
  const [algorithm, bitString, ...rest] = children(only(spki, 0x30, 'the public key').value);
  if (!algorithm || !bitString || rest.length > 0) throw new Sm2KeyError('a SubjectPublicKeyInfo has two fields');
  if (!sameBytes(algorithm.raw, ALGORITHM)) throw new Sm2KeyError('the public key is not an SM2 key (id-ecPublicKey with the SM2 curve)');
  if (bitString.tag !== 0x03 || bitString.value[0] !== 0x00) throw new Sm2KeyError('malformed public key bit string');
  return canonicalSm2Point(bitString.value.subarray(1));
}

export function isSm2Spki(spki: Uint8Array): boolean {
  try {
    sm2PointOfSpki(spki);
    return true;
  } catch {
    return false;
  }
}

export function sm2PublicPointOf(d: Uint8Array): Uint8Array {
  return bytesOfHex(sm2.getPublicKeyFromPrivateKey(hexOfBytes(d)).padStart(130, '0'));
}

function sm2PrivateKeyOf(d: Uint8Array, publicPoint?: Uint8Array): Sm2PrivateKey {
  if (d.length !== 32 || d.every((b) => b === 0)) throw new Sm2KeyError('an SM2 private key is a non-zero 32-byte scalar');
  const derived = sm2PublicPointOf(d);
  if (publicPoint && !sameBytes(canonicalSm2Point(publicPoint), derived))
    throw new Sm2KeyError('the public key stored with the SM2 private key does not match it');
  return Object.freeze({ algorithm: 'SM2' as const, d: Uint8Array.from(d), publicPoint: derived });
}

/**
 * PKCS#8 PrivateKeyInfo { 0, {id-ecPublicKey, sm2}, OCTET STRING ECPrivateKey { 1, d, [1] public } }
 * (RFC 5208, RFC 5915), as OpenSSL writes SM2 keys.
 */
export function sm2PrivateKeyToPkcs8(key: Sm2PrivateKey): Uint8Array {
  const ecPrivateKey = der(
    0x30,
    der(0x02, Uint8Array.of(0x01)),
    der(0x04, key.d),
    der(0xa1, der(0x03, Uint8Array.of(0x00), key.publicPoint)),
  );
  return der(0x30, der(0x02, Uint8Array.of(0x00)), ALGORITHM, der(0x04, ecPrivateKey));
}

export function sm2PrivateKeyFromPkcs8(pkcs8: Uint8Array): Sm2PrivateKey {
  const [version, algorithm, octets] = children(only(pkcs8, 0x30, 'the private key').value);
  if (!version || version.tag !== 0x02 || !algorithm || !octets || octets.tag !== 0x04)
    throw new Sm2KeyError('not a PKCS#8 PrivateKeyInfo');
  if (!sameBytes(algorithm.raw, ALGORITHM)) throw new Sm2KeyError('the private key is not an SM2 key (id-ecPublicKey with the SM2 curve)');
  const fields = children(only(octets.value, 0x30, 'ECPrivateKey').value);
  const [ecVersion, scalar] = fields;
  if (!ecVersion || ecVersion.tag !== 0x02 || ecVersion.value[0] !== 0x01 || !scalar || scalar.tag !== 0x04)
    throw new Sm2KeyError('not an ECPrivateKey');
  if (scalar.value.length > 32) throw new Sm2KeyError('the SM2 private scalar is longer than 32 bytes');
  const d = new Uint8Array(32);
  d.set(scalar.value, 32 - scalar.value.length); // RFC 5915 wants 32 bytes; tolerate a writer that dropped leading zeros
  const params = fields.find((f) => f.tag === 0xa0);
  if (params && !sameBytes(params.value, SM2_CURVE)) throw new Sm2KeyError('the ECPrivateKey names another curve');
  const publicKey = fields.find((f) => f.tag === 0xa1);
  const bits = publicKey ? only(publicKey.value, 0x03, 'the ECPrivateKey public key').value : undefined;
  return sm2PrivateKeyOf(d, bits ? bits.subarray(1) : undefined);
}

export interface Sm2KeyPair {
  privateKey: Sm2PrivateKey;
  /** Canonical DER SubjectPublicKeyInfo (what a certificate carries and what the key id hashes). */
  publicKeySpki: Uint8Array;
  /** PKCS#8 DER of the private key. */
  privateKeyPkcs8: Uint8Array;
}

/** A fresh SM2 key pair from the platform CSPRNG (sm-crypto-v2 draws from crypto.getRandomValues). */
export function generateSm2KeyPair(): Sm2KeyPair {
  const { privateKey } = sm2.generateKeyPairHex();
  const key = sm2PrivateKeyOf(bytesOfHex(privateKey.padStart(64, '0')));
  return { privateKey: key, publicKeySpki: sm2SpkiOfPoint(key.publicPoint), privateKeyPkcs8: sm2PrivateKeyToPkcs8(key) };
}

