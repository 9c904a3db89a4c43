/**
 * The no-show opening hall (不见面开标) with five browsers open at once: three bidders, the host
 * (centre staff) and the public. The section has three custodians (k = 2). Bids are sealed with
 * `ggzy seal` (so the browser opens what the CLI sealed); at the deadline the hall opens; each
 * bidder signs in with its certificate in the browser; two decrypt in the browser (only the content
 * key leaves it); the third has renewed its certificate on a new key, its browser says so and hands
 * nothing over, and two of the three custodians recover its bid with their shares (`ggzy hall
 * share`). The record is read out live in every browser, one objection is raised and answered, the
 * bidders confirm with signatures, the host closes the record, and the signed PDF is published and
 * opened. The public browser never sees bid content before it is read out.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from '@ggzy/db';
import { cautiousCalendar, creditCodeCheckCharacter, legalSchedule, SCORING_TEMPLATES, toChineseCapitalAmount } from '@ggzy/domain';
import { verifyPdfSignatures } from '@ggzy/pdf';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DEMO_PASSWORD, open, REPO_ROOT, signIn, usePlatform } from './harness';
import { screenshot } from './screenshots';

const platform = usePlatform();
const run = promisify(execFile);
const P12_PASSWORD = 'Hall-2026-pass';
const code = (code17: string) => code17 + creditCodeCheckCharacter(code17);

const BIDDERS = [
  { user: 'bidder1', creditCode: code('91990100MA0000061'), name: '示例建工集团有限公司', priceFen: 123_456_789 },
  { user: 'bidder2', creditCode: code('91990121MA0000071'), name: '东江路桥工程有限公司', priceFen: 118_800_000 },
  { user: 'bidder3', creditCode: code('91990122MA0000081'), name: '西山水利水电建设有限公司', priceFen: 120_250_050 },
].map((b) => ({ ...b, words: toChineseCapitalAmount(b.priceFen) }));
const CUSTODIANS = [
  { user: 'centre', creditCode: code('12990100MB0000011') },
  { user: 'centre.dj', creditCode: code('12990121MB0000021') },
  { user: 'supervisor', creditCode: code('11990100MB0000031') },
] as const;
const yuan = (fen: number) => `${Math.trunc(fen / 100).toLocaleString('en-US')}.${String(fen % 100).padStart(2, '0')}`;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ggzy-hall-e2e-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});
const at = (name: string) => join(work, name);

async function ggzy(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [process.env.GGZY_TEST_CLI ?? join(REPO_ROOT, 'packages/cli/bin/ggzy.mjs'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, GGZY_PASSWORD: DEMO_PASSWORD, GGZY_P12_PASSWORD: P12_PASSWORD },
    maxBuffer: 2 ** 24,
  });
}

/** tRPC over HTTP as a signed-in account (the web app's wire format: no transformer). */
async function session(username: string) {
  const login = await fetch(`${platform.apiUrl}/api/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: 'ggzy_csrf=c', 'x-csrf-token': 'c' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith('ggzy_session='))?.split(';')[0];
  if (!cookie) throw new Error(`sign-in of ${username} failed: ${login.status}`);
  const headers = { cookie: `${cookie}; ggzy_csrf=c`, 'x-csrf-token': 'c' };
  const call = async <T>(path: string, input: unknown, type: 'query' | 'mutation'): Promise<T> => {
    const response =
      type === 'query'
        ? await fetch(`${platform.apiUrl}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
        : await fetch(`${platform.apiUrl}/api/trpc/${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(input) });
    const body = (await response.json()) as { result?: { data: T }; error?: unknown };
    if (!body.result) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
    return body.result.data;
  };
  return { headers, query: <T>(path: string, input?: unknown) => call<T>(path, input, 'query'), mutate: <T>(path: string, input: unknown) => call<T>(path, input, 'mutation') };
}

/** The tenderer's section with three custodians (k = 2), its document uploaded and published. Dates from the rules. */
async function publishedCustodianSection(): Promise<string> {
  const custodianIds: string[] = [];
  for (const c of CUSTODIANS) custodianIds.push((await (await session(c.user)).query<{ accountId: string }>('auth.me')).accountId);
  const tenderer = await session('tenderer');
  // Dates from the rules (as the tender fixtures take them), valid on any day the suite runs.
  const documentsFrom = new Date(Date.now() - 5_000);
  const legal = legalSchedule({ type: 'construction', method: 'open', documentsFrom, calendar: cautiousCalendar() });
  const draft = {
    project: { name: '开标大厅验收项目', type: 'construction', method: 'open' },
    section: {
      name: '开标大厅验收标段',
      estimatedPrice: 1_000_000_000,
      bond: 20_000_000,
      bidValidityDays: 90,
      scoringMethod: SCORING_TEMPLATES.comprehensive,
      openingMode: 'bidderAndCustodians',
      custodianIds,
      custodianThreshold: 2,
      documentsFrom: documentsFrom.toISOString(),
      documentsUntil: legal.documentsUntil.toISOString(),
      deadline: legal.deadline.toISOString(),
    },
  };
  const { sectionId } = await tenderer.mutate<{ sectionId: string }>('tender.create', draft);
  const uploaded = await fetch(`${platform.apiUrl}/api/sections/${sectionId}/documents`, {
    method: 'PUT',
    headers: { ...tenderer.headers, 'content-type': 'application/pdf', 'x-filename': encodeURIComponent('招标文件.pdf') },
    body: '%PDF-1.7 招标文件',
  });
  expect(uploaded.status, await uploaded.clone().text()).toBe(201);
  await tenderer.mutate('tender.publish', { sectionId, noticeTitle: '招标公告', noticeHtml: '<p>欢迎投标</p>' });
  return sectionId;
}

async function hallPage(page: Page, sectionId: string) {
  await open(page, `${platform.webUrl}/sections/${sectionId}/hall`);
  await expect.poll(() => page.getByTestId('hall-connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('live');
}

const bidderState = (page: Page, organisationName: string) => page.getByTestId('hall-bidder').filter({ hasText: organisationName }).getAttribute('data-state');

test('five browsers: sign-in, decryption in the browser, a recovery by 2 of 3 custodians, the live record, an objection, the signed PDF', async () => {
  // Certificates: custodians first (the opening key is sealed to them at publication), then bidders.
  for (const c of CUSTODIANS) await ggzy(['enrol', '--api', platform.apiUrl, '--user', c.user, '--p12', at(`${c.user}.p12`), '--credit-code', c.creditCode]);
  const sectionId = await publishedCustodianSection();

  // Three bids sealed with ggzy (bidder key and the section's opening key), uploaded and submitted.
  for (const [i, b] of BIDDERS.entries()) {
    const online = ['--api', platform.apiUrl, '--user', b.user];
    await ggzy(['enrol', ...online, '--p12', at(`${b.user}.p12`), '--credit-code', b.creditCode]);
    await writeFile(at(`${b.user}.json`), JSON.stringify({ version: 1, priceFen: b.priceFen, durationDays: 180 + i, quality: '合格', bondReference: `BH-HALL-${i + 1}` }));
    await writeFile(at(`${b.user}-技术标.pdf`), randomBytes(2 ** 20 + i));
    await ggzy(['seal', '--section', sectionId, ...online, '--p12', at(`${b.user}.p12`), '--out', at(`${b.user}.ggzy`), '--schedule', at(`${b.user}.json`), '--technical', at(`${b.user}-技术标.pdf`)]);
    await ggzy(['upload', at(`${b.user}.ggzy`), '--section', sectionId, ...online]);
    await ggzy(['submit', ...online, '--section', sectionId, '--upload', at(`${b.user}.ggzy.upload.json`), '--p12', at(`${b.user}.p12`), '--out', at(`${b.user}-receipt.json`)]);
  }
  // Bidder 3 renews its certificate on a new key after sealing: its own key no longer opens its bid.
  await ggzy(['enrol', '--api', platform.apiUrl, '--user', 'bidder3', '--p12', at('bidder3-renewed.p12'), '--credit-code', BIDDERS[2]!.creditCode]);

  // The deadline passes (moved, as the clock would); the platform's timed sweep opens the hall.
  await platform.asDatabaseOwner((db) => db.execute(sql`update section set deadline = now() - interval '1 second' where id = ${sectionId}`));

  // Five browsers.
  const [host, pub, ...bidderPages] = await Promise.all([0, 1, 2, 3, 4].map(() => platform.newPage()));
  const everyone = [host!, pub!, ...bidderPages];
  const publicResponses: string[] = [];
  pub!.on('response', (r) => {
    if (r.url().includes('/api/trpc/hall.get')) void r.text().then((t) => publicResponses.push(t), () => {});
  });
  const bidderRequests: Request[] = [];
  const requestsOf = bidderPages.map(() => [] as Request[]);
  for (const [i, page] of bidderPages.entries())
    page.context().on('request', (r) => {
      bidderRequests.push(r);
      requestsOf[i]!.push(r);
    });

  await signIn(host!, platform.webUrl, 'centre');
  await host!.waitForURL(`${platform.webUrl}/w/centre`);
  for (const [i, page] of bidderPages.entries()) {
    await signIn(page, platform.webUrl, BIDDERS[i]!.user);
    await page.waitForURL(`${platform.webUrl}/w/bidder`);
  }
  // The hall opens at the deadline (the sweep runs every few seconds).
  await expect
    .poll(async () => (await fetch(`${platform.apiUrl}/api/trpc/hall.get?input=${encodeURIComponent(JSON.stringify({ sectionId }))}`)).status, { timeout: 60_000, interval: 1000 })
    .toBe(200);
  for (const page of everyone) await hallPage(page, sectionId);
  for (const page of everyone) for (const b of BIDDERS) await expect.poll(() => page.getByTestId('hall-bidders').innerText()).toContain(b.name);
  await screenshot(pub!, 'hall-public-open');

  // Sign-in with the certificate, in each bidder's browser; every browser sees it live.
  for (const [i, page] of bidderPages.entries()) {
    await page.getByTestId('hall-p12').setInputFiles(at(i === 2 ? 'bidder3-renewed.p12' : `${BIDDERS[i]!.user}.p12`));
    await page.getByTestId('hall-p12-password').fill(P12_PASSWORD);
    await page.getByTestId('hall-sign-in').click();
    await expect.poll(() => page.getByTestId('hall-bidder-panel').getAttribute('data-signed-in'), { timeout: 60_000 }).toBe('yes');
  }
  for (const page of everyone) for (const b of BIDDERS) await expect.poll(() => page.getByTestId('hall-bidder').filter({ hasText: b.name }).locator('td').nth(1).innerText()).not.toContain('未签到');

  // The host starts the decryption window.
  await host!.getByTestId('hall-minutes').fill('30');
  await host!.getByTestId('hall-start').click();
  for (const page of everyone) await expect.poll(() => page.getByTestId('hall').getAttribute('data-hall-state')).toBe('decrypting');

  // Nothing of any bid is visible to the public before it is read out.
  const publicText = async () => `${await pub!.locator('body').innerText()}\n${publicResponses.join('\n')}`;
  for (const b of BIDDERS) {
    expect(await publicText()).not.toContain(yuan(b.priceFen));
    expect(await publicText()).not.toContain(b.words);
  }

  // Bidders 1 and 2 decrypt in the browser; each row is read out live in all five browsers.
  for (const i of [0, 1]) {
    const page = bidderPages[i]!;
    await page.getByTestId('hall-decrypt').click();
    await expect.poll(() => page.getByTestId('hall-bidder-panel').getAttribute('data-state'), { timeout: 90_000 }).toBe('decrypted');
    for (const other of everyone) {
      await expect.poll(() => other.getByTestId('hall-record').innerText(), { timeout: 30_000 }).toContain(yuan(BIDDERS[i]!.priceFen));
      expect(await other.getByTestId('hall-record').innerText()).toContain(BIDDERS[i]!.words);
    }
    // Before its own reading, bidder 3's price is nowhere in the public browser.
    expect(await publicText()).not.toContain(yuan(BIDDERS[2]!.priceFen));
  }
  await screenshot(host!, 'hall-host-two-read');

  // After its reading, a bidder may download its own decrypted bid (traced); the public may not.
  await expect.poll(() => bidderPages[0]!.getByTestId('hall-opened-bid').count(), { timeout: 30_000 }).toBe(1);
  const ownUrl = new URL((await bidderPages[0]!.getByTestId('hall-opened-bid').getAttribute('href'))!, platform.webUrl).toString();
  const own = await bidderPages[0]!.request.get(ownUrl);
  expect(own.status()).toBe(200);
  expect(own.headers()['content-type']).toContain('application/zip');
  expect((await pub!.request.get(ownUrl)).status()).toBe(401);
  expect((await bidderPages[1]!.request.get(ownUrl)).status()).toBe(403);
  expect(await pub!.getByTestId('hall-opened-bids').count()).toBe(0);

  // Bidder 3's renewed certificate does not open its bid: the browser says so and hands nothing over.
  const third = bidderPages[2]!;
  await third.getByTestId('hall-decrypt').click();
  await expect.poll(() => third.getByTestId('hall-bidder-error').innerText(), { timeout: 60_000 }).toMatch(/证书|密钥/);
  expect(requestsOf[2]!.some((r) => r.url().includes('hall.handOverKey'))).toBe(false);
  await screenshot(third, 'hall-bidder-wrong-key');

  // Two of the three custodians recover it with their shares (signed), from the command line.
  const organisations = await (await session('centre')).query<{ bidders: Array<{ organisationId: string; name: string }> }>('hall.get', { sectionId });
  const thirdOrg = organisations.bidders.find((b) => b.name === BIDDERS[2]!.name)!.organisationId;
  for (const c of [CUSTODIANS[0], CUSTODIANS[2]]) {
    await ggzy(['hall', 'share', '--api', platform.apiUrl, '--user', c.user, '--section', sectionId, '--organisation', thirdOrg, '--p12', at(`${c.user}.p12`)]);
  }
  for (const page of everyone) {
    await expect.poll(() => bidderState(page, BIDDERS[2]!.name), { timeout: 60_000 }).toBe('recovered');
    await expect.poll(() => page.getByTestId('hall-record').innerText(), { timeout: 30_000 }).toContain(yuan(BIDDERS[2]!.priceFen));
  }
  expect(await third.getByTestId('hall-record-row').filter({ hasText: BIDDERS[2]!.name }).getAttribute('data-outcome')).toBe('recovered');
  for (const page of everyone) await expect.poll(() => page.getByTestId('hall').getAttribute('data-hall-state'), { timeout: 30_000 }).toBe('reading');

  // Confirmation: bidder 2 objects, the host answers in the hall, the bidders sign the record.
  await host!.getByTestId('hall-open-confirmation').click();
  for (const page of everyone) await expect.poll(() => page.getByTestId('hall').getAttribute('data-hall-state')).toBe('confirming');
  await bidderPages[1]!.getByTestId('hall-object-text').fill('第一行的工期与我方掌握的情况不符，请核实。');
  await bidderPages[1]!.getByTestId('hall-object-send').click();
  await expect.poll(() => host!.getByTestId('hall-answer-form').count(), { timeout: 30_000 }).toBe(1);
  await host!.getByTestId('hall-answer-text').fill('已核实：工期按投标文件开标一览表所载唱出，无误。');
  await host!.getByTestId('hall-answer-send').click();
  for (const page of everyone) await expect.poll(() => page.getByTestId('hall-objections').innerText(), { timeout: 30_000 }).toContain('已核实：工期按投标文件开标一览表所载唱出');
  for (const [i, page] of bidderPages.entries()) {
    if (i === 1) continue;
    await page.getByTestId('hall-confirm').click();
    await expect.poll(() => page.getByTestId('hall-confirmed').count(), { timeout: 60_000 }).toBe(1);
  }
  await screenshot(bidderPages[0]!, 'hall-bidder-confirmed');

  // The host closes the record: the signed PDF appears in every browser and opens.
  await host!.getByTestId('hall-close').click();
  for (const page of everyone) await expect.poll(() => page.getByTestId('hall-record-pdf').count(), { timeout: 60_000 }).toBe(1);
  const pdfHref = await pub!.getByTestId('hall-record-pdf').getAttribute('href');
  const pdf = await pub!.request.get(new URL(pdfHref!, platform.webUrl).toString());
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toContain('application/pdf');
  const bytes = new Uint8Array(await pdf.body());
  expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
  const signatures = await verifyPdfSignatures(bytes);
  expect(signatures.length).toBeGreaterThan(0);
  expect(signatures.every((s) => s.intact)).toBe(true);
  await screenshot(pub!, 'hall-public-closed');

  // The section page links the record; the bidders' key files and password never left their browsers.
  await open(pub!, `${platform.webUrl}/sections/${sectionId}`);
  await expect.poll(() => pub!.locator('a[href$="/opening-record.pdf"]').count()).toBeGreaterThan(0);
  const secrets = [Buffer.from(P12_PASSWORD)];
  for (const file of ['bidder1.p12', 'bidder2.p12', 'bidder3-renewed.p12']) {
    const key = await readFile(at(file));
    for (let i = 0; i + 32 <= key.length; i += 256) secrets.push(key.subarray(i, i + 32), Buffer.from(key.subarray(i, i + 24).toString('base64')));
  }
  for (const request of bidderRequests) {
    const sent = Buffer.concat([Buffer.from(`${request.url()}\n${JSON.stringify(await request.allHeaders())}\n`), request.postDataBuffer() ?? Buffer.alloc(0)]);
    for (const secret of secrets) expect(sent.includes(secret), `${request.method()} ${request.url()} carries key material`).toBe(false);
  }
}, 600_000);
