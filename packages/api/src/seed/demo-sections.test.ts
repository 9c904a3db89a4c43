import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, testClient, type TestPlatform } from '../testing';
import { seedDemoSections } from './demo-sections';

describe('demo sections', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform();
  });
  afterAll(async () => {
    await p.close();
  });

  it('publishes one section per kind through the same rules a tenderer meets', async () => {
    expect(await seedDemoSections(p.services.db, p.services.store)).toBe(3);
    const portal = await testClient(p.services).caller.portal.search({});
    expect(portal.items.map((i) => i.type).sort()).toEqual(['construction', 'landUse', 'procurement']);
    expect(portal.items.every((i) => i.state === 'announced')).toBe(true);
  });
});
