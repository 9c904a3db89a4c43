/**
 * The byte layout of the sealed-bid envelope (docs/envelope.md is the normative description; keep
 * the two in step). Pure encoding and decoding: no keys, no I/O.
 */
import { EnvelopeError } from './errors';

export const MAGIC = new Uint8Array([0x47, 0x47, 0x5a, 0x59, 0x45, 0x4e, 0x56]); // "GGZYENV"
export const FORMAT_VERSION = 1;
export const SUITE_RSA_AES = 'rsa-oaep-sha256/aes-256-gcm-stream';
/** The GM/T suite (docs/envelope.md §9). */
export const SUITE_SM2_SM4 = 'sm2/sm4-ctr-hmac-sm3-stream';
export type EnvelopeSuiteId = typeof SUITE_RSA_AES | typeof SUITE_SM2_SM4;
export const SUPPORTED_SUITES: readonly string[] = [SUITE_RSA_AES, SUITE_SM2_SM4];

export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
export const MIN_CHUNK_SIZE = 16;
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024;
export const MAX_HEADER_LENGTH = 64 * 1024;
/** magic(7) + version(1) + header length(4) */
export const PREAMBLE_LENGTH = 12;
export const NONCE_PREFIX_LENGTH = 7;
export const SALT_LENGTH = 32;
export const KEY_LENGTH = 32;
export const TAG_LENGTH = 16;
export const KEY_ID_LENGTH = 32;
export const COMMITMENT_LENGTH = 32;
export const RECORD_HEADER_LENGTH = 5; // kind(1) + ciphertext length(4)
export const RECORD_CHUNK = 0x00;
export const RECORD_FINAL = 0x01;
export const MAX_RECIPIENTS = 16;
export const MAX_METADATA_ENTRIES = 64;
export const MAX_METADATA_VALUE_BYTES = 4096;
export const METADATA_KEY_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

export type RecipientRole = 'bidder' | 'opening';
const roleCodes: Record<RecipientRole, number> = { bidder: 0x01, opening: 0x02 };

export interface RecipientStanza {
  role: RecipientRole;
  /** SHA-256 of the recipient public key's SubjectPublicKeyInfo (DER). */
  keyId: Uint8Array;
  /** The 32-byte content key wrapped to that public key. */
  wrappedKey: Uint8Array;
}

