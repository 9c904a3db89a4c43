/**
 * Runs in a worker thread (decrypt-pool.ts): one bid's whole decryption at a time (open-bid.ts),
 * from the stored envelope to the stored plaintext, on this thread's own core. It opens the same
 * object store as the main thread from the store's config, so no envelope or plaintext byte crosses
 * between threads; only the content key comes in and the outcome goes back. Nothing here touches
 * the database.
 */
import { EnvelopeError } from '@ggzy/crypto';
import { AppError, BidBundleError } from '@ggzy/domain';
import { openStore, type ObjectStore, type StoreConfig } from '@ggzy/storage';
import { parentPort } from 'node:worker_threads';
import { openAndStoreBid } from './open-bid';
import type { FromWorker, ToWorker, WorkerFailure } from './decrypt-pool';

const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

const stores = new Map<string, ObjectStore>();
function storeFor(config: StoreConfig): ObjectStore {
  const id = JSON.stringify(config);
  let store = stores.get(id);
  if (!store) stores.set(id, (store = openStore(config)));
  return store;
}

function failureOf(error: unknown): WorkerFailure {
  if (error instanceof EnvelopeError) return { kind: 'envelope', code: error.code, message: error.detail };
  if (error instanceof BidBundleError) return { kind: 'bundle', code: error.reason, message: error.message, zh: error.zh, en: error.en, path: error.path };
  if (error instanceof AppError) return { kind: 'internal', code: error.code, message: error.message };
  return { kind: 'internal', code: (error as { name?: string })?.name ?? 'Error', message: String((error as Error)?.message ?? error) };
}

port.on('message', (m: ToWorker) => {
  if (m.op !== 'start') return;
  const { job, store, ...work } = m;
  openAndStoreBid(storeFor(store), work).then(
    (opened) => post({ op: 'done', job, opened }),
    (error: unknown) => post({ op: 'failed', job, failure: failureOf(error) }),
  );
});
post({ op: 'ready' });
