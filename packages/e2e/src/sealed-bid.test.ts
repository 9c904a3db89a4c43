/**
 * Sealed bids in the browser (DESIGN.md §4, docs/sealed-bids.md), against the real platform: a
 * bidder enrols a certificate (key pair made in the page), seals a 50 MiB bid in a Web Worker into
 * OPFS, uploads it with tus, loses the network mid-way, reloads and resumes from the server's
 * offset, submits with a signature, verifies the receipt with the real `ggzy` binary, replaces the
 * bid, and withdraws it. Another bidder sees none of it; the tenderer and supervisor see who bid.
 * Across implementations: the page's envelope opens with `ggzy open`, and a `ggzy seal` envelope
 * opens in the page.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKeyPairAndCsr, createPlatformCa, fromPkcs12, issueCertificate, SUITE_RSA_AES, SUITE_SM2_SM4, toPkcs12 } from '@ggzy/crypto';
import { creditCodeCheckCharacter } from '@ggzy/domain';
import { readBidBundle } from '@ggzy/domain/bid';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { hydrated, open, REPO_ROOT, signIn, usePlatform } from './harness';
import { screenshot } from './screenshots';

const platform = usePlatform();
const run = promisify(execFile);
const MiB = 1024 * 1024;
const P12_PASSWORD = 'Seal-2026-pass';
const SCHEDULE = { version: 1, priceFen: 1_234_567_890, durationDays: 365, quality: '合格', bondReference: 'BH-2026-0001' };
const creditCode = (first17: string) => `${first17}${creditCodeCheckCharacter(first17)}`;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ggzy-sealed-bid-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const at = (name: string) => join(work, name);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The project's command-line tool, as a bidder runs it. */
async function ggzy(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [process.env.GGZY_TEST_CLI ?? join(REPO_ROOT, 'packages/cli/bin/ggzy.mjs'), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, maxBuffer: 16 * MiB });
}

/** Records every value a progress bar takes, from inside the page, so that intermediate values are seen however fast it runs. */
async function recordProgress(page: Page, testId: string): Promise<void> {
  await page.evaluate((id) => {
    const samples: number[] = [];
    (window as unknown as Record<string, number[]>)[`__progress_${id}`] = samples;
    setInterval(() => {
      const bar = document.querySelector<HTMLProgressElement>(`[data-testid="${id}"]`);
      if (bar && samples.at(-1) !== bar.value) samples.push(bar.value);
    }, 10);
  }, testId);
}

async function progressSeen(page: Page, testId: string): Promise<number[]> {
  return page.evaluate((id) => (window as unknown as Record<string, number[]>)[`__progress_${id}`] ?? [], testId);
}

/** The seeded construction section (announced, deadline 25 days ahead), found on the portal. */
async function seededSectionId(page: Page): Promise<string> {
  await open(page, `${platform.webUrl}/sections?keyword=${encodeURIComponent('滨江公园景观提升')}`);
  const link = page.getByTestId('search-row').first().getByRole('link', { name: '施工总承包' });
  const href = await link.getAttribute('href');
  const id = /\/sections\/([0-9a-f-]{36})/.exec(href ?? '')?.[1];
  if (!id) throw new Error(`no seeded section on the portal (link ${href})`);
  return id;
}

/** 证书申领 in the page; the PKCS#12 file arrives through the browser's download. */
async function enrol(page: Page, file: string, code17: string): Promise<void> {
  await open(page, `${platform.webUrl}/w/certificate`);
  // Typed only where the platform does not already know the company's code.
  const code = page.locator('input[name=creditCode]');
  if ((await code.getAttribute('readonly')) === null) await code.fill(creditCode(code17));
  await page.locator('input[name=p12Password]').fill(P12_PASSWORD);
  await page.locator('input[name=p12PasswordAgain]').fill(P12_PASSWORD);
  const download = page.waitForEvent('download', { timeout: 60_000 });
  await page.getByTestId('enrol-submit').click();
  // A refusal shows on the page instead of a download: report it rather than a bare timeout.
  const refused = page
    .getByTestId('enrol-error')
    .waitFor({ timeout: 60_000 })
    .then(async () => `enrolment refused: ${await page.getByTestId('enrol-error').innerText()}`, () => null);
  const first = await Promise.race([download, refused]);
  if (first === null || typeof first === 'string') throw new Error(first ?? 'no download');
  await first.saveAs(file);
  await expect.poll(() => page.getByTestId('enrol-done').count()).toBe(1);
  await expect.poll(() => page.locator('[data-testid=certificate][data-status=valid]').count()).toBe(1);
}

