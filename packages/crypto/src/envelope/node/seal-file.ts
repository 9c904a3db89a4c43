/**
 * Sealing a bid file into an envelope file, disk to disk (what `ggzy seal` runs): the same
 * `sealEnvelope` (same bytes as the portable backend and the browser), with the work spread over
 * threads so that a 2-core machine seals about as fast as it copies the file:
 *
 * * the main thread reads the bid into shared buffers (`readFileForSealing`), frames the records and
 *   writes the envelope in 64 KiB synchronous writes (`writeEnvelopeFile`);
 * * worker threads encrypt (AES-256-GCM, into shared buffers) and compute the two SHA-256 streams
 *   (the commitment over the bid, the digest over the envelope), reading the shared buffers in place.
 *
 * Nothing is copied between threads but each chunk's ciphertext, once, natively, by the worker that
 * produces it; the main thread allocates nothing per chunk, so its garbage collector stays idle.
 * Memory stays bounded (four bid buffers, four ciphertext buffers, one write buffer) whatever the size
 * of the bid. Measured numbers: docs/decisions/008-parallel-sealing.md.
 */
import { availableParallelism } from 'node:os';
import type { EnvelopeBackend } from '../backend';
import { DEFAULT_CHUNK_SIZE, TAG_LENGTH } from '../format';
import { sealEnvelope, type SealedEnvelope, type SealEnvelopeOptions, type SealSummary } from '../seal';
import { createNodeBackend } from './backend';
import { writeEnvelopeFile } from './file-sink';
import { readFileForSealing } from './file-source';
import { offThreadGcm, SharedSlots } from './hash-worker';

/** Ciphertext buffers: one being written, one being hashed, two of slack for the hashing thread. */
const CIPHERTEXT_SLOTS = 4;
/** The lanes (workers): the commitment's SHA-256, the envelope's SHA-256, the encryption. */
const COMMITMENT_LANE = 0;
const ENVELOPE_LANE = 1;
const CIPHER_LANE = 2;

export interface SealFileToFileOptions extends Omit<SealEnvelopeOptions, 'plaintext' | 'backend' | 'createSha256'> {
  /** The bid file. */
  input: string;
  /** The envelope file to create. */
  output: string;
  /** fs open flags for the output; 'wx' (fail if it exists) unless given. */
  flags?: string;
}

/**
 * Seals `input` into a new file `output`; resolves to the summary once every byte is written. On a
 * failure the output file may exist, partly written: the caller chose its path and removes it (the
 * CLI writes to a `.partial` name and renames it on success).
 */
export function sealFileToFile(options: SealFileToFileOptions): Promise<SealSummary> {
  return sealFileToFileWith(options, sealEnvelope);
}

/**
 * INTERNAL — sealFileToFile with another sealer: the tests pass the fixed-randomness sealer of the
 * published vectors, to compare the file byte for byte with the portable backend's envelope.
 */
export async function sealFileToFileWith(
  options: SealFileToFileOptions,
  seal: (options: SealEnvelopeOptions) => Promise<SealedEnvelope>,
): Promise<SealSummary> {
  const { input, output, flags, ...sealOptions } = options;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const sink = flags === undefined ? {} : { flags };
  // On a single core, threads only add copies and switches: seal on the calling thread.
  if (availableParallelism() < 2) {
    const sealed = await seal({ ...sealOptions, chunkSize, plaintext: readFileForSealing(input, chunkSize), backend: createNodeBackend({ offThreadDigest: 0 }) });
    await writeEnvelopeFile(sealed.bytes, output, sink);
    return await sealed.summary;
  }
  const ciphertext = new SharedSlots(CIPHERTEXT_SLOTS, chunkSize + TAG_LENGTH);
  try {
    const base = createNodeBackend({ offThreadDigest: 2, lanes: { commitment: COMMITMENT_LANE, envelope: ENVELOPE_LANE } });
    const backend: EnvelopeBackend = {
      ...base,
      name: `${base.name}, AES-GCM on a worker thread`,
      // The ciphertext buffers are reused: valid because writeEnvelopeFile, the only reader of
      // `sealed.bytes` here, is done with a piece when it asks for the next (offThreadGcm's contract).
      aes256Gcm: async (key) => {
        const gcm = offThreadGcm(key, ciphertext, { lane: CIPHER_LANE });
        const native = await base.aes256Gcm(key);
        return { seal: gcm.seal, open: native.open };
      },
    };
    const sealed = await seal({ ...sealOptions, chunkSize, plaintext: readFileForSealing(input, chunkSize), backend });
    await writeEnvelopeFile(sealed.bytes, output, sink);
    return await sealed.summary;
  } finally {
    ciphertext.close();
  }
}
