/**
 * Reading and opening an envelope. `readEnvelopeHeader` needs no key (the server uses it to refuse
 * an unencrypted or malformed upload at submit); `openEnvelope` decrypts with the bidder's private
 * key or, at the opening (DESIGN.md §4), with the bare content key the bidder hands over.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { onCallingThread, portableBackend, withSha256, type EnvelopeBackend, type Sha256Factory } from './backend';
import { ByteReader, type ByteSource } from './byte-stream';
import { EnvelopeError } from './errors';
import {
  COMMITMENT_LENGTH,
  KEY_LENGTH,
  PREAMBLE_LENGTH,
  RECORD_CHUNK,
  RECORD_FINAL,
  RECORD_HEADER_LENGTH,
  SALT_LENGTH,
  TAG_LENGTH,
  chunkNonce,
  decodeHeader,
  decodePreamble,
  hex,
  type EnvelopeHeader,
} from './format';
import { suiteById } from './registry';
import { equalBytes, type EnvelopePrivateKey, type StreamCommitment } from './suite';

export interface EnvelopeHeaderInfo {
  header: EnvelopeHeader;
  headerBytes: Uint8Array;
  headerSha256: string;
}

async function readHeaderFrom(reader: ByteReader): Promise<EnvelopeHeaderInfo> {
  const preamble = await reader.read(PREAMBLE_LENGTH);
  if (preamble.length === 0) throw new EnvelopeError('truncated', 'the envelope is empty');
  const length = decodePreamble(preamble); // throws 'truncated' or 'malformed-header'
  const rest = await reader.read(length - PREAMBLE_LENGTH);
  if (rest.length < length - PREAMBLE_LENGTH) throw new EnvelopeError('truncated', 'the envelope ends inside its header');
  const headerBytes = new Uint8Array(length);
  headerBytes.set(preamble, 0);
  headerBytes.set(rest, PREAMBLE_LENGTH);
  return { header: decodeHeader(headerBytes), headerBytes, headerSha256: hex(sha256(headerBytes)) };
}

/** Parses and validates the header only; reads no further than the header's last byte. */
export async function readEnvelopeHeader(envelope: ByteSource): Promise<EnvelopeHeaderInfo> {
  const reader = new ByteReader(envelope);
  try {
    return await readHeaderFrom(reader);
  } finally {
    await reader.close();
  }
}

export type OpeningKey =
  /**
   * The recipient's private key: a WebCrypto RSA-OAEP key (RSA suite) or an Sm2PrivateKey (GM/T
   * suite; see sm2PrivateKeyFromPkcs8). `keyId` is needed only to name the recipient of a
   * non-extractable WebCrypto key.
   */
  | { privateKey: EnvelopePrivateKey; keyId?: Uint8Array }
  /** The bare 32-byte content key (the opening flow: the bidder hands over only this). */
  | { contentKey: Uint8Array };

/**
 * Unwraps the content key with a recipient's private key, e.g. in the bidder's browser at the
 * opening. 'wrong-key' if the envelope is not addressed to this key; 'tampered' if it is but the
 * wrap or the key commitment does not check out.
 */
export async function unwrapEnvelopeContentKey(
  header: EnvelopeHeader,
  privateKey: EnvelopePrivateKey,
  keyId?: Uint8Array,
  backend: EnvelopeBackend = portableBackend,
): Promise<Uint8Array> {
  const suite = suiteById(header.suite);
  if (!suite.acceptsPrivateKey(privateKey))
    throw new EnvelopeError('wrong-key', `the envelope is sealed with suite ${header.suite}, which this kind of private key cannot open`);
  const matches = (key: Uint8Array) => equalBytes(suite.keyCommitment(backend, key), header.keyCommitment);
  const id = keyId ?? (await suite.keyIdOfPrivateKey(privateKey));
  if (id) {
    const stanza = header.recipients.find((r) => hex(r.keyId) === hex(id));
    if (!stanza) throw new EnvelopeError('wrong-key', `the envelope is not addressed to key ${hex(id).slice(0, 16)}…`);
    const key = await suite.unwrap(privateKey, stanza.wrappedKey);
    if (!key) throw new EnvelopeError('tampered', 'the wrapped content key for this recipient does not decrypt');
    if (!matches(key)) throw new EnvelopeError('tampered', 'the unwrapped content key does not match the key commitment');
    return key;
  }
  // A non-extractable key without a key id: try every recipient, as age does.
  for (const stanza of header.recipients) {
    const key = await suite.unwrap(privateKey, stanza.wrappedKey);
    if (!key) continue;
    if (!matches(key)) throw new EnvelopeError('tampered', 'the unwrapped content key does not match the key commitment');
    return key;
  }
  throw new EnvelopeError('wrong-key', 'no recipient of the envelope can be unwrapped with this private key');
}

export interface OpenEnvelopeOptions {
  envelope: ByteSource;
  key: OpeningKey;
  /** Called with the header once it is parsed and the key accepted, before any plaintext. */
  onHeader?: (info: EnvelopeHeaderInfo) => void;
  /** Plaintext bytes released so far. */
  onProgress?: (plaintextBytes: number) => void;
  /** Where the primitives come from (default portable; `nodeBackend` from `@ggzy/crypto/node` in Node). */
  backend?: EnvelopeBackend;
  /** Older hook, still honoured: an incremental SHA-256 (e.g. Node's) for the SHA-256 hashing only. */
  createSha256?: Sha256Factory;
}

/**
 * Yields the plaintext of the bid, chunk by chunk, each only after its tag verified. Throws an
 * EnvelopeError on any failure and yields nothing after it. Truncation and a wrong commitment can
 * only be known at the end: treat the output as provisional until iteration completes (write to a
 * temporary file, rename on success).
 */
