import { validateReleasePackage } from '@ggzy/domain/ocds-schema';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, signedIn, type TestPlatform } from '../testing';
import { uploadDocument } from './documents';
import { sectionDraft } from './fixtures';

describe('OCDS exports of published sections', () => {
  let p: TestPlatform;
  const published: string[] = [];

  beforeAll(async () => {
    p = await createTestPlatform();
    const tenderer = await signedIn(p.services, 'tenderer');
    const me = (await tenderer.caller.auth.me())!;
    for (let i = 0; i < 3; i++) {
      const { sectionId } = await tenderer.caller.tender.create(sectionDraft(new Date()));
      await uploadDocument({
        db: p.services.db,
        store: p.services.store,
        request: { requestId: 'r', ip: null, userAgent: null, cookies: {}, csrfHeader: null },
        account: { ...me, sessionId: '' },
        sectionId,
        filename: `招标文件${i}.pdf`,
        contentType: 'application/pdf',
        body: Readable.from([Buffer.from(`%PDF ${i}`)]),
      });
      await tenderer.caller.tender.publish({ sectionId, noticeTitle: `招标公告${i}`, noticeHtml: '<p>公告</p>' });
      published.push(sectionId);
    }
    await tenderer.caller.tender.create(sectionDraft(new Date())); // a draft: never exported
  });
  afterAll(async () => {
    await p.close();
  });

  it('serves a section as a release package that validates against the OCDS 1.1 schema', async () => {
    const anonymous = (await import('../testing')).testClient(p.services);
    const pkg = await anonymous.caller.portal.ocdsSection({ sectionId: published[0]! });
    const check = validateReleasePackage(pkg);
    expect(check.errors).toEqual([]);
    expect(pkg.releases[0]).toMatchObject({ ocid: expect.stringMatching(/^ocds-ggzy01-990100-\d{4}-\d{4}-01$/), tag: ['tender'], tender: { status: 'active' } });
  });

  it('lists every published section, and only those, page by page', async () => {
    const anonymous = (await import('../testing')).testClient(p.services);
    const first = await anonymous.caller.portal.ocdsReleases({ limit: 2 });
    expect(first.package!.releases).toHaveLength(2);
    expect(validateReleasePackage(first.package).errors).toEqual([]);
    const second = await anonymous.caller.portal.ocdsReleases({ limit: 2, after: first.next! });
    expect(second.package!.releases).toHaveLength(1);
    expect(second.next).toBeNull();
    const ids = [...first.package!.releases, ...second.package!.releases].map((r) => r.tender.id);
    expect(new Set(ids).size).toBe(3);
    await expect(anonymous.caller.portal.ocdsReleases({ after: 'garbage' })).rejects.toMatchObject({ cause: { code: 'INVALID_INPUT' } });
  });
});
