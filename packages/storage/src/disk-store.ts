import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Dirent } from 'node:fs';
import { link, lstat, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { InvalidKeyError, ObjectExistsError, ObjectNotFoundError } from './errors';
import { assertValidKey, assertValidPrefix } from './key';
import { assertKnownSha256, spoolToFile } from './spool';
import { digestsOfFile, StageFile, stagedObject } from './staging';
import type { ObjectInfo, ObjectStore, PutBody, PutOptions, StagedObject, StoredObject } from './types';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
/** Temp files older than this are leftovers of a crashed process and are removed by ensureReady. */
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

interface Sidecar {
  size: number;
  sha256: string;
  contentType: string;
  storedAt: string;
  retainUntil?: string;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** A missing path, or a path through something that is not a folder: either way, no object. */
function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function keyConflict(key: string): InvalidKeyError {
  return new InvalidKeyError(
    `Object key "${key}" collides with an existing object or folder on the disk store: a key cannot also be the folder of another key`,
  );
}

/**
 * Object store in a folder. Layout under `dir`:
 *   <key>              the object, read-only (0444)
 *   .meta/<key>.meta.json  content type and SHA-256
 *   .tmp/              uploads in progress, on the same file system so link() is atomic
 * Keys cannot start a segment with '.', so '.meta' and '.tmp' never collide with objects.
 */
export function createDiskStore(opts: { dir: string }): ObjectStore & { readonly root: string } {
  const root = resolve(opts.dir);
  const tmpDir = join(root, '.tmp');
  const metaDir = join(root, '.meta');
  const objectPath = (key: string) => join(root, ...key.split('/'));
  const sidecarPath = (key: string) => join(metaDir, ...`${key}.meta.json`.split('/'));

  async function readSidecar(key: string): Promise<Sidecar | null> {
    try {
      return JSON.parse(await readFile(sidecarPath(key), 'utf8')) as Sidecar;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async function openObject(key: string) {
    assertValidKey(key);
    let handle;
    try {
      handle = await open(objectPath(key), 'r');
    } catch (error) {
      if (isMissing(error)) throw new ObjectNotFoundError(key, { cause: error });
      throw error;
    }
    // Opening a folder succeeds on Linux; a folder is a key prefix here, not an object.
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new ObjectNotFoundError(key);
    }
    return handle;
  }

  async function refuseExisting(key: string): Promise<void> {
    // Cheap early refusal; the link() in publishFile is the real guard against races.
    const existing = await lstat(objectPath(key)).catch((error: unknown) => {
      if (isMissing(error)) return null;
      throw error;
    });
    if (existing) throw existing.isFile() ? new ObjectExistsError(key) : keyConflict(key);
  }

  /** Makes the complete, fsynced, read-only file `tempObject` (under .tmp) the object `key`; removes the temp names either way. */
  async function publishFile(tempObject: string, key: string, facts: { size: number; sha256: string }, options: PutOptions): Promise<StoredObject> {
    const target = objectPath(key);
    const tempSidecar = `${tempObject}.meta.json`;
    try {
      // The sidecar is complete and durable before the object becomes visible; it is published
      // only by the put that wins the link, so a losing racer can never overwrite it.
      const sidecar: Sidecar = {
        size: facts.size,
        sha256: facts.sha256,
        contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
        storedAt: new Date().toISOString(),
        ...(options.retainUntil ? { retainUntil: options.retainUntil.toISOString() } : {}),
      };
      await writeFile(tempSidecar, JSON.stringify(sidecar), { flag: 'wx', flush: true });

      try {
        await mkdir(dirname(target), { recursive: true });
      } catch (error) {
        if (errorCode(error) === 'ENOTDIR' || errorCode(error) === 'EEXIST') throw keyConflict(key);
        throw error;
      }
      try {
        // link() fails with EEXIST instead of replacing: of two racing puts exactly one wins.
        await link(tempObject, target);
      } catch (error) {
        if (errorCode(error) === 'EEXIST') {
          const found = await lstat(target);
          throw found.isFile() ? new ObjectExistsError(key) : keyConflict(key);
        }
        if (errorCode(error) === 'ENOTDIR') throw keyConflict(key);
        throw error;
      }
      await fsyncDir(dirname(target));

      const finalSidecar = sidecarPath(key);
      await mkdir(dirname(finalSidecar), { recursive: true });
      await rename(tempSidecar, finalSidecar);
      await fsyncDir(dirname(finalSidecar));
      return { key, size: facts.size, sha256: facts.sha256 };
    } finally {
      await rm(tempObject, { force: true });
      await rm(tempSidecar, { force: true });
    }
  }

  async function put(key: string, body: PutBody, options: PutOptions = {}): Promise<StoredObject> {
    assertValidKey(key);
    await refuseExisting(key);
    await mkdir(tmpDir, { recursive: true });
    const tempObject = join(tmpDir, randomUUID());
    // spoolToFile removes its file on failure.
    const facts = await spoolToFile(body, tempObject, { mode: 0o444, ...(options.knownSha256 ? { knownSha256: options.knownSha256 } : {}) });
    return publishFile(tempObject, key, facts, options);
  }

  async function stage(): Promise<StagedObject> {
    await mkdir(tmpDir, { recursive: true });
    return stagedObject(await StageFile.create(join(tmpDir, randomUUID())), async (file, key, options) => {
      assertValidKey(key);
      assertKnownSha256(options.knownSha256);
      await refuseExisting(key);
      const size = await file.finish(0o444);
      const sha256 = options.knownSha256 ?? (await digestsOfFile(file.path)).sha256;
      return publishFile(file.path, key, { size, sha256 }, options);
    });
  }

  async function get(key: string): Promise<NodeJS.ReadableStream> {
    const handle = await openObject(key);
    // 1 MiB reads: objects here are bids of megabytes; 64 KiB reads cost about twice the CPU.
    return handle.createReadStream({ highWaterMark: 2 ** 20 });
  }

  async function getBytes(key: string): Promise<Uint8Array> {
    const handle = await openObject(key);
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async function head(key: string): Promise<ObjectInfo | null> {
    assertValidKey(key);
    const path = objectPath(key);
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    if (!info.isFile()) return null;
    const sidecar = await readSidecar(key);
    if (sidecar) return { key, size: info.size, contentType: sidecar.contentType, sha256: sidecar.sha256 };
    // Between link() and the sidecar rename (or after a crash there) the digest is still knowable.
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    return { key, size: info.size, sha256: hash.digest('hex') };
  }

  async function* walk(dir: string, keyPrefix: string, prefix: string): AsyncGenerator<ObjectInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    // Sorting folders as "name/" makes a depth-first walk yield keys in plain string order,
    // the order S3 lists in.
    const named = entries
      .filter((entry) => !entry.name.startsWith('.') && (entry.isFile() || entry.isDirectory()))
      .map((entry) => ({ entry, sortKey: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const { entry, sortKey } of named) {
      const key = keyPrefix + sortKey;
      if (entry.isDirectory()) {
        // Descend only where keys under this folder can still match the prefix.
        if (key.startsWith(prefix) || prefix.startsWith(key)) yield* walk(join(dir, entry.name), key, prefix);
      } else if (key.startsWith(prefix)) {
        const info = await stat(join(dir, entry.name)).catch(() => null);
        if (info) yield { key, size: info.size };
      }
    }
  }

  async function* list(prefix: string): AsyncGenerator<ObjectInfo> {
    assertValidPrefix(prefix);
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    yield* walk(folder ? objectPath(folder.slice(0, -1)) : root, folder, prefix);
  }

  async function ensureReady(): Promise<void> {
    await mkdir(tmpDir, { recursive: true });
    await mkdir(metaDir, { recursive: true });
    const now = Date.now();
    for (const name of await readdir(tmpDir)) {
      const info = await stat(join(tmpDir, name)).catch(() => null);
      if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(join(tmpDir, name), { force: true });
    }
    const probe = join(tmpDir, `ready-${randomUUID()}`);
    try {
      await writeFile(probe, 'ready', { flag: 'wx', flush: true });
    } catch (error) {
      throw new Error(`Disk object store folder ${root} is not writable: ${(error as Error).message}`, { cause: error });
    } finally {
      await rm(probe, { force: true });
    }
  }

  return { kind: 'disk', config: { kind: 'disk', dir: root }, root, put, stage, get, getBytes, head, list, ensureReady };
}
