import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, signedIn, type TestPlatform } from '../testing';
import { Readable } from 'node:stream';
import { uploadDocument } from './documents';
import { sectionDraft } from './fixtures';
import { createPortalCache } from './portal-cache';

describe('the portal list cache', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform();
  });
  afterAll(async () => {
    await p.close();
  });

  it('forgets its pages when told (an objection filed or answered shows at once)', async () => {
    const cache = createPortalCache(60);
    const query = { page: 1, pageSize: 20 };
    await cache.search(p.services.db, query);
    await cache.search(p.services.db, query);
    expect(cache.stats).toMatchObject({ misses: 1, hits: 1 });
    cache.forget();
    await cache.search(p.services.db, query);
    expect(cache.stats).toMatchObject({ misses: 2, hits: 1 });
  });

  it('answers from memory within its lifetime and shows a new section after it', async () => {
    const cache = createPortalCache(1);
    const query = { page: 1, pageSize: 20 };
    expect((await cache.search(p.services.db, query)).items).toEqual([]);

    const tenderer = await signedIn(p.services, 'tenderer');
    const me = (await tenderer.caller.auth.me())!;
    const { sectionId } = await tenderer.caller.tender.create(sectionDraft(new Date()));
    await uploadDocument({
      db: p.services.db,
      store: p.services.store,
      request: { requestId: 'r', ip: null, userAgent: null, cookies: {}, csrfHeader: null },
      account: { ...me, sessionId: '' },
      sectionId,
      filename: 'a.pdf',
      contentType: 'application/pdf',
      body: Readable.from([Buffer.from('%PDF')]),
    });
    await tenderer.caller.tender.publish({ sectionId, noticeTitle: '公告', noticeHtml: '<p>公告</p>' });

    // Within the second: the remembered (empty) page.
    expect((await cache.search(p.services.db, query)).items).toEqual([]);
    // After it: the stale page once while it refreshes, then the new one.
    await new Promise((r) => setTimeout(r, 1100));
    await cache.search(p.services.db, query);
    await new Promise((r) => setTimeout(r, 100));
    expect((await cache.search(p.services.db, query)).items.map((i) => i.id)).toEqual([sectionId]);
    // Different filters are different entries.
    expect((await cache.search(p.services.db, { ...query, type: 'procurement' })).items).toEqual([]);
  });
});
