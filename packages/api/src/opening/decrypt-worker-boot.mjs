// Starts a decryption worker (decrypt-pool.ts): loads the TypeScript worker through tsx, as the API
// itself runs (decision 001), whether or not the parent thread already runs under tsx.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.module, import.meta.url);
