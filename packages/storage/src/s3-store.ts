import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';

import { Client } from 'minio';

import { ObjectExistsError, ObjectNotFoundError } from './errors';
import { assertValidKey, assertValidPrefix, isValidKey } from './key';
import { spoolToFile } from './spool';
import { digestsOfFile, StageFile, stagedObject } from './staging';
import type { ObjectInfo, ObjectStore, PutBody, PutOptions, StagedObject, StoredObject } from './types';

export interface S3StoreOptions {
  /** Full URL of the service, for example http://127.0.0.1:9000. */
  endPoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region?: string;
  /** Set MinIO object lock retention (COMPLIANCE) on puts that give `retainUntil`. */
  objectLock?: boolean;
  /** Local folder where uploads are staged while their digest is computed; defaults to os.tmpdir(). */
  spoolDir?: string;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
/** Written and removed by ensureReady; starts with '.', so no valid key can reach it. */
const READY_PROBE_KEY = '.ggzy-ready';

function s3Code(error: unknown): string | undefined {
  return (error as { code?: unknown } | null)?.code as string | undefined;
}

function isNotFound(error: unknown): boolean {
  const code = s3Code(error);
  return code === 'NoSuchKey' || code === 'NotFound';
}

function clientFor(opts: S3StoreOptions): Client {
  const url = new URL(opts.endPoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`S3 endpoint must be an http:// or https:// URL, got ${opts.endPoint}`);
  }
  if (url.pathname !== '/' || url.search) {
    throw new Error(`S3 endpoint must not have a path or query, got ${opts.endPoint}`);
  }
  const useSSL = url.protocol === 'https:';
  return new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: opts.accessKey,
    secretKey: opts.secretKey,
    // Path-style addressing works with MinIO, s3rver and AWS alike, and needs no wildcard DNS.
    pathStyle: true,
    ...(opts.region ? { region: opts.region } : {}),
  });
}

/** Why an S3 service could not be used, as far as the boot check needs to tell. */
export type S3ProbeFailure = 'unreachable' | 'credentials-refused' | 'bucket-missing' | 'other';

export interface S3ProbeResult {
  ok: boolean;
  failure?: S3ProbeFailure;
  error?: unknown;
}

const UNREACHABLE_CODES = ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE'];
const CREDENTIAL_CODES = ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken', 'AuthorizationHeaderMalformed'];

/**
 * One signed GET on the bucket (a listing of at most one key), with a short timeout, so that a
 * wrong S3_* setting is found at boot. A GET rather than HEAD: a HEAD answer has no body, so it
 * cannot say whether the key or the signature was refused. Never throws.
 */
export async function probeS3(opts: S3StoreOptions, options: { timeoutMs?: number } = {}): Promise<S3ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const client = clientFor(opts);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    });
    const request = client
      .makeRequestAsync({ method: 'GET', bucketName: opts.bucket, query: 'list-type=2&max-keys=1' }, '', [200], opts.region ?? '')
      .then((response) => {
        response.resume();
      });
    await Promise.race([request, timeout]);
    return { ok: true };
  } catch (error) {
    const code = s3Code(error);
    let failure: S3ProbeFailure = 'other';
    if (code === 'NoSuchBucket') failure = 'bucket-missing';
    else if (code && CREDENTIAL_CODES.includes(code)) failure = 'credentials-refused';
    else if (code && UNREACHABLE_CODES.includes(code)) failure = 'unreachable';
    return { ok: false, failure, error };
  } finally {
    clearTimeout(timer);
  }
}

