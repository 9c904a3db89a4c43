/**
 * One bid's decryption at the opening, from the stored envelope to the stored plaintext, with no
 * database: what a decryption worker runs (decrypt-pool.ts), testable on any thread. Streams the
 * envelope from the store through `openEnvelope` with the bare content key (every chunk's tag, the
 * key and salted commitments), hashes the envelope (for the bidder's receipt) and the plaintext (the
 * digest the store records) on the way, writes the plaintext to a private temporary file, reads the
 * bundle's opening schedule from there once every check has passed, and only then stores it,
 * write-once.
 */
import { openEnvelope, EnvelopeError } from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { openBidBundle, type OpeningSchedule } from '@ggzy/domain';
import { ObjectExistsError, type ObjectStore } from '@ggzy/storage';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Plaintext bytes gathered before each write to the temporary file. */
const WRITE_RUN = 2 ** 20;

export interface OpenBidJob {
  envelopeKey: string;
  plaintextKey: string;
  /** The bare content key; zeroed here when done. */
  contentKey: Uint8Array;
  /** The header the caller checked the binding of: the envelope read must still carry it. */
  headerSha256: string;
}

export interface Opened {
  schedule: OpeningSchedule;
  plaintextSha256: string;
  plaintextBytes: number;
  envelopeSha256: string;
}

/**
 * Decrypts, checks and stores one bid. Throws EnvelopeError for what the envelope itself fails
 * (wrong key, a chunk that does not authenticate, a commitment mismatch, a header other than the
 * one checked), BidBundleError when the plaintext is not a valid bid bundle, ObjectExistsError when
 * other bytes are already stored under the plaintext key; anything else as it came.
 */
export async function openAndStoreBid(store: ObjectStore, job: OpenBidJob): Promise<Opened> {
  const envelopeHash = createHash('sha256');
  const plaintextHash = createHash('sha256');
  const source = (await store.get(job.envelopeKey)) as AsyncIterable<Uint8Array>;
  async function* hashed() {
    for await (const chunk of source) {
      envelopeHash.update(chunk);
      yield chunk;
    }
  }
  // The plaintext goes to a private temporary file as it is decrypted (written in runs of
  // WRITE_RUN), so every piece dies young and memory stays flat whatever the bid's size; the bundle
  // is read from there, and the store takes the file only once every check has passed.
  const dir = await mkdtemp(join(tmpdir(), 'ggzy-opening-'));
  const file = join(dir, 'bundle.zip');
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'w+', 0o600);
    const out = handle;
    let run: Uint8Array[] = [];
    let runBytes = 0;
    let bytes = 0;
    const flush = async () => {
      let written = 0;
      while (written < runBytes) {
        // writev of regular files writes everything; a short write resumes after what was written.
        let skip = written;
        const rest: Uint8Array[] = [];
        for (const p of run) {
          if (skip >= p.length) skip -= p.length;
          else (rest.push(skip ? p.subarray(skip) : p), (skip = 0));
        }
        written += (await out.writev(rest, bytes - runBytes + written)).bytesWritten;
      }
      run = [];
      runBytes = 0;
    };
    for await (const part of openEnvelope({
      envelope: hashed(),
      key: { contentKey: job.contentKey },
      backend: nodeBackend,
      onHeader: (info) => {
        if (info.headerSha256 !== job.headerSha256) throw new EnvelopeError('tampered', 'the header changed between the binding check and the decryption');
      },
    })) {
      plaintextHash.update(part);
      bytes += part.length;
      run.push(part);
      runBytes += part.length;
      if (runBytes >= WRITE_RUN) await flush();
    }
    if (runBytes > 0) await flush();
    const envelopeSha256 = envelopeHash.digest('hex');
    const computed = plaintextHash.digest('hex');

    const schedule = (
      await openBidBundle({
        size: bytes,
        read: async (offset, length) => {
          const buffer = new Uint8Array(length);
          const { bytesRead } = await out.read(buffer, 0, length, offset);
          return buffer.subarray(0, bytesRead);
        },
      })
    ).openingSchedule;

    let plaintextSha256: string;
    try {
      plaintextSha256 = (await store.put(job.plaintextKey, createReadStream(file, { highWaterMark: WRITE_RUN }), { contentType: 'application/zip', knownSha256: computed })).sha256;
    } catch (error) {
      // An earlier attempt stored it and stopped before recording: it must be these very bytes.
      if (!(error instanceof ObjectExistsError)) throw error;
      plaintextSha256 = computed;
      const info = await store.head(job.plaintextKey);
      if (info?.sha256 !== plaintextSha256) throw error;
    }
    return { schedule, plaintextSha256, plaintextBytes: bytes, envelopeSha256 };
  } finally {
    job.contentKey.fill(0);
    await handle?.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}
