/**
 * The opening's decryption on worker threads (docs/opening-hall.md §3, decision 017). When the keys
 * of a large section arrive together, each envelope's work (its SHA-256 for the receipt, AES-256-GCM
 * over every chunk, the SHA-256 of the salted commitment) runs on one of a few workers, one envelope
 * each, while the main thread reads the envelopes from the object store, stores the plaintexts and
 * answers everyone else. Node's hashes and ciphers are synchronous: on the main thread they would
 * take one core and stall the event loop for everyone in the hall.
 *
 * Flow control: the main thread keeps at most FLIGHT_BYTES of one envelope between itself and the
 * worker (sent and not yet consumed, plus plaintext received and not yet taken by the caller), so a
 * 1 GiB bid costs a few megabytes of memory here.
 *
 * The worker is TypeScript loaded through tsx's `tsImport` (decrypt-worker-boot.mjs; the API runs on
 * tsx: decision 001), so it runs the very openEnvelope the rest of the platform runs.
 */
import { EnvelopeError, type EnvelopeErrorCode } from '@ggzy/crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import pLimit from 'p-limit';

export type ToWorker =
  | { op: 'start'; job: number; contentKey: Uint8Array; headerSha256: string }
  | { op: 'chunk'; job: number; bytes: Uint8Array }
  | { op: 'end'; job: number }
  | { op: 'abort'; job: number };

export type FromWorker =
  | { op: 'ready' }
  | { op: 'consumed'; job: number; bytes: number }
  | { op: 'plaintext'; job: number; bytes: Uint8Array }
  | { op: 'done'; job: number; envelopeSha256: string; plaintextSha256: string }
  | { op: 'failed'; job: number; envelope: boolean; code: string; message: string };

/** How many envelopes are opened at once, each on a worker of its own (DECRYPTION_WORKERS; default: the cores). */
export const DECRYPTION_WORKERS = Math.max(1, Number(process.env.DECRYPTION_WORKERS ?? availableParallelism()) || 1);
const FLIGHT_BYTES = 16 * 2 ** 20;

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  listener: ((m: FromWorker) => void) | undefined;
  broken: Error | undefined;
}

const idle: Slot[] = [];
const limit = pLimit(DECRYPTION_WORKERS);
let nextJob = 1;

function startWorker(): Slot {
  const worker = new Worker(new URL('./decrypt-worker-boot.mjs', import.meta.url), { workerData: { module: new URL('./decrypt-worker.ts', import.meta.url).href } });
  let readyResolve!: () => void;
  let readyReject!: (e: Error) => void;
  const slot: Slot = { worker, ready: new Promise((res, rej) => ((readyResolve = res), (readyReject = rej))), listener: undefined, broken: undefined };
  slot.ready.catch(() => {});
  worker.on('message', (m: FromWorker) => {
    if (m.op === 'ready') readyResolve();
    else slot.listener?.(m);
  });
  const fail = (error: Error) => {
    slot.broken ??= error;
    readyReject(error);
    const i = idle.indexOf(slot);
    if (i >= 0) idle.splice(i, 1);
    slot.listener?.({ op: 'failed', job: 0, envelope: false, code: 'internal', message: `the decryption worker stopped: ${error.message}` });
  };
  worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
  worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  worker.unref();
  return slot;
}

function transferable(chunk: Uint8Array): Uint8Array {
  // fs streams read into a buffer of their own per read: it moves without a copy. Pooled or
  // shared buffers are copied.
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer ? chunk : chunk.slice();
}

export interface OffThreadOpen {
  /** The plaintext, piece by piece; iterate to the end (or break: the work is abandoned). */
  plaintext: AsyncGenerator<Uint8Array>;
  /** The SHA-256 (hex) of the envelope and of the plaintext, once the plaintext has been read to its end. */
  digests(): { envelopeSha256: string; plaintextSha256: string };
}

/**
 * Opens an envelope with a bare content key on a worker thread. Waits for a free worker first (in
 * call order). Throws EnvelopeError for everything the envelope itself fails (wrong key, a chunk
 * that does not authenticate, a commitment mismatch, a header that changed), as openEnvelope does.
 * The content key is zeroed here once it is sent (the worker zeroes its copy when done).
 */
