import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { cautiousCalendar, legalSchedule } from '@ggzy/domain';
import { expectHeading, hydrated, open, signIn, usePlatform } from './harness';
import { screenshot } from './screenshots';

const platform = usePlatform();

/** A `datetime-local` value in Beijing time, to the second. */
function beijing(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19);
}

/**
 * Dates from the rules, not fixed offsets: the earliest legal schedule (plus `marginDays`) for
 * documents starting now, on the cautious calendar, which holds whatever holidays the demo loaded.
 */
function schedule(marginDays: number) {
  const from = new Date();
  return { from, ...legalSchedule({ type: 'construction', method: 'open', documentsFrom: from, calendar: cautiousCalendar(), marginDays }) };
}

/** A small file that looks like a PDF (header, a body, the trailer), different every run. */
function pdfLike(): Buffer {
  return Buffer.concat([
    Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n', 'latin1'),
    randomBytes(2048),
    Buffer.from('\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1'),
  ]);
}

async function fillSection(page: Page, fields: { project: string; section: string; from: string; until: string; deadline: string }) {
  const form = page.getByTestId('section-form');
  await form.locator('input[name=projectName]').fill(fields.project);
  await form.locator('select[name=type]').selectOption('construction');
  await form.locator('select[name=method]').selectOption('open');
  // The tenderer commissions the demo agency from the list the platform offers.
  await form.locator('select[name=partnerId]').selectOption({ label: '示例工程招标代理有限公司' });
  await form.locator('input[name=sectionName]').fill(fields.section);
  await form.getByLabel('估算价 / 招标控制价（元）').fill('10,000,000');
  await form.getByLabel('投标保证金（元）').fill('200000.00');
  await form.locator('input[name=documentsFrom]').fill(fields.from);
  await form.locator('input[name=documentsUntil]').fill(fields.until);
  await form.locator('input[name=deadline]').fill(fields.deadline);
}

async function newSectionForm(page: Page): Promise<void> {
  await signIn(page, platform.webUrl, 'tenderer');
  await page.waitForURL(`${platform.webUrl}/w/tenderer`);
  await page.getByTestId('new-section').click();
  await page.waitForURL(`${platform.webUrl}/w/tenderer/new`);
  await expectHeading(page, '新建标段');
}

test('a deadline less than 20 days after the documents start is refused beside the field, with the 20-day rule', async () => {
  const page = await platform.newPage();
  await newSectionForm(page);
  // The documents stay available the 5-day minimum (rolled past rest days); the deadline comes half
  // an hour after they close, which is less than 20 days on any date.
  const legal = schedule(0);
  const deadline = new Date(legal.documentsUntil.getTime() + 30 * 60_000);
  await fillSection(page, { project: '二十日规则检验项目', section: '施工', from: beijing(legal.from), until: beijing(legal.documentsUntil), deadline: beijing(deadline) });
  await page.getByTestId('save-section').click();

  const message = page.getByTestId('field-error-section.deadline');
  await expect.poll(() => message.count()).toBe(1);
  expect(await message.innerText()).toContain('不得少于20日（招标投标法第二十四条）');
  expect(await message.innerText()).toMatch(/投标截止日最早为 \d{4}-\d{2}-\d{2}/);
  expect(await page.getByTestId('field-error-section.documentsUntil').count()).toBe(0);
  expect(await page.locator('input[name=deadline]').getAttribute('aria-invalid')).toBe('true');
  expect(await page.getByTestId('form-error').innerText()).toContain('请按各字段旁的提示修改');
  // Nothing was created: still on the form, with what was typed.
  expect(new URL(page.url()).pathname).toBe('/w/tenderer/new');
  expect(await page.locator('input[name=projectName]').inputValue()).toBe('二十日规则检验项目');
  await screenshot(page, 'tender-rule-refused');
});

