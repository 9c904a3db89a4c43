export type { ObjectInfo, ObjectStore, PutBody, PutOptions, StoredObject } from './types';
export { InvalidKeyError, ObjectExistsError, ObjectNotFoundError } from './errors';
export { assertValidKey } from './key';
export { createDiskStore } from './disk-store';
export { createS3Store } from './s3-store';
export type { S3StoreOptions } from './s3-store';
