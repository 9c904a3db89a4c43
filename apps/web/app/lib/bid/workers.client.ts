/**
 * Starting the bid page's workers. A `.client` module: React Router leaves it out of the server
 * build (Workers, OPFS and WebCrypto keys exist only in the browser), so call it from event
 * handlers and effects only. Vite bundles each `new Worker(new URL(…))` as its own ES module.
 */
import type { KeysReply, KeysRequest, OpenRequest, SealReply, UnwrapRequest, SealRequest, SealSummaryInfo, WorkerFailure } from './protocol';

/** A failure inside a worker, carried back to the page with its code. */
export class WorkerError extends Error {
  constructor(readonly failure: WorkerFailure) {
    super(failure.message);
    this.name = 'WorkerError';
  }
}

function keysWorker(): Worker {
  return new Worker(new URL('./keys.worker.ts', import.meta.url), { type: 'module', name: 'ggzy-keys' });
}

function sealWorker(): Worker {
  return new Worker(new URL('./seal.worker.ts', import.meta.url), { type: 'module', name: 'ggzy-seal' });
}

/** One request in a fresh worker, which is terminated once it has answered. */
function once<Reply extends { type: string }>(worker: Worker, request: unknown, transfer: Transferable[] = []): Promise<Reply> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<Reply>) => {
      worker.terminate();
      const reply = event.data;
      if (reply.type === 'error') reject(new WorkerError((reply as unknown as { failure: WorkerFailure }).failure));
      else resolve(reply);
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new WorkerError({ kind: 'Error', code: 'worker', message: event.message || 'the worker failed to start', zh: null, en: null }));
    };
    worker.postMessage(request, transfer);
  });
}

type ReplyOf<T extends KeysReply['type']> = Extract<KeysReply, { type: T }>;

export async function unlockKeyFile(p12: Uint8Array, password: string): Promise<ReplyOf<'unlocked'>> {
  return once<ReplyOf<'unlocked'>>(keysWorker(), { type: 'unlock', p12, password } satisfies KeysRequest);
}

export async function createCsr(subject: { commonName: string; organisation: string; creditCode: string }, algorithm: 'rsa' | 'sm2'): Promise<ReplyOf<'csr'>> {
  return once<ReplyOf<'csr'>>(keysWorker(), { type: 'csr', subject, algorithm } satisfies KeysRequest);
}

export async function makeKeyFile(options: { certificatePem: string; privateKeyPem: string; chainPems: string[]; password: string }): Promise<Uint8Array> {
  return (await once<ReplyOf<'pkcs12'>>(keysWorker(), { type: 'pkcs12', ...options } satisfies KeysRequest)).bytes;
}

export async function signInWorker(privateKeyPem: string, context: string, message: Uint8Array): Promise<Uint8Array> {
  return (await once<ReplyOf<'signature'>>(keysWorker(), { type: 'sign', privateKeyPem, context, message } satisfies KeysRequest)).signature;
}

export async function signChallengeInWorker(privateKeyPem: string, challenge: Uint8Array): Promise<Uint8Array> {
  return (await once<ReplyOf<'signature'>>(keysWorker(), { type: 'signChallenge', privateKeyPem, challenge } satisfies KeysRequest)).signature;
}

export async function certificateKey(certificatePem: string): Promise<ReplyOf<'certificate'>> {
  return once<ReplyOf<'certificate'>>(keysWorker(), { type: 'certificate', certificatePem } satisfies KeysRequest);
}

export interface SealProgressInfo {
  plaintextBytes: number;
  totalBytes: number;
  envelopeBytes: number;
}

/** Seals in a worker; `cancel` stops it (the worker's half-written file is removed on its next use). */
export function sealInWorker(request: SealRequest, onProgress: (progress: SealProgressInfo) => void): { done: Promise<SealSummaryInfo>; cancel(): void } {
  const worker = sealWorker();
  let rejectDone!: (error: Error) => void;
  const done = new Promise<SealSummaryInfo>((resolve, reject) => {
    rejectDone = reject;
    worker.onmessage = (event: MessageEvent<SealReply>) => {
      const reply = event.data;
      if (reply.type === 'progress') onProgress(reply);
      else {
        worker.terminate();
        if (reply.type === 'done') resolve(reply.summary);
        else if (reply.type === 'error') reject(new WorkerError(reply.failure));
        else reject(new Error(`unexpected reply ${reply.type}`));
      }
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new WorkerError({ kind: 'Error', code: 'worker', message: event.message || 'the sealing worker failed', zh: null, en: null }));
    };
  });
  worker.postMessage(request);
  return {
    done,
    cancel() {
      worker.terminate();
      rejectDone(new WorkerError({ kind: 'AbortError', code: 'cancelled', message: 'sealing cancelled', zh: null, en: null }));
    },
  };
}

export type OpenedEnvelope = Extract<SealReply, { type: 'opened' }>;

/** Opens an envelope with a PKCS#12 key in a worker and reports what is inside. */
export function openInWorker(request: OpenRequest): Promise<OpenedEnvelope> {
  return once<OpenedEnvelope>(sealWorker(), request);
}

export type UnwrappedKey = Extract<SealReply, { type: 'unwrapped' }>;

/** Unwraps the content key of the company's own stored envelope with a PKCS#12 key, in a worker (the opening's hand-over). */
export function unwrapInWorker(request: UnwrapRequest): Promise<UnwrappedKey> {
  return once<UnwrappedKey>(sealWorker(), request);
}
