/**
 * Worker threads ("lanes") for the long work of a seal: the two SHA-256 streams (the commitment over
 * the bid, the digest over the envelope) and, for a file sealed to a file (seal-file.ts), AES-256-GCM.
 * Node's hashes and ciphers are synchronous, so on the main thread they would run one after another;
 * on lanes they run beside each other and beside the main thread's reading and writing.
 *
 * Bytes reach a worker through shared memory, never through messages:
 *
 * * **In place** when they already lie in a `SharedSlots` (the buffers `readFileForSealing` reads
 *   the bid into, the ciphertext buffers of seal-file.ts): the worker reads the caller's bytes where
 *   they are, and the slots' owner waits for `idle(slot)` before overwriting one.
 * * **Copied once** otherwise, into a ring of shared memory per stream (64 KiB growing to 16 MiB).
 *   The copy is native (`Buffer#fill`): V8 copies into shared memory byte-wise, several times slower.
 *   When the ring is full, `update` waits for the worker (backpressure), so memory stays bounded.
 *
 * Messages go one way, in batches (one per megabyte copied, per in-place update or per chunk to
 * encrypt); each carries a sequence number, and the worker stores the number of the last message it
 * has handled into a shared counter, which the main thread reads or waits on (`Atomics.waitAsync`).
 * A lane's worker is referenced only while a stream is open on it or someone waits for it, so it
 * never keeps a finished process alive; if it dies, what was open on it fails and the next use
 * starts a new one.
 */
import { Worker } from 'node:worker_threads';
import type { IncrementalHash } from '../backend';

