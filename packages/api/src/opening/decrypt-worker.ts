/**
 * Runs in a worker thread (decrypt-pool.ts): opens one envelope at a time with a bare content key,
 * on this thread's own core. The main thread streams the envelope's bytes in (it owns the object
 * store) and gets the plaintext back, piece by piece, each only after its chunk's tag verified; the
 * last piece only after the salted commitment matched. The envelope's SHA-256 (compared with the
 * bidder's receipt) and the plaintext's (the digest the store records) are hashed here too. Nothing here touches the database or the store.
 */
import { EnvelopeError, openEnvelope } from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './decrypt-pool';

const port = parentPort!;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

interface Job {
  id: number;
  chunks: Uint8Array[];
  ended: boolean;
  aborted: boolean;
  wake: (() => void) | undefined;
}
let job: Job | undefined;

async function* feed(current: Job): AsyncGenerator<Uint8Array> {
  for (;;) {
    if (current.aborted) throw new Error('aborted');
    const chunk = current.chunks.shift();
    if (chunk) {
      yield chunk;
      post({ op: 'consumed', job: current.id, bytes: chunk.length });
      continue;
    }
    if (current.ended) return;
    await new Promise<void>((resolve) => (current.wake = resolve));
    current.wake = undefined;
  }
}

async function run(current: Job, contentKey: Uint8Array, headerSha256: string) {
  const envelopeHash = createHash('sha256');
  const plaintextHash = createHash('sha256');
  async function* hashed() {
    for await (const chunk of feed(current)) {
      envelopeHash.update(chunk);
      yield chunk;
    }
  }
  try {
    for await (const part of openEnvelope({
      envelope: hashed(),
      key: { contentKey },
      backend: nodeBackend,
      onHeader: (info) => {
        if (info.headerSha256 !== headerSha256) throw new EnvelopeError('tampered', 'the header changed between the binding check and the decryption');
      },
    })) {
      // Each piece lies in a buffer of its own (the Node backend decrypts every chunk into a fresh
      // one), so it moves to the main thread without a copy; anything else is copied first.
      plaintextHash.update(part);
      const own = part.byteOffset === 0 && part.byteLength === part.buffer.byteLength && part.buffer instanceof ArrayBuffer ? part : part.slice();
      post({ op: 'plaintext', job: current.id, bytes: own }, [own.buffer as ArrayBuffer]);
    }
    post({ op: 'done', job: current.id, envelopeSha256: envelopeHash.digest('hex'), plaintextSha256: plaintextHash.digest('hex') });
  } catch (error) {
    if (error instanceof EnvelopeError) post({ op: 'failed', job: current.id, envelope: true, code: error.code, message: error.detail });
    else post({ op: 'failed', job: current.id, envelope: false, code: 'internal', message: String((error as Error)?.message ?? error) });
  } finally {
    contentKey.fill(0);
    if (job === current) job = undefined;
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.op) {
    case 'start':
      job = { id: m.job, chunks: [], ended: false, aborted: false, wake: undefined };
      void run(job, m.contentKey, m.headerSha256);
      return;
    case 'chunk':
    case 'end':
    case 'abort': {
      if (!job || job.id !== m.job) return;
      if (m.op === 'chunk') job.chunks.push(m.bytes);
      else if (m.op === 'end') job.ended = true;
      else job.aborted = true;
      job.wake?.();
      return;
    }
  }
});
post({ op: 'ready' });
