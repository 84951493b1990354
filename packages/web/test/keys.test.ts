/** Settings → API keys: create (shown once), use, revoke (with confirmation), and the 403 message. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ensureBuild,
  HAVE_CHROMIUM,
  launchBrowser,
  newContext,
  screenshot,
  signIn,
  startServer,
  type TestServer,
  waitFor,
} from './helpers.ts';

describe('API keys page', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let readKey = '';

  before(async () => {
    ensureBuild();
    server = await startServer();
    browser = await launchBrowser();
    context = await newContext(browser, server);
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await signIn(page, server.adminKey);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  test('lists keys and marks the one in use', async () => {
    // The sidebar's link: the empty organization's onboarding panel links to API keys too, and
    // once it has rendered a bare `link` locator matches both.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByText('This session').waitFor();
  });

  test('creates a key and shows it once with a copy button and a warning', async () => {
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByLabel('Name').fill('CI reader');
    // "Read" is preselected; the form sends the scopes ticked.
    await page.getByRole('form', { name: 'Create API key' }).getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByTestId('new-key');
    await shown.waitFor();
    readKey = (await shown.innerText()).trim();
    assert.match(readKey, /^swb_[0-9A-Za-z]{42}$/);
    assert.match(
      await page.getByRole('status').filter({ hasText: 'will not be shown again' }).innerText(),
      /will not be shown again/,
    );
    assert.equal(await page.getByRole('button', { name: 'Copy API key' }).count(), 1);
    await page.locator('tr', { hasText: 'CI reader' }).waitFor();
    await screenshot(page, 'keys');
    // The new key really works, with its scope.
    assert.equal((await server.api('GET', '/api/v1/sessions', undefined, readKey)).status, 200);
    assert.equal((await server.api('GET', '/api/v1/keys', undefined, readKey)).status, 403);
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByTestId('new-key').count(), 0);
  });

  test('a read-only key gets a clear "needs an admin key" message', async () => {
    const ctx = await newContext(browser, server);
    const p = await ctx.newPage();
    await signIn(p, readKey);
    await p.goto('/settings/keys');
    await p.getByRole('heading', { name: 'This page needs an admin key' }).waitFor();
    await ctx.close();
  });

  test('revokes a key after confirmation', async () => {
    const row = page.locator('tr', { hasText: 'CI reader' });
    await row.getByRole('button', { name: 'Revoke key CI reader' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /cannot be undone/);
    // Focus stays inside the dialog: Tab from the last button comes back to the first.
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim());
    assert.equal(await focused(), 'Cancel');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Revoke key');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Cancel');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(), 'Revoke key');
    // Escape cancels, and focus goes back to the row's button.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // Closed is not yet gone: the dialog is hidden at once and leaves the page when its close event
    // has run, which resets the page's state; a key pressed in between (a test is faster than a
    // person) reopened it only for that reset to close it again.
    await page.locator('dialog').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Revoke key CI reader');
    await row.getByRole('button', { name: 'Revoke key CI reader' }).click();
    await dialog.waitFor();
    // Cancel: nothing happens.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await server.api('GET', '/api/v1/sessions', undefined, readKey)).status, 200);
    await row.getByRole('button', { name: 'Revoke key CI reader' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await waitFor(
      () => row.innerText(),
      (t) => /Revoked/.test(t),
      'row marked revoked',
    );
    assert.equal((await server.api('GET', '/api/v1/sessions', undefined, readKey)).status, 401);
  });
});
