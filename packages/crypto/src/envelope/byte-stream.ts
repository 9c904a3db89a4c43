/** Byte-stream plumbing shared by the writer and the reader; bounded buffering, no copies of whole inputs. */

/**
 * Where bytes come from: a file's stream, a network body, an array of pieces. A source must not
 * reuse (overwrite) a piece after yielding it; pieces are held until they are consumed.
 *
 * One exception, which sealEnvelope guarantees (and its tests check): when every piece but the last
 * has at least `chunkSize` bytes, the seal holds no piece older than the previous one once it asks
 * for the next, so a source may then overwrite piece k−1 as soon as piece k+1 is requested
 * (node/file-source.ts reads a file into three reused buffers that way).
 */
export type ByteSource =
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  | ReadableStream<Uint8Array>;

/** ReadableStream is not async-iterable in every browser yet (Safari), so read it by hand. */
export async function* bytesOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        if (value.length > 0) yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  for await (const piece of source as AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    if (!(piece instanceof Uint8Array)) throw new TypeError('byte sources must yield Uint8Array');
    if (piece.length > 0) yield piece;
  }
}

/** A FIFO of byte pieces from which exact lengths are taken. */
export class ByteQueue {
  private pieces: Uint8Array[] = [];
  private head = 0; // offset into pieces[0]
  length = 0;

  push(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.pieces.push(piece);
    this.length += piece.length;
  }

  /**
   * Removes and returns the first n bytes (n ≤ length) as views of the queued pieces, without
   * copying: for consumers that can take a chunk in pieces (an incremental cipher or hash).
   */
  takePieces(n: number): Uint8Array[] {
    if (n > this.length) throw new RangeError('ByteQueue.take past the end');
    const out: Uint8Array[] = [];
    let left = n;
    while (left > 0) {
      const piece = this.pieces[0];
      if (!piece) throw new RangeError('ByteQueue underflow');
      const count = Math.min(left, piece.length - this.head);
      out.push(piece.subarray(this.head, this.head + count));
      left -= count;
      this.head += count;
      if (this.head === piece.length) {
        this.pieces.shift();
        this.head = 0;
      }
    }
    this.length -= n;
    return out;
  }

  /** Removes and returns the first n bytes (n ≤ length), copying into one array only when split. */
  take(n: number): Uint8Array {
    if (n > this.length) throw new RangeError('ByteQueue.take past the end');
    const first = this.pieces[0];
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.pieces.shift();
        this.head = 0;
      }
      this.length -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const piece = this.pieces[0];
      if (!piece) throw new RangeError('ByteQueue underflow');
      const count = Math.min(n - filled, piece.length - this.head);
      out.set(piece.subarray(this.head, this.head + count), filled);
      filled += count;
      this.head += count;
      if (this.head === piece.length) {
        this.pieces.shift();
        this.head = 0;
      }
    }
    this.length -= n;
    return out;
  }
}

/** Pulls from a byte source on demand: exact reads, with a short answer only at the end of input. */
export class ByteReader {
  private readonly queue = new ByteQueue();
  private readonly iterator: AsyncIterator<Uint8Array>;
  private ended = false;
  /** Bytes handed out so far. */
  offset = 0;

  constructor(source: ByteSource) {
    this.iterator = bytesOf(source)[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.queue.length < n && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) this.ended = true;
      else this.queue.push(next.value);
    }
  }

  /** Up to n bytes; fewer only if the input ended. */
  async read(n: number): Promise<Uint8Array> {
    await this.fill(n);
    const out = this.queue.take(Math.min(n, this.queue.length));
    this.offset += out.length;
    return out;
  }

  /** Up to n bytes as views of the pieces read (no copy); fewer only if the input ended. */
  async readPieces(n: number): Promise<Uint8Array[]> {
    await this.fill(n);
    const count = Math.min(n, this.queue.length);
    this.offset += count;
    return this.queue.takePieces(count);
  }

  async atEnd(): Promise<boolean> {
    await this.fill(1);
    return this.queue.length === 0;
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}
