/**
 * A bid file as a byte source for `sealEnvelope`, read into three reused buffers instead of a fresh
 * allocation per read: at a gigabyte, fresh 4 MiB buffers cost dozens of full garbage collections.
 * Reuse is safe by sealEnvelope's documented rule (byte-stream.ts, `ByteSource`): with pieces of at
 * least one chunk, it holds nothing older than the previous piece once it asks for the next. One
 * read runs ahead, into the third buffer, while the caller encrypts the current piece.
 */
import { open } from 'node:fs/promises';
import { DEFAULT_CHUNK_SIZE } from '../format';

export async function* readFileForSealing(path: string, chunkSize: number = DEFAULT_CHUNK_SIZE): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  const pool = [0, 1, 2].map(() => new Uint8Array(chunkSize));
  // Fills the buffer completely (a piece shorter than a chunk is allowed only at the end).
  const fill = async (buffer: Uint8Array): Promise<number> => {
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
    let next: Promise<number> = fill(pool[0]!);
    for (;;) {
      pending = next;
      const length = await next;
      pending = undefined;
      if (length === 0) return;
      const current = pool[slot]!;
      slot = (slot + 1) % pool.length;
      if (length === chunkSize) next = pending = fill(pool[slot]!); // read ahead while the caller works
      yield current.subarray(0, length);
      if (length < chunkSize) return;
    }
  } finally {
    await pending?.catch(() => undefined);
    await file.close();
  }
}
