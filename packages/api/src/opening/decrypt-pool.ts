/**
 * The opening's decryption on worker threads (docs/opening-hall.md §3, decisions 017 and 018). When
 * the keys of a large section arrive together, each bid's whole decryption (open-bid.ts: reading the
 * envelope from the object store, AES-256-GCM over every chunk, the envelope's and the plaintext's
 * SHA-256 and the salted commitment, the bundle's opening schedule, storing the plaintext) runs on
 * one of a few workers, one bid each, while the main thread only decides and records in the database
 * and answers everyone else. Node's hashes and ciphers are synchronous: on the main thread they would
 * take one core and stall the event loop for everyone in the hall.
 *
 * The worker opens the same object store from its config (`ObjectStore.config`), so no envelope or
 * plaintext byte crosses between threads: copying or transferring 20 MiB per bid to the main thread
 * cost more than the decryption itself (the main thread's garbage collector frees every buffer).
 *
 * The worker is TypeScript loaded through tsx's `tsImport` (decrypt-worker-boot.mjs; the API runs on
 * tsx: decision 001), so it runs the very code the rest of the platform runs.
 */
import { EnvelopeError, type EnvelopeErrorCode } from '@ggzy/crypto';
import { BidBundleError, type BidBundleErrorReason } from '@ggzy/domain';
import type { ObjectStore, StoreConfig } from '@ggzy/storage';
import { ObjectExistsError } from '@ggzy/storage';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import pLimit from 'p-limit';
import type { OpenBidJob, Opened } from './open-bid';

export type WorkerFailure =
  | { kind: 'envelope'; code: string; message: string }
  | { kind: 'bundle'; code: string; message: string; zh: string; en: string; path: string | null }
  | { kind: 'internal'; code: string; message: string };

export type ToWorker = { op: 'start'; job: number; store: StoreConfig } & OpenBidJob;

export type FromWorker = { op: 'ready' } | { op: 'done'; job: number; opened: Opened } | { op: 'failed'; job: number; failure: WorkerFailure };

/** How many bids are decrypted at once, each on a worker of its own (DECRYPTION_WORKERS; default: the cores). */
export const DECRYPTION_WORKERS = Math.max(1, Number(process.env.DECRYPTION_WORKERS ?? availableParallelism()) || 1);

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
    slot.listener?.({ op: 'failed', job: 0, failure: { kind: 'internal', code: 'worker-stopped', message: `the decryption worker stopped: ${error.message}` } });
  };
  worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
  worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  worker.unref();
  return slot;
}

/**
 * Starts the workers ahead of the keys (when the host starts a decryption window): a worker takes
 * about a second and two of CPU to load its code, which the first bids would otherwise wait for.
 * Idle workers do not keep the process alive.
 */
export function warmDecryptionWorkers(): void {
  while (idle.length + limit.activeCount < DECRYPTION_WORKERS) {
    const slot = startWorker();
    idle.push(slot);
  }
}

/** The worker's failure as the error the caller would have seen had it run here. */
function errorOf(failure: WorkerFailure, plaintextKey: string): Error {
  if (failure.kind === 'envelope') return new EnvelopeError(failure.code as EnvelopeErrorCode, failure.message);
  if (failure.kind === 'bundle') return new BidBundleError(failure.code as BidBundleErrorReason, { zh: failure.zh, en: failure.en }, failure.path);
  if (failure.code === 'ObjectExistsError') return new ObjectExistsError(plaintextKey);
  return new Error(failure.message);
}

/**
 * Decrypts, checks and stores one bid on a worker thread (open-bid.ts `openAndStoreBid`, with its
 * errors). Waits for a free worker first, in call order. The content key is zeroed here once sent;
 * the worker zeroes its copy when done.
 */
export async function openBidOffThread(store: ObjectStore, job: OpenBidJob): Promise<Opened> {
  return limit(async () => {
    let slot = idle.pop();
    while (slot?.broken) slot = idle.pop();
    slot ??= startWorker();
    const id = nextJob++;
    slot.worker.ref();
    try {
      await slot.ready;
      return await new Promise<Opened>((resolve, reject) => {
        slot.listener = (m) => {
          if (m.op === 'ready' || (m.job !== id && m.job !== 0)) return;
          if (m.op === 'done') resolve(m.opened);
          else reject(errorOf(m.failure, job.plaintextKey));
        };
        slot.worker.postMessage({ op: 'start', job: id, store: store.config, ...job } satisfies ToWorker);
        job.contentKey.fill(0);
      });
    } finally {
      slot.listener = undefined;
      slot.worker.unref();
      if (!slot.broken) idle.push(slot);
    }
  });
}
