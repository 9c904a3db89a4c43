/**
 * Starts the real platform for browser tests: the API (PGlite in a fresh folder, or a fresh
 * database on the PostgreSQL server named by DATABASE_URL) and the built web server in front of
 * it, as child processes on free ports, plus a headless Chromium. Everything is torn down in
 * afterAll; the children's output is shown only when something failed.
 */
import { openDatabase, sql, type Database } from '@ggzy/db';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEMO_PASSWORD = 'Ggzy@2026';
const SERVER_BUILD = join(REPO_ROOT, 'apps/web/build/server/index.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Child {
  name: string;
  process: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  exitCode: number | null | undefined;
}

export interface Platform {
  /** The one origin the browser sees (the web server). */
  webUrl: string;
  apiUrl: string;
  browser: Browser;
  /** A fresh browser profile (cookies and all), closed with the platform. */
  newPage(): Promise<Page>;
  /**
   * Runs `work` on the platform's database as its owner would, past the API. On PostgreSQL the
   * platform keeps running (the sequencer's head row is held meanwhile, so it waits); embedded PGlite
   * admits one process, so the API is stopped, the work done, and the API started again on the same
   * data (keys untouched) and port.
   */
  asDatabaseOwner<T>(work: (db: Database) => Promise<T>): Promise<T>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function startChild(name: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that whatever it starts goes down with it.
    detached: true,
  });
  const output: string[] = [];
  const record = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 2000) output.splice(0, output.length - 2000);
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  const entry: Child = {
    name,
    process: child,
    output,
    exitCode: undefined,
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        entry.exitCode = code ?? (signal ? -1 : null);
        resolve(entry.exitCode);
      });
    }),
  };
  return entry;
}

