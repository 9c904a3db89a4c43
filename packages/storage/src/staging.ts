import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { PutOptions, StagedObject, StoredObject } from './types';

/** Bytes gathered before each write (one writev): small chunks would cost a system call each. */
export const WRITE_RUN = 2 ** 20;

/**
 * A private file that bytes are appended to, in runs of WRITE_RUN, and read back from at will: the
 * body of a StagedObject (types.ts). A chunk must stay unchanged once written (it may be held until
 * its run is flushed).
 */
export class StageFile {
  private handle: FileHandle | undefined;
  private run: Uint8Array[] = [];
  private runBytes = 0;
  /** Bytes flushed to the file. */
  private flushed = 0;

  private constructor(
    readonly path: string,
    handle: FileHandle,
  ) {
    this.handle = handle;
  }

  static async create(path: string): Promise<StageFile> {
    return new StageFile(path, await open(path, 'wx+', 0o600));
  }

  get size(): number {
    return this.flushed + this.runBytes;
  }

  private live(): FileHandle {
    if (!this.handle) throw new Error('the staged object is closed');
    return this.handle;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.live();
    if (chunk.byteLength === 0) return;
    this.run.push(chunk);
    this.runBytes += chunk.byteLength;
    if (this.runBytes >= WRITE_RUN) await this.flush();
  }

  async flush(): Promise<void> {
    const handle = this.live();
    const total = this.runBytes;
    let written = 0;
    while (written < total) {
      // writev writes everything to a regular file; a short write resumes after what was written.
      let skip = written;
      const rest: Uint8Array[] = [];
      for (const p of this.run) {
        if (skip >= p.byteLength) skip -= p.byteLength;
        else {
          rest.push(skip ? p.subarray(skip) : p);
          skip = 0;
        }
      }
      written += (await handle.writev(rest, this.flushed + written)).bytesWritten;
    }
    this.flushed += total;
    this.run = [];
    this.runBytes = 0;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (this.runBytes > 0) await this.flush();
    const end = Math.min(this.flushed, offset + length);
    const buffer = new Uint8Array(Math.max(0, end - offset));
    let at = 0;
    while (at < buffer.length) {
      const { bytesRead } = await this.live().read(buffer, at, buffer.length - at, offset + at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return buffer.subarray(0, at);
  }

  /** Flushes, fsyncs and closes the file (it stays on disk for the store to publish). */
  async finish(mode?: number): Promise<number> {
    if (this.runBytes > 0) await this.flush();
    const handle = this.live();
    await handle.sync();
    if (mode !== undefined) await handle.chmod(mode);
    await handle.close();
    this.handle = undefined;
    return this.flushed;
  }

  /** Closes and removes the file; safe to call more than once. */
  async discard(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.run = [];
    await handle?.close().catch(() => {});
    await rm(this.path, { force: true });
  }
}

/** SHA-256 (hex) and, when asked, MD5 (base64) of a file. */
export async function digestsOfFile(path: string, md5 = false): Promise<{ sha256: string; md5?: string }> {
  const sha = createHash('sha256');
  const m = md5 ? createHash('md5') : undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: WRITE_RUN }) as AsyncIterable<Buffer>) {
    sha.update(chunk);
    m?.update(chunk);
  }
  return { sha256: sha.digest('hex'), ...(m ? { md5: m.digest('base64') } : {}) };
}

/**
 * A StagedObject over `file`: `publish` runs once (then the stage is over, whatever the outcome),
 * handing the finished file to the store's own `publishFile`; the file is removed afterwards.
 */
export function stagedObject(file: StageFile, publishFile: (file: StageFile, key: string, options: PutOptions) => Promise<StoredObject>): StagedObject {
  let ended = false;
  return {
    write: (chunk) => file.write(chunk),
    read: (offset, length) => file.read(offset, length),
    get size() {
      return file.size;
    },
    async publish(key, options = {}) {
      if (ended) throw new Error('this staged object was already published or discarded');
      ended = true;
      try {
        return await publishFile(file, key, options);
      } finally {
        await file.discard();
      }
    },
    async discard() {
      ended = true;
      await file.discard();
    },
  };
}
