import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';

import type { PutBody } from './types';

export interface SpoolResult {
  size: number;
  /** Hex SHA-256 of the bytes written. */
  sha256: string;
  /** Base64 MD5 of the bytes written, when asked for (S3 Content-MD5). */
  md5?: string;
}

export function assertKnownSha256(knownSha256: string | undefined): void {
  if (knownSha256 !== undefined && !/^[0-9a-f]{64}$/.test(knownSha256)) throw new TypeError('knownSha256 must be 64 lowercase hex digits');
}

/** Bytes gathered before a write. */
const WRITE_RUN = 2 ** 20;

function chunksOf(body: PutBody): AsyncIterable<unknown> {
  if (body instanceof Uint8Array) {
    return (async function* () {
      yield body;
    })();
  }
  if (Symbol.asyncIterator in body) return body;
  // An old-style stream without async iteration.
  return new Readable().wrap(body);
}

/**
 * Streams `body` into a new file at `path` (which must not exist), hashing it on the way, and
 * fsyncs it. On any failure, including an error from the source, the file is removed.
 */
export async function spoolToFile(
  body: PutBody,
  path: string,
  options: { md5?: boolean; mode?: number; knownSha256?: string } = {},
): Promise<SpoolResult> {
  assertKnownSha256(options.knownSha256);
  const sha256 = options.knownSha256 === undefined ? createHash('sha256') : undefined;
  const md5 = options.md5 ? createHash('md5') : undefined;
  let size = 0;
  const file = await open(path, 'wx', 0o600);
  // Small chunks are written together (one writev per WRITE_RUN bytes): a body of 64 KiB pieces
  // would otherwise cost a system call, and a trip through the thread pool, per piece. A chunk must
  // stay unchanged once yielded (Node's streams never reuse theirs).
  let run: Uint8Array[] = [];
  let runBytes = 0;
  const flush = async () => {
    const pieces = run;
    const total = runBytes;
    run = [];
    runBytes = 0;
    let written = pieces.length === 1 ? 0 : (await file.writev(pieces)).bytesWritten;
    // A short writev (not seen on regular files, but allowed): the rest piece by piece.
    for (let i = 0, at = 0; written < total && i < pieces.length; at += pieces[i]!.byteLength, i++) {
      const piece = pieces[i]!;
      let offset = Math.max(0, written - at);
      while (offset < piece.byteLength) {
        const { bytesWritten } = await file.write(piece, offset, piece.byteLength - offset);
        offset += bytesWritten;
        written += bytesWritten;
      }
    }
  };
  try {
    for await (const chunk of chunksOf(body)) {
      if (!(chunk instanceof Uint8Array)) {
        throw new TypeError('Object body must yield bytes (Uint8Array/Buffer), not strings or objects');
      }
      sha256?.update(chunk);
      md5?.update(chunk);
      size += chunk.byteLength;
      if (chunk.byteLength === 0) continue;
      run.push(chunk);
      runBytes += chunk.byteLength;
      if (runBytes >= WRITE_RUN) await flush();
    }
    if (runBytes > 0) await flush();
    await file.sync();
    if (options.mode !== undefined) await file.chmod(options.mode);
    await file.close();
  } catch (error) {
    await file.close().catch(() => {});
    await rm(path, { force: true });
    throw error;
  }
  return { size, sha256: sha256 ? sha256.digest('hex') : options.knownSha256!, ...(md5 ? { md5: md5.digest('base64') } : {}) };
}