export function openEnvelopeOffThread(options: { envelope: () => Promise<AsyncIterable<Uint8Array>>; contentKey: Uint8Array; headerSha256: string }): OffThreadOpen {
  let digests: { envelopeSha256: string; plaintextSha256: string } | undefined;
  async function* plaintext(): AsyncGenerator<Uint8Array> {
    const queue: Uint8Array[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // Holding a worker is what p-limit counts: the generator's body runs while it holds one.
    let granted!: (slot: Slot) => void;
    const slotGranted = new Promise<Slot>((r) => (granted = r));
    void limit(async () => {
      let slot = idle.pop();
      while (slot?.broken) slot = idle.pop();
      slot ??= startWorker();
      granted(slot);
      await released;
      if (!slot.broken) idle.push(slot);
    });
    const slot = await slotGranted;
    const job = nextJob++;
    let inFlight = 0;
    let queuedBytes = 0;
    let outcome: { done: { envelopeSha256: string; plaintextSha256: string } } | { error: Error } | undefined;
    // Whoever waits (the pump for room, the reader for news) waits for the next change.
    let waiters: (() => void)[] = [];
    const changed = () => new Promise<void>((r) => waiters.push(r));
    const notify = () => {
      const woken = waiters;
      waiters = [];
      for (const w of woken) w();
    };
    slot.listener = (m) => {
      if (m.op === 'ready') return;
      if (m.job !== job && m.job !== 0) return;
      if (m.op === 'consumed') inFlight -= m.bytes;
      else if (m.op === 'plaintext') {
        queue.push(new Uint8Array(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
        queuedBytes += m.bytes.byteLength;
      } else if (m.op === 'done') outcome = { done: { envelopeSha256: m.envelopeSha256, plaintextSha256: m.plaintextSha256 } };
      else if (m.op === 'failed') outcome = { error: m.envelope ? new EnvelopeError(m.code as EnvelopeErrorCode, m.message) : new Error(m.message) };
      notify();
    };
    slot.worker.ref();
    let pumping: Promise<void> | undefined;
    try {
      await slot.ready;
      slot.worker.postMessage({ op: 'start', job, contentKey: options.contentKey, headerSha256: options.headerSha256 } satisfies ToWorker);
      options.contentKey.fill(0);
      let pumpError: Error | undefined;
      pumping = (async () => {
        try {
          for await (const chunk of await options.envelope()) {
            while (!outcome && inFlight + queuedBytes >= FLIGHT_BYTES) await changed();
            if (outcome) return;
            const bytes = transferable(chunk);
            inFlight += bytes.length;
            slot.worker.postMessage({ op: 'chunk', job, bytes } satisfies ToWorker, [bytes.buffer as ArrayBuffer]);
          }
          slot.worker.postMessage({ op: 'end', job } satisfies ToWorker);
        } catch (error) {
          pumpError = error instanceof Error ? error : new Error(String(error));
          slot.worker.postMessage({ op: 'abort', job } satisfies ToWorker);
          notify();
        }
      })();
      for (;;) {
        const next = queue.shift();
        if (next) {
          queuedBytes -= next.length;
          notify();
          yield next;
          continue;
        }
        if (pumpError) throw pumpError;
        if (outcome) {
          if ('error' in outcome) throw outcome.error;
          digests = outcome.done;
          return;
        }
        await changed();
      }
    } finally {
      if (!outcome) slot.worker.postMessage({ op: 'abort', job } satisfies ToWorker);
      // A job that ended early (abandoned, failed) must be settled by the worker before it takes the next.
      while (!outcome && !slot.broken) await changed();
      await pumping?.catch(() => {});
      for (const piece of queue) piece.fill(0);
      slot.listener = undefined;
      slot.worker.unref();
      release();
    }
  }
  return {
    plaintext: plaintext(),
    digests: () => {
      if (digests === undefined) throw new Error('the envelope has not been read to its end');
      return digests;
    },
  };
}
