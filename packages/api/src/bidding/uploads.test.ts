/**
 * Completing an upload (docs/sealed-bids.md §4) at the edges the HTTP tests cannot reach: a
 * completion that stopped after the object was stored is finished from the stored object, once.
 */
import { bidUpload, eq, traceEntry } from '@ggzy/db';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, enrolTestCertificate, signedIn, type TestPlatform } from '../testing';
import { announcedSection, sealBid } from './test-support';
import { bidObjectKey, completeUpload, createUploadRecord, DEFAULT_MAX_ENVELOPE_BYTES } from './uploads';

describe('completing an upload', () => {
  let p: TestPlatform;

  beforeAll(async () => {
    p = await createTestPlatform();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('finishes from the stored object when a completion stopped after storing it, and only once', async () => {
    const { db, store } = p.services;
    await enrolTestCertificate(p.services, 'bidder1');
    const client = await signedIn(p.services, 'bidder1');
    const account = { ...(await client.caller.auth.me())!, sessionId: '' };
    const section = await announcedSection(db);
    const info = await client.caller.bidding.sealingInfo({ sectionId: section.id });
    const sealed = await sealBid(info, Buffer.from('已存储但未登记的投标文件'));
    const request = { requestId: 'test', ip: null, userAgent: null, cookies: {}, csrfHeader: null };
    const upload = await createUploadRecord(db, { request, account, uploadId: randomUUID(), sectionId: section.id, length: sealed.bytes.length, maxBytes: DEFAULT_MAX_ENVELOPE_BYTES });
    await mkdir(p.services.settings.uploadDir, { recursive: true });
    const stagedPath = join(p.services.settings.uploadDir, upload.id);
    await writeFile(stagedPath, sealed.bytes);
    // The earlier completion got as far as the store.
    await store.put(bidObjectKey(section.id, upload.id), sealed.bytes);

    const done = await completeUpload({ db, store, request, account, upload, stagedPath });
    expect(done).toMatchObject({ ciphertextSha256: sealed.summary.ciphertextSha256, suite: 'rsa-oaep-sha256/aes-256-gcm-stream', inspectionError: null });
    const again = await completeUpload({ db, store, request, account, upload, stagedPath });
    expect(again.completedAt).toEqual(done.completedAt);
    const [row] = await db.select().from(bidUpload).where(eq(bidUpload.id, upload.id));
    expect(row!.completedAt).toEqual(done.completedAt);
    expect(await db.select().from(traceEntry).where(eq(traceEntry.action, 'bid.upload.complete'))).toHaveLength(1);
  });
});
