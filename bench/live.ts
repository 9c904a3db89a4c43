/**
 * Live-events figure (issue 12): watchers of one opening hall over SSE, split across two real API
 * processes on PostgreSQL; events committed at a steady rate (publishLive in a transaction of its
 * own, as the hall commits them); the delay from just before the commit to the arrival at each
 * watcher, p50/p99, and the API processes' memory per watcher (RSS growth while the watchers are
 * connected, divided by their number). Baseline in the same run: a bare node:http SSE server that
 * writes the same events to the same number of connections.
 */
import { publishLive, seedDemo } from '@ggzy/api';
import { executeRows, sql } from '@ggzy/db';
import { createTestDatabase } from '@ggzy/db/testing';
import { SCORING_TEMPLATES } from '@ggzy/domain';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { startApi } from './upload';

export interface LiveFigures {
  watchers: number;
  events: number;
  p50: number;
  p99: number;
  /** Arrivals counted (watchers × events when nothing was lost). */
  arrivals: number;
  /** RSS growth of both API processes with the watchers connected, per watcher (KiB). */
  kibPerWatcher: number;
  bare: { p50: number; p99: number; arrivals: number };
  /** The watcher threads' own event-loop lag while measuring the API (ms): high means the client, not the API, is slow. */
  clientLag: { p99: number; max: number };
}

const rssKiB = (pid: number | undefined) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0);
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** An SSE stream on a connection of its own; calls `onEvent(data)` for each message with an id. */
function sse(url: string, onEvent: (data: string) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE ${url}: ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: ?(.*)$/m.exec(block)?.[1];
          if (data && /^id: /m.test(block) && !/^event: /m.test(block)) onEvent(data);
        }
      });
      resolve(() => req.destroy());
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The watchers' side of the measurement, off the main thread (the main thread commits the events):
 * `WATCHER_THREADS` worker threads, each holding its share of the SSE connections and parsing them
 * like sse() above. Each reports the delays it saw and its own event-loop lag (p99, ms), so a slow
 * client is told apart from a slow server.
 */
