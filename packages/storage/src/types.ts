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

export interface ObjectStore {
  readonly kind: 'disk' | 's3';
  /** How to open this very store again (openStore). */
  readonly config: StoreConfig;
  /**
   * Write-once: never overwrites. Throws ObjectExistsError if the key exists.
   * Atomic: a failed or interrupted put leaves no object and no partial file visible under the key.
   */
  put(key: string, body: PutBody, options?: PutOptions): Promise<StoredObject>;
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
