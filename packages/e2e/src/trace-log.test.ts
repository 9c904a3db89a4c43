import { rewriteHistory } from '@ggzy/audit/testing';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { expectHeading, open, signIn, usePlatform } from './harness';
import { screenshot } from './screenshots';

const platform = usePlatform();

async function traceSize(page: import('playwright-core').Page): Promise<number> {
  return Number(await page.getByTestId('trace-size').innerText());
}

test('the portal’s trace-log panel grows live when someone signs in elsewhere', async () => {
  const portal = await platform.newPage();
  await open(portal, `${platform.webUrl}/`);
  await expectHeading(portal, '示例市公共资源交易平台');
  for (const type of ['工程建设', '政府采购', '国有产权', '土地使用权', '排污权']) {
    expect(await portal.getByRole('heading', { name: type, exact: true }).count()).toBe(1);
  }
  // Each type lists its newest published sections, or says there are none (the demo data publishes some).
  let listed = 0;
  for (const type of ['construction', 'procurement', 'stateProperty', 'landUse', 'emissions']) {
    const panel = portal.getByTestId(`type-${type}`);
    const items = await panel.getByTestId('latest-section').count();
    expect(items > 0 ? 0 : 1, type).toBe(await panel.getByText('暂无公告').count());
    listed += items;
  }
  expect(listed).toBeGreaterThan(0);
  await expect.poll(() => portal.getByTestId('trace-connection').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
  // Let anything already under way settle, then take the figure.
  await new Promise((r) => setTimeout(r, 1500));
  const before = await traceSize(portal);
  await portal.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });
  await screenshot(portal, 'portal-home');

  const elsewhere = await platform.newPage();
  await signIn(elsewhere, platform.webUrl, 'bidder3');
  await elsewhere.waitForURL(`${platform.webUrl}/w/bidder`);

  await expect.poll(() => traceSize(portal), { timeout: 20_000 }).toBeGreaterThan(before);
  expect(await portal.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
});

