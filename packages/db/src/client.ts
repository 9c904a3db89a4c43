import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import * as schema from './schema';

export type Schema = typeof schema;
/** A database or a transaction on it: query functions take this first, so a transaction passes down. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Applies the drizzle-kit migrations in packages/db/migrations (the same on both backends). */
  migrate(): Promise<void>;
  /** PGlite only: the data folder as a tar archive (PGlite's dumpDataDir), to start copies from. */
  dump?(): Promise<Blob>;
  /**
   * LISTENs on a channel (one dedicated connection on PostgreSQL, which the driver re-establishes and
   * re-LISTENs after a drop, calling `onListen` each time, so a caller can read what it may have
   * missed); resolves once listening, to a function that stops listening.
   */
  listen(channel: string, onPayload: (payload: string) => void, onListen?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url));

export interface OpenDatabaseOptions {
  /** postgres:// URL: PostgreSQL through the `postgres` driver. Absent: embedded PGlite. */
  url?: string | undefined;
  /** PGlite data folder; absent or 'memory://' keeps the database in memory. */
  dataDir?: string | undefined;
  /** Pool size for PostgreSQL. */
  max?: number;
  /** PGlite only: start from this dump of a data folder (PGlite's dumpDataDir) instead of an empty one. */
  loadDataDir?: Blob | undefined;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const client = postgres(options.url, {
      max: options.max ?? 10,
      onnotice: () => {},
      connection: { application_name: 'ggzy' },
    });
    const db = drizzlePostgres(client, { schema }) as unknown as Database;
    return {
      db,
      kind: 'postgres',
      migrate: () => migratePostgres(db as never, { migrationsFolder: MIGRATIONS_FOLDER }),
      listen: async (channel, onPayload, onListen) => {
        const { unlisten } = await client.listen(channel, onPayload, onListen);
        return unlisten;
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dataDir = options.dataDir ?? 'memory://';
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir, { extensions: { pg_trgm }, ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) });
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    migrate: () => migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER }),
    listen: (channel, onPayload) => client.listen(channel, onPayload),
    dump: () => client.dumpDataDir('none'),
    close: () => client.close(),
  };
}

/** Why a PostgreSQL server could not be used, as far as the boot check needs to tell. */
export type DatabaseProbeFailure = 'unreachable' | 'login-refused' | 'database-missing' | 'other';

export interface DatabaseProbeResult {
  ok: boolean;
  failure?: DatabaseProbeFailure;
  error?: unknown;
}

/**
 * Connects once with a short timeout and runs `select 1`, so a wrong DATABASE_URL is found at boot
 * rather than by the first request. Never throws: the failure is classified and the error returned.
 */
export async function probeDatabase(url: string, options: { timeoutSeconds?: number } = {}): Promise<DatabaseProbeResult> {
  const timeoutSeconds = options.timeoutSeconds ?? 5;
  const client = postgres(url, {
    max: 1,
    connect_timeout: timeoutSeconds,
    idle_timeout: 1,
    onnotice: () => {},
    connection: { application_name: 'ggzy-boot-check' },
  });
  let timer: NodeJS.Timeout | undefined;
  // The driver's connect_timeout covers the TCP connect; this covers a server that accepts and never answers.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutSeconds} s`), { code: 'ETIMEDOUT' })), timeoutSeconds * 1000);
  });
  try {
    await Promise.race([client`select 1`, timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, failure: classifyDatabaseError(error), error };
  } finally {
    clearTimeout(timer);
    // Not awaited past a second: a connection stuck in connect must not hold the boot up.
    await Promise.race([client.end({ timeout: 0 }).catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
}

function classifyDatabaseError(error: unknown): DatabaseProbeFailure {
  const code = (error as { code?: unknown } | null)?.code;
  // SQLSTATE class 28 (invalid_authorization_specification, invalid_password): the server refused the login.
  if (code === '28000' || code === '28P01') return 'login-refused';
  if (code === '3D000') return 'database-missing';
  // Node's socket errors and the driver's own connect timeout.
  if (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED'].includes(code)
  ) {
    return 'unreachable';
  }
  return 'other';
}