export function createS3Store(opts: S3StoreOptions): ObjectStore {
  const client = clientFor(opts);
  const { bucket } = opts;
  const region = opts.region ?? '';
  const spoolDir = opts.spoolDir ?? tmpdir();

  function retentionOf(options: PutOptions): Date | undefined {
    const retainUntil = opts.objectLock ? options.retainUntil : undefined;
    if (retainUntil && !(retainUntil.getTime() > Date.now())) {
      throw new RangeError(`retainUntil must be a future date, got ${retainUntil.toISOString()}`);
    }
    return retainUntil;
  }

  /** Uploads the complete local file `spoolPath` as `key`, write-once. */
  async function upload(spoolPath: string, key: string, facts: { size: number; sha256: string; md5: string }, options: PutOptions, retainUntil: Date | undefined): Promise<StoredObject> {
    const { size, sha256, md5 } = facts;
    try {
      // Write-once has two guards. On MinIO and AWS S3 the conditional header `If-None-Match: *`
      // below is the real one: the server refuses the write atomically if the key exists. Servers
      // that ignore it (s3rver, older gateways) only get this stat, a best-effort check that two
      // racing puts can both pass.
      if (await head(key)) throw new ObjectExistsError(key);

      const headers: Record<string, string | number> = {
        'Content-Length': size,
        'Content-Type': options.contentType ?? DEFAULT_CONTENT_TYPE,
        // Lets the server reject a corrupted upload; object lock buckets require it on AWS.
        'Content-MD5': md5,
        'If-None-Match': '*',
        'x-amz-meta-sha256': sha256,
      };
      if (retainUntil) {
        // COMPLIANCE, not GOVERNANCE: bids and archives must stay immutable until the date even
        // for administrators; GOVERNANCE lets anyone with s3:BypassGovernanceRetention delete them.
        // Set on the PUT itself so the object never exists without its retention.
        headers['x-amz-object-lock-mode'] = 'COMPLIANCE';
        headers['x-amz-object-lock-retain-until-date'] = retainUntil.toISOString();
      }
      // A single streamed PUT (up to 5 GiB) rather than putObject(): putObject buffers up to a part
      // (64 MiB) in memory, switches to multipart uploads whose completion carries no conditional
      // header, and rewrites x-amz-object-lock-* into user metadata. Over plain HTTP the request
      // is signed with the payload's SHA-256, which is the digest we just computed.
      const response = await client.makeRequestStreamAsync(
        { method: 'PUT', bucketName: bucket, objectName: key, headers },
        createReadStream(spoolPath),
        client.enableSHA256 ? sha256 : '',
        [200],
        region,
      );
      response.resume();
      await finished(response);
      return { key, size, sha256 };
    } catch (error) {
      const code = s3Code(error);
      // 409 ConditionalRequestConflict: MinIO's answer to a racing conditional write.
      if (code === 'PreconditionFailed' || code === 'ConditionalRequestConflict') throw new ObjectExistsError(key);
      throw error;
    }
  }

  async function put(key: string, body: PutBody, options: PutOptions = {}): Promise<StoredObject> {
    assertValidKey(key);
    const retainUntil = retentionOf(options);
    // S3 takes user metadata (our x-amz-meta-sha256) in the request headers, before the body, so
    // the upload is staged locally while it is hashed. That also gives an exact Content-Length and
    // means a source that fails midway sends nothing at all to the bucket.
    const spoolPath = join(spoolDir, `ggzy-s3-put-${randomUUID()}`);
    try {
      const { size, sha256, md5 } = await spoolToFile(body, spoolPath, { md5: true });
      return await upload(spoolPath, key, { size, sha256, md5: md5 ?? '' }, options, retainUntil);
    } finally {
      await rm(spoolPath, { force: true });
    }
  }

  async function stage(): Promise<StagedObject> {
    return stagedObject(await StageFile.create(join(spoolDir, `ggzy-s3-stage-${randomUUID()}`)), async (file, key, options) => {
      assertValidKey(key);
      const retainUntil = retentionOf(options);
      const size = await file.finish();
      // The bucket checks the MD5 and records our SHA-256: both from the bytes themselves.
      const { sha256, md5 } = await digestsOfFile(file.path, true);
      return upload(file.path, key, { size, sha256, md5: md5! }, options, retainUntil);
    });
  }

  async function get(key: string): Promise<NodeJS.ReadableStream> {
    assertValidKey(key);
    try {
      return await client.getObject(bucket, key);
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key, { cause: error });
      throw error;
    }
  }

  async function getBytes(key: string): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    for await (const chunk of await get(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async function head(key: string): Promise<ObjectInfo | null> {
    assertValidKey(key);
    let stat;
    try {
      stat = await client.statObject(bucket, key);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    const meta = stat.metaData as Record<string, unknown>;
    const contentType = meta['content-type'];
    const sha256 = meta['sha256'];
    return {
      key,
      size: stat.size,
      ...(typeof contentType === 'string' ? { contentType } : {}),
      ...(typeof sha256 === 'string' ? { sha256 } : {}),
    };
  }

  async function* list(prefix: string): AsyncGenerator<ObjectInfo> {
    assertValidPrefix(prefix);
    for await (const item of client.listObjectsV2(bucket, prefix, true)) {
      const { name, size } = item as { name?: string; size: number };
      // Skips common prefixes and anything not written through this interface (the ready probe).
      if (name !== undefined && isValidKey(name)) yield { key: name, size };
    }
  }

  async function ensureReady(): Promise<void> {
    if (!(await client.bucketExists(bucket))) {
      try {
        await client.makeBucket(bucket, region, opts.objectLock ? { ObjectLocking: true } : undefined);
      } catch (error) {
        // Another process created it first.
        if (s3Code(error) !== 'BucketAlreadyOwnedByYou') throw error;
      }
    }
    if (opts.objectLock) {
      // Refuse to start rather than silently store bids without retention.
      let enabled = false;
      try {
        // The first overload in minio's typings returns void; the promise form is the one we call.
        const config = await (client.getObjectLockConfig(bucket) as unknown as Promise<{ objectLockEnabled?: string }>);
        enabled = config.objectLockEnabled === 'Enabled';
      } catch (error) {
        throw new Error(
          `Object lock was requested but bucket "${bucket}" does not support it (${s3Code(error) ?? (error as Error).message}); ` +
            'create the bucket with object lock enabled on MinIO, or set objectLock to false',
          { cause: error },
        );
      }
      if (!enabled) {
        throw new Error(`Object lock was requested but is not enabled on bucket "${bucket}"; recreate it with object lock`);
      }
    }
    await client.putObject(bucket, READY_PROBE_KEY, Buffer.from(new Date().toISOString()), undefined, {
      'Content-Type': 'text/plain',
    });
    // Best effort: a default retention rule on the bucket may keep the probe; list() ignores it.
    await client.removeObject(bucket, READY_PROBE_KEY).catch(() => {});
  }

  return { kind: 's3', config: { kind: 's3', ...opts }, put, stage, get, getBytes, head, list, ensureReady };
}
