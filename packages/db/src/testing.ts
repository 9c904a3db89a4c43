/**
 * Real databases for tests, never mocks. Without DATABASE_URL: a fresh in-memory PGlite per call,
 * started from a migrated data folder that is made once per set of migrations (PGlite's
 * dumpDataDir, kept as a tar file in the system's temporary folder; initdb and the migrations
 * cost seconds per database, loading the copy a fraction of that). With DATABASE_URL (postgres://…): a fresh PostgreSQL database per call, cloned with
 * CREATE DATABASE … TEMPLATE from a template migrated once per set of migrations (the
 * trigger.dev pattern), and dropped again on close.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import postgres from 'postgres';
import { MIGRATIONS_FOLDER, openDatabase, type DatabaseHandle } from './client';

export interface TestDatabase extends DatabaseHandle {
  /** The PostgreSQL URL of this test's own database, when on PostgreSQL. */
  url?: string;
}

function migrationsDigest(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql')).sort()) {
    hash.update(file).update(readFileSync(join(MIGRATIONS_FOLDER, file)));
  }
  return hash.digest('hex').slice(0, 12);
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

let templateReady: Promise<string> | undefined;

let pgliteTemplate: Promise<Blob> | undefined;

/** The migrated PGlite data folder as a tar archive: read from the temporary folder, or made and put there. */
async function pgliteTemplateDump(): Promise<Blob> {
  // The package does not export its package.json: read it beside its entry (dist/…).
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const { version } = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  const file = join(tmpdir(), `ggzy-pglite-template-${version}-${migrationsDigest()}.tar`);
  try {
    return new Blob([await readFile(file)]);
  } catch {
    // Not made yet (or removed): make it.
  }
  const handle = await openDatabase({ dataDir: 'memory://' });
  try {
    await handle.migrate();
    const dump = await handle.dump!();
    // Written under a name of its own, then renamed: parallel test workers never read half a file.
    const partial = `${file}.${process.pid}.${randomBytes(3).toString('hex')}`;
    await writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
    await rename(partial, file);
    return dump;
  } finally {
    await handle.close();
  }
}

async function ensureTemplate(adminUrl: string): Promise<string> {
  const name = `ggzy_tpl_${migrationsDigest()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    // Several test workers may start at once: one builds the template, the others wait for it.
    await admin`select pg_advisory_lock(hashtext('ggzy_test_template'))`;
    const [found] = await admin`select 1 as ok from pg_database where datname = ${name}`;
    if (!found) {
      const building = `${name}_building_${randomBytes(3).toString('hex')}`;
      await admin.unsafe(`create database "${building}"`);
      const handle = await openDatabase({ url: withDatabase(adminUrl, building), max: 1 });
      await handle.migrate();
      await handle.close();
      await admin.unsafe(`alter database "${building}" rename to "${name}"`);
    }
    await admin`select pg_advisory_unlock(hashtext('ggzy_test_template'))`;
  } finally {
    await admin.end({ timeout: 5 });
  }
  return name;
}

export async function createTestDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    pgliteTemplate ??= pgliteTemplateDump();
    pgliteTemplate.catch(() => (pgliteTemplate = undefined));
    const handle = await openDatabase({ dataDir: 'memory://', loadDataDir: await pgliteTemplate });
    // Nothing to apply when the copy is current; kept so that a copy behind the migrations is caught up.
    await handle.migrate();
    return handle;
  }
  templateReady ??= ensureTemplate(adminUrl);
  const template = await templateReady;
  const base = new URL(adminUrl).pathname.replace(/^\//, '') || 'postgres';
  const name = `${base}_t_${randomBytes(5).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}" template "${template}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = withDatabase(adminUrl, name);
  const handle = await openDatabase({ url, max: options.max ?? 5 });
  return {
    ...handle,
    url,
    migrate: handle.migrate,
    close: async () => {
      await handle.close();
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await cleanup.end({ timeout: 5 });
      }
    },
  };
}
