/**
 * The first visit: the page's head names the sessions list's chunks and their CSS, so the browser
 * fetches them while the main bundle is still arriving instead of in a second wave after it has
 * run; the sign-in check goes out with the list's own requests; and once the list's chunk is
 * loaded, the rows come with the shell, without the shell's "Loading…" in between (React holds a
 * page back 300 ms after showing a fallback).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import {
  ensureBuild,
  HAVE_CHROMIUM,
  launchBrowser,
  makeSessions,
  newContext,
  sessionItems,
  signIn,
  startServer,
  type TestServer,
} from './helpers.ts';

describe('landing on the sessions list', () => {
  let server: TestServer;
  let html: string;

  before(async () => {
    ensureBuild();
    server = await startServer();
    html = await (await fetch(`${server.url}/`)).text();
  });
  after(async () => {
    await server?.stop();
  });

  test('the head preloads the list page and every chunk it imports, each served', async () => {
    const preloads = [...html.matchAll(/<link rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(
      preloads.some((p) => /\/assets\/SessionsPage-[\w-]+\.js$/.test(p)),
      `no modulepreload of the SessionsPage chunk in:\n${html}`,
    );
    assert.equal(new Set(preloads).size, preloads.length, 'a chunk is preloaded twice');
    for (const p of preloads) {
      const res = await fetch(`${server.url}${p}`);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type') ?? '', /javascript/, p);
    }
  });

  test('the list page’s CSS is a stylesheet of the head, not a preload its chunk loader would fetch again', () => {
    const sheets = [...html.matchAll(/<link rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(sheets.length >= 2, `the main CSS and the list's:\n${html}`);
    assert.doesNotMatch(html, /rel="preload" as="style"/);
  });

  describe('a signed-in visit', { skip: !HAVE_CHROMIUM }, () => {
    let browser: Browser;
    let context: BrowserContext;

    before(async () => {
      await server.ingest(sessionItems(makeSessions(60)));
      browser = await launchBrowser();
      context = await newContext(browser, server);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await signIn(page, server.adminKey);
      await page.close();
    });
    after(async () => {
      await context?.close();
      await browser?.close();
    });

    test('the sign-in check goes out with the list, each file is fetched once, and the rows come without the shell’s fallback', async () => {
      const chunk = html.match(/href="(\/assets\/SessionsPage-[\w-]+\.js)"/)?.[1];
      assert.ok(chunk, 'no SessionsPage chunk in the head');
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      // Whether the shell's Suspense fallback (the "Loading…" directly in <main>) ever shows.
      await page.addInitScript(() => {
        const w = window as unknown as { __fallback: boolean };
        w.__fallback = false;
        new MutationObserver(() => {
          if (document.querySelector('main > div > [role="status"]')) w.__fallback = true;
        }).observe(document, { subtree: true, childList: true });
      });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(new URL(r.url()).pathname + new URL(r.url()).search));
      // The sign-in check is answered once the list's chunk has loaded (an import() of it in the
      // page settles only after the app's own has), so what is tested is the render, not a race.
      await page.route('**/api/v1/auth/me', async (route) => {
        await page.evaluate((url) => import(url).then(() => undefined), chunk);
        await route.continue();
      });
      await page.goto('/');
      await page.locator('tbody tr').nth(49).waitFor();

      const api = requests.filter((r) => r.startsWith('/api/'));
      const me = api.indexOf('/api/v1/auth/me');
      const list = api.findIndex((r) => r.startsWith('/api/v1/sessions?'));
      assert.ok(me >= 0 && list >= 0, api.join('\n'));
      assert.ok(me < list, `the sign-in check waited for the first render:\n${api.join('\n')}`);
      const assets = requests.filter((r) => r.startsWith('/assets/'));
      assert.deepEqual(
        assets.filter((a, i) => assets.indexOf(a) !== i),
        [],
        `a file fetched twice:\n${assets.join('\n')}`,
      );
      assert.equal(
        await page.evaluate(() => (window as unknown as { __fallback: boolean }).__fallback),
        false,
        'the shell showed its Loading… fallback before the list',
      );
      await page.close();
    });
  });
});