export async function* openEnvelope(options: OpenEnvelopeOptions): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = new ByteReader(options.envelope);
  let commitment: StreamCommitment | undefined;
  try {
    const info = await readHeaderFrom(reader);
    const { header } = info;
    const suite = suiteById(header.suite);
    const backend = onCallingThread(withSha256(options.backend ?? portableBackend, options.createSha256));
    let contentKey: Uint8Array;
    if ('contentKey' in options.key) {
      contentKey = options.key.contentKey;
      if (!(contentKey instanceof Uint8Array) || contentKey.length !== KEY_LENGTH)
        throw new EnvelopeError('invalid-input', 'a content key is 32 bytes');
      if (!equalBytes(suite.keyCommitment(backend, contentKey), header.keyCommitment))
        throw new EnvelopeError('wrong-key', 'the content key does not match the envelope’s key commitment');
    } else {
      contentKey = await unwrapEnvelopeContentKey(header, options.key.privateKey, options.key.keyId, backend);
    }
    options.onHeader?.(info);

    const cipher = await suite.chunkCipher(backend, contentKey);
    const headerDigest = suite.headerDigest(backend, info.headerBytes);
    const fullLength = header.chunkSize + TAG_LENGTH;
    commitment = suite.commitment(backend);
    let saltLeft = SALT_LENGTH;
    const salt = new Uint8Array(SALT_LENGTH);
    let released = 0;

    for (let counter = 0; ; counter++) {
      if (counter > 0xffffffff) throw new EnvelopeError('tampered', 'chunk counter overflow');
      const record = await reader.read(RECORD_HEADER_LENGTH);
      if (record.length < RECORD_HEADER_LENGTH)
        throw new EnvelopeError('truncated', `the envelope ends before chunk ${counter}${record.length ? ' is complete' : ''} and no final chunk was seen`);
      const kind = record[0];
      const length = new DataView(record.buffer, record.byteOffset, record.byteLength).getUint32(1);
      const final = kind === RECORD_FINAL;
      if (kind !== RECORD_CHUNK && kind !== RECORD_FINAL) throw new EnvelopeError('tampered', `chunk ${counter} has an unknown record kind`);
      if (final ? length < TAG_LENGTH + 1 || length > fullLength : length !== fullLength)
        throw new EnvelopeError('tampered', `chunk ${counter} has an impossible length ${length}`);
      // The body as views of what was read (no copy) when the cipher takes pieces; else one array.
      const body = cipher.openPieces ? await reader.readPieces(length) : [await reader.read(length)];
      if (body.reduce((n, p) => n + p.length, 0) < length) throw new EnvelopeError('truncated', `the envelope ends inside chunk ${counter}`);

      let associatedData = headerDigest;
      let trailer: Uint8Array | undefined;
      if (final) {
        trailer = await reader.read(COMMITMENT_LENGTH);
        if (trailer.length < COMMITMENT_LENGTH) throw new EnvelopeError('truncated', 'the envelope ends inside its commitment trailer');
        associatedData = new Uint8Array(headerDigest.length + COMMITMENT_LENGTH);
        associatedData.set(headerDigest, 0);
        associatedData.set(trailer, headerDigest.length);
      }
      const nonce = chunkNonce(header.noncePrefix, counter, final);
      const opened = cipher.openPieces ? await cipher.openPieces(nonce, associatedData, body) : await cipher.open(nonce, associatedData, body[0]!).then((p) => p && [p]);
      if (!opened) throw new EnvelopeError('tampered', `chunk ${counter} failed authentication`);

      await commitment.addChunk(opened);
      // The stream's first SALT_LENGTH bytes are the salt, not the bid.
      const bid: Uint8Array[] = [];
      for (const piece of opened) {
        let rest = piece;
        if (saltLeft > 0) {
          const n = Math.min(saltLeft, rest.length);
          salt.set(rest.subarray(0, n), SALT_LENGTH - saltLeft);
          saltLeft -= n;
          rest = rest.subarray(n);
        }
        if (rest.length > 0) bid.push(rest);
      }

      if (final) {
        // Every check that could still fail happens before the last plaintext is released.
        if (saltLeft > 0) throw new EnvelopeError('tampered', 'the encrypted stream is shorter than its salt');
        if (!(await reader.atEnd())) throw new EnvelopeError('trailing-data', 'bytes follow the commitment trailer');
        if (!equalBytes(await commitment.digest(), trailer ?? new Uint8Array()))
          throw new EnvelopeError('commitment-mismatch', 'the salted commitment recomputed from the plaintext differs from the one in the envelope');
      }
      for (const piece of bid) {
        released += piece.length;
        yield piece;
      }
      if (bid.length > 0) options.onProgress?.(released);
      if (final) return;
    }
  } finally {
    commitment?.dispose?.(); // a no-op once digested; frees a worker session after a failure
    await reader.close();
  }
}

/** Opens a whole envelope into memory: for tests and for small parts such as the opening schedule. */
export async function openEnvelopeToBytes(
  options: Omit<OpenEnvelopeOptions, 'onHeader'>,
): Promise<{ header: EnvelopeHeader; plaintext: Uint8Array }> {
  let header: EnvelopeHeader | undefined;
  const parts: Uint8Array[] = [];
  for await (const part of openEnvelope({ ...options, onHeader: (info) => (header = info.header) })) parts.push(part);
  const plaintext = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    plaintext.set(p, o);
    o += p.length;
  }
  if (!header) throw new EnvelopeError('malformed-header', 'no header was read');
  return { header, plaintext };
}
