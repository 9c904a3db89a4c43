export type { ObjectInfo, ObjectStore, PutBody, PutOptions, StagedObject, StoreConfig, StoredObject } from './types';
export { openStore } from './open-store';
export { InvalidKeyError, ObjectExistsError, ObjectNotFoundError } from './errors';
export { assertValidKey } from './key';
export { createDiskStore } from './disk-store';
export { createS3Store, probeS3 } from './s3-store';
export type { S3ProbeFailure, S3ProbeResult, S3StoreOptions } from './s3-store';
