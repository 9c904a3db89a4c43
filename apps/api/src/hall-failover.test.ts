/**
 * The opening hall across two real API processes on one PostgreSQL and one object store (issue 12's
 * acceptance): everything done through the real procedures and the real `ggzy` binary. During the
 * decryption window bidders sign in, the host posts messages and one bid is decrypted through
 * process A while watchers follow the hall on A; A is killed with SIGKILL; the watchers reconnect
 * to B with the last event id they saw; the rest of the opening goes on through B. Nothing
 * committed through A is lost (sign-ins, messages, the decrypted bid and its record row), and every
 * watcher ends with every event of the hall exactly once, in order (checked by event id).
 * PGlite serves one process only: on PGlite this is reported as skipped.
 */
import { executeRows, sql } from '@ggzy/db';
import { createTestDatabase, type TestDatabase } from '@ggzy/db/testing';
import { cautiousCalendar, creditCodeCheckCharacter, legalSchedule, SCORING_TEMPLATES } from '@ggzy/domain';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseWatcher } from './test-sse';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const BIN = process.env.GGZY_TEST_CLI ?? join(dirname(createRequire(import.meta.url).resolve('@ggzy/cli/package.json')), 'bin', 'ggzy.mjs');
const onPostgres = Boolean(process.env.DATABASE_URL);
const PASSWORD = 'Ggzy@2026';
const P12_PASSWORD = 'Failover-2026';
const code = (code17: string) => code17 + creditCodeCheckCharacter(code17);
const BIDDERS = [
  { user: 'bidder1', creditCode: code('91990100MA0000061'), priceFen: 101_000_000 },
  { user: 'bidder2', creditCode: code('91990121MA0000071'), priceFen: 102_000_000 },
  { user: 'bidder3', creditCode: code('91990122MA0000081'), priceFen: 103_000_000 },
];

function ggzy(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, GGZY_PASSWORD: PASSWORD, GGZY_P12_PASSWORD: P12_PASSWORD }, maxBuffer: 2 ** 24 }, (error, stdout, stderr) =>
      error ? reject(new Error(`ggzy ${args.slice(0, 2).join(' ')} failed: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );
}

/** tRPC over HTTP as a signed-in account (the web app's wire format). */
async function session(base: string, username: string) {
  const login = await fetch(`${base}/api/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: 'ggzy_csrf=c', 'x-csrf-token': 'c' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith('ggzy_session='))?.split(';')[0];
  if (!cookie) throw new Error(`sign-in of ${username} failed: ${login.status}`);
  const headers = { cookie: `${cookie}; ggzy_csrf=c`, 'x-csrf-token': 'c' };
  const call = async <T>(path: string, input: unknown, type: 'query' | 'mutation'): Promise<T> => {
    const response =
      type === 'query'
        ? await fetch(`${base}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
        : await fetch(`${base}/api/trpc/${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(input) });
    const body = (await response.json()) as { result?: { data: T }; error?: unknown };
    if (!body.result) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
    return body.result.data;
  };
  return { headers, query: <T>(path: string, input?: unknown) => call<T>(path, input, 'query'), mutate: <T>(path: string, input: unknown) => call<T>(path, input, 'mutation') };
}

interface Hall {
  hall: { state: string };
  bidders: Array<{ organisationId: string; signedInAt: string | null; state: string }>;
  record: Array<{ organisationId: string; priceFen: number | string | null; outcome: string }>;
  messages: Array<{ text: string }>;
}

