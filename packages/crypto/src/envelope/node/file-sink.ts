/**
 * Writes a sealed envelope (sealEnvelope's `bytes`) to a new file, for the CLI and the benchmark.
 *
 * The pieces are gathered into one reused 64 KiB buffer and each full buffer is written with one
 * synchronous write(2). Both choices were measured on a 2-core machine (1 GiB, page cache,
 * docs/decisions/008-parallel-sealing.md):
 *
 * * The size of each write(2) decides the kernel's cost: 4 MiB writes cost 2.5–3 s of system time
 *   per GiB against 0.25 s for 64 KiB writes (most likely the page cache's large folios taking
 *   memory the VM's host has not backed yet); writev of the same pieces counts as one large write.
 *   Node's write streams batch buffered pieces into one writev, hence the buffer here.
 * * Synchronous: an asynchronous write costs an event-loop round trip per 64 KiB and waits whenever
 *   the main thread is busy (with the Node backend it encrypts on that thread), while the kernel's
 *   copy costs the same on any thread. A 64 KiB write holds the event loop for some 20 µs.
 *
 * Memory: the buffer, plus whatever the producer holds. Nothing is kept of a piece once written.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const WRITE_SIZE = 64 * 1024;

export interface WriteEnvelopeFileOptions {
  /** fs open flags; 'wx' (create, fail if it exists) unless given. */
  flags?: string;
  /** File mode for a created file (default 0o666, less the umask). */
  mode?: number;
}

/**
 * Consumes `bytes` to the end and writes them to `path`; returns the number of bytes written. On an
 * error (from the producer or the file system) the file is closed and the error rethrown: what was
 * written stays, and removing it is the caller's business (it chose the path).
 */
export async function writeEnvelopeFile(bytes: AsyncIterable<Uint8Array>, path: string, options: WriteEnvelopeFileOptions = {}): Promise<number> {
  const fd = openSync(path, options.flags ?? 'wx', options.mode);
  const buffer = Buffer.allocUnsafeSlow(WRITE_SIZE);
  let filled = 0;
  let written = 0;
  const flush = () => {
    for (let o = 0; o < filled; ) o += writeSync(fd, buffer, o, filled - o);
    written += filled;
    filled = 0;
  };
  try {
    for await (const piece of bytes) {
      for (let o = 0; o < piece.length; ) {
        const n = Math.min(WRITE_SIZE - filled, piece.length - o);
        // fill copies natively; a TypedArray copy out of shared memory goes byte-wise (V8).
        buffer.fill(piece.subarray(o, o + n), filled, filled + n);
        filled += n;
        o += n;
        if (filled === WRITE_SIZE) flush();
      }
    }
    flush();
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // the first error is the one to report
    }
    throw error;
  }
  closeSync(fd);
  return written;
}