// Plain CommonJS evaluated in the worker, so that it runs the same under tsx, vitest and a build.
// control[0]: sequence number of the last message handled (the main thread waits on it).
// 'seal' encrypts a chunk with AES-256-GCM into a region (ciphertext then tag). The cipher is fed
// 16 KiB at a time: Node allocates each output anew, and outputs that small are served from memory
// the allocator has just freed, where larger ones take fresh pages (a page fault per 4 KiB, memset).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createCipheriv, createHash } = require('node:crypto');
let control;
const regions = new Map();
const hashes = new Map();
parentPort.on('message', (m) => {
  switch (m.op) {
    case 'init': control = new Int32Array(m.control); return;
    case 'region': regions.set(m.region, Buffer.from(m.buffer)); return;
    case 'forget': regions.delete(m.region); return;
    case 'start': hashes.set(m.id, createHash('sha256')); return;
    case 'update': {
      const hash = hashes.get(m.id);
      if (hash) for (let i = 0; i < m.parts.length; i += 3) hash.update(regions.get(m.parts[i]).subarray(m.parts[i + 1], m.parts[i + 1] + m.parts[i + 2]));
      break;
    }
    case 'digest': {
      const hash = hashes.get(m.id);
      hashes.delete(m.id);
      parentPort.postMessage({ id: m.id, digest: hash ? new Uint8Array(hash.digest()) : undefined });
      break;
    }
    case 'drop': hashes.delete(m.id); break;
    case 'seal': {
      const cipher = createCipheriv('aes-256-gcm', m.key, m.nonce, { authTagLength: 16 });
      cipher.setAAD(m.ad);
      const out = regions.get(m.out);
      let at = 0;
      const put = (bytes) => {
        if (bytes.length === 0) return;
        out.fill(bytes, at, at + bytes.length);
        at += bytes.length;
      };
      for (const part of m.parts) {
        const bytes = part.bytes ?? regions.get(part.region).subarray(part.offset, part.offset + part.length);
        for (let o = 0; o < bytes.length; o += 16384) put(cipher.update(bytes.subarray(o, Math.min(bytes.length, o + 16384))));
      }
      put(cipher.final());
      put(cipher.getAuthTag());
      break;
    }
  }
  if (m.seq !== undefined) {
    Atomics.store(control, 0, m.seq);
    Atomics.notify(control, 0);
  }
});
`;

// Atomics.waitAsync is in Node 20 (V8 ≥ 8.7) but not yet in TypeScript's ES2023 library.
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

/** Sequence numbers wrap around in 32 bits; `a` is at or after `b` when their difference says so. */
const reached = (a: number, b: number): boolean => ((a - b) | 0) >= 0;

/**
 * One worker: it handles its messages in the order they were posted. If it dies, the streams open
 * on it fail, everyone waiting for it is woken, and the next use starts a new worker.
 */
class Lane {
  private worker: Worker | undefined;
  private readonly control = new Int32Array(new SharedArrayBuffer(4));
  private seq = 0;
  private holds = 0;
  private nextRegion = 1;
  /** Region ids of the shared buffers the current worker holds. */
  private regions = new WeakMap<SharedArrayBuffer, number>();
  private readonly digests = new Map<number, { resolve: (d: Uint8Array) => void; reject: (e: Error) => void }>();
  /** Counts the workers started; a stream belongs to one of them. */
  generation = 0;
  private readonly failures = new Map<number, Error>();

  /** The worker of the current generation, started on first use. */
  private live(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const generation = ++this.generation;
    worker.on('message', (m: { id: number; digest?: Uint8Array }) => {
      const waiting = this.digests.get(m.id);
      this.digests.delete(m.id);
      if (m.digest) waiting?.resolve(m.digest);
      else waiting?.reject(new Error('the worker thread lost a stream'));
    });
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.regions = new WeakMap();
      this.failures.set(generation, error);
      for (const waiting of this.digests.values()) waiting.reject(error);
      this.digests.clear();
      // Nothing posted will be read any more: wake everyone waiting for progress.
      Atomics.store(this.control, 0, this.seq);
      Atomics.notify(this.control, 0);
    };
    worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => fail(new Error(`the worker thread stopped (exit code ${code})`)));
    worker.postMessage({ op: 'init', control: this.control.buffer });
    if (this.holds === 0) worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Starts the worker if needed; a stream remembers the generation it started on. */
  begin(): number {
    this.live();
    return this.generation;
  }

  /** The error that ended generation `g`, if it has ended. */
  failure(g: number): Error | undefined {
    return this.failures.get(g) ?? (g !== this.generation ? new Error('the worker thread was replaced') : undefined);
  }

  /** Keeps the worker (and so the process) alive while something depends on it. */
  hold(): void {
    if (this.holds++ === 0) this.worker?.ref();
  }
  release(): void {
    if (--this.holds === 0) this.worker?.unref();
  }

  /** Posts a message to generation `g` that hashes (or frees) shared bytes; returns its sequence number. */
  post(g: number, message: Record<string, unknown>): number {
    const failure = this.failure(g);
    if (failure) throw failure;
    this.seq = (this.seq + 1) | 0;
    this.live().postMessage({ ...message, seq: this.seq });
    return this.seq;
  }

  /** A message that needs no progress report (the worker keeps the order anyway). */
  send(g: number, message: Record<string, unknown>): void {
    const failure = this.failure(g);
    if (failure) throw failure;
    this.live().postMessage(message);
  }

  regionOf(g: number, buffer: SharedArrayBuffer): number {
    let id = this.regions.get(buffer);
    if (id === undefined) {
      id = this.nextRegion++;
      this.send(g, { op: 'region', region: id, buffer });
      this.regions.set(buffer, id);
    }
    return id;
  }

  forget(buffer: SharedArrayBuffer): void {
    const id = this.regions.get(buffer);
    if (id === undefined) return;
    this.regions.delete(buffer);
    this.worker?.postMessage({ op: 'forget', region: id });
  }

  done(seq: number): boolean {
    return reached(Atomics.load(this.control, 0), seq);
  }

  /** Resolves once the worker has handled message `seq`, or has died (then nothing reads any more). */
  async waitFor(seq: number): Promise<void> {
    if (this.done(seq)) return;
    this.hold(); // a pending Atomics.waitAsync alone does not keep Node's event loop alive
    try {
      for (;;) {
        const seen = Atomics.load(this.control, 0);
        if (reached(seen, seq)) return;
        const wait = waitAsync(this.control, 0, seen);
        if (wait.async) await wait.value;
      }
    } finally {
      this.release();
    }
  }

  digest(g: number, id: number): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      this.post(g, { op: 'digest', id });
      this.digests.set(id, { resolve, reject });
    });
  }
}

const lanes: Lane[] = [];
function lane(index: number): Lane {
  return (lanes[index] ??= new Lane());
}

/**
 * A few equal buffers in shared memory that the lanes read in place (no copy). Whoever fills them
 * waits for `idle(i)` before overwriting buffer i, and calls `close()` when done with them all; a
 * view into a closed slot is an ordinary view again (copied, if hashed off-thread).
 */
export class SharedSlots {
  readonly views: Uint8Array[];
  /** Per slot: the lanes that may still read it, with the last message that does. */
  private readonly readers: Map<Lane, number>[];

  constructor(count: number, size: number) {
    this.views = Array.from({ length: count }, () => new Uint8Array(new SharedArrayBuffer(size)));
    this.readers = this.views.map(() => new Map());
    for (const [i, view] of this.views.entries()) registry.set(view.buffer as SharedArrayBuffer, { slots: this, index: i });
  }

  /** Resolves when no lane will read (or write) slot i any more. */
  async idle(i: number): Promise<void> {
    const readers = this.readers[i]!;
    for (const [lane, seq] of readers) {
      await lane.waitFor(seq);
      if (readers.get(lane) === seq) readers.delete(lane);
    }
  }

  /** @internal `lane` uses slot i up to its message `seq`. */
  readBy(i: number, lane: Lane, seq: number): void {
    this.readers[i]!.set(lane, seq);
  }

  /** Lets the workers drop the buffers (after every slot's last use). */
  close(): void {
    for (const view of this.views) {
      const buffer = view.buffer as SharedArrayBuffer;
      registry.delete(buffer);
      // Sparse: only the lanes a seal asked for exist (an SM2 seal never starts the SHA-256 commitment lane).
      for (const l of lanes) l?.forget(buffer);
    }
  }
}

const registry = new WeakMap<SharedArrayBuffer, { slots: SharedSlots; index: number }>();

/** The slot a view lies in, if it is in a `SharedSlots` still open. */
function slotOf(view: Uint8Array): { slots: SharedSlots; index: number } | undefined {
  return view.buffer instanceof SharedArrayBuffer ? registry.get(view.buffer) : undefined;
}

/** Shared memory per stream for bytes that are not already shared: it starts small and grows. */
const FIRST_RING = 64 * 1024;
const MAX_RING = 16 * 1024 * 1024;
/** Larger updates are copied in segments of at most this size. */
const SEGMENT = 4 * 1024 * 1024;
/** Copied bytes are announced to the worker once this many have gathered. */
const BATCH = 1024 * 1024;

let nextId = 1;
let openSessions = 0;

/** Streams not yet digested or disposed (each keeps its worker referenced). For the tests. */
export function openSessionCount(): number {
  return openSessions;
}

export interface OffThreadOptions {
  /** Which worker hashes this stream (streams on one lane share its thread). Default 0. */
  lane?: number;
}

export function offThreadSha256(options: OffThreadOptions = {}): IncrementalHash {
  const id = nextId++;
  const l = lane(options.lane ?? 0);
  let open = true;
  let failed: Error | undefined;
  const g = l.begin();
  openSessions++;
  l.hold();
  l.send(g, { op: 'start', id });

  const close = () => {
    if (!open) return;
    open = false;
    openSessions--;
    l.release();
  };

  // The copy ring: [start, end) runs announced and not yet known hashed, oldest first.
  let ring: Buffer | undefined;
  let ringRegion = 0;
  let writeAt = 0;
  let used = 0; // bytes reserved by runs not known hashed (wrap gaps included)
  const inFlight: { seq: number; reserved: number }[] = [];
  // Copied bytes not yet announced to the worker (one contiguous run of the ring).
  let run: { offset: number; length: number; reserved: number } | undefined;

  /** Posts the copied run, followed by `more` ([region, offset, length]); returns the message's number. */
  const announce = (more: number[] = []): number | undefined => {
    if (!run && more.length === 0) return undefined;
    const parts = run ? [ringRegion, run.offset, run.length, ...more] : more;
    const seq = l.post(g, { op: 'update', id, parts });
    if (run) inFlight.push({ seq, reserved: run.reserved });
    run = undefined;
    return seq;
  };

  const reclaim = () => {
    while (inFlight.length > 0 && l.done(inFlight[0]!.seq)) used -= inFlight.shift()!.reserved;
  };

  /** Waits until the oldest run in flight is hashed. */
  const waitOldest = async () => {
    announce();
    const oldest = inFlight[0];
    if (oldest) await l.waitFor(oldest.seq);
    reclaim();
  };

  async function grow(atLeast: number): Promise<void> {
    announce();
    while (inFlight.length > 0) await waitOldest();
    let size = ring ? ring.length * 4 : FIRST_RING;
    while (size < atLeast && size < MAX_RING) size *= 4;
    const shared = new SharedArrayBuffer(Math.min(MAX_RING, size));
    if (ring) l.forget(ring.buffer as SharedArrayBuffer);
    ring = Buffer.from(shared);
    ringRegion = l.regionOf(g, shared);
    writeAt = 0;
    used = 0;
  }

  async function copy(bytes: Uint8Array): Promise<void> {
    if (!ring || (ring.length < MAX_RING && bytes.length * 2 > ring.length)) await grow(bytes.length * 2);
    let size = ring!.length;
    reclaim();
    // A run never wraps: what does not fit before the end starts again at 0, the gap reserved with it.
    for (;;) {
      const wraps = writeAt + bytes.length > size;
      const gap = wraps ? size - writeAt : 0;
      if (used + gap + bytes.length <= size) {
        const offset = wraps ? 0 : writeAt;
        if (wraps || (run && run.offset + run.length !== offset)) announce();
        ring!.fill(bytes, offset, offset + bytes.length);
        used += gap + bytes.length;
        writeAt = offset + bytes.length;
        if (run) {
          run.length += bytes.length;
          run.reserved += gap + bytes.length;
        } else {
          run = { offset, length: bytes.length, reserved: gap + bytes.length };
        }
        if (run.length >= BATCH) announce();
        return;
      }
      // Full: a stream that keeps the worker busy gets a bigger ring (up to the limit) or waits.
      if (ring!.length < MAX_RING) {
        await grow(ring!.length * 4);
        size = ring!.length;
      } else {
        await waitOldest();
      }
    }
  }

  async function update(data: Uint8Array): Promise<void> {
    if (failed) throw failed;
    if (!open) throw new Error('update after digest');
    if (data.length === 0) return;
    const shared = slotOf(data);
    if (shared) {
      // In place, in one message with what was copied before it (the order of the stream).
      const seq = announce([l.regionOf(g, data.buffer as SharedArrayBuffer), data.byteOffset, data.length])!;
      shared.slots.readBy(shared.index, l, seq);
      return;
    }
    for (let o = 0; o < data.length; o += SEGMENT) await copy(data.subarray(o, Math.min(data.length, o + SEGMENT)));
  }

  return {
    async update(data) {
      try {
        await update(data);
      } catch (error) {
        failed ??= error instanceof Error ? error : new Error(String(error));
        throw error;
      }
    },
    async digest() {
      if (failed) throw failed;
      if (!open) throw new Error('digest after digest');
      try {
        announce();
        return await l.digest(g, id);
      } finally {
        if (ring) l.forget(ring.buffer as SharedArrayBuffer);
        close();
      }
    },
    dispose() {
      if (!open) return;
      if (!l.failure(g)) l.post(g, { op: 'drop', id });
      if (ring) l.forget(ring.buffer as SharedArrayBuffer);
      close();
    },
  };
}

const TAG_LENGTH = 16;

/**
 * AES-256-GCM on a lane's worker, writing each chunk's ciphertext and tag into `out` (slots of at
 * least chunk size + 16 bytes, used in turn) and returning a view of it: the main thread then never
 * holds the ciphertext in memory of its own, so its garbage collector has nothing to do (on the main
 * thread, 1 GiB of 64 KiB cipher outputs costs some 27 full collections, about 0.3 s on the machine
 * of docs/decisions/008). Plaintext pieces in `SharedSlots` are read in place, others copied into
 * the message.
 *
 * CONTRACT: a returned view is overwritten by a later `seal` (the slots are used in turn), so whoever
 * reads the envelope's bytes must be done with a piece when it asks for the next one, as
 * `writeEnvelopeFile` is: sealEnvelope calls `seal` for chunk i + 1 only after handing out all of
 * chunk i and being asked for more. A slot is reused once the lanes that read it in place are done.
 * Only for a seal whose bytes go straight to `writeEnvelopeFile` (node/seal-file.ts).
 */
export function offThreadGcm(key: Uint8Array, out: SharedSlots, options: OffThreadOptions = {}) {
  const l = lane(options.lane ?? 0);
  const g = l.begin();
  let next = 0;
  return {
    async seal(nonce: Uint8Array, ad: Uint8Array, plaintext: readonly Uint8Array[]): Promise<Uint8Array[]> {
      const length = plaintext.reduce((n, p) => n + p.length, 0);
      const k = next;
      const target = out.views[k]!;
      if (length + TAG_LENGTH > target.length) throw new RangeError('chunk larger than the ciphertext slots');
      next = (next + 1) % out.views.length;
      await out.idle(k);
      const readers: { slots: SharedSlots; index: number }[] = [];
      const parts = plaintext.map((p) => {
        const shared = slotOf(p);
        if (!shared) return { bytes: p.slice() }; // a copy of exactly these bytes (never a whole buffer, never shared)
        readers.push(shared);
        return { region: l.regionOf(g, p.buffer as SharedArrayBuffer), offset: p.byteOffset, length: p.length };
      });
      const seq = l.post(g, { op: 'seal', key, nonce, ad, parts, out: l.regionOf(g, target.buffer as SharedArrayBuffer) });
      for (const r of readers) r.slots.readBy(r.index, l, seq);
      out.readBy(k, l, seq);
      await l.waitFor(seq);
      const failure = l.failure(g);
      if (failure) throw failure;
      return [target.subarray(0, length + TAG_LENGTH)];
    },
  };
}
