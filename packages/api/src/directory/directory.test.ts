import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, signedIn, testClient, type TestPlatform } from '../testing';

describe('directory lists for forms and filters', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform();
  });
  afterAll(async () => {
    await p.close();
  });

  it('gives a tenderer the agencies and an agency the tenderers', async () => {
    const tenderer = await signedIn(p.services, 'tenderer');
    expect((await tenderer.caller.directory.counterparts({ kind: 'agency' })).map((o) => o.name)).toEqual(['示例工程招标代理有限公司']);
    const agency = await signedIn(p.services, 'agency');
    expect((await agency.caller.directory.counterparts({ kind: 'tenderer' })).map((o) => o.name)).toEqual(['示例市城市建设投资集团有限公司']);
  });

  it('lists the regions parents first with their depth, for anyone', async () => {
    const regions = await testClient(p.services).caller.portal.regions();
    expect(regions.map((r) => [r.code, r.depth])).toEqual([
      ['990000', 0],
      ['990100', 1],
      ['990121', 2],
      ['990122', 2],
    ]);
  });
});
