/**
 * The staging sweep (docs/sealed-bids.md §7): partial uploads of a closed section go, traced with the
 * bytes that had arrived; partial uploads of an open section stay; leftovers of completed uploads and
 * row-less files (after the grace period) go; a second sweep finds nothing and traces nothing.
 */
import { and, eq, traceEntry, type Database } from '@ggzy/db';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, enrolTestCertificate, type TestPlatform } from '../testing';
import { ORPHAN_GRACE_MS, stagedUploadIds, sweepStagedUploads } from './staging-sweep';
import { announcedSection, signInOverHttp, sealBid, setDeadline, startTestServer, trpcCall, TusClient, uploadIdOf, type SealingInfoLike } from './test-support';

describe('sweeping the tus staging folder', () => {
  let p: TestPlatform;
  let db: Database;
  let api: Awaited<ReturnType<typeof startTestServer>>;
  let headers: Record<string, string>;

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    api = await startTestServer(p.services);
    headers = await signInOverHttp(api.base, 'bidder1');
    await enrolTestCertificate(p.services, 'bidder1');
  });
  afterAll(async () => {
    await api?.close();
    await p?.close();
  });

  /** A sealed bid for the section, of which only the first half is sent. */
  async function partialUpload(sectionId: string): Promise<{ uploadId: string; sent: number; length: number }> {
    const info = await trpcCall<SealingInfoLike>(api.base, headers, 'bidding.sealingInfo', { sectionId }, 'query');
    if (!info.ok) throw new Error(info.error.en);
    const sealed = await sealBid(info.data, randomBytes(64 * 1024));
    const tus = new TusClient(api.base, headers);
    const created = await tus.create(sectionId, sealed.bytes.length);
    expect(created.status).toBe(201);
    const sent = Math.floor(sealed.bytes.length / 2);
    expect((await tus.patch(created.url!, 0, sealed.bytes.subarray(0, sent))).status).toBe(204);
    return { uploadId: uploadIdOf(created.url!), sent, length: sealed.bytes.length };
  }

  const discards = (sectionId: string) =>
    db.select().from(traceEntry).where(and(eq(traceEntry.action, 'bid.upload.discard'), eq(traceEntry.targetId, sectionId)));

  it('removes the partial uploads of a closed section and traces each; keeps those of an open one', async () => {
    const dir = p.services.settings.uploadDir;
    const closing = await announcedSection(db);
    const open = await announcedSection(db);
    const late = await partialUpload(closing.id);
    const ongoing = await partialUpload(open.id);
    expect((await stat(join(dir, late.uploadId))).size).toBe(late.sent);

    // Not yet: the section still takes bids, so nothing goes.
    expect(await sweepStagedUploads(p.services)).toEqual([]);
    await setDeadline(db, closing.id, '-1 second');

    const swept = await sweepStagedUploads(p.services);
    expect(swept).toEqual([{ uploadId: late.uploadId, reason: 'deadline-passed', bytes: late.sent }]);
    const left = await readdir(dir);
    expect(left.filter((n) => n.startsWith(late.uploadId))).toEqual([]);
    expect(left).toEqual(expect.arrayContaining([ongoing.uploadId, `${ongoing.uploadId}.json`]));
    expect(await discards(closing.id)).toEqual([
      expect.objectContaining({
        actorName: 'system',
        outcome: 'ok',
        details: { upload: late.uploadId, reason: 'deadline-passed', receivedBytes: String(late.sent), declaredBytes: String(late.length) },
      }),
    ]);

    // Nothing left to do: a second sweep removes and traces nothing.
    expect(await sweepStagedUploads(p.services)).toEqual([]);
    expect(await discards(closing.id)).toHaveLength(1);
    expect(await discards(open.id)).toEqual([]);
  });

  it('removes a completed upload’s staged leftover, and a file without a row only after the grace period', async () => {
    const dir = p.services.settings.uploadDir;
    const section = await announcedSection(db);
    const info = await trpcCall<SealingInfoLike>(api.base, headers, 'bidding.sealingInfo', { sectionId: section.id }, 'query');
    if (!info.ok) throw new Error(info.error.en);
    const sealed = await sealBid(info.data, randomBytes(1024));
    const completed = await new TusClient(api.base, headers).upload(section.id, sealed.bytes);
    // A crash between storing the envelope and removing the staged copy leaves the copy behind.
    await writeFile(join(dir, completed), sealed.bytes);
    const orphan = randomUUID();
    await writeFile(join(dir, orphan), randomBytes(100));
    // Stamp it with this process's clock: under faketime (CI) the kernel's mtime is the real date.
    const now = Date.now();
    await utimes(join(dir, orphan), new Date(now), new Date(now));
    expect(await sweepStagedUploads(p.services, { now })).toEqual([{ uploadId: completed, reason: 'completed', bytes: sealed.bytes.length }]);
    expect(await stagedUploadIds(dir)).toContain(orphan);
    // An hour on, the row-less file goes too.
    const old = new Date(now - ORPHAN_GRACE_MS - 1000);
    await utimes(join(dir, orphan), old, old);
    expect(await sweepStagedUploads(p.services, { now })).toEqual([{ uploadId: orphan, reason: 'orphan', bytes: 100 }]);
    expect(await stagedUploadIds(dir)).not.toContain(orphan);
    // A completed upload is not a discarded bid: no trace for it.
    expect(await discards(section.id)).toEqual([]);
  });
});
