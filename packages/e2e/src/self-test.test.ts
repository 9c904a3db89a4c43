/**
 * The decryption self-test (解密自检) on the bid page, against the real platform: a bid sealed,
 * uploaded and submitted with `ggzy` is downloaded by the page's worker from what the platform holds
 * and opened with the bidder's key file (the browser opens a `ggzy seal` envelope); it passes with
 * the sealing certificate and fails, telling the bidder to seal again, once the certificate is
 * renewed on a new key. No request the browser makes carries the key file or its password.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { creditCodeCheckCharacter } from '@ggzy/domain';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DEMO_PASSWORD, open, REPO_ROOT, signIn, usePlatform } from './harness';
import { screenshot } from './screenshots';

const platform = usePlatform();
const run = promisify(execFile);
const P12_PASSWORD = 'SelfTest-2026-pass';
const CREDIT_CODE = `91990100MA0000061${creditCodeCheckCharacter('91990100MA0000061')}`;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ggzy-self-test-'));
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

async function seededSectionId(page: Page): Promise<string> {
  await open(page, `${platform.webUrl}/sections?keyword=${encodeURIComponent('滨江公园景观提升')}`);
  const href = await page.getByTestId('search-row').first().getByRole('link', { name: '施工总承包' }).getAttribute('href');
  const id = /\/sections\/([0-9a-f-]{36})/.exec(href ?? '')?.[1];
  if (!id) throw new Error(`no seeded section on the portal (link ${href})`);
  return id;
}

async function selfTest(page: Page, p12: string): Promise<{ outcome: string | null; text: string; sha256: string | null }> {
  await page.getByTestId('selftest-p12').setInputFiles(p12);
  await page.getByTestId('selftest-p12-password').fill(P12_PASSWORD);
  await page.getByTestId('selftest-run').click();
  const result = page.getByTestId('selftest-result');
  await result.waitFor({ timeout: 60_000 });
  return { outcome: await result.getAttribute('data-outcome'), text: await result.innerText(), sha256: await result.getAttribute('data-sha256') };
}

test('the self-test on the bid page passes with the sealing certificate and fails with a renewed one; the key never leaves the browser', async () => {
  const page = await platform.newPage();
  const sectionId = await seededSectionId(page);
  const online = ['--api', platform.apiUrl, '--user', 'bidder1'];

  // The bid, from the command line: enrol, seal for the section, upload, submit.
  await ggzy(['enrol', ...online, '--p12', at('sealing.p12'), '--credit-code', CREDIT_CODE]);
  await writeFile(at('schedule.json'), JSON.stringify({ version: 1, priceFen: 765_432_100, durationDays: 200, quality: '合格', bondReference: 'BH-ST-1' }));
  await writeFile(at('技术方案.pdf'), randomBytes(3 * 2 ** 20 + 11));
  await ggzy(['seal', '--section', sectionId, ...online, '--p12', at('sealing.p12'), '--out', at('bid.ggzy'), '--schedule', at('schedule.json'), '--technical', at('技术方案.pdf')]);
  await ggzy(['upload', at('bid.ggzy'), '--section', sectionId, ...online]);
  await ggzy(['submit', ...online, '--section', sectionId, '--upload', at('bid.ggzy.upload.json'), '--p12', at('sealing.p12'), '--out', at('receipt.json')]);
  const receipt = JSON.parse(await readFile(at('receipt.json'), 'utf8')) as { body: { ciphertextSha256: string } };

  // Every request the browser makes from here on, the worker's included.
  const requests: Request[] = [];
  page.context().on('request', (r) => requests.push(r));
  await signIn(page, platform.webUrl, 'bidder1');
  await page.waitForURL(`${platform.webUrl}/w/bidder`);
  await open(page, `${platform.webUrl}/w/bidder/sections/${sectionId}/bid`);

  const passed = await selfTest(page, at('sealing.p12'));
  expect(passed, passed.text).toMatchObject({ outcome: 'passed', sha256: receipt.body.ciphertextSha256 });
  expect(passed.text).toContain('自检通过');
  await screenshot(page, 'self-test-passed');
  expect(requests.some((r) => r.method() === 'GET' && new URL(r.url()).pathname.match(/^\/api\/bids\/[0-9a-f-]{36}\/envelope$/))).toBe(true);

  // The certificate is renewed on a new key: the bid sealed to the old one does not open with it.
  await ggzy(['enrol', ...online, '--p12', at('renewed.p12'), '--credit-code', CREDIT_CODE]);
  await page.reload();
  const failed = await selfTest(page, at('renewed.p12'));
  expect(failed.outcome).toBe('wrong-key');
  expect(failed.text).toContain('此证书无法解开您的投标文件，请在截止时间前用当前证书重新加密并提交');
  await screenshot(page, 'self-test-wrong-key');

  // Nothing the browser sent carries the key files or the password.
  const secrets = [Buffer.from(P12_PASSWORD)];
  for (const file of ['sealing.p12', 'renewed.p12']) {
    const bytes = await readFile(at(file));
    for (let i = 0; i + 32 <= bytes.length; i += 256) {
      secrets.push(bytes.subarray(i, i + 32));
      secrets.push(Buffer.from(bytes.subarray(i, i + 24).toString('base64')));
    }
  }
  for (const request of requests) {
    const sent = Buffer.concat([Buffer.from(`${request.url()}\n${JSON.stringify(await request.allHeaders())}\n`), request.postDataBuffer() ?? Buffer.alloc(0)]);
    for (const secret of secrets) expect(sent.includes(secret), `${request.method()} ${request.url()} carries key material`).toBe(false);
  }
}, 300_000);