async function stopChild(child: Child): Promise<void> {
  if (child.exitCode !== undefined || child.process.pid === undefined) return;
  const pid = child.process.pid;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  signalGroup('SIGTERM');
  const stopped = await Promise.race([child.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
  if (!stopped) {
    signalGroup('SIGKILL');
    await child.exited;
  }
}

async function waitForHealth(url: string, children: Child[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.exitCode !== undefined);
    if (dead) throw new Error(`${dead.name} exited with code ${dead.exitCode} while starting`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      const body = (await response.json().catch(() => null)) as { ok?: boolean } | null;
      if (response.ok && body?.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the platform did not become healthy at ${url} within ${timeoutMs} ms (${last})`);
}

/** A fresh database on the server of `serverUrl`, for one run, and how to drop it afterwards. */
async function createScratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ggzy_e2e_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await sql.end();
      }
    },
  };
}

/**
 * Registers beforeAll/afterAll that start and stop the platform; the returned object is filled
 * in by beforeAll (read its fields inside tests only).
 */
export function usePlatform(): Platform {
  const platform = {} as Platform;
  const children: Child[] = [];
  const contexts: BrowserContext[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  let failed = false;

  const showOutput = () => {
    for (const child of children) {
      process.stderr.write(`\n----- ${child.name} output -----\n${child.output.join('')}\n----- end of ${child.name} -----\n`);
    }
  };

  const teardown = async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => {});
    if (platform.browser) await platform.browser.close().catch(() => {});
    // The web server first, then the API, then its database.
    for (const child of [...children].reverse()) await stopChild(child);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => process.stderr.write(`cleanup failed: ${String(error)}\n`));
  };

  // If the test process dies without afterAll, its detached children must not outlive it.
  const killOnExit = () => {
    for (const child of children) {
      if (child.exitCode === undefined && child.process.pid !== undefined) {
        try {
          process.kill(-child.process.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  };

  beforeAll(async () => {
    process.once('exit', killOnExit);
    if (!existsSync(SERVER_BUILD)) {
      throw new Error(`apps/web/build/server/index.js is missing: run npm run build -w @ggzy/web first (npm run build builds everything)`);
    }
    try {
      const [apiPort, webPort] = [await freePort(), await freePort()];
      const dataDir = await mkdtemp(join(tmpdir(), 'ggzy-e2e-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

      const apiEnv: Record<string, string> = {
        API_HOST: '127.0.0.1',
        API_PORT: String(apiPort),
        DATA_DIR: dataDir,
        SEED_DEMO: 'true',
        LOG_LEVEL: 'warn',
        SEQUENCER_INTERVAL_MS: '200',
        NODE_ENV: 'test',
      };
      if (process.env.DATABASE_URL) {
        const database = await createScratchDatabase(process.env.DATABASE_URL);
        cleanups.push(database.drop);
        apiEnv.DATABASE_URL = database.url;
      } else {
        apiEnv.DATABASE_URL = '';
      }
      platform.apiUrl = `http://127.0.0.1:${apiPort}`;
      platform.webUrl = `http://127.0.0.1:${webPort}`;

      const startApi = () => startChild('api', ['--import', 'tsx', 'apps/api/src/main.ts'], apiEnv);
      children.push(startApi());
      children.push(
        startChild('web', ['apps/web/server.mjs'], {
          API_URL: platform.apiUrl,
          PORT: String(webPort),
          HOST: '127.0.0.1',
          NODE_ENV: 'production',
          // /dev/seal: the browser's sealing worker without a section, for the cross-implementation checks.
          GGZY_DEV_ROUTES: 'true',
        }),
      );
      await waitForHealth(`${platform.webUrl}/api/health`, children, 150_000);

      platform.asDatabaseOwner = async <T>(work: (db: Database) => Promise<T>): Promise<T> => {
        if (apiEnv.DATABASE_URL) {
          const handle = await openDatabase({ url: apiEnv.DATABASE_URL, max: 1 });
          try {
            return await handle.db.transaction(async (tx) => {
              await tx.execute(sql`select 1 from trace_tree_head where id = 1 for update`);
              return work(tx as unknown as Database);
            });
          } finally {
            await handle.close();
          }
        }
        const index = children.findIndex((c) => c.name === 'api');
        await stopChild(children[index]!);
        let result: T;
        const handle = await openDatabase({ dataDir: join(dataDir, 'pglite') });
        try {
          result = await work(handle.db);
        } finally {
          await handle.close();
        }
        children[index] = startApi();
        await waitForHealth(`${platform.webUrl}/api/health`, children, 150_000);
        return result;
      };

      platform.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      platform.newPage = async () => {
        const context = await platform.browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 900 } });
        contexts.push(context);
        return context.newPage();
      };
    } catch (error) {
      failed = true;
      showOutput();
      await teardown();
      throw error;
    }
  });

  // Vitest reads the first parameter's destructuring to find fixtures; the suite is the second.
  afterAll(async ({}, suite) => {
    const anyFailed = (tasks: ReadonlyArray<{ result?: { state?: string }; tasks?: unknown }>): boolean =>
      tasks.some((task) => task.result?.state === 'fail' || (Array.isArray(task.tasks) && anyFailed(task.tasks)));
    if (!failed && (suite.result?.state === 'fail' || anyFailed(suite.tasks))) showOutput();
    await teardown();
    process.off('exit', killOnExit);
  });

  return platform;
}

/** Waits until React has hydrated the page (root.tsx marks <html data-hydrated>). */
export async function hydrated(page: Page): Promise<void> {
  await page.locator('html[data-hydrated="true"]').waitFor({ state: 'attached' });
}

export async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await hydrated(page);
}

/** Signs in through the login form, as a person would. */
export async function signIn(page: Page, webUrl: string, username: string, password = DEMO_PASSWORD): Promise<void> {
  await open(page, `${webUrl}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

/** The page's <h1> reads `text` (client-side navigations render a moment after the URL changes). */
export async function expectHeading(page: Page, text: string): Promise<void> {
  await expect.poll(() => page.locator('h1').first().innerText()).toBe(text);
}
