import { expect, test } from 'vitest';
import { signIn, usePlatform } from './harness';
import { screenshot } from './screenshots';

const platform = usePlatform();

test('the centre disables bidder5, who can no longer sign in, then enables it again', async () => {
  const centre = await platform.newPage();
  await signIn(centre, platform.webUrl, 'centre');
  await centre.waitForURL(`${platform.webUrl}/w/centre`);
  const row = centre.getByTestId('account-bidder5');
  expect(await row.getAttribute('data-status')).toBe('active');

  await row.getByRole('button', { name: '停用' }).click();
  await expect.poll(() => row.getAttribute('data-status')).toBe('disabled');
  expect(await row.innerText()).toContain('已停用');
  expect(await centre.getByTestId('accounts-notice').innerText()).toContain('bidder5');
  await screenshot(centre, 'workspace-centre');

  const bidder = await platform.newPage();
  await signIn(bidder, platform.webUrl, 'bidder5');
  await expect.poll(() => bidder.getByTestId('login-error').textContent()).toContain('账号已停用');
  expect(new URL(bidder.url()).pathname).toBe('/login');

  await row.getByRole('button', { name: '启用' }).click();
  await expect.poll(() => row.getAttribute('data-status')).toBe('active');

  // And the account works again.
  await signIn(bidder, platform.webUrl, 'bidder5');
  await bidder.waitForURL(`${platform.webUrl}/w/bidder`);
});