async function fillBid(page: Page, files: { commercial: string; technical: string; price: string }, price: string): Promise<void> {
  await page.locator('input[name=price]').fill(price);
  await page.locator('input[name=durationDays]').fill(String(SCHEDULE.durationDays));
  await page.locator('input[name=quality]').fill(SCHEDULE.quality);
  await page.locator('input[name=bondReference]').fill(SCHEDULE.bondReference);
  await page.getByTestId('files-commercial').setInputFiles(files.commercial);
  await page.getByTestId('files-technical').setInputFiles(files.technical);
  await page.getByTestId('files-price').setInputFiles(files.price);
  await chooseKey(page);
}

async function chooseKey(page: Page): Promise<void> {
  await page.getByTestId('bid-p12').setInputFiles(at('bidder1.p12'));
  await page.getByTestId('bid-p12-password').fill(P12_PASSWORD);
}

async function localBid(page: Page): Promise<{ ciphertextSha256: string; envelopeBytes: number; upload: { url: string; complete: boolean } | null }> {
  return page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('ggzy.bid.'));
    return JSON.parse(localStorage.getItem(key ?? '') ?? 'null');
  });
}

test('a bidder enrols, seals 50 MiB in the browser, resumes an interrupted upload, submits, verifies the receipt, replaces and withdraws; others see only what they may', async () => {
  const files = { commercial: at('商务文件.pdf'), technical: at('技术方案.pdf'), price: at('报价清单.xlsx') };
  const contents = { commercial: randomBytes(1 * MiB), technical: randomBytes(48 * MiB), price: randomBytes(1 * MiB) };
  for (const part of ['commercial', 'technical', 'price'] as const) await writeFile(files[part], contents[part]);

  const page = await platform.newPage();
  // The server's render and the browser's must agree (the countdown, OPFS support are browser-only).
  const hydrationErrors: string[] = [];
  // React's production build reports a mismatch as minified errors #418/#423/#425, thrown to window.onerror.
  const mismatch = /hydrat|react\.dev\/errors\/(418|423|425)|error #(418|423|425)/i;
  page.on('console', (message) => {
    if (message.type() === 'error' && mismatch.test(message.text())) hydrationErrors.push(message.text());
  });
  page.on('pageerror', (error) => {
    if (mismatch.test(error.message)) hydrationErrors.push(error.message);
  });
  await signIn(page, platform.webUrl, 'bidder1');
  await page.waitForURL(`${platform.webUrl}/w/bidder`);
  await enrol(page, at('bidder1.p12'), '91990100MA0000061');
  // The key pair was made in the page: the file opens with the password and holds the certificate the platform lists.
  const keyFile = fromPkcs12(new Uint8Array(await readFile(at('bidder1.p12'))), P12_PASSWORD);
  expect(keyFile.privateKeyPem).toContain('PRIVATE KEY');
  await screenshot(page, 'sealed-bid-certificate');

  const sectionId = await seededSectionId(page);
  await page.getByTestId('search-row').first().getByRole('link', { name: '施工总承包' }).click();
  await page.waitForURL(`${platform.webUrl}/sections/${sectionId}`);
  await page.getByTestId('bid-link').click();
  await page.waitForURL(`${platform.webUrl}/w/bidder/sections/${sectionId}/bid`);
  await hydrated(page);
  await expect.poll(() => page.getByTestId('countdown').innerText()).toMatch(/\d+ 天 \d{2}:\d{2}:\d{2}/);
  expect(hydrationErrors).toEqual([]);
  expect(await page.getByTestId('bid-status').getAttribute('data-status')).toBe('none');

  // A price that is not an amount is refused beside its field by the domain's rules, before sealing.
  await fillBid(page, files, '12,345,678.901');
  await page.getByTestId('seal').click();
  await expect.poll(() => page.getByTestId('field-error-schedule.price').count()).toBe(1);

  // Seal: the worker streams the bundle through the envelope into OPFS, reporting progress.
  await page.locator('input[name=price]').fill('12,345,678.90');
  await recordProgress(page, 'seal-progress-bar');
  await page.getByTestId('seal').click();
  await page.getByTestId('sealed').waitFor({ timeout: 120_000 });
  const sealedValues = await progressSeen(page, 'seal-progress-bar');
  expect(sealedValues.filter((v) => v > 0 && v < 1).length, `seal progress ${sealedValues.join(',')}`).toBeGreaterThanOrEqual(2);
  const sealed = await localBid(page);
  expect(sealed.envelopeBytes).toBeGreaterThan(50 * MiB);
  expect(await page.getByTestId('sealed').getAttribute('data-sha256')).toBe(sealed.ciphertextSha256);

  // The envelope sealed in the page opens with the CLI and the same key file: the bundle is exactly what was chosen.
  await page.getByTestId('envelope-tools').locator('summary').click();
  const envelopeDownload = page.waitForEvent('download');
  await page.getByTestId('envelope-download').click();
  await (await envelopeDownload).saveAs(at('browser.ggzyenv'));
  expect(sha256(await readFile(at('browser.ggzyenv')))).toBe(sealed.ciphertextSha256);
  await ggzy(['open', '--in', at('browser.ggzyenv'), '--out', at('browser.zip'), '--p12', at('bidder1.p12')], { GGZY_P12_PASSWORD: P12_PASSWORD });
  const bundle = await readBidBundle(new Uint8Array(await readFile(at('browser.zip'))));
  expect(bundle.openingSchedule).toEqual(SCHEDULE);
  expect(bundle.entries.map((e) => e.path)).toEqual(['commercial/商务文件.pdf', 'technical/技术方案.pdf', 'price/报价清单.xlsx']);
  expect(sha256(await bundle.read('technical/技术方案.pdf'))).toBe(sha256(contents.technical));

  // Upload, and lose the network in the middle: the third 5 MiB request never leaves.
  const context = page.context();
  let patches = 0;
  await page.route('**/api/uploads/**', async (route) => {
    if (route.request().method() === 'PATCH' && ++patches === 3) {
      await context.setOffline(true);
      await route.abort('internetdisconnected');
      return;
    }
    await route.continue();
  });
  await recordProgress(page, 'upload-progress-bar');
  await page.getByTestId('upload').click();
  await expect.poll(() => page.getByTestId('bid-notice').getAttribute('data-kind'), { timeout: 60_000 }).toBe('warning');
  expect(await page.getByTestId('bid-notice').innerText()).toContain('上传中断');
  const uploadValues = await progressSeen(page, 'upload-progress-bar');
  expect(uploadValues.filter((v) => v > 0 && v < 1).length, `upload progress ${uploadValues.join(',')}`).toBeGreaterThanOrEqual(2);
  await page.unroute('**/api/uploads/**');
  await context.setOffline(false);

  // The server holds part of it.
  const { upload } = await localBid(page);
  expect(upload?.complete).toBe(false);
  const head = await page.request.head(new URL(upload!.url, platform.webUrl).toString(), { headers: { 'tus-resumable': '1.0.0' } });
  expect(head.status()).toBe(200);
  const partial = Number(head.headers()['upload-offset']);
  expect(partial).toBeGreaterThan(0);
  expect(partial).toBeLessThan(sealed.envelopeBytes);

  // The laptop is closed and opened again: the page remembers the sealed file and resumes from the server's offset.
  await page.reload();
  await hydrated(page);
  await expect.poll(() => page.getByTestId('resumable').getAttribute('data-offset')).toBe(String(partial));
  expect(await page.getByTestId('resumable').innerText()).toContain('可继续上传');
  await screenshot(page, 'sealed-bid-resumable');
  const uploadRequests: Request[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/uploads')) uploadRequests.push(request);
  });
  await page.getByTestId('upload').click();
  await page.getByTestId('uploaded').waitFor({ timeout: 120_000 });
  expect(uploadRequests.some((r) => r.method() === 'POST'), 'no new upload was created').toBe(false);
  const firstPatch = uploadRequests.find((r) => r.method() === 'PATCH');
  expect(Number(await firstPatch?.headerValue('upload-offset'))).toBe(partial);

  // Submit: signed in the page with the key file, answered with a receipt on the database clock.
  await chooseKey(page);
  await page.getByTestId('submit-bid').click();
  const receiptView = page.getByTestId('receipt');
  await receiptView.waitFor({ timeout: 30_000 });
  expect(await receiptView.getByTestId('receipt-digest').innerText()).toBe(sealed.ciphertextSha256);
  expect(await receiptView.getByTestId('receipt-company').innerText()).toBe('示例建工集团有限公司');
  await expect.poll(() => page.getByTestId('bid-status').getAttribute('data-status')).toBe('submit');
  await screenshot(page, 'sealed-bid-receipt');
  const receiptDownload = page.waitForEvent('download');
  await receiptView.getByTestId('receipt-download').click();
  await (await receiptDownload).saveAs(at('receipt.json'));
  const receipt = JSON.parse(await readFile(at('receipt.json'), 'utf8'));
  expect(receipt.body).toMatchObject({ kind: 'submit', sectionId, ciphertextSha256: sealed.ciphertextSha256, envelopeBytes: sealed.envelopeBytes });

  // The real CLI verifies it against the running platform; a receipt altered by one byte fails.
  const verified = await ggzy(['verify-receipt', at('receipt.json'), '--api', platform.webUrl]);
  expect(verified.stdout).toMatch(/✓ 回执签名有效/);
  receipt.body.envelopeBytes += 1;
  await writeFile(at('tampered.json'), JSON.stringify(receipt));
  await expect(ggzy(['verify-receipt', at('tampered.json'), '--api', platform.webUrl])).rejects.toMatchObject({ code: 1 });

  // A bid sealed with the CLI opens in the page (the bidder's self-check), with the same key file.
  await writeFile(at('certificate.pem'), keyFile.certificatePem);
  const plain = randomBytes(3 * MiB + 17);
  await writeFile(at('cli-plain.bin'), plain);
  await ggzy(['seal', '--in', at('cli-plain.bin'), '--out', at('cli.ggzyenv'), '--to', at('certificate.pem')]);
  await chooseKey(page);
  await page.getByTestId('envelope-tools').locator('summary').click();
  await page.getByTestId('check-file').setInputFiles(at('cli.ggzyenv'));
  await expect.poll(() => page.getByTestId('check-result').getAttribute('data-sha256'), { timeout: 60_000 }).toBe(sha256(plain));

  // Replace the bid with a smaller one: the same steps, the button says so.
  const small = { commercial: at('商务文件-v2.pdf'), technical: at('技术方案-v2.pdf'), price: at('报价清单-v2.xlsx') };
  for (const path of Object.values(small)) await writeFile(path, randomBytes(256 * 1024));
  await fillBid(page, small, '12,000,000');
  await page.getByTestId('seal').click();
  await page.getByTestId('sealed').waitFor();
  await page.getByTestId('upload').click();
  await page.getByTestId('uploaded').waitFor({ timeout: 60_000 });
  expect(await page.getByTestId('submit-bid').innerText()).toContain('重新递交');
  await page.getByTestId('submit-bid').click();
  await expect.poll(() => page.getByTestId('bid-notice').innerText()).toContain('已重新递交');
  await expect.poll(() => page.getByTestId('submission').count()).toBe(2);

  // Another bidder, in its own browser, sees nothing of it: no status, no history, no receipt, no upload.
  const other = await platform.newPage();
  await signIn(other, platform.webUrl, 'bidder2');
  await other.waitForURL(`${platform.webUrl}/w/bidder`);
  await open(other, `${platform.webUrl}/w/bidder/sections/${sectionId}/bid`);
  expect(await other.getByTestId('bid-status').getAttribute('data-status')).toBe('none');
  expect(await other.getByTestId('submission').count()).toBe(0);
  const otherReceipt = await other.request.get(`${platform.webUrl}/api/trpc/bidding.receipt?input=${encodeURIComponent(JSON.stringify({ submissionId: receipt.body.submissionId }))}`);
  expect(otherReceipt.status()).toBe(404);
  const otherHead = await other.request.head(new URL(upload!.url, platform.webUrl).toString(), { headers: { 'tus-resumable': '1.0.0' } });
  expect(otherHead.status()).toBeGreaterThanOrEqual(400);

  // The tenderer sees that the company has a bid in, not when; the supervisor also sees when.
  const tenderer = await platform.newPage();
  await signIn(tenderer, platform.webUrl, 'tenderer');
  await tenderer.waitForURL(`${platform.webUrl}/w/tenderer`);
  await open(tenderer, `${platform.webUrl}/w/tenderer/sections/${sectionId}`);
  const row = tenderer.getByTestId('bidder-row').filter({ hasText: '示例建工集团有限公司' });
  await expect.poll(() => row.getAttribute('data-status')).toBe('submitted');
  expect(await tenderer.getByTestId('bidders').locator('th').count()).toBe(2);
  const supervisor = await platform.newPage();
  await signIn(supervisor, platform.webUrl, 'supervisor');
  await supervisor.waitForURL(`${platform.webUrl}/w/supervisor`);
  await open(supervisor, `${platform.webUrl}/w/supervisor/sections/${sectionId}`);
  await expect.poll(() => supervisor.getByTestId('bidder-row').first().locator('time').count()).toBe(1);

  // Withdraw: signed the same way; the status and the tenderer's list follow.
  await chooseKey(page);
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByTestId('withdraw-bid').click();
  await expect.poll(() => page.getByTestId('bid-notice').innerText()).toContain('投标已撤回');
  await expect.poll(() => page.getByTestId('bid-status').getAttribute('data-status')).toBe('withdraw');
  await tenderer.reload();
  await expect.poll(() => row.getAttribute('data-status')).toBe('withdrawn');
}, 420_000);