describe.skipIf(!onPostgres)('the opening hall across API processes (PostgreSQL)', () => {
  let database: TestDatabase;
  let dataDir: string;
  let work: string;
  const children: ChildProcess[] = [];
  const key = randomBytes(32).toString('base64');

  /** An API process; both share the database and the data folder (keys, uploads and the object store). */
  const startApi = (name: string, seed: boolean) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, DATABASE_URL: database.url!, DATA_DIR: dataDir, API_PORT: '0', SEED_DEMO: String(seed), CHECKPOINT_KEY: key, LOG_LEVEL: 'info', SEQUENCER_INTERVAL_MS: '200' },
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
      child.once('exit', (exit) => reject(new Error(`${name} exited (${exit}): ${output}`)));
    });
    url.catch(() => {});
    return { child, url };
  };

  beforeAll(async () => {
    database = await createTestDatabase({ max: 2 });
    dataDir = await mkdtemp(join(tmpdir(), 'ggzy-hall-failover-'));
    work = await mkdtemp(join(tmpdir(), 'ggzy-hall-failover-work-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('killing a process during the decryption window loses no sign-in, message or decrypted bid; its watchers catch up on the other', async () => {
    const a = startApi('a', true);
    const urlA = await a.url;
    // B boots on the same folder once A has made the keys.
    const b = startApi('b', false);
    const urlB = await b.url;
    const at = (name: string) => join(work, name);

    // A section under the rules' dates, published by the tenderer; three bids sealed with ggzy.
    const tenderer = await session(urlA, 'tenderer');
    const documentsFrom = new Date(Date.now() - 5_000);
    const legal = legalSchedule({ type: 'construction', method: 'open', documentsFrom, calendar: cautiousCalendar() });
    const { sectionId } = await tenderer.mutate<{ sectionId: string }>('tender.create', {
      project: { name: '多实例开标测试项目', type: 'construction', method: 'open' },
      section: {
        name: '施工总承包', estimatedPrice: 1_000_000_000, bond: 20_000_000, bidValidityDays: 90, scoringMethod: SCORING_TEMPLATES.comprehensive,
        openingMode: 'bidderKey', custodianIds: [], documentsFrom: documentsFrom.toISOString(), documentsUntil: legal.documentsUntil.toISOString(), deadline: legal.deadline.toISOString(),
      },
    });
    const uploaded = await fetch(`${urlA}/api/sections/${sectionId}/documents`, { method: 'PUT', headers: { ...tenderer.headers, 'content-type': 'application/pdf', 'x-filename': encodeURIComponent('招标文件.pdf') }, body: '%PDF-1.7 招标文件' });
    expect(uploaded.status).toBe(201);
    await tenderer.mutate('tender.publish', { sectionId, noticeTitle: '招标公告', noticeHtml: '<p>欢迎投标</p>' });
    for (const [i, bidder] of BIDDERS.entries()) {
      const online = ['--api', i % 2 ? urlB : urlA, '--user', bidder.user];
      await ggzy(['enrol', ...online, '--p12', at(`${bidder.user}.p12`), '--credit-code', bidder.creditCode]);
      await writeFile(at(`${bidder.user}.json`), JSON.stringify({ version: 1, priceFen: bidder.priceFen, durationDays: 200, quality: '合格', bondReference: `BH-FO-${i + 1}` }));
      await writeFile(at(`${bidder.user}.pdf`), randomBytes(300_000 + i));
      await ggzy(['seal', '--section', sectionId, ...online, '--p12', at(`${bidder.user}.p12`), '--out', at(`${bidder.user}.ggzy`), '--schedule', at(`${bidder.user}.json`), '--technical', at(`${bidder.user}.pdf`)]);
      await ggzy(['upload', at(`${bidder.user}.ggzy`), '--section', sectionId, ...online]);
      await ggzy(['submit', ...online, '--section', sectionId, '--upload', at(`${bidder.user}.ggzy.upload.json`), '--p12', at(`${bidder.user}.p12`), '--out', at(`${bidder.user}.receipt.json`)]);
    }

    // The deadline passes; either process's timed sweep opens the hall.
    await executeRows(database.db, sql`update section set deadline = now() - interval '1 second' where id = ${sectionId}`);
    await expect.poll(async () => (await fetch(`${urlB}/api/trpc/hall.get?input=${encodeURIComponent(JSON.stringify({ sectionId }))}`)).status, { timeout: 30_000, interval: 250 }).toBe(200);

    // Ten watchers on A, from the first event.
    let target = urlA;
    const watchers = Array.from({ length: 10 }, () => sseWatcher(sectionId, () => target, () => false));

    // Through A: the window starts, the host speaks, bidder 1 signs in and decrypts, bidder 2 signs in.
    const hostA = await session(urlA, 'centre');
    await hostA.mutate('hall.startDecryption', { sectionId, minutes: 30 });
    await hostA.mutate('hall.message', { sectionId, text: '解密开始，请各投标人签到并解密' });
    const hallOf = (base: string) => fetch(`${base}/api/trpc/hall.get?input=${encodeURIComponent(JSON.stringify({ sectionId }))}`).then(async (r) => ((await r.json()) as { result: { data: Hall } }).result.data);
    const p12 = (user: string) => ['--p12', at(`${user}.p12`)];
    await ggzy(['decrypt', '--section', sectionId, '--sign-in', '--api', urlA, '--user', 'bidder1', ...p12('bidder1')]);
    await ggzy(['hall', 'sign-in', '--section', sectionId, '--api', urlA, '--user', 'bidder2', ...p12('bidder2')]);
    await expect.poll(() => Math.min(...watchers.map((w) => w.ids.length)), { timeout: 20_000 }).toBeGreaterThanOrEqual(5);

    // A dies; watchers' next connection goes to B.
    target = urlB;
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));

    // Nothing A committed is lost: B shows it.
    const afterKill = await hallOf(urlB);
    expect(afterKill.messages.map((m) => m.text)).toContain('解密开始，请各投标人签到并解密');
    expect(afterKill.bidders.filter((x) => x.signedInAt).length).toBe(2);
    expect(afterKill.record).toHaveLength(1);
    expect(Number(afterKill.record[0]!.priceFen)).toBe(BIDDERS[0]!.priceFen);

    // The opening goes on through B.
    const hostB = await session(urlB, 'centre');
    await hostB.mutate('hall.message', { sectionId, text: '一台服务器故障，已切换，开标继续' });
    await ggzy(['decrypt', '--section', sectionId, '--api', urlB, '--user', 'bidder2', ...p12('bidder2')]);
    await ggzy(['decrypt', '--section', sectionId, '--sign-in', '--api', urlB, '--user', 'bidder3', ...p12('bidder3')]);
    const done = await hallOf(urlB);
    expect(done.hall.state).toBe('reading');
    expect(done.record.map((r) => Number(r.priceFen)).sort()).toEqual(BIDDERS.map((x) => x.priceFen).sort());
    expect(done.bidders.every((x) => x.signedInAt && x.state === 'decrypted')).toBe(true);
    expect(done.messages).toHaveLength(2);

    // Every watcher (the public: no session) has every public event of the hall, once, in order.
    const expected = (await executeRows<{ seq: number }>(database.db, sql`select seq::int as seq from live_event where topic = ${`hall:${sectionId}`} and cardinality(audience) = 0 order by seq`)).map((r) => Number(r.seq));
    expect(expected.length).toBeGreaterThan(10);
    await expect.poll(() => watchers.map((w) => w.ids.at(-1)), { timeout: 30_000 }).toEqual(watchers.map(() => expected.at(-1)));
    for (const w of watchers) w.stop();
    await Promise.all(watchers.map((w) => w.done));
    for (const w of watchers) expect(w.ids).toEqual(expected);
    expect(watchers.every((w) => w.reconnects() >= 1)).toBe(true);
    b.child.kill('SIGTERM');
  }, 240_000);
});
