import { createCheckpointSigner, sequenceTrace } from '@ggzy/audit';
import { createApiHandler, createLiveHub, createReceiptSigner, loadShippedHolidays, seedDemoPlatform, sweepStagedUploads, takeDueTransitions, type DemoLogin, type Services } from '@ggzy/api';
import { openDatabase } from '@ggzy/db';
import { createDiskStore, createS3Store } from '@ggzy/storage';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { ApiConfig } from './config';
import { loadDocumentSigner, loadPlatformPki } from './pki';

/**
 * The checkpoint and receipt signing keys live outside the database: whoever can write the database
 * must not be able to sign a rewritten log or a receipt. Embedded default: a 32-byte seed in a file
 * in the data folder, made on first boot; a deployment passes it in the environment instead.
 */
async function loadSeed(inline: Uint8Array | null, file: string, what: string, log: Logger): Promise<Uint8Array> {
  if (inline) return inline;
  try {
    const seed = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    if (seed.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 seed`);
    return new Uint8Array(seed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const seed = randomBytes(32);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${seed.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    log.warn({ file }, `generated a new ${what} signing key`);
    return new Uint8Array(seed);
  }
}

export interface RunningPlatform {
  server: Server;
  url: string;
  logins: DemoLogin[];
  services: Services;
  close(): Promise<void>;
}

export async function startPlatform(config: ApiConfig, log: Logger): Promise<RunningPlatform> {
  const database = await openDatabase(
    config.database.kind === 'postgres' ? { url: config.database.url } : { dataDir: config.database.dataDir },
  );
  await database.migrate();
  const store = config.storage.kind === 's3' ? createS3Store(config.storage) : createDiskStore({ dir: config.storage.dir });
  await store.ensureReady();
  const signer = createCheckpointSigner({ origin: config.logOrigin, seed: await loadSeed(config.checkpointKey, config.checkpointKeyFile, 'checkpoint', log) });
  const receiptSigner = createReceiptSigner(await loadSeed(config.receiptKey, config.receiptKeyFile, 'receipt', log));
  const pki = await loadPlatformPki(config, log);
  const pdfSigner = await loadDocumentSigner(config, pki.ca, log);

  // The sequencer: every process runs one; the head-row lock lets one at a time do the work.
  let sequencing: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try {
      for (;;) {
        const result = await sequenceTrace(database.db, signer);
        if (!result.ran || result.sequenced === 0) break;
      }
    } catch (error) {
      log.error({ err: error }, 'sequencer run failed');
    }
  };
  // Callers that need an index now (receipts) queue one run behind whatever runs: everything they
  // committed before calling is then placed, unless another process holds the head lock.
  let queued: Promise<unknown> | null = null;
  const sequenceNow = (): Promise<void> => {
    if (!queued) {
      queued = sequencing.then(() => {
        queued = null;
        return tick();
      });
      sequencing = queued;
    }
    return queued.then(() => undefined);
  };

  // One LISTEN connection per process for every live view (docs/live-events.md).
  const live = createLiveHub(database);
  live.ready.catch((error: unknown) => log.error({ err: error }, 'LISTEN on live events failed; live views poll'));

  const services: Services = {
    db: database.db,
    live,
    store,
    signer,
    receiptSigner,
    pki,
    pdfSigner,
    sequenceNow,
    settings: {
      sessionTtlHours: config.sessionTtlHours,
      sessionIdleMinutes: config.sessionIdleMinutes,
      secureCookies: config.secureCookies,
      ocidPrefix: config.ocidPrefix,
      publicUrl: config.publicUrl,
      portalCacheSeconds: config.portalCacheSeconds,
      uploadDir: config.uploadDir,
      maxEnvelopeBytes: config.maxEnvelopeBytes,
    },
  };

  // Every deployment: the State Council's published holiday notices for years the centre has not
  // entered (a fresh database must not count National Day as working days).
  const calendarYears = await loadShippedHolidays(database.db);
  if (calendarYears.length > 0) log.info({ years: calendarYears }, 'loaded the published holiday calendar');

  let logins: DemoLogin[] = [];
  if (config.seedDemo) {
    // One transaction: a crash part-way leaves nothing, and the next start loads it all.
    const seeded = await seedDemoPlatform(database.db, store);
    logins = seeded.logins;
    if (seeded.seeded) log.info({ sections: seeded.sections, holidayYears: seeded.holidayYears }, 'loaded demo data');
  }

  const timer = setInterval(() => {
    sequencing = sequencing.then(tick);
  }, config.sequencerIntervalMs);
  sequencing = tick();

  // Timed transitions (the bid deadline, the end of a decryption window) from the database clock; every process runs this, and the
  // row locks make each transition happen exactly once (packages/api/src/tender/timed-transitions.ts).
  let scheduling: Promise<unknown> = Promise.resolve();
  const schedule = async () => {
    if (stopped) return;
    try {
      for (;;) {
        const taken = await takeDueTransitions(database.db);
        for (const t of taken) log.info(t, t.to === 'window-closed' ? 'decryption window closed' : 'section deadline passed');
        if (taken.length < 100) break;
      }
    } catch (error) {
      log.error({ err: error }, 'timed transitions failed');
    }
  };
  const scheduler = setInterval(() => {
    scheduling = scheduling.then(schedule);
  }, config.schedulerIntervalMs);
  scheduling = schedule();

  // Staged uploads that can never be submitted any more (their section closed) are removed, as are
  // leftovers of completed ones (packages/api/src/bidding/staging-sweep.ts).
  const sweep = async () => {
    if (stopped) return;
    try {
      const swept = await sweepStagedUploads(services);
      if (swept.length) log.info({ swept: swept.length, bytes: swept.reduce((n, s) => n + s.bytes, 0) }, 'staged uploads removed');
    } catch (error) {
      log.error({ err: error }, 'staged upload sweep failed');
    }
  };
  const sweeper = setInterval(() => {
    scheduling = scheduling.then(sweep);
  }, config.stagingSweepIntervalMs);

  const handler = createApiHandler(services, {
    trustProxy: config.trustProxy,
    onError: (error, path) => log.error({ err: error, path }, 'request failed'),
  });
  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'unhandled request error');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolveListen());
  });
  const address = server.address();
  const url = typeof address === 'object' && address ? `http://${config.host}:${address.port}` : `http://${config.host}:${config.port}`;

  return {
    server,
    url,
    logins,
    services,
    async close() {
      stopped = true;
      clearInterval(timer);
      clearInterval(scheduler);
      clearInterval(sweeper);
      await scheduling;
      await live.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await sequencing;
      // Whatever was appended last still gets its place in the tree before the database closes.
      await tick().catch(() => {});
      await database.close();
    },
  };
}
