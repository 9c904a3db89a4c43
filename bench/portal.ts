/**
 * Portal figure (issue 3): the portal's list query (filtered, paginated) over 100,000 sections in
 * PostgreSQL, served by the API, at a fixed 200 requests per second; beside a bare node:http server
 * answering a JSON body of the same size in the same run.
 */
import { createApiHandler, portalCacheStats, seedDemo, type PortalCacheStats, type Services } from '@ggzy/api';
import { executeRows, sql } from '@ggzy/db';
import { createTestDatabase } from '@ggzy/db/testing';
import { METHODS_OF_TYPE, SCORING_TEMPLATES, type TransactionType } from '@ggzy/domain';
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
  // Realistic, varied rows in bulk (set-up, not measured): 5 sections per project, all published;
  // methods as each type allows (METHODS_OF_TYPE); place names independent of the type.
  await services.db.execute(sql`
    insert into project (code, name, type, method, region_code, centre_id, tenderer_id, created_by)
    select 'B-' || i,
           (array['示例市','东江县','西山县','北湖区','南山镇','高新区','临港新区','青石乡','白云街道','经开区'])[1 + (hashtext('place' || i) & 1023) % 10]
           || (array['第一中学','第二小学','人民医院','中医院','滨江路','环城北路','污水处理厂','自来水厂','体育中心','图书馆',
                     '文化馆','公交枢纽','智慧城市平台','政务云','档案馆','养老院','消防站','菜市场','公园','河道'])[1 + (i / 10) % 20]
           || (array['新建工程','改扩建工程','维修改造','设备采购','信息化建设','物业服务','监理服务','设计服务','绿化工程','土地使用权出让'])[1 + (i / 200) % 10]
           || '（' || i || '）',
           (array['construction','procurement','stateProperty','landUse','emissions'])[1 + i % 5]::transaction_type,
           (case when i % 5 < 2 then (array['open','open','open','invited'])[1 + (i / 5) % 4]
                 else (array['listing','listing','auction'])[1 + (i / 5) % 3] end)::tender_method,
           (array['990100','990121','990122'])[1 + i % 3],
           (select id from organisation where kind = 'centre' limit 1),
           (select id from organisation where kind = 'tenderer' limit 1),
           (select id from account where username = 'tenderer')
      from generate_series(1, ${count / 5}) as i`);
  await services.db.execute(sql`
    insert into section (project_id, code, type, method, region_code, name, search_text, state, estimated_price, bond, bid_validity_days, scoring_method,
                         documents_from, documents_until, deadline, published_at, state_changed_at)
    select p.id, p.code || '-0' || s, p.type, p.method, p.region_code, '第' || s || '标段', lower('第' || s || '标段 ' || p.code || '-0' || s || ' ' || p.name),
           (array['announced','announced','failed','opening','evaluating','publicity','awarded','archived','cancelled'])[1 + (hashtext(p.code) & 7) + (s % 2)]::section_state,
           (10000 + (hashtext(p.code || s) & 65535))::bigint * 100000, 0, 90, ${JSON.stringify(SCORING_TEMPLATES.comprehensive)}::jsonb,
           t, t + interval '10 days', t + interval '25 days', t, t
      from project p, generate_series(1, 5) as s,
           lateral (select now() - make_interval(mins => (hashtext(p.code || 'x' || s) & 524287)) as t) as times
     where p.code like 'B-%'`);
  // As a running portal's tables are: vacuumed (the visibility map set, so index-only scans stay
  // index-only; hint bits written) and analysed, and the fill's dirty pages written out, so that
  // the load below does not share the machine with autovacuum or a checkpoint of the fill.
  await services.db.execute(sql`vacuum analyze project`);
  await services.db.execute(sql`vacuum analyze section`);
  await services.db.execute(sql`checkpoint`);
}

