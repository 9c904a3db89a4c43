import { expect, test } from 'vitest';
import { DEMO_PASSWORD, expectHeading, hydrated, open, signIn, usePlatform } from './harness';
import { screenshot } from './screenshots';

const platform = usePlatform();

const WORKSPACES = [
  { username: 'bidder1', role: 'bidder', title: '投标人工作台' },
  { username: 'tenderer', role: 'tenderer', title: '招标人工作台' },
  { username: 'agency', role: 'agency', title: '招标代理工作台' },
  { username: 'expert1', role: 'expert', title: '评标专家工作台' },
  { username: 'centre', role: 'centre', title: '交易中心工作台' },
  { username: 'supervisor', role: 'supervisor', title: '行政监督工作台' },
  { username: 'guarantor', role: 'guarantor', title: '保函机构工作台' },
] as const;

test('each of the seven roles signs in through the form and lands on its own workspace', async () => {
  for (const { username, role, title } of WORKSPACES) {
    const page = await platform.newPage();
    await signIn(page, platform.webUrl, username);
    await page.waitForURL(`${platform.webUrl}/w/${role}`);
    const workspace = page.getByTestId('workspace');
    await expect.poll(() => workspace.getAttribute('data-role')).toBe(role);
    await expectHeading(page, title);
    // The header names who is signed in, and the page shows the account.
    expect(await page.getByTestId('who').innerText()).toContain('退出登录');
    expect(await page.getByTestId('account-name').innerText()).not.toBe('');
    if (role === 'bidder') await screenshot(page, 'workspace-bidder');
    await page.context().close();
  }
});

test('a wrong password shows the API’s message, stays on /login and keeps the username', async () => {
  const page = await platform.newPage();
  await signIn(page, platform.webUrl, 'bidder2', 'Wrong-password-1');
  await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('用户名或密码错误');
  expect(new URL(page.url()).pathname).toBe('/login');
  expect(await page.getByLabel('用户名').inputValue()).toBe('bidder2');
  await screenshot(page, 'login-wrong-password');
});

test('a bidder opening the centre’s workspace gets 无权访问; the public is sent to sign in', async () => {
  const page = await platform.newPage();
  await signIn(page, platform.webUrl, 'bidder1');
  await page.waitForURL(`${platform.webUrl}/w/bidder`);
  const response = await page.goto(`${platform.webUrl}/w/centre`);
  expect(response?.status()).toBe(403);
  await expectHeading(page, '无权访问');
  expect(await page.getByTestId('workspace').count()).toBe(0);
  expect(await page.getByTestId('accounts-table').count()).toBe(0);
  // The refusal is the API's too, and in the trace log (README, "Refusals").
  const login = await fetch(`${platform.apiUrl}/api/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: 'ggzy_csrf=c', 'x-csrf-token': 'c' },
    body: JSON.stringify({ username: 'supervisor', password: DEMO_PASSWORD }),
  });
  const session = login.headers.getSetCookie().find((c) => c.startsWith('ggzy_session='))!.split(';')[0]!;
  const search = await fetch(`${platform.apiUrl}/api/trpc/log.search?input=${encodeURIComponent(JSON.stringify({ action: 'auth.denied', targetType: 'page' }))}`, { headers: { cookie: session } });
  const found = ((await search.json()) as { result: { data: Array<{ actorName: string; targetId: string; details: Record<string, string> }> } }).result.data;
  expect(found).toContainEqual(expect.objectContaining({ actorName: 'bidder1', targetId: '/w/centre', details: expect.objectContaining({ reason: 'wrong-workspace' }) }));

  const anonymous = await platform.newPage();
  await anonymous.goto(`${platform.webUrl}/w/bidder`);
  await anonymous.waitForURL((url) => url.pathname === '/login');
  expect(new URL(anonymous.url()).searchParams.get('next')).toBe('/w/bidder');
  await expectHeading(anonymous, '用户登录');
  // Signing in there goes on to the page that was asked for.
  await hydrated(anonymous);
  await anonymous.getByLabel('用户名').fill('bidder2');
  await anonymous.getByLabel('密码').fill(DEMO_PASSWORD);
  await anonymous.getByRole('button', { name: '登录', exact: true }).click();
  await anonymous.waitForURL(`${platform.webUrl}/w/bidder`);
  await expectHeading(anonymous, '投标人工作台');
});

test('the language switch turns the bidder workspace into English and back', async () => {
  const page = await platform.newPage();
  await signIn(page, platform.webUrl, 'bidder1');
  await page.waitForURL(`${platform.webUrl}/w/bidder`);
  await hydrated(page);
  await expectHeading(page, '投标人工作台');
  expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');

  await page.getByTestId('lang-switch').click();
  await expectHeading(page, 'Bidder workspace');
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  expect(await page.getByTestId('who').innerText()).toContain('Sign out');
  // The choice is a cookie: it survives a reload.
  await page.reload();
  await expectHeading(page, 'Bidder workspace');
  await hydrated(page);

  await page.getByTestId('lang-switch').click();
  await expectHeading(page, '投标人工作台');
  expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
});

test('signing out returns to the portal, and /w then asks to sign in', async () => {
  const page = await platform.newPage();
  await signIn(page, platform.webUrl, 'bidder4');
  await page.waitForURL(`${platform.webUrl}/w/bidder`);
  await page.getByTestId('sign-out').click();
  await page.waitForURL(`${platform.webUrl}/`);
  await expectHeading(page, '示例市公共资源交易平台');
  expect(await page.getByTestId('who').count()).toBe(0);

  await open(page, `${platform.webUrl}/w`);
  await page.waitForURL((url) => url.pathname === '/login');
  expect(new URL(page.url()).searchParams.get('next')).toBe('/w');
});
