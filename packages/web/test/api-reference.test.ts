/**
 * The API reference at /api/docs, reached from the dashboard's navigation: Switchboard's page
 * around Scalar, served whole by this server, so it renders with every other host unreachable
 * (no internet), lists our routes, fits a phone, and stays out of the dashboard's first load.
 */
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
  textMatching,
} from './helpers.ts';

describe('API reference', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const outside: string[] = [];
  const cspErrors: string[] = [];

  before(async () => {
    ensureBuild();
    server = await startServer();
    browser = await launchBrowser();
    context = await newContext(browser, server);
    // Offline: anything not on this server fails, and is recorded.
    await context.route(
      (url) => url.origin !== server.url,
      async (route) => {
        outside.push(route.request().url());
        await route.abort('internetdisconnected');
      },
    );
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    await signIn(page, server.adminKey);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  test('the navigation links to it; it loads offline as Switchboard and shows our routes', async () => {
    const dashboardScripts: string[] = [];
    const onRequest = (r: { url: () => string }) => {
      if (/scalar/i.test(r.url())) dashboardScripts.push(r.url());
    };
    page.on('request', onRequest);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    page.off('request', onRequest);
    assert.deepEqual(dashboardScripts, [], 'the dashboard never loads the reference bundle');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API reference' }).click();
    await page.waitForURL('**/api/docs');
    assert.equal(await page.title(), 'API reference · Switchboard');
    await textMatching(page.locator('.sb-bar'), /Switchboard API reference/);
    // Scalar renders the document's operations by their summaries, grouped by tag (the first
    // group open).
    await page.getByText('Start a session').first().waitFor();
    await textMatching(page.locator('#reference'), /Switchboard API/);
    const text = await page.locator('#reference').innerText();
    for (const tag of ['Ingest', 'Sessions', 'Agents', 'Webhooks', 'Auth'])
      assert.match(text, new RegExp(tag), `tag ${tag}`);
    assert.doesNotMatch(text, /swagger/i);
    for (const summary of ['Append messages', 'Ingest a batch'])
      assert.match(text, new RegExp(summary), `operation ${summary}`);
    assert.deepEqual(outside, [], 'no request left this server');
    assert.deepEqual(cspErrors, [], 'nothing blocked by the page’s policy');
  });

  test('screenshots: phone and desktop, light and dark, without sideways scrolling', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [name, size] of [
        ['phone', { width: 390, height: 844 }],
        ['desktop', { width: 1280, height: 800 }],
      ] as const) {
        await page.setViewportSize(size);
        await page.goto('/api/docs');
        await page.getByRole('heading', { name: 'Switchboard API', level: 1 }).waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `${name} ${scheme}: scrolls sideways by ${overflow} px`);
        await screenshot(page, `api-reference-${name}-${scheme}`, { fullPage: false });
      }
    }
    assert.deepEqual(outside, [], 'no request left this server');
  });
});
