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
