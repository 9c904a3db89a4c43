// One contract, run against both backends for real: a folder on disk and an S3 server (s3rver).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createDiskStore, createS3Store, InvalidKeyError, ObjectExistsError, ObjectNotFoundError } from './index';
import type { ObjectInfo, ObjectStore } from './index';
import { startS3rver } from './test-s3rver';
import type { TestS3Server } from './test-s3rver';

interface Instance {
  store: ObjectStore;
  /** Files an upload left behind in its staging folder. */
  leftovers(): Promise<string[]>;
  cleanup(): Promise<void>;
}

interface Backend {
  name: string;
  /** Whether the server itself settles two racing puts of one key (s3rver ignores If-None-Match). */
  settlesRacingPuts: boolean;
  /** s3rver walks its folders and lists out of S3's key order; the disk store, MinIO and AWS do not. */
  listsInKeyOrder: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  create(): Promise<Instance>;
}

const tempDir = (label: string) => mkdtemp(join(tmpdir(), `ggzy-storage-${label}-`));

const disk: Backend = {
  name: 'disk',
  settlesRacingPuts: true,
  listsInKeyOrder: true,
  async start() {},
  async stop() {},
  async create() {
    const dir = await tempDir('disk');
    const store = createDiskStore({ dir });
    await store.ensureReady();
    return {
      store,
      leftovers: () => readdir(join(dir, '.tmp')),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

let s3rver: TestS3Server | undefined;
let bucketCount = 0;
const s3: Backend = {
  name: 's3',
  settlesRacingPuts: false,
  listsInKeyOrder: false,
  async start() {
    s3rver = await startS3rver();
  },
  async stop() {
    await s3rver?.stop();
  },
  async create() {
    if (!s3rver) throw new Error('s3rver is not running');
    const spoolDir = await tempDir('spool');
    const store = createS3Store({
      endPoint: s3rver.endPoint,
      accessKey: s3rver.accessKey,
      secretKey: s3rver.secretKey,
      bucket: `contract-${++bucketCount}-${randomBytes(4).toString('hex')}`,
      spoolDir,
    });
    // A fresh bucket per test, created by ensureReady itself.
    await store.ensureReady();
    return {
      store,
      leftovers: () => readdir(spoolDir),
      cleanup: () => rm(spoolDir, { recursive: true, force: true }),
    };
  },
};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function keys(iterable: AsyncIterable<ObjectInfo>): Promise<string[]> {
  const found: string[] = [];
  for await (const info of iterable) found.push(info.key);
  return found;
}

const invalidKeys = ['../x', '/abs', 'a//b', '', 'a/../b', 'a/./b', '.tmp/x', '.meta/x', 'trailing/', 'sp ace', 'x'.repeat(513)].map(
  (key) => ({ key, label: key.length > 40 ? `of ${key.length} characters` : JSON.stringify(key) }),
);

/** Yields `total` random bytes in `chunk`-sized pieces, asynchronously, like a network upload. */
async function* randomChunks(total: number, chunk: number, sink: Buffer[] = []): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < total; sent += chunk) {
    const piece = randomBytes(Math.min(chunk, total - sent));
    sink.push(piece);
    await new Promise((resolve) => setImmediate(resolve));
    yield piece;
  }
}

describe.each([disk, s3])('$name object store contract', (backend) => {
  let instance: Instance;
  let store: ObjectStore;

  beforeAll(() => backend.start());
  afterAll(() => backend.stop());
  beforeEach(async () => {
    instance = await backend.create();
    store = instance.store;
  });
  afterEach(() => instance.cleanup());

  it('reports its kind', () => {
    expect(store.kind).toBe(backend.name);
  });

  it('round-trips bytes with their size, SHA-256 and content type', async () => {
    const body = new TextEncoder().encode('投标文件 sealed bid v1');
    const stored = await store.put('tenders/t1/bids/b1.bin', body, { contentType: 'application/pdf' });

    expect(stored).toEqual({ key: 'tenders/t1/bids/b1.bin', size: body.byteLength, sha256: sha256(body) });
    expect(Buffer.from(await store.getBytes('tenders/t1/bids/b1.bin'))).toEqual(Buffer.from(body));
    expect(await collect(await store.get('tenders/t1/bids/b1.bin'))).toEqual(Buffer.from(body));
    expect(await store.head('tenders/t1/bids/b1.bin')).toEqual({
      key: 'tenders/t1/bids/b1.bin',
      size: body.byteLength,
      sha256: sha256(body),
      contentType: 'application/pdf',
    });
  });

  it('streams a multi-MiB upload from an async iterable and from a Node stream', async () => {
    const sent: Buffer[] = [];
    const stored = await store.put('big/iterable.bin', randomChunks(5 * 1024 * 1024 + 123, 256 * 1024, sent));
    const expected = Buffer.concat(sent);
    expect(stored.size).toBe(expected.byteLength);
    expect(stored.sha256).toBe(sha256(expected));
    expect(sha256(await collect(await store.get('big/iterable.bin')))).toBe(sha256(expected));

    const other = randomBytes(3 * 1024 * 1024);
    const fromStream = await store.put('big/stream.bin', Readable.from([other.subarray(0, 1000), other.subarray(1000)]));
    expect(fromStream).toEqual({ key: 'big/stream.bin', size: other.byteLength, sha256: sha256(other) });
    expect(Buffer.from(await store.getBytes('big/stream.bin')).equals(other)).toBe(true);
  });

  it('stores an empty object', async () => {
    const stored = await store.put('empty', new Uint8Array(0));
    expect(stored).toEqual({ key: 'empty', size: 0, sha256: sha256(new Uint8Array(0)) });
    expect((await store.getBytes('empty')).byteLength).toBe(0);
    expect((await store.head('empty'))?.size).toBe(0);
  });

  it('refuses to overwrite: a second put throws ObjectExistsError and keeps the original', async () => {
    const original = new TextEncoder().encode('original');
    await store.put('archive/a.txt', original, { contentType: 'text/plain' });

    const second = store.put('archive/a.txt', new TextEncoder().encode('tampered'), { contentType: 'text/html' });
    await expect(second).rejects.toBeInstanceOf(ObjectExistsError);
    await expect(second).rejects.toMatchObject({ key: 'archive/a.txt' });

    expect(new TextDecoder().decode(await store.getBytes('archive/a.txt'))).toBe('original');
    expect(await store.head('archive/a.txt')).toMatchObject({ sha256: sha256(original), contentType: 'text/plain' });
    expect(await instance.leftovers()).toEqual([]);
  });

  it.skipIf(!backend.settlesRacingPuts)('lets exactly one of several racing puts of a key win', async () => {
    const bodies = Array.from({ length: 8 }, () => [randomBytes(64 * 1024), randomBytes(64 * 1024)]);
    const results = await Promise.allSettled(
      bodies.map((chunks) =>
        store.put(
          'race/key',
          (async function* () {
            for (const chunk of chunks) {
              await new Promise((resolve) => setImmediate(resolve));
              yield chunk;
            }
          })(),
        ),
      ),
    );

    const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ObjectExistsError);
    }
    const winner = Buffer.concat(bodies[winners[0]!]!);
    expect(Buffer.from(await store.getBytes('race/key')).equals(winner)).toBe(true);
    expect((await store.head('race/key'))?.sha256).toBe(sha256(winner));
    expect(await instance.leftovers()).toEqual([]);
  });

  it.each(invalidKeys)('rejects the invalid key $label everywhere', async ({ key }) => {
    await expect(store.put(key, new Uint8Array([1]))).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.get(key)).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.getBytes(key)).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.head(key)).rejects.toBeInstanceOf(InvalidKeyError);
    expect(await keys(store.list(''))).toEqual([]);
  });

  it('throws ObjectNotFoundError for a missing key', async () => {
    await store.put('present', new Uint8Array([1, 2, 3]));
    await expect(store.get('absent')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.getBytes('absent')).rejects.toMatchObject({ name: 'ObjectNotFoundError', key: 'absent' });
    await expect(store.get('present/child')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('heads an object and returns null for a missing key or a mere prefix', async () => {
    await store.put('docs/spec.json', new TextEncoder().encode('{}'), { contentType: 'application/json' });
    expect(await store.head('docs/spec.json')).toEqual({
      key: 'docs/spec.json',
      size: 2,
      contentType: 'application/json',
      sha256: sha256(new TextEncoder().encode('{}')),
    });
    expect(await store.head('docs/missing.json')).toBeNull();
    expect(await store.head('docs')).toBeNull();
  });

  it('lists exactly the keys under a prefix, in key order, with sizes', async () => {
    const all = ['bids/t1/b2', 'bids/t1/b1', 'bids/t1/sub/b3', 'bids/t10/b1', 'bids/t1-x', 'bids/t2/b1', 'other/a'];
    for (const [index, key] of all.entries()) await store.put(key, new Uint8Array(index + 1));
    const listed = async (prefix: string) => {
      const found = await keys(store.list(prefix));
      return backend.listsInKeyOrder ? found : found.sort();
    };

    expect(await listed('bids/t1/')).toEqual(['bids/t1/b1', 'bids/t1/b2', 'bids/t1/sub/b3']);
    // A prefix is a plain string prefix, as in S3.
    expect(await listed('bids/t1')).toEqual([
      'bids/t1-x',
      'bids/t1/b1',
      'bids/t1/b2',
      'bids/t1/sub/b3',
      'bids/t10/b1',
    ]);
    expect(await listed('')).toEqual([...all].sort());
    expect(await listed('nothing/')).toEqual([]);

    const sizes: Record<string, number> = {};
    for await (const info of store.list('bids/t2/')) sizes[info.key] = info.size;
    expect(sizes).toEqual({ 'bids/t2/b1': 6 });
  });

  it('leaves nothing behind when the source stream fails midway', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(1024 * 1024);
      yield randomBytes(1024 * 1024);
      throw new Error('client disconnected');
    }
    await expect(store.put('bids/t1/broken.bin', failing())).rejects.toThrow('client disconnected');

    expect(await store.head('bids/t1/broken.bin')).toBeNull();
    await expect(store.getBytes('bids/t1/broken.bin')).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await keys(store.list(''))).toEqual([]);
    expect(await instance.leftovers()).toEqual([]);

    // The failed attempt does not block a retry under the same key.
    const retry = await store.put('bids/t1/broken.bin', new Uint8Array([7]));
    expect(retry.size).toBe(1);
  });

  it('stages an object: bytes written in small and large pieces read back at any offset, invisible until published, then write-once', async () => {
    const sent: Buffer[] = [];
    const staged = await store.stage();
    for await (const piece of randomChunks(3 * 1024 * 1024 + 5, 65_537, sent)) await staged.write(piece);
    await staged.write(new Uint8Array(0));
    const whole = Buffer.concat(sent);
    expect(staged.size).toBe(whole.length);
    // Reads across the write runs, and one running past the end.
    expect(Buffer.from(await staged.read(1024 * 1024 - 3, 10)).equals(whole.subarray(1024 * 1024 - 3, 1024 * 1024 + 7))).toBe(true);
    expect(Buffer.from(await staged.read(whole.length - 4, 100)).equals(whole.subarray(whole.length - 4))).toBe(true);
    expect(await store.head('opened/s1/a')).toBeNull();
    expect(await keys(store.list(''))).toEqual([]);
    const stored = await staged.publish('opened/s1/a', { contentType: 'application/zip' });
    expect(stored).toEqual({ key: 'opened/s1/a', size: whole.length, sha256: sha256(whole) });
    expect(await store.head('opened/s1/a')).toMatchObject({ size: whole.length, sha256: sha256(whole), contentType: 'application/zip' });
    expect(sha256(Buffer.from(await store.getBytes('opened/s1/a')))).toBe(sha256(whole));
    await expect(staged.publish('opened/s1/b')).rejects.toThrow(/already published/);
    // A second stage under the same key is refused and leaves the first intact.
    const again = await store.stage();
    await again.write(new Uint8Array([1, 2, 3]));
    await expect(again.publish('opened/s1/a')).rejects.toBeInstanceOf(ObjectExistsError);
    expect((await store.head('opened/s1/a'))?.sha256).toBe(sha256(whole));
    // A discarded stage leaves nothing behind.
    const dropped = await store.stage();
    await dropped.write(randomBytes(2 * 1024 * 1024));
    await dropped.discard();
    await dropped.discard();
    expect(await keys(store.list(''))).toEqual(['opened/s1/a']);
    expect(await instance.leftovers()).toEqual([]);
  });
});
