/**
 * Trace-log figures (issue 2): appends per second on PostgreSQL beside plain INSERTs of the same rows
 * in the same run, and the time to verify 100,000 entries end to end (over HTTP, as `ggzy verify-log`
 * does) beside a plain SELECT of the same rows.
 */
import { appendTrace, createCheckpointSigner, sequenceAll, type TraceActor, type TraceEvent } from '@ggzy/audit';
import { createApiHandler, seedDemo } from '@ggzy/api';
import { verifyRemoteLog } from '@ggzy/cli';
import { executeRows, sql, type Database } from '@ggzy/db';
import { createTestDatabase } from '@ggzy/db/testing';
import { bigserial, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './machine';
import { benchServices } from './services';

/** The same columns as trace_entry, without the log's indexes, trigger or tree. */
const plainRow = pgTable('bench_plain', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: timestamp('at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  actorId: uuid('actor_id'),
  actorName: text('actor_name'),
  organisationId: uuid('organisation_id'),
  role: text('role'),
  action: text('action').notNull(),
  outcome: text('outcome').notNull().default('ok'),
  targetType: text('target_type'),
  targetId: text('target_id'),
  requestId: text('request_id'),
  ip: text('ip'),
  userAgent: text('user_agent'),
  digests: jsonb('digests').notNull().default({}),
  details: jsonb('details').notNull().default({}),
});

function sample(i: number): { actor: TraceActor; event: TraceEvent } {
  return {
    actor: {
      actorId: '6f1c2a52-3d35-4a8e-9d51-0b4f3a1c9e2d',
      actorName: `bidder${i % 500}`,
      organisationId: 'a3e1b7c4-8f02-4c6d-9e13-5b7d2f4a6c80',
      role: 'bidder',
      requestId: `req-${i.toString(16).padStart(8, '0')}`,
      ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36',
    },
    event: {
      action: 'bid.submit',
      targetType: 'section',
      targetId: `S-2026-${i % 1000}`,
      digests: { ciphertext: 'ab'.repeat(32) },
      details: { size: String(20 * 2 ** 20) },
    },
  };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function runWorkers(count: number, perWorker: number, one: (i: number) => Promise<void>) {
  await Promise.all(
    Array.from({ length: count }, async (_, w) => {
      for (let i = 0; i < perWorker; i++) await one(w * perWorker + i);
    }),
  );
}

export interface AppendFigures {
  rows: number;
  clients: number;
  appendPerSecond: number;
  plainPerSecond: number;
  sequencedPerSecond: number;
}

/** Each append is its own transaction, as a state change with its trace entry would be. */
export async function measureAppends(options: { rows: number; clients: number; rounds: number }): Promise<AppendFigures> {
  const database = await createTestDatabase({ max: options.clients });
  const db = database.db;
  const signer = createCheckpointSigner({ origin: 'bench/trace-log', seed: new Uint8Array(32).fill(5) });
  try {
    await db.execute(sql`create table bench_plain (
      id bigserial primary key, at timestamptz(3) not null default now(), actor_id uuid, actor_name text,
      organisation_id uuid, role text, action text not null, outcome text not null default 'ok', target_type text,
      target_id text, request_id text, ip text, user_agent text, digests jsonb not null default '{}',
      details jsonb not null default '{}')`);
    const perWorker = Math.floor(options.rows / options.clients);
    const total = perWorker * options.clients;
    const plain = async (i: number) => {
      const { actor, event } = sample(i);
      await db.transaction(async (tx) => {
        await tx.insert(plainRow).values({ ...actor, ...event, outcome: 'ok' });
      });
    };
    const append = async (i: number) => {
      const { actor, event } = sample(i);
      await db.transaction(async (tx) => {
        await appendTrace(tx, actor, event);
      });
    };
    // Warm up both paths (connections, plans), then alternate rounds so drift hits both alike.
    await runWorkers(options.clients, 50, plain);
    await runWorkers(options.clients, 50, append);
    await sequenceAll(db, signer);
    const plainTimes: number[] = [];
    const appendTimes: number[] = [];
    let sequenceSeconds = 0;
    for (let round = 0; round < options.rounds; round++) {
      plainTimes.push(await timed(() => runWorkers(options.clients, perWorker, plain)));
      appendTimes.push(await timed(() => runWorkers(options.clients, perWorker, append)));
      sequenceSeconds += await timed(async () => {
        await sequenceAll(db, signer);
      });
    }
    return {
      rows: total,
      clients: options.clients,
      plainPerSecond: total / median(plainTimes),
      appendPerSecond: total / median(appendTimes),
      sequencedPerSecond: (total * options.rounds) / sequenceSeconds,
    };
  } finally {
    await database.close();
  }
}

export interface VerifyFigures {
  entries: number;
  verifySeconds: number;
  selectSeconds: number;
  sequenceSeconds: number;
  checkpoints: number;
}

async function fillLog(db: Database, count: number) {
  // Realistic, varied rows, written in bulk (this part is set-up, not measured).
  await db.execute(sql`
    insert into trace_entry (actor_id, actor_name, organisation_id, role, action, outcome, target_type, target_id,
                             request_id, ip, user_agent, digests, details)
    select gen_random_uuid(), 'user' || (i % 700), gen_random_uuid(),
           (array['bidder','tenderer','centre','supervisor','expert'])[1 + i % 5],
           (array['auth.login','bid.submit','notice.publish','trace.read','account.disable'])[1 + i % 5],
           case when i % 17 = 0 then 'denied' else 'ok' end,
           'section', 'S-' || (i % 5000), 'req-' || i, '10.' || (i % 250) || '.' || (i % 199) || '.' || (i % 97),
           'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0', jsonb_build_object('after', md5(i::text) || md5((i + 1)::text)),
           jsonb_build_object('n', i::text)
      from generate_series(1, ${count}) as i`);
}

export async function measureVerify(options: { entries: number }): Promise<VerifyFigures> {
  const database = await createTestDatabase({ max: 4 });
  const db = database.db;
  const dir = await mkdtemp(join(tmpdir(), 'ggzy-bench-'));
  const services = await benchServices(db, dir, { checkpoint: 6, receipt: 8 });
  const { signer } = services;
  const server = createServer(createApiHandler(services, { trustProxy: 'none' }));
  try {
    await seedDemo(db);
    await fillLog(db, options.entries - 1);
    const sequenceSeconds = await timed(async () => {
      await sequenceAll(db, signer);
    });
    const [{ checkpoints } = { checkpoints: '0' }] = await executeRows<{ checkpoints: string }>(db, sql`select count(*)::text as checkpoints from trace_checkpoint`);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    const selectTimes: number[] = [];
    const verifyTimes: number[] = [];
    for (let round = 0; round < 3; round++) {
      selectTimes.push(
        await timed(async () => {
          for (let from = 0; from < options.entries; from += 10_000) {
            await executeRows(db, sql`select * from trace_entry where seq >= ${from} and seq < ${from + 10_000} order by seq`);
          }
        }),
      );
      verifyTimes.push(
        await timed(async () => {
          const result = await verifyRemoteLog({ url, username: 'supervisor', password: 'Ggzy@2026' });
          if (!result.report.ok || result.report.entriesChecked < options.entries) {
            throw new Error(`verification failed: ${JSON.stringify(result.report.problems.slice(0, 3))}`);
          }
        }),
      );
      // The verifier's own reads are traced; sequence them so the next round starts from a clean state.
      await sequenceAll(db, signer);
    }
    return {
      entries: options.entries,
      verifySeconds: median(verifyTimes),
      selectSeconds: median(selectTimes),
      sequenceSeconds,
      checkpoints: Number(checkpoints),
    };
  } finally {
    server.closeAllConnections();
    server.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}
