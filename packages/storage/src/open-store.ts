import { createDiskStore } from './disk-store';
import { createS3Store } from './s3-store';
import type { ObjectStore, StoreConfig } from './types';

/** Opens the store a config describes (a store's own `config`: the same folder or bucket). */
export function openStore(config: StoreConfig): ObjectStore {
  if (config.kind === 'disk') return createDiskStore({ dir: config.dir });
  const { kind: _kind, ...options } = config;
  return createS3Store(options);
}