test('a tenderer publishes a section; a bidder finds it, obtains the documents and asks; the answer reaches it; every step is traced', async () => {
  const marker = `E2E${Date.now().toString(36).toUpperCase()}`;
  const projectName = `示例市${marker}道路改造工程`;
  const file = pdfLike();
  const fileSha = createHash('sha256').update(file).digest('hex');
  const question = `第三章技术要求中沥青面层厚度是否为 5 厘米？（${marker}）`;
  const answer = `沥青面层厚度为 5 厘米，详见第三章第 2 条。（${marker}）`;

  // The tenderer drafts the section through the form.
  const tenderer = await platform.newPage();
  await newSectionForm(tenderer);
  const legal = schedule(5);
  await fillSection(tenderer, { project: projectName, section: '施工总承包', from: beijing(legal.from), until: beijing(legal.documentsUntil), deadline: beijing(legal.deadline) });
  await tenderer.getByTestId('save-section').click();
  await tenderer.waitForURL((url) => /^\/w\/tenderer\/sections\/[0-9a-f-]{36}$/.test(url.pathname));
  const sectionId = new URL(tenderer.url()).pathname.split('/').pop()!;
  await expect.poll(() => tenderer.getByTestId('created-notice').count()).toBe(1);
  expect(await tenderer.getByTestId('section-state').first().getAttribute('data-state')).toBe('draft');

  // Uploads the documents, with a progress bar, and sees the stored file's digest.
  await tenderer.getByTestId('upload-input').setInputFiles({ name: '招标文件.pdf', mimeType: 'application/pdf', buffer: file });
  await expect.poll(() => tenderer.getByTestId('upload').getAttribute('data-state')).toBe('done');
  expect(await tenderer.locator('[data-testid=upload] progress').getAttribute('value')).toBe('1');
  const stored = tenderer.locator('[data-testid=own-document][data-filename="招标文件.pdf"]');
  await expect.poll(() => stored.count()).toBe(1);
  expect(await stored.innerText()).toContain(fileSha);

  // Corrects the draft before publishing (the form comes back with what was saved).
  await tenderer.getByTestId('edit-panel').locator('summary').click();
  const edit = tenderer.getByTestId('edit-panel').getByTestId('section-form');
  expect(await edit.getByLabel('估算价 / 招标控制价（元）').inputValue()).toBe('10000000');
  await edit.getByLabel('投标有效期（日）').fill('120');
  await edit.getByTestId('save-section').click();
  await expect.poll(() => edit.getByTestId('form-saved').count()).toBe(1);
  await expect.poll(() => tenderer.getByTestId('own-facts').innerText()).toContain('120 日');

  // And publishes it.
  await tenderer.getByTestId('publish').click();
  await expect.poll(() => tenderer.getByTestId('section-state').first().getAttribute('data-state')).toBe('announced');
  await expect.poll(() => tenderer.getByTestId('published-notice').count()).toBe(1);
  await screenshot(tenderer, 'tender-published');

  // A bidder finds it on the portal by keyword.
  const bidder = await platform.newPage();
  await signIn(bidder, platform.webUrl, 'bidder1');
  await bidder.waitForURL(`${platform.webUrl}/w/bidder`);
  await bidder.getByRole('link', { name: '交易信息', exact: true }).click();
  await bidder.waitForURL(`${platform.webUrl}/sections`);
  await bidder.getByLabel('关键词').fill(marker);
  await bidder.getByRole('button', { name: '检索', exact: true }).click();
  await bidder.waitForURL((url) => url.searchParams.get('keyword') === marker);
  const rows = bidder.getByTestId('search-row');
  await expect.poll(() => rows.count()).toBe(1);
  expect(await bidder.getByTestId('search-total').innerText()).toContain('共 1 条');
  await rows.first().getByRole('link', { name: '施工总承包' }).click();
  await bidder.waitForURL(`${platform.webUrl}/sections/${sectionId}`);
  await expectHeading(bidder, '施工总承包');
  expect(await bidder.getByTestId('fact-price').innerText()).toBe('¥10,000,000.00');
  expect(await bidder.getByTestId('fact-bond').innerText()).toBe('¥200,000.00');
  await expect.poll(() => bidder.locator('main').innerText()).toContain('示例工程招标代理有限公司');

  // The portal shows the timeline, in Beijing time.
  const keys = await bidder.getByTestId('timeline-entry').evaluateAll((items) => items.map((li) => li.getAttribute('data-key')));
  expect([...keys].sort()).toEqual(['deadline', 'documentsFrom', 'documentsUntil', 'published']);
  expect(keys.at(-1)).toBe('deadline');
  const deadline = bidder.locator('[data-testid=timeline-entry][data-key=deadline] time');
  expect(await deadline.innerText()).toBe(beijingShown(await deadline.getAttribute('datetime')));

  // Obtains the documents: the download succeeds and the bytes are the ones uploaded.
  const row = bidder.locator('[data-testid=document-row][data-filename="招标文件.pdf"]');
  expect(await row.getByTestId('document-sha256').innerText()).toBe(fileSha);
  const [download] = await Promise.all([bidder.waitForEvent('download'), row.getByTestId('download').click()]);
  expect(download.suggestedFilename()).toBe('招标文件.pdf');
  expect((await readFile((await download.path())!)).equals(file)).toBe(true);
  await expect.poll(() => row.getByTestId('download-result').innerText()).toContain('SHA-256 与公示一致');

  // Having obtained them, it asks a question.
  const ask = bidder.getByTestId('ask-form');
  await expect.poll(() => ask.count()).toBe(1);
  await ask.getByRole('textbox').fill(question);
  await ask.getByRole('button', { name: '提交问题' }).click();
  await expect.poll(() => ask.getByTestId('form-notice').innerText()).toContain('问题已提交');
  await expect.poll(() => bidder.locator('[data-testid=my-question][data-answered=false]').count()).toBe(1);
  await screenshot(bidder, 'tender-portal-detail');

  // The tenderer answers it (not close to the deadline: the deadline stays).
  await open(tenderer, tenderer.url());
  const asked = tenderer.locator('[data-testid=question][data-answered=false]');
  await expect.poll(() => asked.count()).toBe(1);
  expect(await asked.innerText()).toContain(question);
  await asked.getByTestId('choose-question').check();
  const answerForm = tenderer.getByTestId('answer-form');
  await answerForm.getByLabel('澄清内容').fill(answer);
  await answerForm.getByTestId('issue-answer').click();
  await expect.poll(() => answerForm.getByTestId('answer-notice').innerText()).toContain('澄清已发布');
  await expect.poll(() => tenderer.locator('[data-testid=question][data-answered=true]').count()).toBe(1);

  // The bidder sees the answer in its workspace…
  await open(bidder, `${platform.webUrl}/w/bidder`);
  const mine = bidder.locator('[data-testid=bidder-question][data-answered=true]');
  await expect.poll(() => mine.count()).toBe(1);
  expect(await mine.getByTestId('bidder-answer').innerText()).toContain(answer);
  expect(await bidder.locator('[data-testid=obtained-section]').getAttribute('data-section-id')).toBe(sectionId);
  expect(await bidder.getByTestId('bidder-notice').first().getAttribute('data-kind')).toBe('clarification');
  await screenshot(bidder, 'tender-bidder-workspace');

  // …and on the portal, anonymously, with the clarification on the timeline.
  await open(bidder, `${platform.webUrl}/sections/${sectionId}`);
  const clarification = bidder.getByTestId('clarification');
  expect(await clarification.count()).toBe(1);
  expect(await clarification.innerText()).toContain(question);
  expect(await clarification.innerText()).toContain(answer);
  expect(await bidder.locator('[data-testid=timeline-entry][data-key="notice:clarification"]').count()).toBe(1);

  // The public finds it on the home page under its type, and in the search by type (kept in the URL)…
  const visitor = await platform.newPage();
  await open(visitor, `${platform.webUrl}/`);
  const latest = visitor.getByTestId('type-construction').getByTestId('latest-section').filter({ hasText: projectName });
  expect(await latest.count()).toBe(1);
  expect(await latest.getByTestId('section-state').getAttribute('data-state')).toBe('announced');
  expect(await visitor.getByTestId('type-emissions').getByText('暂无公告').count()).toBe(1);
  await open(visitor, `${platform.webUrl}/sections?type=emissions`);
  expect(await visitor.getByTestId('search-total').innerText()).toContain('共 0 条');
  await visitor.locator('select[name=type]').selectOption('construction');
  await visitor.locator('select[name=regionCode]').selectOption('990000');
  await visitor.getByRole('button', { name: '检索', exact: true }).click();
  await visitor.waitForURL((url) => url.searchParams.get('type') === 'construction' && url.searchParams.get('regionCode') === '990000');
  await expect.poll(() => visitor.locator(`[data-testid=search-row][data-section-id="${sectionId}"]`).count()).toBe(1);
  expect(await visitor.locator('select[name=regionCode]').inputValue()).toBe('990000');
  await screenshot(visitor, 'tender-search');

  // …and its page, with a hint to sign in instead of a download button.
  await open(visitor, `${platform.webUrl}/sections/${sectionId}`);
  expect(await visitor.getByTestId('sign-in-hint').innerText()).toContain('以投标人身份登录');
  expect(await visitor.getByTestId('download').count()).toBe(0);
  expect(await visitor.getByTestId('clarification').innerText()).toContain(answer);
  const ocds = await visitor.request.get(`${platform.webUrl}${await visitor.getByTestId('ocds-link').getAttribute('href')}`);
  expect(ocds.status()).toBe(200);
  expect(JSON.stringify(await ocds.json())).toContain(sectionId);

  // The supervisor sees the section in the calendar and every step in the trace log.
  const supervisor = await platform.newPage();
  await signIn(supervisor, platform.webUrl, 'supervisor');
  await supervisor.waitForURL(`${platform.webUrl}/w/supervisor`);
  await supervisor.getByTestId('calendar-link').click();
  await supervisor.waitForURL(`${platform.webUrl}/w/supervisor/calendar`);
  const entry = supervisor.locator(`[data-testid=calendar-entry][data-section-id="${sectionId}"]`);
  await expect.poll(() => entry.count()).toBe(1);
  expect(await entry.getAttribute('data-held')).toBe('false');
  await screenshot(supervisor, 'tender-calendar');
  await entry.getByRole('link', { name: '施工总承包' }).click();
  await supervisor.waitForURL(`${platform.webUrl}/w/supervisor/sections/${sectionId}`);
  // Who obtained the documents: shown to the regulator, never to the tenderer.
  const downloads = supervisor.getByTestId('download-row');
  await expect.poll(() => downloads.count()).toBeGreaterThanOrEqual(1);
  expect(await downloads.first().innerText()).toContain('示例建工集团有限公司');

  await open(supervisor, `${platform.webUrl}/w/supervisor/trace`);
  await supervisor.getByLabel('对象编号').fill(sectionId);
  await supervisor.getByRole('button', { name: '查询', exact: true }).click();
  await supervisor.waitForURL((url) => url.searchParams.get('targetId') === sectionId);
  await hydrated(supervisor);
  const actions = await supervisor.getByTestId('trace-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')));
  for (const action of ['section.create', 'document.upload', 'section.publish', 'document.download', 'clarification.ask', 'clarification.answer', 'document.downloads.read']) {
    expect(actions, action).toContain(action);
  }
  await screenshot(supervisor, 'tender-trace');
});

