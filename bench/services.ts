import { createCheckpointSigner } from '@ggzy/audit';
import { createReceiptSigner, type Services } from '@ggzy/api';
import { testPlatformCa } from '@ggzy/api/testing';
import type { Database } from '@ggzy/db';
import { createDiskStore } from '@ggzy/storage';
import { join } from 'node:path';

/**
 * The API's services for a benchmark run in this process: a disk store (and the tus staging folder)
 * in `dir`, the test platform CA, fixed signing keys (each 32 bytes of `seeds.checkpoint` or
 * `seeds.receipt`), and no sequencer on demand: a benchmark sequences the log itself where it
 * measures that.
 */
export async function benchServices(db: Database, dir: string, seeds: { checkpoint: number; receipt: number }): Promise<Services> {
  const store = createDiskStore({ dir });
  await store.ensureReady();
  return {
    db,
    store,
    signer: createCheckpointSigner({ origin: 'bench/trace-log', seed: new Uint8Array(32).fill(seeds.checkpoint) }),
    receiptSigner: createReceiptSigner(new Uint8Array(32).fill(seeds.receipt)),
    pki: { ca: await testPlatformCa(), trustedRootsPem: [] },
    sequenceNow: async () => {},
    settings: {
      sessionTtlHours: 1,
      sessionIdleMinutes: 60,
      secureCookies: false,
      ocidPrefix: 'ocds-ggzy01',
      publicUrl: 'http://localhost:3000',
      uploadDir: join(dir, 'uploads'),
    },
  };
}
