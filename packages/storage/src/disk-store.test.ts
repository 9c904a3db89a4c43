// What only the disk backend does: file modes, its own bookkeeping folders, crash leftovers.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createDiskStore, InvalidKeyError } from './index';
import type { ObjectStore } from './index';

describe('disk object store', () => {
  let dir: string;
  let store: ObjectStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ggzy-storage-disk-only-'));
    store = createDiskStore({ dir: join(dir, 'objects') });
    await store.ensureReady();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates its folder on ensureReady and keeps objects read-only under their key path', async () => {
    await store.put('tenders/t1/notice.pdf', new Uint8Array([1, 2]), { contentType: 'application/pdf' });

    const file = await stat(join(dir, 'objects', 'tenders', 't1', 'notice.pdf'));
    expect(file.mode & 0o777).toBe(0o444);
    const sidecar = await stat(join(dir, 'objects', '.meta', 'tenders', 't1', 'notice.pdf.meta.json'));
    expect(sidecar.isFile()).toBe(true);
    expect(await readdir(join(dir, 'objects', '.tmp'))).toEqual([]);
  });

  it('records a digest the caller computed instead of hashing again, and refuses one that is not a SHA-256', async () => {
    const bytes = new TextEncoder().encode('已解密的投标文件');
    const digest = createHash('sha256').update(bytes).digest('hex');
    expect(await store.put('opened/s/o', bytes, { knownSha256: digest })).toEqual({ key: 'opened/s/o', size: bytes.length, sha256: digest });
    expect((await store.head('opened/s/o'))?.sha256).toBe(digest);
    await expect(store.put('opened/s/p', bytes, { knownSha256: 'ABC' })).rejects.toThrow(/64 lowercase hex/);
    expect(await store.head('opened/s/p')).toBeNull();
    expect(await readdir(join(dir, 'objects', '.tmp'))).toEqual([]);
  });

  it('still reports size and SHA-256 of an object whose sidecar was lost', async () => {
    const stored = await store.put('a/b', new TextEncoder().encode('hello'), { contentType: 'text/plain' });
    await rm(join(dir, 'objects', '.meta', 'a', 'b.meta.json'));
    expect(await store.head('a/b')).toEqual({ key: 'a/b', size: 5, sha256: stored.sha256 });
  });

  it('refuses a key that would need an existing object to be a folder, and the reverse', async () => {
    await store.put('a', new Uint8Array([1]));
    await expect(store.put('a/b', new Uint8Array([2]))).rejects.toBeInstanceOf(InvalidKeyError);
    await store.put('c/d', new Uint8Array([3]));
    await expect(store.put('c', new Uint8Array([4]))).rejects.toBeInstanceOf(InvalidKeyError);
    expect(Array.from(await store.getBytes('a'))).toEqual([1]);
    expect(await readdir(join(dir, 'objects', '.tmp'))).toEqual([]);
  });

  it('removes temp files a crashed process left for more than a day, and keeps recent ones', async () => {
    const tmp = join(dir, 'objects', '.tmp');
    await writeFile(join(tmp, 'stale'), 'partial upload');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    await utimes(join(tmp, 'stale'), twoDaysAgo, twoDaysAgo);
    await writeFile(join(tmp, 'in-progress'), 'partial upload');
    // Stamp it with this process's clock: under faketime (CI) the kernel's mtime is the real date.
    await utimes(join(tmp, 'in-progress'), new Date(), new Date());

    await store.ensureReady();
    expect(await readdir(tmp)).toEqual(['in-progress']);
  });

  it('fails ensureReady with the folder named when it cannot be created', async () => {
    await writeFile(join(dir, 'not-a-folder'), '');
    const broken = createDiskStore({ dir: join(dir, 'not-a-folder', 'objects') });
    await expect(broken.ensureReady()).rejects.toThrow(/ENOTDIR|not-a-folder/);
  });
});