test('the supervisor filters the trace log by action and verifies a sequenced entry in the browser', async () => {
  const page = await platform.newPage();
  await signIn(page, platform.webUrl, 'supervisor');
  await page.waitForURL(`${platform.webUrl}/w/supervisor`);
  await page.getByTestId('trace-link').click();
  await page.waitForURL(`${platform.webUrl}/w/supervisor/trace`);
  await expectHeading(page, '全过程留痕查询');

  await page.getByLabel('操作（前缀）').fill('auth.login');
  await page.getByRole('button', { name: '查询', exact: true }).click();
  await page.waitForURL((url) => url.searchParams.get('action') === 'auth.login');

  // The supervisor's own sign-in is there; reload until the sequencer has given it an index.
  const sequencedLogin = page.locator('[data-testid=trace-row][data-action="auth.login"]:not([data-seq=""])');
  const deadline = Date.now() + 20_000;
  for (;;) {
    await open(page, page.url());
    if ((await sequencedLogin.count()) > 0) break;
    if (Date.now() > deadline) throw new Error('no sequenced auth.login row appeared');
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(await page.getByLabel('操作（前缀）').inputValue()).toBe('auth.login');
  const rows = page.getByTestId('trace-row');
  for (const action of await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')))) {
    expect(action?.startsWith('auth.login')).toBe(true);
  }
  const row = sequencedLogin.first();
  expect(await row.innerText()).toContain('行政监督');
  await row.getByRole('button', { name: '验证' }).click();
  await expect.poll(() => row.getByTestId('verdict').textContent(), { timeout: 15_000 }).toMatch(/^✓ 已验证（树大小 \d+）$/);
  await screenshot(page, 'trace-viewer');
});

test('the public verify page checks an entry against the signed checkpoint', async () => {
  const page = await platform.newPage();
  await open(page, `${platform.webUrl}/verify`);
  expect(await page.getByTestId('verifier-key').innerText()).toContain('+');
  expect(await page.getByTestId('checkpoint-note').innerText()).toContain('—');
  await page.getByLabel('记录序号').fill('0');
  await page.getByRole('button', { name: '验证', exact: true }).click();
  await expect.poll(() => page.getByTestId('verdict').textContent(), { timeout: 15_000 }).toContain('✓ 第 0 条记录包含在已签名的检查点中');
  await screenshot(page, 'verify');
});

async function logVerdict(page: Page, state: 'intact' | 'broken'): Promise<string> {
  const banner = page.getByTestId('log-verdict');
  await expect.poll(() => banner.getAttribute('data-state'), { timeout: 30_000 }).toBe(state);
  return banner.innerText();
}

async function lookUp(page: Page, index: number, leaf?: string): Promise<string> {
  await page.getByLabel('记录序号').fill(String(index));
  await page.getByLabel('叶子哈希（可选，取自回执）').fill(leaf ?? '');
  await page.getByRole('button', { name: '验证', exact: true }).click();
  const verdict = page.getByTestId('verdict');
  await expect.poll(() => verdict.textContent(), { timeout: 15_000 }).toMatch(/^[✓✗]/);
  return (await verdict.textContent()) ?? '';
}

// Last in this file: it rewrites the platform's history for good.
test('a history rewritten by the database owner and re-signed by the platform turns the overall verdict red, and /verify refuses the deleted entry', async () => {
  const DROP = 4;
  const BLAME = 2;
  const page = await platform.newPage();
  await signIn(page, platform.webUrl, 'supervisor');
  await page.waitForURL(`${platform.webUrl}/w/supervisor`);
  await open(page, `${platform.webUrl}/w/supervisor/trace`);
  const intact = await logVerdict(page, 'intact');
  expect(intact).toMatch(/✓ 完整 · 树大小 \d+ · 根哈希 [0-9a-f]{16}…/);
  expect(intact).toContain('首次访问');
  const pinnedKey = await page.getByTestId('pinned-key').innerText();

  // The same browser on the public page: the log extends what the viewer remembered.
  await open(page, `${platform.webUrl}/verify`);
  expect(await logVerdict(page, 'intact')).toContain('日志延续了本浏览器此前记住的检查点');
  const rememberedSize = Number(await page.getByTestId('log-verdict').getAttribute('data-size'));
  // What a receipt holder keeps of entry DROP: its index and leaf hash.
  expect(await lookUp(page, DROP)).toContain(`✓ 第 ${DROP} 条记录包含在已签名的检查点中`);
  const receiptLeaf = await page.getByTestId('leaf-hash').innerText();
  expect(receiptLeaf).toMatch(/^[0-9a-f]{64}$/);
  expect(await lookUp(page, DROP, receiptLeaf)).toContain(`✓ 第 ${DROP} 条记录包含在已签名的检查点中`);

  // Let the sequencer place what the visits above appended, then rewrite as the database owner:
  // entry DROP left out, entry BLAME blamed on another account; the platform's sequencer, key
  // untouched, signs fresh checkpoints over the edited history.
  await new Promise((r) => setTimeout(r, 1500));
  await platform.asDatabaseOwner((db) => rewriteHistory(db, { drop: DROP, blame: { seq: BLAME, actorName: '赵刚（西山水利）' } }));
  const status = async () => {
    const response = await fetch(`${platform.webUrl}/api/trpc/log.status`);
    return ((await response.json()) as { result: { data: { sequenced: number; pending: number; verifierKey: string } } }).result.data;
  };
  // As a forger would, the rewritten log grows back to what was seen (else it is also a shrink): someone signs in.
  await signIn(await platform.newPage(), platform.webUrl, 'bidder3');
  await expect
    .poll(
      async () => {
        const now = await status();
        return now.sequenced >= rememberedSize && now.pending === 0;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  expect((await status()).verifierKey).toBe(pinnedKey);

  // The supervisor's viewer: red, naming the fork at its first index; no row is ✓ under it.
  await open(page, `${platform.webUrl}/w/supervisor/trace`);
  const broken = await logVerdict(page, 'broken');
  expect(broken).toContain('✗ 日志未通过整体验证');
  expect(broken).toContain(`分叉：从第 ${BLAME} 条起，历史与此前记住的检查点`);
  const banner = page.getByTestId('log-verdict');
  expect(await banner.getAttribute('data-problem')).toBe('fork');
  expect(await banner.getAttribute('data-index')).toBe(String(BLAME));
  const row = page.locator('[data-testid=trace-row]:not([data-seq=""])').first();
  await row.getByRole('button', { name: '验证' }).click();
  await expect.poll(() => row.getByTestId('verdict').textContent(), { timeout: 15_000 }).toBe('✗ 日志未通过整体验证，不能确认其中任何记录');
  await screenshot(page, 'trace-viewer-fork');

  // The English switch names it too.
  await page.context().addCookies([{ name: 'lang', value: 'en', url: platform.webUrl }]);
  await open(page, page.url());
  expect(await logVerdict(page, 'broken')).toContain(`Fork: from entry ${BLAME} on, the history differs`);
  await page.context().addCookies([{ name: 'lang', value: 'zh', url: platform.webUrl }]);

  // The same browser on /verify: the remembered checkpoint is not extended (red), and the receipt's entry is refused.
  await open(page, `${platform.webUrl}/verify`);
  expect(await logVerdict(page, 'broken')).toContain('分叉');
  expect(await lookUp(page, DROP, receiptLeaf)).toBe('✗ 验证失败：日志未通过整体验证，不能确认其中任何记录');

  // A visitor who never saw the log before cannot tell the fork, but the receipt's entry is refused as gone, not ✓.
  const stranger = await platform.newPage();
  await open(stranger, `${platform.webUrl}/verify?index=${DROP}&leaf=${receiptLeaf}`);
  expect(await logVerdict(stranger, 'intact')).toContain('首次访问');
  await expect.poll(() => stranger.getByTestId('verdict').textContent(), { timeout: 15_000 }).toBe(
    `✗ 验证失败：该记录已不在日志中：第 ${DROP} 条现在是另一条记录（叶子哈希不同），原记录已被删除或替换`,
  );
  await screenshot(stranger, 'verify-gone');
});