test('certificate login: the page signs the platform’s challenge with the .p12; a wrong password is told as such', async () => {
  const enrolling = await platform.newPage();
  await signIn(enrolling, platform.webUrl, 'bidder3');
  await enrolling.waitForURL(`${platform.webUrl}/w/bidder`);
  await enrol(enrolling, at('bidder3.p12'), '91990122MA0000081');

  const page = await platform.newPage();
  await open(page, `${platform.webUrl}/login`);
  const form = page.getByTestId('certificate-login');
  await form.locator('input[name=p12]').setInputFiles(at('bidder3.p12'));
  await form.locator('input[name=p12Password]').fill('not-the-password');
  await form.getByTestId('certificate-login-submit').click();
  await expect.poll(() => page.getByTestId('certificate-login-error').innerText()).toContain('证书口令错误');

  await form.locator('input[name=p12Password]').fill(P12_PASSWORD);
  await form.getByTestId('certificate-login-submit').click();
  await page.waitForURL(`${platform.webUrl}/w/bidder`);
  await expect.poll(() => page.getByTestId('account-organisation').innerText()).toBe('西山水利水电建设有限公司');
});

test.each(['rsa', 'sm2'] as const)('suite %s: a bid sealed in the browser opens with `ggzy open`, and one sealed with `ggzy seal` opens in the browser', async (algorithm) => {
  // A CA of this algorithm and a bidder's key file made the way the browser and the CLI make them.
  const ca = await createPlatformCa({ commonName: `E2E ${algorithm} CA`, organisation: 'E2E', validityYears: 1, algorithm, modulusLength: 2048 });
  const { privateKeyPem, csrPem } = await createKeyPairAndCsr({
    subject: { commonName: '示例建工集团有限公司', organisation: '示例建工集团有限公司', creditCode: creditCode('91990100MA0000061') },
    algorithm,
  });
  const { certificatePem } = issueCertificate({ ca, csrPem, usage: 'bidder', validityDays: 30 });
  await writeFile(at(`${algorithm}.pem`), certificatePem);
  await writeFile(at(`${algorithm}.p12`), toPkcs12({ certificatePem, privateKeyPem, password: P12_PASSWORD, chainPems: [ca.certificatePem] }));
  const suite = algorithm === 'sm2' ? SUITE_SM2_SM4 : SUITE_RSA_AES;

  // Browser → CLI: the page's sealing worker, then `ggzy open` with the key file.
  const content = randomBytes(2 * MiB + 3);
  await writeFile(at(`${algorithm}-技术.bin`), content);
  const page = await platform.newPage();
  await open(page, `${platform.webUrl}/dev/seal`);
  await page.locator('textarea[name=certificatePem]').fill(certificatePem);
  await page.locator('input[name=file]').setInputFiles(at(`${algorithm}-技术.bin`));
  const download = page.waitForEvent('download');
  await page.getByTestId('dev-seal').click();
  await (await download).saveAs(at(`${algorithm}-browser.ggzyenv`));
  expect(await page.getByTestId('dev-sealed').getAttribute('data-suite')).toBe(suite);
  await ggzy(['open', '--in', at(`${algorithm}-browser.ggzyenv`), '--out', at(`${algorithm}-browser.zip`), '--p12', at(`${algorithm}.p12`)], { GGZY_P12_PASSWORD: P12_PASSWORD });
  const bundle = await readBidBundle(new Uint8Array(await readFile(at(`${algorithm}-browser.zip`))));
  expect(sha256(await bundle.read(`technical/${algorithm}-技术.bin`))).toBe(sha256(content));

  // CLI → browser: `ggzy seal` to the certificate, opened by the page's worker with the key file.
  const plain = randomBytes(3 * MiB + 5);
  await writeFile(at(`${algorithm}-cli.bin`), plain);
  await ggzy(['seal', '--in', at(`${algorithm}-cli.bin`), '--out', at(`${algorithm}-cli.ggzyenv`), '--to', at(`${algorithm}.pem`)]);
  await page.locator('input[name=envelope]').setInputFiles(at(`${algorithm}-cli.ggzyenv`));
  await page.locator('input[name=p12]').setInputFiles(at(`${algorithm}.p12`));
  await page.locator('input[name=p12Password]').fill(P12_PASSWORD);
  await page.getByTestId('dev-open').click();
  await expect.poll(async () => (await page.getByTestId('dev-open-error').count()) ? await page.getByTestId('dev-open-error').innerText() : page.getByTestId('dev-opened').getAttribute('data-sha256'), { timeout: 60_000 }).toBe(sha256(plain));
});
