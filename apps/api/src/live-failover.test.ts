/**
 * Live events across real API processes (issue 12's acceptance): watchers of a hall follow
 * `hall.watch` over SSE on process A; events commit meanwhile (as the hall commits them: publishLive
 * in a transaction of its own, here from a third connection); A is killed with SIGKILL mid-stream;
 * every watcher reconnects to process B with the last event id it saw and ends with every event
 * exactly once, in order (checked by event id). PGlite serves one process only, so this runs on
 * PostgreSQL (CI's second run); on PGlite it is reported as skipped.
 */
import { publishLive, seedDemo } from '@ggzy/api';
import { executeRows, sql } from '@ggzy/db';
import { createTestDatabase, type TestDatabase } from '@ggzy/db/testing';
import { SCORING_TEMPLATES } from '@ggzy/domain';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseWatcher } from './test-sse';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const onPostgres = Boolean(process.env.DATABASE_URL);

interface Api {
  child: ChildProcess;
  url: Promise<string>;
}

describe.skipIf(!onPostgres)('live events across API processes (PostgreSQL)', () => {
  let database: TestDatabase;
  let dataDir: string;
  const children: ChildProcess[] = [];
  const key = randomBytes(32).toString('base64');

  const startApi = (name: string): Api => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, DATABASE_URL: database.url!, DATA_DIR: join(dataDir, name), API_PORT: '0', SEED_DEMO: 'false', CHECKPOINT_KEY: key, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    const url = new Promise<string>((resolve, reject) => {
      const look = (d: Buffer) => {
        output += d.toString();
        const line = output.split('\n').find((l) => l.includes('API listening'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      };
      child.stdout!.on('data', look);
      child.stderr!.on('data', look);
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${output}`)));
    });
    return { child, url };
  };

  beforeAll(async () => {
    database = await createTestDatabase({ max: 4 });
    dataDir = await mkdtemp(join(tmpdir(), 'ggzy-live-'));
    await seedDemo(database.db);
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('watchers of a killed process reconnect to the other and miss nothing and get nothing twice', async () => {
    const db = database.db;
    const tag = randomBytes(3).toString('hex');
    // A section at its opening, with its hall (set-up straight in the database).
    const [section] = await executeRows<{ id: string }>(
      db,
      sql`with p as (insert into project (code, name, type, method, region_code, centre_id, tenderer_id, created_by)
                     values (${`LIVE-${tag}`}, '实时事件测试项目', 'construction', 'open', '990100',
                             (select id from organisation where kind = 'centre' and region_code = '990100'),
                             (select id from organisation where kind = 'tenderer' limit 1),
                             (select id from account where username = 'tenderer')) returning id)
          insert into section (project_id, code, type, method, region_code, name, state, estimated_price, bond, bid_validity_days, scoring_method,
                               documents_from, documents_until, deadline, published_at)
          select p.id, ${`LIVE-${tag}-01`}, 'construction', 'open', '990100', '标段', 'opening', 100000000, 0, 90, ${JSON.stringify(SCORING_TEMPLATES.comprehensive)}::jsonb,
                 now() - interval '21 days', now() - interval '2 days', now() - interval '1 minute', now() - interval '21 days' from p
          returning id`,
    );
    const sectionId = section!.id;
    await executeRows(db, sql`insert into opening_hall (section_id) values (${sectionId})`);
    const topic = `hall:${sectionId}`;
    const publish = (n: number) => db.transaction((tx) => publishLive(tx, { topic, kind: 'hall.message', payload: { id: `m${n}`, text: `消息 ${n}`, at: new Date().toISOString() } }));

    const a = startApi('a');
    const b = startApi('b');
    const [urlA, urlB] = await Promise.all([a.url, b.url]);
    const TOTAL = 150;
    let target = urlA;
    const watchers = Array.from({ length: 20 }, () => sseWatcher(sectionId, () => target, (ids) => ids.length >= TOTAL));

    for (let n = 1; n <= TOTAL; n++) {
      await publish(n);
      if (n === 50) {
        // Process A dies mid-stream; its watchers' next connection goes to B.
        target = urlB;
        a.child.kill('SIGKILL');
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.race([
      Promise.all(watchers.map((w) => w.done)),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`watchers stuck at ${watchers.map((w) => w.ids.length).join(',')}`)), 30_000)),
    ]);
    const expected = Array.from({ length: TOTAL }, (_, i) => i + 1);
    for (const w of watchers) expect(w.ids).toEqual(expected);
    // Every watcher did lose its connection and came back (to B).
    expect(watchers.every((w) => w.reconnects() >= 1)).toBe(true);
    b.child.kill('SIGTERM');
  }, 90_000);
});
