/**
 * A bid file as a byte source for `sealEnvelope`, read into four reused buffers of shared memory
 * instead of a fresh allocation per read: at a gigabyte, fresh 4 MiB buffers cost dozens of full
 * garbage collections and a page fault per 4 KiB. Being shared, the buffers are read where they are
 * by the worker threads (the commitment's SHA-256; the encryption too in `sealFileToFile`): no copy.
 *
 * Reuse is safe by sealEnvelope's documented rule (byte-stream.ts, `ByteSource`): with pieces of at
 * least one chunk, it holds nothing older than the previous piece once it asks for the next. The
 * workers may lag behind the seal, so a buffer is also refilled only once every worker that reads it
 * has finished with it (`SharedSlots#idle`). One read runs ahead, into the next buffer, while the
 * caller encrypts the current piece; the fourth buffer is slack for the workers.
 */
import { open } from 'node:fs/promises';
import { DEFAULT_CHUNK_SIZE } from '../format';
import { SharedSlots } from './hash-worker';

const SLOTS = 4;

export async function* readFileForSealing(path: string, chunkSize: number = DEFAULT_CHUNK_SIZE): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  const slots = new SharedSlots(SLOTS, chunkSize);
  // Fills buffer i completely (a piece shorter than a chunk is allowed only at the end).
  const fill = async (i: number): Promise<number> => {
    await slots.idle(i);
    const buffer = slots.views[i]!;
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled;
  };
  let pending: Promise<number> | undefined;
  try {
    let slot = 0;
    let next: Promise<number> = fill(0);
    for (;;) {
      pending = next;
      const length = await next;
      pending = undefined;
      if (length === 0) return;
      const current = slots.views[slot]!;
      slot = (slot + 1) % SLOTS;
      if (length === chunkSize) next = pending = fill(slot); // read ahead while the caller works
      yield current.subarray(0, length);
      if (length < chunkSize) return;
    }
  } finally {
    await pending?.catch(() => undefined);
    await file.close();
    slots.close();
  }
}