const WATCHER_THREADS = 2;
const WATCHER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { request } = require('node:http');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const delays = [];
const requests = [];
const lag = monitorEventLoopDelay({ resolution: 10 });
function open(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error('SSE ' + url + ': ' + res.statusCode));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\\n\\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: ?(.*)$/m.exec(block)?.[1];
          if (data && /^id: /m.test(block) && !/^event: /m.test(block)) delays.push(Date.now() - JSON.parse(data).payload.sentAt);
        }
      });
      resolve();
    });
    requests.push(req);
    req.on('error', reject);
    req.end();
  });
}
parentPort.on('message', async (message) => {
  if (message === 'stop') {
    for (const req of requests) req.destroy();
    lag.disable();
    parentPort.postMessage({ delays, lagP99: lag.percentile(99) / 1e6, lagMax: lag.max / 1e6 });
  }
});
(async () => {
  for (const url of workerData.urls) await open(url);
  lag.enable();
  parentPort.postMessage('ready');
})().catch((error) => parentPort.postMessage({ error: String(error) }));
`;

async function watchInThreads(urls: string[]): Promise<{ stop(): Promise<{ delays: number[]; lagP99: number; lagMax: number }> }> {
  const workers = Array.from({ length: WATCHER_THREADS }, (_, t) => new Worker(WATCHER_CODE, { eval: true, workerData: { urls: urls.filter((_, i) => i % WATCHER_THREADS === t) } }));
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once('message', (m: unknown) => (m === 'ready' ? resolve() : reject(new Error(JSON.stringify(m)))));
          w.once('error', reject);
        }),
    ),
  );
  return {
    async stop() {
      const results = await Promise.all(
        workers.map(
          (w) =>
            new Promise<{ delays: number[]; lagP99: number; lagMax: number }>((resolve) => {
              w.once('message', resolve);
              w.postMessage('stop');
            }),
        ),
      );
      await Promise.all(workers.map((w) => w.terminate()));
      return { delays: results.flatMap((r) => r.delays), lagP99: Math.max(...results.map((r) => r.lagP99)), lagMax: Math.max(...results.map((r) => r.lagMax)) };
    },
  };
}

export async function measureLive(options: { watchers: number; events: number; perSecond: number }): Promise<LiveFigures> {
  const database = await createTestDatabase({ max: 4 });
  const dir = await mkdtemp(join(tmpdir(), 'ggzy-bench-live-'));
  const key = randomBytes(32).toString('base64');
  const apis: Array<Awaited<ReturnType<typeof startApi>>> = [];
  const closers: Array<() => void> = [];
  try {
    const db = database.db;
    await seedDemo(db);
    const tag = randomBytes(3).toString('hex');
    const [section] = await executeRows<{ id: string }>(
      db,
      sql`with p as (insert into project (code, name, type, method, region_code, centre_id, tenderer_id, created_by)
                     values (${`LB-${tag}`}, '实时事件基准项目', 'construction', 'open', '990100',
                             (select id from organisation where kind = 'centre' and region_code = '990100'),
                             (select id from organisation where kind = 'tenderer' limit 1),
                             (select id from account where username = 'tenderer')) returning id)
          insert into section (project_id, code, type, method, region_code, name, state, estimated_price, bond, bid_validity_days, scoring_method,
                               documents_from, documents_until, deadline, published_at)
          select p.id, ${`LB-${tag}-01`}, 'construction', 'open', '990100', '标段', 'opening', 100000000, 0, 90, ${JSON.stringify(SCORING_TEMPLATES.comprehensive)}::jsonb,
                 now() - interval '21 days', now() - interval '2 days', now() - interval '1 minute', now() - interval '21 days' from p
          returning id`,
    );
    const sectionId = section!.id;
    await executeRows(db, sql`insert into opening_hall (section_id) values (${sectionId})`);
    for (const name of ['a', 'b'])
      apis.push(await startApi({ DATABASE_URL: database.url!, DATA_DIR: join(dir, name), API_PORT: '0', SEED_DEMO: 'false', CHECKPOINT_KEY: key, LOG_LEVEL: 'info' }));
    await new Promise((r) => setTimeout(r, 1000));
    const before = apis.reduce((n, a) => n + rssKiB(a.pid), 0);

    const input = encodeURIComponent(JSON.stringify({ sectionId }));
    const watching = await watchInThreads(Array.from({ length: options.watchers }, (_, i) => `${apis[i % apis.length]!.url}/api/trpc/hall.watch?input=${input}`));
    await new Promise((r) => setTimeout(r, 2000));
    const after = apis.reduce((n, a) => n + rssKiB(a.pid), 0);
    const topic = `hall:${sectionId}`;
    for (let n = 0; n < options.events; n++) {
      const sentAt = Date.now();
      await db.transaction((tx) => publishLive(tx, { topic, kind: 'hall.message', payload: { id: `b${n}`, text: '基准', sentAt } }));
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 / options.perSecond - (Date.now() - sentAt))));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const watched = await watching.stop();
    const delays = watched.delays;
    const sorted = [...delays].sort((a, b) => a - b);

    // Baseline: the same fan-out from a bare node:http SSE server.
    const clients = new Set<ServerResponse>();
    const bare = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': connected\n\n');
      clients.add(res);
      res.on('close', () => clients.delete(res));
    });
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', () => r()));
    const port = (bare.address() as { port: number }).port;
    const bareDelays: number[] = [];
    for (let i = 0; i < options.watchers; i++)
      closers.push(await sse(`http://127.0.0.1:${port}/`, (data) => bareDelays.push(Date.now() - (JSON.parse(data) as { payload: { sentAt: number } }).payload.sentAt)));
    await new Promise((r) => setTimeout(r, 1000));
    for (let n = 0; n < options.events; n++) {
      const sentAt = Date.now();
      const message = `id: ${n + 1}\ndata: ${JSON.stringify({ seq: n + 1, kind: 'hall.message', payload: { id: `b${n}`, text: '基准', sentAt } })}\n\n`;
      for (const res of clients) res.write(message);
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 / options.perSecond - (Date.now() - sentAt))));
    }
    await new Promise((r) => setTimeout(r, 1000));
    for (const close of closers.splice(0)) close();
    bare.closeAllConnections();
    bare.close();
    const bareSorted = [...bareDelays].sort((a, b) => a - b);
    return {
      watchers: options.watchers,
      events: options.events,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      arrivals: delays.length,
      kibPerWatcher: (after - before) / options.watchers,
      bare: { p50: percentile(bareSorted, 50), p99: percentile(bareSorted, 99), arrivals: bareDelays.length },
      clientLag: { p99: watched.lagP99, max: watched.lagMax },
    };
  } finally {
    for (const close of closers) close();
    for (const api of apis) await api.stop();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}
