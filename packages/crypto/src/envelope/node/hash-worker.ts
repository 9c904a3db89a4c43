/**
 * SHA-256 on a worker thread, for the two long streams of a seal (the commitment over the bid and
 * the digest over the envelope): Node's hashes are synchronous, so on the main thread they would run
 * after each chunk's encryption instead of beside it. Each update is copied once into a ring of
 * shared memory (the caller keeps its bytes; no fresh allocation per chunk, so no page faults or GC
 * churn) and hashed by the worker while the main thread encrypts the next chunk. The ring starts at
 * 64 KiB and grows to 16 MiB (four 4 MiB chunks) as updates get larger; when it is full, `update`
 * waits for the worker (backpressure), so memory stays bounded whatever the file size.
 *
 * Two workers serve every hash of the process (sessions by id, alternating), so that both streams
 * of a seal get a thread; a worker is referenced only while it has an open session, so it never
 * keeps a finished process alive.
 */
import { Worker } from 'node:worker_threads';
import type { IncrementalHash } from '../backend';

// Plain CommonJS evaluated in the worker, so that it runs the same under tsx, vitest and a build.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sessions = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'start') sessions.set(m.id, { hash: createHash('sha256'), ring: undefined });
  else if (m.op === 'ring') sessions.get(m.id).ring = new Uint8Array(m.ring);
  else if (m.op === 'update') {
    const session = sessions.get(m.id);
    session.hash.update(session.ring.subarray(m.offset, m.offset + m.length));
    parentPort.postMessage({ op: 'ack', id: m.id });
  } else if (m.op === 'digest') {
    const session = sessions.get(m.id);
    sessions.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, digest: new Uint8Array(session.hash.digest()) });
  } else if (m.op === 'drop') sessions.delete(m.id);
});
`;

/**
 * Shared memory per session: it starts small (a seal of a short bid needs little) and grows by
 * steps up to several 4 MiB chunks, which may then wait for the worker.
 */
const FIRST_RING = 64 * 1024;
const MAX_RING = 16 * 1024 * 1024;
/** Updates are copied in segments of at most this size. */
const SEGMENT = 4 * 1024 * 1024;
/** Updates below this size wait to be announced with the next larger one. */
const SMALL = 64 * 1024;
const POOL_SIZE = 2;

interface Session {
  worker: Worker;
  /** Bytes of the ring reserved by segments the worker has not acknowledged (wrap gaps included). */
  used: number;
  /** Reserved size of each unacknowledged segment, in order (the worker answers in order). */
  pending: number[];
  wake: (() => void) | undefined;
  resolveDigest: ((digest: Uint8Array) => void) | undefined;
  fail: (error: Error) => void;
}

const workers: (Worker | undefined)[] = [];
let nextId = 1;
const sessions = new Map<number, Session>();

function openSessionsOn(w: Worker): number {
  let n = 0;
  for (const s of sessions.values()) if (s.worker === w) n++;
  return n;
}

function failAll(w: Worker, error: Error): void {
  for (const [id, session] of sessions) {
    if (session.worker !== w) continue;
    sessions.delete(id);
    session.fail(error);
  }
  const slot = workers.indexOf(w);
  if (slot >= 0) workers[slot] = undefined;
}

function workerFor(id: number): Worker {
  const slot = id % POOL_SIZE;
  const existing = workers[slot];
  if (existing) return existing;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.on('message', (m: { op: 'ack' | 'digest'; id: number; digest?: Uint8Array }) => {
    const session = sessions.get(m.id);
    if (!session) return;
    if (m.op === 'ack') {
      session.used -= session.pending.shift() ?? 0;
      const wake = session.wake;
      session.wake = undefined;
      wake?.();
    } else {
      sessions.delete(m.id);
      if (openSessionsOn(w) === 0) w.unref();
      session.resolveDigest?.(m.digest!);
    }
  });
  w.on('error', (error) => failAll(w, error instanceof Error ? error : new Error(String(error))));
  w.on('exit', (code) => failAll(w, new Error(`the hashing worker stopped (exit code ${code})`)));
  w.unref();
  workers[slot] = w;
  return w;
}

/** Sessions not yet digested or disposed (each keeps its worker referenced). For the tests. */
export function openSessionCount(): number {
  return sessions.size;
}

export function offThreadSha256(): IncrementalHash {
  const id = nextId++;
  const w = workerFor(id);
  let ring: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  let writeAt = 0;
  let error: Error | undefined;
  let done = false;
  const session: Session = {
    worker: w,
    used: 0,
    pending: [],
    wake: undefined,
    resolveDigest: undefined,
    fail: (e) => {
      error = e;
      const wake = session.wake;
      session.wake = undefined;
      wake?.();
    },
  };
  sessions.set(id, session);
  w.ref();
  w.postMessage({ op: 'start', id });

  const waitForWorker = () => new Promise<void>((resolve) => (session.wake = resolve));

  /** A bigger ring, once the worker has read everything in the old one. */
  async function grow(atLeast: number): Promise<void> {
    while (!error && session.used > 0) await waitForWorker();
    if (error) throw error;
    let size = ring.length === 0 ? FIRST_RING : ring.length * 4;
    while (size < atLeast) size *= 4;
    const shared = new SharedArrayBuffer(Math.min(MAX_RING, size));
    ring = new Uint8Array(shared);
    writeAt = 0;
    w.postMessage({ op: 'ring', id, ring: shared });
  }

  // Written to the ring but not yet announced to the worker: small updates (record headers, tags)
  // are announced together with the next large one, so a chunk costs one message, not three.
  let unsent: { offset: number; length: number; reserved: number } | undefined;
  const announce = () => {
    if (!unsent) return;
    session.pending.push(unsent.reserved);
    w.postMessage({ op: 'update', id, offset: unsent.offset, length: unsent.length });
    unsent = undefined;
  };

  async function send(bytes: Uint8Array): Promise<void> {
    if (ring.length < MAX_RING && bytes.length * 2 > ring.length) {
      announce();
      await grow(bytes.length * 2);
    }
    // A segment never wraps: if it does not fit before the end of the ring, it starts at 0 and the
    // gap is reserved with it until the worker has passed it.
    const size = ring.length;
    const wraps = writeAt + bytes.length > size;
    const gap = wraps ? size - writeAt : 0;
    if (session.used + gap + bytes.length > size) announce(); // the worker must see all it is waited for
    while (!error && session.used + gap + bytes.length > size) await waitForWorker();
    if (error) throw error;
    const offset = wraps ? 0 : writeAt;
    ring.set(bytes, offset);
    session.used += gap + bytes.length;
    writeAt = offset + bytes.length;
    if (unsent && !wraps && unsent.offset + unsent.length === offset) {
      unsent.length += bytes.length;
      unsent.reserved += bytes.length;
    } else {
      announce();
      unsent = { offset, length: bytes.length, reserved: gap + bytes.length };
    }
    if (bytes.length >= SMALL) announce();
  }

  return {
    async update(data) {
      if (error) throw error;
      if (done) throw new Error('update after digest');
      for (let o = 0; o < data.length; o += SEGMENT) await send(data.subarray(o, Math.min(data.length, o + SEGMENT)));
    },
    digest() {
      if (error) return Promise.reject(error);
      done = true;
      return new Promise<Uint8Array>((resolve, reject) => {
        session.resolveDigest = resolve;
        session.fail = reject;
        announce();
        w.postMessage({ op: 'digest', id });
      });
    },
    dispose() {
      if (!sessions.has(id)) return;
      sessions.delete(id);
      w.postMessage({ op: 'drop', id });
      if (openSessionsOn(w) === 0) w.unref();
    },
  };
}
