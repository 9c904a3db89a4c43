export interface PutOptions {
  /** Stored with the object and returned by head(); defaults to application/octet-stream. */
  contentType?: string;
  /**
   * Keep the object immutable until this date. Enforced only by an S3 store created with
   * `objectLock: true` (MinIO object lock, COMPLIANCE mode). Both backends refuse overwrites anyway.
   */
  retainUntil?: Date;
  /**
   * The SHA-256 (hex) the caller computed over exactly these bytes as it produced them (the opening
   * hashes a plaintext on the worker thread that decrypts it). The disk store records it instead of
   * hashing the bytes a second time on the calling thread; the S3 store hashes anyway. Readers that
   * must trust an object re-hash it before serving it (opened-bids.ts), so a wrong value makes them
   * refuse the object, never serve it.
   */
  knownSha256?: string;
}

export interface StoredObject {
  key: string;
  size: number;
  /** Lower-case hex SHA-256 of the stored bytes. */
  sha256: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  contentType?: string;
  sha256?: string;
}

export type PutBody = Uint8Array | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

/**
 * What it takes to open the same store again elsewhere, for example on a worker thread (plain data:
 * it crosses postMessage). For S3 it holds the credentials: keep it inside the process.
 */
export type StoreConfig = { kind: 'disk'; dir: string } | ({ kind: 's3' } & import('./s3-store').S3StoreOptions);

export interface StagedObject {
  /** Appends bytes; a chunk must stay unchanged once given (it may be held until written). */
  write(chunk: Uint8Array): Promise<void>;
  /** Reads back bytes written so far (fewer at the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
  readonly size: number;
  /**
   * Publishes the bytes under `key` (ObjectExistsError if it exists) and ends the stage, whatever
   * the outcome. `knownSha256`, when given, must be the digest of exactly these bytes.
   */
  publish(key: string, options?: PutOptions): Promise<StoredObject>;
  /** Drops the bytes; safe after publish and more than once. */
  discard(): Promise<void>;
}

export interface ObjectStore {
  readonly kind: 'disk' | 's3';
  /** How to open this very store again (openStore). */
  readonly config: StoreConfig;
  /**
   * Write-once: never overwrites. Throws ObjectExistsError if the key exists.
   * Atomic: a failed or interrupted put leaves no object and no partial file visible under the key.
   */
  put(key: string, body: PutBody, options?: PutOptions): Promise<StoredObject>;
  /**
   * A write-once object written in steps: append the bytes, read them back (to check them), then
   * publish them under a key, as atomic and write-once as `put`, or discard them. Nothing is
   * visible to anyone before `publish`.
   */
  stage(): Promise<StagedObject>;
  /** Throws ObjectNotFoundError. */
  get(key: string): Promise<NodeJS.ReadableStream>;
  /** Throws ObjectNotFoundError. */
  getBytes(key: string): Promise<Uint8Array>;
  head(key: string): Promise<ObjectInfo | null>;
  /**
   * Objects whose key starts with `prefix` (a plain string prefix, as in S3), in ascending key
   * order. Yields key and size only: use head() for the content type and digest.
   */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Readiness check used at boot: creates the bucket/folder if missing, checks it is writable. */
  ensureReady(): Promise<void>;
}
