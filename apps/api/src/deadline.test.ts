/**
 * Timed transitions across real processes: two API processes on one PostgreSQL database take each
 * deadline exactly once, and a process killed at the moment of a deadline leaves the state right
 * when it (or another) starts again. PGlite serves one process only, so this runs on PostgreSQL
 * (CI's second run); on PGlite it is reported as skipped.
 */
import { seedDemo } from '@ggzy/api';
import { executeRows, organisation, eq, sql, type Database } from '@ggzy/db';
import { createTestDatabase, type TestDatabase } from '@ggzy/db/testing';
import { SCORING_TEMPLATES } from '@ggzy/domain';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const onPostgres = Boolean(process.env.DATABASE_URL);

async function announcedSections(db: Database, count: number, secondsAhead: number): Promise<string[]> {
  const [tenderer] = await db.select().from(organisation).where(eq(organisation.kind, 'tenderer'));
  const [centre] = await db.select().from(organisation).where(eq(organisation.kind, 'centre'));
  const [account] = await executeRows<{ id: string }>(db, sql`select id from account where username = 'tenderer'`);
  const tag = randomBytes(3).toString('hex');
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    // Set-up straight in the database: a published section whose deadline is moments away.
    const [p] = await executeRows<{ id: string }>(
      db,
      sql`insert into project (code, name, type, method, region_code, centre_id, tenderer_id, created_by)
          values (${`T-${tag}-${i}`}, '截止测试项目', 'construction', 'open', '990100', ${centre!.id}, ${tenderer!.id}, ${account!.id}) returning id`,
    );
    const [s] = await executeRows<{ id: string }>(
      db,
      sql`insert into section (project_id, code, type, method, region_code, name, state, estimated_price, bond, bid_validity_days, scoring_method,
                               documents_from, documents_until, deadline, published_at)
          values (${p!.id}, ${`T-${tag}-${i}-01`}, 'construction', 'open', '990100', '标段', 'announced', 100000000, 0, 90, ${JSON.stringify(SCORING_TEMPLATES.comprehensive)}::jsonb,
                  now() - interval '21 days', now() - interval '1 day', now() + make_interval(secs => ${secondsAhead}), now() - interval '21 days')
          returning id`,
    );
    ids.push(s!.id);
  }
  return ids;
}

async function until(check: () => Promise<boolean>, seconds: number) {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not reached within ${seconds} s`);
}

describe.skipIf(!onPostgres)('deadlines across API processes (PostgreSQL)', () => {
  let database: TestDatabase;
  let dataDir: string;
  const children: ChildProcess[] = [];
  const key = randomBytes(32).toString('base64');

  const startApi = (name: string) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: database.url!,
        DATA_DIR: join(dataDir, name),
        API_PORT: '0',
        SEED_DEMO: 'false',
        CHECKPOINT_KEY: key,
        SCHEDULER_INTERVAL_MS: '50',
        SEQUENCER_INTERVAL_MS: '200',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    children.push(child);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes('API listening')) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
      child.once('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`${name} exited (${code}): ${output}`));
      });
    });
    return { child, ready, output: () => output };
  };

  const transitionsOf = async (ids: string[]) =>
    executeRows<{ target_id: string; n: number }>(
      database.db,
      sql`select target_id, count(*)::int as n from trace_entry where action = 'section.deadline'
           and target_id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)}) group by target_id`,
    );

  beforeAll(async () => {
    database = await createTestDatabase({ max: 2 });
    dataDir = await mkdtemp(join(tmpdir(), 'ggzy-deadline-'));
    await seedDemo(database.db);
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('two processes take each of 20 deadlines exactly once', async () => {
    const a = startApi('a');
    const b = startApi('b');
    await Promise.all([a.ready, b.ready]);
    const ids = await announcedSections(database.db, 20, 2);
    await until(async () => {
      const [row] = await executeRows<{ n: number }>(database.db, sql`select count(*)::int as n from section where state = 'announced' and id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`);
      return row!.n === 0;
    }, 20);
    const counts = await transitionsOf(ids);
    expect(counts).toHaveLength(20);
    expect(counts.every((c) => c.n === 1)).toBe(true);
    const [failed] = await executeRows<{ n: number }>(database.db, sql`select count(*)::int as n from section where state = 'failed' and id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`);
    expect(failed!.n).toBe(20);
    // Both processes were running the scheduler; between them they logged exactly 20 transitions.
    const logged = (a.output() + b.output()).split('section deadline passed').length - 1;
    expect(logged).toBe(20);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
  });

  it('a process killed at the moment of a deadline leaves the state right after a restart', async () => {
    const first = startApi('killed');
    await first.ready;
    const ids = await announcedSections(database.db, 5, 1.5);
    // Kill it hard just as the deadlines fall due: whatever it had committed stays, nothing half.
    await new Promise((r) => setTimeout(r, 1500 + Math.floor(Math.random() * 100)));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const second = startApi('restarted');
    await second.ready;
    await until(async () => (await transitionsOf(ids)).length === 5, 20);
    const counts = await transitionsOf(ids);
    expect(counts.every((c) => c.n === 1)).toBe(true);
    const [announced] = await executeRows<{ n: number }>(database.db, sql`select count(*)::int as n from section where state = 'announced' and id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`);
    expect(announced!.n).toBe(0);
    second.child.kill('SIGTERM');
  });
});
