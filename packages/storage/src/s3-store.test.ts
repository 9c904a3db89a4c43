// What only the S3 backend does: bucket creation, endpoint parsing, object lock readiness.
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createS3Store } from './index';
import { startS3rver } from './test-s3rver';
import type { TestS3Server } from './test-s3rver';

describe('S3 object store', () => {
  let server: TestS3Server;

  beforeAll(async () => {
    server = await startS3rver();
  });
  afterAll(() => server.stop());

  const options = (bucket: string) => ({
    endPoint: server.endPoint,
    accessKey: server.accessKey,
    secretKey: server.secretKey,
    bucket,
  });

  it('creates a missing bucket on ensureReady, is idempotent, and leaves no probe object', async () => {
    const store = createS3Store(options('ready-check'));
    await store.ensureReady();
    await store.ensureReady();

    const url = new URL(server.endPoint);
    const client = new Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: server.accessKey,
      secretKey: server.secretKey,
      pathStyle: true,
    });
    expect(await client.bucketExists('ready-check')).toBe(true);
    const names: string[] = [];
    for await (const item of client.listObjectsV2('ready-check', '', true)) names.push((item as { name: string }).name);
    expect(names).toEqual([]);
  });

  it('stores the digest as x-amz-meta-sha256 so any S3 client can read it', async () => {
    const store = createS3Store(options('metadata'));
    await store.ensureReady();
    const stored = await store.put('x/y', new TextEncoder().encode('payload'));

    const url = new URL(server.endPoint);
    const client = new Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: server.accessKey,
      secretKey: server.secretKey,
      pathStyle: true,
    });
    const stat = await client.statObject('metadata', 'x/y');
    expect(stat.metaData['sha256']).toBe(stored.sha256);
  });

  it('refuses to start when object lock is requested but the server lacks it', async () => {
    // s3rver has no object lock, so this is the path a misconfigured deployment takes.
    const store = createS3Store({ ...options('locked'), objectLock: true });
    await expect(store.ensureReady()).rejects.toThrow(/Object lock was requested/);
  });

  it('rejects an endpoint that is not a plain http(s) URL', () => {
    expect(() => createS3Store({ ...options('b'), endPoint: 'ftp://127.0.0.1:21' })).toThrow(/http/);
    expect(() => createS3Store({ ...options('b'), endPoint: 'http://127.0.0.1:9000/minio' })).toThrow(/path/);
  });
});