test('the centre loads a year’s public holidays, and sees the calendar of openings', async () => {
  const page = await platform.newPage();
  await signIn(page, platform.webUrl, 'centre');
  await page.waitForURL(`${platform.webUrl}/w/centre`);
  await page.getByTestId('calendar-link').click();
  await page.waitForURL(`${platform.webUrl}/w/centre/calendar`);
  await expectHeading(page, '交易日程');
  await page.getByRole('link', { name: '节假日设置' }).first().click();
  await page.waitForURL((url) => url.pathname === '/w/centre/holidays');
  // This year's calendar came with the platform (the published notice, or a projection in demo data).
  await expect.poll(() => page.getByTestId('holidays-source').getAttribute('data-source')).toMatch(/^(published|projected)$/);
  expect(await page.getByTestId('holidays-missing').count()).toBe(0);
  // A year nothing covers yet: the demo loads the published notices and the projected next years.
  const year = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear() + 3;
  await open(page, `${platform.webUrl}/w/centre/holidays?year=${year}`);
  await expectHeading(page, `${year} 年法定节假日`);
  expect(await page.getByTestId('holiday-row').count()).toBe(0);
  expect(await page.getByTestId('holidays-source').getAttribute('data-source')).toBe('none');

  for (const [date, kind, name] of [[`${year}-10-01`, 'holiday', '国庆节'], [`${year}-10-10`, 'workday', '国庆调休']] as const) {
    await page.getByTestId('add-holiday').click();
    const row = page.getByTestId('holiday-row').last();
    await row.getByLabel('日期').fill(date);
    await row.getByLabel('类别').selectOption(kind);
    await row.getByLabel('名称').fill(name);
  }
  await page.getByTestId('save-holidays').click();
  await expect.poll(() => page.getByTestId('holidays-notice').innerText()).toContain(`已保存 ${year} 年的 2 条记录`);

  // Kept: a fresh load shows them, in date order.
  await open(page, page.url());
  const rows = page.getByTestId('holiday-row');
  expect(await rows.count()).toBe(2);
  expect(await rows.first().getByLabel('名称').inputValue()).toBe('国庆节');
  expect(await rows.last().getByLabel('类别').inputValue()).toBe('workday');
});

/** What the page should show for an instant: Beijing wall-clock time, to the second. */
function beijingShown(iso: string | null): string {
  return new Date(new Date(iso ?? '').getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}
