import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, signedIn, type TestPlatform } from '../testing';
import { Readable } from 'node:stream';
import { uploadDocument } from './documents';
import { sectionDraft } from './fixtures';
import { createPortalCache } from './portal-cache';
import { COUNT_CAP, searchSections } from './portal';
import { sql } from '@ggzy/db';

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

  it('counts exactly up to COUNT_CAP, estimates beyond it, and never shows a total below what a page proves', async () => {
    const db = p.services.db;
    // 260 more published sections, copies of the one above (the earlier test published it).
    await db.execute(sql`
      insert into section (project_id, code, type, method, region_code, name, search_text, state, estimated_price, bond, bid_validity_days,
                           scoring_method, documents_from, documents_until, deadline, published_at, state_changed_at)
      select s.project_id, s.code || '-c' || i, s.type, s.method, s.region_code, s.name || i, s.search_text || ' ' || lower(s.code || '-c' || i), s.state, s.estimated_price, s.bond,
             s.bid_validity_days, s.scoring_method, s.documents_from, s.documents_until, s.deadline, s.published_at - make_interval(secs => i), s.state_changed_at
        from section s, generate_series(1, 260) i where s.published_at is not null`);
    await db.execute(sql`analyze section`);
    const narrow = await searchSections(db, { keyword: '-c25', page: 1, pageSize: 20 });
    expect(narrow).toMatchObject({ total: 11, totalCapped: false }); // -c25 and -c250 … -c259
    const first = await searchSections(db, { page: 1, pageSize: 20 });
    expect(first.totalCapped).toBe(true);
    expect(first.total).toBeGreaterThan(COUNT_CAP);
    // A later page of the same filter reuses the estimate and walks only to its own end.
    const last = await searchSections(db, { page: 14, pageSize: 20 });
    expect(last.items).toHaveLength(1);
    expect(last.totalCapped).toBe(true);
    expect(last.total).toBeGreaterThanOrEqual(261);
    const deep = await searchSections(db, { page: 13, pageSize: 20 });
    expect(deep.items).toHaveLength(20);
    expect(deep.total).toBeGreaterThanOrEqual(261);
    // Every page together lists each section once, newest first.
    const ids = new Set<string>();
    for (let page = 1; page <= 14; page++) for (const item of (await searchSections(db, { page, pageSize: 20 })).items) ids.add(item.id);
    expect(ids.size).toBe(261);
  });
});