export interface EnvelopeHeader {
  version: number;
  suite: string;
  chunkSize: number;
  noncePrefix: Uint8Array;
  /** HMAC(content key, KEY_COMMITMENT_LABEL) with the suite's hash: tells a wrong key from a damaged body. */
  keyCommitment: Uint8Array;
  recipients: RecipientStanza[];
  /** Section id, bidder id and the like; in clear, bound to every chunk. */
  metadata: Record<string, string>;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function malformed(detail: string): never {
  throw new EnvelopeError('malformed-header', detail);
}

/** Validates a header before it is written, so a writer cannot emit what a reader refuses. */
export function assertWritableHeader(h: EnvelopeHeader): void {
  const fail = (detail: string): never => {
    throw new EnvelopeError('invalid-input', detail);
  };
  if (!SUPPORTED_SUITES.includes(h.suite)) fail(`unknown suite ${h.suite}`);
  if (!Number.isInteger(h.chunkSize) || h.chunkSize < MIN_CHUNK_SIZE || h.chunkSize > MAX_CHUNK_SIZE)
    fail(`chunk size must be an integer in [${MIN_CHUNK_SIZE}, ${MAX_CHUNK_SIZE}]`);
  if (h.noncePrefix.length !== NONCE_PREFIX_LENGTH) fail('nonce prefix must be 7 bytes');
  if (h.keyCommitment.length !== 32) fail('key commitment must be 32 bytes');
  if (h.recipients.length < 1 || h.recipients.length > MAX_RECIPIENTS)
    fail(`between 1 and ${MAX_RECIPIENTS} recipients are required`);
  const ids = new Set<string>();
  for (const r of h.recipients) {
    if (r.keyId.length !== KEY_ID_LENGTH) fail('key id must be 32 bytes');
    if (r.wrappedKey.length < 1 || r.wrappedKey.length > 0xffff) fail('wrapped key length out of range');
    const id = hex(r.keyId);
    if (ids.has(id)) fail('the same recipient key appears twice');
    ids.add(id);
  }
  const keys = Object.keys(h.metadata);
  if (keys.length > MAX_METADATA_ENTRIES) fail(`at most ${MAX_METADATA_ENTRIES} metadata entries`);
  for (const k of keys) {
    if (!METADATA_KEY_PATTERN.test(k)) fail(`metadata key ${JSON.stringify(k)} must match ${METADATA_KEY_PATTERN}`);
    const v = h.metadata[k];
    if (typeof v !== 'string') fail(`metadata value of ${k} must be a string`);
    if (utf8.encode(v).length > MAX_METADATA_VALUE_BYTES) fail(`metadata value of ${k} is too long`);
  }
}

export function encodeHeader(h: EnvelopeHeader): Uint8Array {
  assertWritableHeader(h);
  const parts: Uint8Array[] = [];
  const u8 = (n: number) => parts.push(Uint8Array.of(n));
  const u16 = (n: number) => parts.push(Uint8Array.of(n >>> 8, n & 0xff));
  const u32 = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    parts.push(b);
  };
  parts.push(MAGIC);
  u8(FORMAT_VERSION);
  u32(0); // header length, patched below
  const suite = utf8.encode(h.suite);
  u8(suite.length);
  parts.push(suite);
  u32(h.chunkSize);
  parts.push(h.noncePrefix, h.keyCommitment);
  u8(h.recipients.length);
  for (const r of h.recipients) {
    u8(roleCodes[r.role]);
    parts.push(r.keyId);
    u16(r.wrappedKey.length);
    parts.push(r.wrappedKey);
  }
  // Canonical order: keys are ASCII, so string order is byte order.
  const keys = Object.keys(h.metadata).sort();
  u8(keys.length);
  for (const k of keys) {
    const kb = utf8.encode(k);
    const vb = utf8.encode(h.metadata[k] ?? '');
    u8(kb.length);
    parts.push(kb);
    u16(vb.length);
    parts.push(vb);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (total > MAX_HEADER_LENGTH) throw new EnvelopeError('invalid-input', 'header exceeds 64 KiB');
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  new DataView(out.buffer).setUint32(MAGIC.length + 1, total);
  return out;
}

/**
 * Checks the 12-byte preamble and returns the total header length. Fewer than 12 bytes are accepted
 * only as far as they agree with the magic (the caller decides whether that is truncation).
 */
export function decodePreamble(bytes: Uint8Array): number {
  for (let i = 0; i < Math.min(bytes.length, MAGIC.length); i++)
    if (bytes[i] !== MAGIC[i]) malformed('bad magic: this is not a sealed-bid envelope');
  if (bytes.length < PREAMBLE_LENGTH) throw new EnvelopeError('truncated', 'the envelope ends inside its preamble');
  if (bytes[MAGIC.length] !== FORMAT_VERSION) malformed(`unsupported format version ${bytes[MAGIC.length]}`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length + 1);
  if (length < PREAMBLE_LENGTH || length > MAX_HEADER_LENGTH) malformed(`header length ${length} out of range`);
  return length;
}

/** Parses a complete header (preamble included) strictly: every byte must be accounted for. */
export function decodeHeader(bytes: Uint8Array): EnvelopeHeader {
  const length = decodePreamble(bytes);
  if (bytes.length !== length) malformed('header length does not match');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = PREAMBLE_LENGTH;
  const need = (n: number) => {
    if (o + n > length) malformed('header fields run past the header length');
  };
  const u8 = () => {
    need(1);
    return view.getUint8(o++);
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(o);
    o += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(o);
    o += 4;
    return v;
  };
  const take = (n: number) => {
    need(n);
    const v = bytes.slice(o, o + n);
    o += n;
    return v;
  };
  const text = (n: number, what: string) => {
    try {
      return strictUtf8.decode(take(n));
    } catch (e) {
      if (e instanceof EnvelopeError) throw e;
      return malformed(`${what} is not valid UTF-8`);
    }
  };

  const suiteLength = u8();
  if (suiteLength === 0) malformed('empty suite id');
  const suite = text(suiteLength, 'suite id');
  if (!/^[\x21-\x7e]+$/.test(suite)) malformed('suite id must be printable ASCII');
  if (!SUPPORTED_SUITES.includes(suite)) throw new EnvelopeError('unsupported-suite', `suite ${JSON.stringify(suite)}`);
  const chunkSize = u32();
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) malformed(`chunk size ${chunkSize} out of range`);
  const noncePrefix = take(NONCE_PREFIX_LENGTH);
  const keyCommitment = take(32);
  const recipientCount = u8();
  if (recipientCount < 1 || recipientCount > MAX_RECIPIENTS) malformed(`recipient count ${recipientCount} out of range`);
  const recipients: RecipientStanza[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < recipientCount; i++) {
    const code = u8();
    const role = (Object.keys(roleCodes) as RecipientRole[]).find((r) => roleCodes[r] === code);
    if (!role) malformed(`unknown recipient role ${code}`);
    const keyId = take(KEY_ID_LENGTH);
    const wrappedLength = u16();
    if (wrappedLength === 0) malformed('empty wrapped key');
    const wrappedKey = take(wrappedLength);
    const id = hex(keyId);
    if (ids.has(id)) malformed('duplicate recipient key id');
    ids.add(id);
    recipients.push({ role, keyId, wrappedKey });
  }
  const metadataCount = u8();
  if (metadataCount > MAX_METADATA_ENTRIES) malformed('too many metadata entries');
  const metadata: Record<string, string> = {};
  let previous = '';
  for (let i = 0; i < metadataCount; i++) {
    const key = text(u8(), 'metadata key');
    if (!METADATA_KEY_PATTERN.test(key)) malformed(`bad metadata key ${JSON.stringify(key)}`);
    if (i > 0 && !(key > previous)) malformed('metadata keys must be unique and in ascending order');
    previous = key;
    const valueLength = u16();
    if (valueLength > MAX_METADATA_VALUE_BYTES) malformed('metadata value too long');
    metadata[key] = text(valueLength, 'metadata value');
  }
  if (o !== length) malformed('unexpected bytes at the end of the header');
  return { version: FORMAT_VERSION, suite, chunkSize, noncePrefix, keyCommitment, recipients, metadata };
}

/** nonce = prefix(7) ‖ counter(4, big-endian) ‖ last flag(1) */
export function chunkNonce(prefix: Uint8Array, counter: number, last: boolean): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(12);
  nonce.set(prefix, 0);
  new DataView(nonce.buffer).setUint32(NONCE_PREFIX_LENGTH, counter);
  nonce[11] = last ? 0x01 : 0x00;
  return nonce;
}

export function recordHeader(kind: number, ciphertextLength: number): Uint8Array {
  const b = new Uint8Array(RECORD_HEADER_LENGTH);
  b[0] = kind;
  new DataView(b.buffer).setUint32(1, ciphertextLength);
  return b;
}

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
