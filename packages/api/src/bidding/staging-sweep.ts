/**
 * The tus staging folder (UPLOAD_DIR) holds the bytes of uploads still in progress. An upload that
 * was not complete when its section stopped taking bids can never be submitted: it counts as
 * withdrawn (docs/sealed-bids.md §7), and its staged bytes are only a liability (disk, and a bidder's
 * ciphertext kept for nothing). The sweep removes, from what is actually in the folder:
 *
 *   - uploads of sections that no longer take bids (the deadline passed on the database clock, or the
 *     section was cancelled or closed), never completed: traced `bid.upload.discard`, with the bytes
 *     that had arrived, as the evidence that the bid was never whole;
 *   - leftovers of completed uploads (the bytes are in the object store; a crash between storing and
 *     removing the staged copy leaves one);
 *   - files with no upload row at all, once older than a grace period (tus writes the staged file
 *     before the row commits; a refused creation can leave one behind).
 *
 * Every API process may run it; removing is idempotent, and a discard is traced only by the process
 * that took the staged bytes away (an atomic rename).
 */
import { appendTraces, type TraceActor, type TraceEvent } from '@ggzy/audit';
import { FileStore } from '@tus/file-store';
import { bidUpload, eq, inArray, section, sql, type Database } from '@ggzy/db';
import { randomUUID } from 'node:crypto';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Services } from '../context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Staged files without a row are kept this long (tus creates the file before the row commits). */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;

export type SweepReason = 'deadline-passed' | 'not-taking-bids' | 'completed' | 'orphan';

export interface SweptUpload {
  uploadId: string;
  reason: SweepReason;
  /** Bytes that had arrived (the staged file's size when removed). */
  bytes: number;
}

async function sizeOf(path: string): Promise<{ bytes: number; modified: number } | null> {
  try {
    const s = await stat(path);
    return { bytes: s.size, modified: s.mtimeMs };
  } catch {
    return null;
  }
}

/**
 * Removes the staged file and its tus metadata. The file is first renamed aside, which only one
 * process can do: true for the caller that took the bytes away (and so traces it), false otherwise.
 */
async function removeStaged(datastore: FileStore, dir: string, id: string): Promise<boolean> {
  const aside = join(dir, `${id}.sweep-${process.pid}-${randomUUID()}`);
  let took = true;
  try {
    await rename(join(dir, id), aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    took = false;
  }
  await datastore.remove(id).catch(() => undefined);
  await rm(join(dir, `${id}.json`), { force: true });
  await rm(aside, { force: true });
  return took;
}

export async function sweepStagedUploads(
  services: Pick<Services, 'db' | 'settings'>,
  options: { orphanGraceMs?: number; now?: number } = {},
): Promise<SweptUpload[]> {
  const dir = services.settings.uploadDir;
  const ids = await stagedUploadIds(dir);
  if (ids.length === 0) return [];

  const db: Database = services.db;
  const rows = await db
    .select({
      id: bidUpload.id,
      sectionId: bidUpload.sectionId,
      organisationId: bidUpload.organisationId,
      length: bidUpload.length,
      completedAt: bidUpload.completedAt,
      state: section.state,
      closed: sql<boolean>`${section.deadline} <= clock_timestamp()`,
    })
    .from(bidUpload)
    .innerJoin(section, eq(section.id, bidUpload.sectionId))
    .where(inArray(bidUpload.id, ids));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const datastore = new FileStore({ directory: dir });
  const now = options.now ?? Date.now();
  const grace = options.orphanGraceMs ?? ORPHAN_GRACE_MS;

  const swept: SweptUpload[] = [];
  const discarded: Array<{ actor: TraceActor; event: TraceEvent }> = [];
  for (const id of ids) {
    const row = byId.get(id);
    const file = await sizeOf(join(dir, id));
    let reason: SweepReason | null = null;
    if (!row) {
      const meta = await sizeOf(join(dir, `${id}.json`));
      const modified = Math.max(file?.modified ?? 0, meta?.modified ?? 0);
      if (now - modified >= grace) reason = 'orphan';
    } else if (row.completedAt) {
      reason = 'completed';
    } else if (row.closed) {
      reason = 'deadline-passed';
    } else if (row.state !== 'announced') {
      reason = 'not-taking-bids';
    }
    if (!reason) continue;
    const hadBytes = await removeStaged(datastore, dir, id);
    swept.push({ uploadId: id, reason, bytes: file?.bytes ?? 0 });
    if (row && !row.completedAt && hadBytes) {
      discarded.push({
        actor: { actorName: 'system', organisationId: row.organisationId },
        event: {
          action: 'bid.upload.discard',
          targetType: 'section',
          targetId: row.sectionId,
          details: { upload: id, reason, receivedBytes: String(file?.bytes ?? 0), declaredBytes: String(row.length) },
        },
      });
    }
  }
  if (discarded.length) await appendTraces(db, discarded);
  return swept;
}

/** The uploads the staging folder holds now (a staged file, its tus metadata, or both). */
export async function stagedUploadIds(uploadDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(uploadDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return [...new Set(names.map((n) => n.replace(/\.json$/, '')).filter((n) => UUID.test(n)))];
}