/** Waits until no autovacuum worker runs on this server (earlier bench phases leave work behind). */
export async function settleDatabase(services: Pick<Services, 'db'>, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const [busy] = await executeRows<{ n: number }>(services.db, sql`select count(*)::int as n from pg_stat_activity where backend_type = 'autovacuum worker'`);
    if (!busy?.n) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface LoadFigures {
  p50: number;
  p99: number;
  max: number;
  rps: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** How many distinct queries were sent. */
  distinct: number;
}

/** An open-loop load at a fixed rate, in a process of its own (bench/load-worker.mjs, decision 011). */
function load(url: string, paths: string[], weights: number[], rate: number, seconds: number): Promise<LoadFigures> {
  const child = fork(fileURLToPath(new URL('./load-worker.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send({ url, paths, weights, rate, seconds });
  return new Promise<LoadFigures>((resolve, reject) => {
    child.once('message', (figures) => resolve(figures as LoadFigures));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the load generator exited (${code}) before reporting`)));
  });
}

const KEYWORDS = ['第一中学', '第二小学', '人民医院', '医院', '中医院', '滨江路', '环城北路', '污水处理', '自来水厂', '体育中心', '图书馆',
  '文化馆', '公交枢纽', '智慧城市', '政务云', '档案馆', '养老院', '消防站', '菜市场', '公园', '河道', '新建工程', '改扩建', '维修改造',
  '设备采购', '信息化', '物业服务', '监理', '设计服务', '绿化', '土地使用权', '示例市', '东江县', '西山县', '高新区', '临港新区', '教学楼'];

/**
 * The distinct queries a portal sees, most popular first: the front page and its first pages, then
 * every combination of type, region, state and method over the first pages, keywords (alone, with a
 * type, a few pages deep), deadline and publication windows, deep pages. About 1,400 in all, fewer
 * than the cache's 2,000 entries; drawn with Zipf weights (rank^-1), so a few are asked all the
 * time and most only now and then, as on a real portal.
 */
export function portalQueryMix(now = Date.now()): { inputs: object[]; weights: number[] } {
  const types = [undefined, 'construction', 'procurement', 'stateProperty', 'landUse', 'emissions'];
  const regions = [undefined, '990100', '990121', '990122'];
  const states = [undefined, 'announced', 'awarded', 'failed'];
  const day = 86_400_000;
  const inputs: object[] = [];
  const add = (input: Record<string, unknown>) => inputs.push(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
  for (let page = 1; page <= 5; page++) add({ page: page === 1 ? undefined : page });
  for (const page of [1, 2, 3])
    for (const type of types) for (const regionCode of regions) for (const state of states) if (type || regionCode || state) add({ type, regionCode, state, page: page === 1 ? undefined : page });
  for (const keyword of KEYWORDS)
    for (const type of types) for (const page of [1, 2, 3]) add({ keyword, type, page: page === 1 ? undefined : page });
  // Methods only with the types that use them, as the portal's filter offers them (METHODS_OF_TYPE).
  for (const type of types)
    for (const method of type ? METHODS_OF_TYPE[type as TransactionType] : ['open', 'invited', 'auction', 'listing'])
      for (const state of states) add({ method, type, state });
  for (let d = 0; d < 30; d++)
    for (const type of types) {
      add({ deadlineFrom: new Date(now + d * day).toISOString(), deadlineTo: new Date(now + (d + 7) * day).toISOString(), type });
      add({ publishedFrom: new Date(now - (d + 1) * day).toISOString(), type });
    }
  for (const page of [10, 20, 50, 100, 200, 500]) for (const type of types) add({ type, page });
  // A fixed shuffle past the first ten (the front pages stay the most popular), then Zipf weights.
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = inputs.length - 1; i > 10; i--) {
    const j = 10 + Math.floor(next() * (i - 9));
    [inputs[i], inputs[j]] = [inputs[j]!, inputs[i]!];
  }
  return { inputs, weights: inputs.map((_, rank) => 1 / (rank + 1)) };
}

export interface PortalFigures {
  sections: number;
  /** Every request queries the database (PORTAL_CACHE_SECONDS=0). */
  api: LoadFigures;
  /** As deployed by default: 5 seconds of memory for identical list queries. */
  cached: LoadFigures;
  /** What the cache did during the cached run. */
  cache: PortalCacheStats;
  bare: LoadFigures;
  bodyBytes: number;
  distinctQueries: number;
}

export async function measurePortal(options: { sections: number; seconds: number; rate: number }): Promise<PortalFigures> {
  const database = await createTestDatabase({ max: 10 });
  const dir = await mkdtemp(join(tmpdir(), 'ggzy-bench-portal-'));
  const services = await benchServices(database.db, dir, { checkpoint: 7, receipt: 9 });
  const api = createServer(createApiHandler(services, { trustProxy: 'none' }));
  const cachedSettings = { ...services.settings, portalCacheSeconds: 5 };
  const cachedApi = createServer(createApiHandler({ ...services, settings: cachedSettings }, { trustProxy: 'none' }));
  let bare: Server | undefined;
  try {
    await seedDemo(database.db);
    await fillSections(services, options.sections);
    const apiUrl = await listen(api);
    const { inputs, weights } = portalQueryMix();
    const queries = inputs.map((input) => `/api/trpc/portal.search?input=${encodeURIComponent(JSON.stringify(input))}`);
    const sample = await (await fetch(`${apiUrl}${queries[0]}`)).text();
    if (!sample.includes('"items"')) throw new Error(`unexpected portal answer: ${sample.slice(0, 200)}`);
    for (const q of queries.slice(0, 50)) await fetch(`${apiUrl}${q}`); // warm plans and the buffer cache
    const body = Buffer.from(sample);
    bare = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.end(body);
    });
    const bareUrl = await listen(bare);
    await settleDatabase(services);
    const bareFigures = await load(bareUrl, queries, weights, options.rate, options.seconds);
    await settleDatabase(services);
    const apiFigures = await load(apiUrl, queries, weights, options.rate, options.seconds);
    const cachedUrl = await listen(cachedApi);
    // The cache starts cold: the run itself fills it, as after a deployment.
    await settleDatabase(services);
    const cachedFigures = await load(cachedUrl, queries, weights, options.rate, options.seconds);
    return {
      sections: options.sections,
      api: apiFigures,
      cached: cachedFigures,
      cache: { ...portalCacheStats(cachedSettings) },
      bare: bareFigures,
      bodyBytes: body.length,
      distinctQueries: queries.length,
    };
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
