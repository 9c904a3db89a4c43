/**
 * One bid's decryption at the opening, from the stored envelope to the stored plaintext, with no
 * database: what a decryption worker runs (decrypt-pool.ts), testable on any thread. Streams the
 * envelope from the store through `openEnvelope` with the bare content key (every chunk's tag, the
 * key and salted commitments), hashes the envelope (for the bidder's receipt) and the plaintext (the
 * digest the store records) on the way, stages the plaintext in the store (ObjectStore.stage),
 * reads the bundle's opening schedule back from there once every check has passed, and only then
 * publishes it, write-once.
 */
import { openEnvelope, EnvelopeError } from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { openBidBundle, type OpeningSchedule } from '@ggzy/domain';
import { ObjectExistsError, type ObjectStore } from '@ggzy/storage';
import { createHash } from 'node:crypto';

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
  // The plaintext is staged in the store as it is decrypted (every piece dies young and memory
  // stays flat whatever the bid's size), the bundle is read back from there, and the store publishes
  // it only once every check has passed: on the disk store by a link, without copying it again.
  const staged = await store.stage();
  try {
    for await (const part of openEnvelope({
      envelope: hashed(),
      key: { contentKey: job.contentKey },
      backend: nodeBackend,
      onHeader: (info) => {
        if (info.headerSha256 !== job.headerSha256) throw new EnvelopeError('tampered', 'the header changed between the binding check and the decryption');
      },
    })) {
      plaintextHash.update(part);
      await staged.write(part);
    }
    const envelopeSha256 = envelopeHash.digest('hex');
    const computed = plaintextHash.digest('hex');
    const bytes = staged.size;
    const schedule = (await openBidBundle({ size: bytes, read: (offset, length) => staged.read(offset, length) })).openingSchedule;

    let plaintextSha256: string;
    try {
      plaintextSha256 = (await staged.publish(job.plaintextKey, { contentType: 'application/zip', knownSha256: computed })).sha256;
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
    await staged.discard();
  }
}
