/**
 * GET /api/bids/:id/envelope (docs/sealed-bids.md §8): a company's own sealed envelope, for the
 * decryption self-test. Served to any account of the company that uploaded it, byte for byte what the
 * store holds, traced; refused alike for another company's upload and an unknown id, and for an
 * upload the platform never stored.
 */
import { account, executeRows, sql, type Database } from '@ggzy/db';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/password';
import { DEMO_PASSWORD } from '../seed/demo';
import { createTestPlatform, enrolTestCertificate, type TestPlatform } from '../testing';
import { announcedSection, sealBid, signInOverHttp, startTestServer, trpcCall, TusClient, uploadIdOf, type SealingInfoLike } from './test-support';

describe('the own envelope download', () => {
  let p: TestPlatform;
  let db: Database;
  let api: Awaited<ReturnType<typeof startTestServer>>;
  let section: { id: string; code: string };
  let owner: Record<string, string>;
  let uploadId: string;
  let envelope: Buffer;

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    api = await startTestServer(p.services);
    section = await announcedSection(db);
    await enrolTestCertificate(p.services, 'bidder1');
    owner = await signInOverHttp(api.base, 'bidder1');
    const info = await trpcCall<SealingInfoLike>(api.base, owner, 'bidding.sealingInfo', { sectionId: section.id }, 'query');
    if (!info.ok) throw new Error(info.error.en);
    envelope = (await sealBid(info.data, randomBytes(100_000), { chunkSize: 16_384 })).bytes;
    uploadId = await new TusClient(api.base, owner).upload(section.id, envelope);
  });
  afterAll(async () => {
    await api?.close();
    await p?.close();
  });

  const download = (headers: Record<string, string>, id = uploadId) => fetch(`${api.base}/api/bids/${id}/envelope`, { headers });

  it('serves a colleague of the same company the stored bytes, and traces who took which upload', async () => {
    const [org] = await executeRows<{ organisation_id: string }>(db, sql`select organisation_id from account where username = 'bidder1'`);
    await db.insert(account).values({ username: 'bidder1-colleague', displayName: '同事', passwordHash: await hashPassword(DEMO_PASSWORD), role: 'bidder', organisationId: org!.organisation_id, regionCode: '990100' });
    const response = await download(await signInOverHttp(api.base, 'bidder1-colleague'));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(envelope)).toBe(true);
    const [row] = await executeRows<{ ciphertext_sha256: string }>(db, sql`select ciphertext_sha256 from bid_upload where id = ${uploadId}`);
    expect(response.headers.get('x-content-sha256')).toBe(row!.ciphertext_sha256);
    const traced = await executeRows<{ actor_name: string; target_id: string; digests: Record<string, string>; details: Record<string, string> }>(
      db,
      sql`select actor_name, target_id, digests, details from trace_entry where action = 'bid.envelope.download' order by id`,
    );
    expect(traced).toEqual([{ actor_name: 'bidder1-colleague', target_id: section.id, digests: { ciphertext: row!.ciphertext_sha256 }, details: { upload: uploadId, bytes: String(envelope.length) } }]);
  });

  it("refuses another company's upload and an unknown id with the same clear answer, traced as a refusal", async () => {
    const other = await signInOverHttp(api.base, 'bidder2');
    const theirs = await download(other);
    const unknown = await download(other, '00000000-0000-4000-8000-000000000000');
    for (const response of [theirs, unknown]) {
      const body = (await response.json()) as { error: { code: string; zh: string; en: string; details: { reason: string } } };
      expect([response.status, body.error.code, body.error.details.reason]).toEqual([404, 'NOT_FOUND', 'not-own-upload']);
      expect(body.error.zh).toBe('没有这份投标文件，或它不属于贵单位：只能下载本单位上传的投标文件');
    }
    const [refusal] = await executeRows<{ outcome: string }>(db, sql`select outcome from trace_entry where actor_name = 'bidder2' and details::text like '%not-own-upload%' order by id limit 1`);
    expect(refusal?.outcome).toBe('denied');
    expect(await executeRows(db, sql`select 1 from trace_entry where action = 'bid.envelope.download' and actor_name = 'bidder2'`)).toEqual([]);
  });

  it('says so for an upload the platform never stored (not complete)', async () => {
    const created = await new TusClient(api.base, owner).create(section.id, 1000);
    const response = await download(owner, uploadIdOf(created.url!));
    const body = (await response.json()) as { error: { code: string; zh: string; details: { reason: string } } };
    expect([response.status, body.error.details.reason]).toEqual([404, 'not-stored']);
    expect(body.error.zh).toContain('尚未完整上传');
  });
});
