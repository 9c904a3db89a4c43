/**
 * Checking an envelope's structure without any key, e.g. on the server when the bidder submits: it
 * proves the upload is an envelope of this format, complete and with nothing appended, and computes
 * the ciphertext digest and size the submit must name. It cannot check tags (that needs the key).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { portableBackend, withSha256, type EnvelopeBackend, type Sha256Factory } from './backend';
import { ByteReader, type ByteSource } from './byte-stream';
import { EnvelopeError } from './errors';
import {
  COMMITMENT_LENGTH,
  PREAMBLE_LENGTH,
  RECORD_CHUNK,
  RECORD_FINAL,
  RECORD_HEADER_LENGTH,
  SALT_LENGTH,
  TAG_LENGTH,
  decodeHeader,
  decodePreamble,
  hex,
  type EnvelopeHeader,
} from './format';

export interface EnvelopeInspection {
  header: EnvelopeHeader;
  headerSha256: string;
  /** SHA-256 of every envelope byte, hex: must equal the digest in the signed submit. */
  ciphertextSha256: string;
  /** The salted plaintext commitment from the trailer, hex (not verifiable without the key; SM3-based for the GM/T suite). */
  commitment: string;
  envelopeBytes: number;
  chunks: number;
  /** Size of the bid's plaintext, which the framing reveals anyway. */
  plaintextBytes: number;
}

/**
 * `hashing`: where SHA-256 comes from, the portable backend by default; the server passes
 * `nodeBackend` from `@ggzy/crypto/node` (or, as before, a SHA-256 factory such as Node's).
 * The ciphertext digest is SHA-256 for every suite.
 */
export async function inspectEnvelope(envelope: ByteSource, hashing?: Sha256Factory | EnvelopeBackend): Promise<EnvelopeInspection> {
  const reader = new ByteReader(envelope);
  const backend = typeof hashing === 'function' ? withSha256(portableBackend, hashing) : (hashing ?? portableBackend);
  const digest = backend.sha256();
  const read = async (n: number) => {
    const bytes = await reader.read(n);
    await digest.update(bytes);
    return bytes;
  };
  try {
    const preamble = await read(PREAMBLE_LENGTH);
    if (preamble.length === 0) throw new EnvelopeError('truncated', 'the envelope is empty');
    const length = decodePreamble(preamble);
    const rest = await read(length - PREAMBLE_LENGTH);
    if (rest.length < length - PREAMBLE_LENGTH) throw new EnvelopeError('truncated', 'the envelope ends inside its header');
    const headerBytes = new Uint8Array(length);
    headerBytes.set(preamble, 0);
    headerBytes.set(rest, PREAMBLE_LENGTH);
    const header = decodeHeader(headerBytes);
    const full = header.chunkSize + TAG_LENGTH;
    let streamBytes = 0;
    for (let counter = 0; ; counter++) {
      if (counter > 0xffffffff) throw new EnvelopeError('tampered', 'chunk counter overflow');
      const record = await read(RECORD_HEADER_LENGTH);
      if (record.length < RECORD_HEADER_LENGTH)
        throw new EnvelopeError('truncated', `the envelope ends before chunk ${counter} and no final chunk was seen`);
      const kind = record[0];
      const size = new DataView(record.buffer, record.byteOffset, record.byteLength).getUint32(1);
      if (kind !== RECORD_CHUNK && kind !== RECORD_FINAL) throw new EnvelopeError('tampered', `chunk ${counter} has an unknown record kind`);
      const final = kind === RECORD_FINAL;
      if (final ? size < TAG_LENGTH + 1 || size > full : size !== full)
        throw new EnvelopeError('tampered', `chunk ${counter} has an impossible length ${size}`);
      const body = await read(size);
      if (body.length < size) throw new EnvelopeError('truncated', `the envelope ends inside chunk ${counter}`);
      streamBytes += size - TAG_LENGTH;
      if (!final) continue;
      const trailer = await read(COMMITMENT_LENGTH);
      if (trailer.length < COMMITMENT_LENGTH) throw new EnvelopeError('truncated', 'the envelope ends inside its commitment trailer');
      if (!(await reader.atEnd())) throw new EnvelopeError('trailing-data', 'bytes follow the commitment trailer');
      if (streamBytes < SALT_LENGTH) throw new EnvelopeError('tampered', 'the encrypted stream is shorter than its salt');
      return {
        header,
        headerSha256: hex(sha256(headerBytes)),
        ciphertextSha256: hex(await digest.digest()),
        commitment: hex(trailer),
        envelopeBytes: reader.offset,
        chunks: counter + 1,
        plaintextBytes: streamBytes - SALT_LENGTH,
      };
    }
  } finally {
    await reader.close();
  }
}
