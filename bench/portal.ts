/**
 * Portal figure (issue 3): the portal's list query (filtered, paginated) over 100,000 sections in
 * PostgreSQL, served by the API, at a fixed 200 requests per second; beside a bare node:http server
 * answering a JSON body of the same size in the same run.
 */
import { createApiHandler, seedDemo, type Services } from '@ggzy/api';
import { sql } from '@ggzy/db';
import { createTestDatabase } from '@ggzy/db/testing';
import { SCORING_TEMPLATES } from '@ggzy/domain';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchServices } from './services';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

export async function fillSections(services: Pick<Services, 'db'>, count: number) {
  // Realistic, varied rows in bulk (set-up, not measured): 5 sections per project, all published.
  await services.db.execute(sql`
    insert into project (code, name, type, method, region_code, centre_id, tenderer_id, created_by)
    select 'B-' || i,
           (array['示例市','东江县','西山县','北湖区','南山镇','高新区','临港新区','青石乡','白云街道','经开区'])[1 + i % 10]
           || (array['第一中学','第二小学','人民医院','中医院','滨江路','环城北路','污水处理厂','自来水厂','体育中心','图书馆',
                     '文化馆','公交枢纽','智慧城市平台','政务云','档案馆','养老院','消防站','菜市场','公园','河道'])[1 + (i / 10) % 20]
           || (array['新建工程','改扩建工程','维修改造','设备采购','信息化建设','物业服务','监理服务','设计服务','绿化工程','土地使用权出让'])[1 + (i / 200) % 10]
           || '（' || i || '）',
           (array['construction','procurement','stateProperty','landUse','emissions'])[1 + i % 5]::transaction_type,
           (array['open','open','open','invited'])[1 + i % 4]::tender_method,
           (array['990100','990121','990122'])[1 + i % 3],
           (select id from organisation where kind = 'centre' limit 1),
           (select id from organisation where kind = 'tenderer' limit 1),
           (select id from account where username = 'tenderer')
      from generate_series(1, ${count / 5}) as i`);
  await services.db.execute(sql`
    insert into section (project_id, code, type, method, region_code, name, search_text, state, estimated_price, bond, bid_validity_days, scoring_method,
                         documents_from, documents_until, deadline, published_at, state_changed_at)
    select p.id, p.code || '-0' || s, p.type, p.method, p.region_code, '第' || s || '标段', '第' || s || '标段 ' || p.code || '-0' || s || ' ' || p.name,
           (array['announced','announced','failed','opening','evaluating','publicity','awarded','archived','cancelled'])[1 + (hashtext(p.code) & 7) + (s % 2)]::section_state,
           (10000 + (hashtext(p.code || s) & 65535))::bigint * 100000, 0, 90, ${JSON.stringify(SCORING_TEMPLATES.comprehensive)}::jsonb,
           t, t + interval '10 days', t + interval '25 days', t, t
      from project p, generate_series(1, 5) as s,
           lateral (select now() - make_interval(mins => (hashtext(p.code || 'x' || s) & 524287)) as t) as times
     where p.code like 'B-%'`);
  await services.db.execute(sql`analyze`);
}

export interface LoadFigures {
  p50: number;
  p99: number;
  rps: number;
  errors: number;
  non2xx: number;
}

/** autocannon at a fixed overall rate, in a process of its own (bench/load-worker.mjs). */
function load(url: string, paths: string[], rate: number, seconds: number): Promise<LoadFigures> {
  const child = fork(fileURLToPath(new URL('./load-worker.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send({ url, connections: 20, overallRate: rate, duration: seconds, requests: paths.map((path) => ({ method: 'GET', path })) });
  return new Promise<LoadFigures>((resolve, reject) => {
    child.once('message', (figures) => resolve(figures as LoadFigures));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the load generator exited (${code}) before reporting`)));
  });
}

export interface PortalFigures {
  sections: number;
  /** Every request queries the database (PORTAL_CACHE_SECONDS=0). */
  api: LoadFigures;
  /** As deployed by default: 5 seconds of memory for identical list queries. */
  cached: LoadFigures;
  bare: LoadFigures;
  bodyBytes: number;
  queries: string[];
}

export async function measurePortal(options: { sections: number; seconds: number; rate: number }): Promise<PortalFigures> {
  const database = await createTestDatabase({ max: 10 });
  const dir = await mkdtemp(join(tmpdir(), 'ggzy-bench-portal-'));
  const services = await benchServices(database.db, dir, { checkpoint: 7, receipt: 9 });
  const api = createServer(createApiHandler(services, { trustProxy: 'none' }));
  const cachedApi = createServer(createApiHandler({ ...services, settings: { ...services.settings, portalCacheSeconds: 5 } }, { trustProxy: 'none' }));
  let bare: Server | undefined;
  try {
    await seedDemo(database.db);
    await fillSections(services, options.sections);
    const apiUrl = await listen(api);
    // The mix a portal sees: the front page, filters by type, region, state and dates, keywords, deep pages.
    const inputs = [
      {},
      { type: 'construction' },
      { type: 'procurement', regionCode: '990121' },
      { state: 'announced', page: 3 },
      { keyword: '教学楼' },
      { keyword: '污水处理', type: 'construction' },
      { regionCode: '990100', page: 10 },
      { method: 'invited', state: 'failed' },
      { deadlineFrom: new Date(Date.now() + 10 * 86_400_000).toISOString(), page: 2 },
      { page: 50 },
    ];
    const queries = inputs.map((input) => `/api/trpc/portal.search?input=${encodeURIComponent(JSON.stringify(input))}`);
    const sample = await (await fetch(`${apiUrl}${queries[0]}`)).text();
    if (!sample.includes('"items"')) throw new Error(`unexpected portal answer: ${sample.slice(0, 200)}`);
    for (const q of queries) await fetch(`${apiUrl}${q}`); // warm plans and caches
    const body = Buffer.from(sample);
    bare = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.end(body);
    });
    const bareUrl = await listen(bare);
    const bareFigures = await load(bareUrl, queries, options.rate, options.seconds);
    const apiFigures = await load(apiUrl, queries, options.rate, options.seconds);
    const cachedUrl = await listen(cachedApi);
    for (const q of queries) await fetch(`${cachedUrl}${q}`); // the same warm-up as the uncached server had
    const cachedFigures = await load(cachedUrl, queries, options.rate, options.seconds);
    return { sections: options.sections, api: apiFigures, cached: cachedFigures, bare: bareFigures, bodyBytes: body.length, queries: inputs.map((i) => JSON.stringify(i)) };
  } finally {
    api.closeAllConnections();
    api.close();
    cachedApi.closeAllConnections();
    cachedApi.close();
    bare?.closeAllConnections();
    bare?.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}
