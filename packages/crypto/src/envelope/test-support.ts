/**
 * Helpers for the envelope's tests only (imported by *.test.ts files, never by the module itself).
 */
import { EnvelopeError, type EnvelopeErrorCode } from './errors';
import { COMMITMENT_LENGTH, PREAMBLE_LENGTH, RECORD_HEADER_LENGTH } from './format';
import { openEnvelope, type OpeningKey } from './open';
import type { SealedEnvelope } from './seal';

export async function generateRsaKeyPair(extractable = true): Promise<CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey(
    { name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    extractable,
    ['encrypt', 'decrypt'],
  );
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p.slice());
  return concat(parts);
}

export async function sealedBytes(sealed: SealedEnvelope): Promise<Uint8Array> {
  return collect(sealed.bytes);
}

/** Splits an envelope along the documented layout: header, records (each with its 5-byte record header), trailer. */
export function splitEnvelope(envelope: Uint8Array): { header: Uint8Array; records: Uint8Array[]; trailer: Uint8Array } {
  const view = new DataView(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  const headerLength = view.getUint32(PREAMBLE_LENGTH - 4);
  const records: Uint8Array[] = [];
  let o = headerLength;
  for (;;) {
    const kind = envelope[o];
    const length = view.getUint32(o + 1);
    records.push(envelope.slice(o, o + RECORD_HEADER_LENGTH + length));
    o += RECORD_HEADER_LENGTH + length;
    if (kind === 1) break;
  }
  const trailer = envelope.slice(o, o + COMMITMENT_LENGTH);
  if (o + COMMITMENT_LENGTH !== envelope.length) throw new Error('test helper: envelope does not end after its trailer');
  return { header: envelope.slice(0, headerLength), records, trailer };
}

/** Feeds bytes in pieces of the given sizes (cycled), as a network or a file reader would. */
export async function* inPieces(bytes: Uint8Array, sizes: readonly number[] = [bytes.length || 1]): AsyncGenerator<Uint8Array> {
  let o = 0;
  for (let i = 0; o < bytes.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length] ?? 1);
    yield bytes.slice(o, o + n);
    o += n;
  }
}

export interface OpenOutcome {
  code: EnvelopeErrorCode | 'ok';
  released: Uint8Array;
}

/** Opens and reports the error code (or 'ok') and whatever plaintext was released before it. */
export async function tryOpen(envelope: Uint8Array, key: OpeningKey): Promise<OpenOutcome> {
  const parts: Uint8Array[] = [];
  try {
    for await (const p of openEnvelope({ envelope: [envelope], key })) parts.push(p.slice());
    return { code: 'ok', released: concat(parts) };
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    return { code: error.code, released: concat(parts) };
  }
}

export function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export function isPrefix(prefix: Uint8Array, of: Uint8Array): boolean {
  return prefix.length <= of.length && prefix.every((b, i) => b === of[i]);
}
