/**
 * Notifications against a real server and its live stream: they follow the Sessions page's
 * filters, land in the bell's list with an unread count (click → the session, mark all read),
 * notify what the person chose (failed, handoff, error, slow first response with its threshold),
 * remember the choice per browser, and the browser-notification button asks the browser and says
 * when it refused.
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
  waitFor,
} from './helpers.ts';

describe('notifications', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let n = 0;

  const start = async (channel: string, agent = { id: 'support-bot', name: 'Support Bot' }) => {
    const id = `notify-${++n}`;
    await server.ingest([
      { type: 'session', body: { id, agent, channel, type: channel === 'phone' ? 'voice' : 'chat' } },
    ]);
    return id;
  };
  const fail = async (id: string, reason: string) => {
    const res = await server.api('PATCH', `/api/v1/sessions/${id}`, { status: 'failed', endedReason: reason });
    assert.equal(res.status, 200);
  };
  const unread = async () => {
    const badge = page.getByTestId('unread-count');
    return (await badge.count()) ? (await badge.innerText()).trim() : '0';
  };
  const bell = () => page.getByRole('button', { name: /^Notifications/ });
  const openPanel = async () => {
    if ((await bell().getAttribute('aria-expanded')) !== 'true') await bell().click();
    await page.getByTestId('notification-panel').waitFor();
  };
  const waitLive = () =>
    waitFor(
      () => page.getByTestId('live-indicator').getAttribute('data-status'),
      (v) => v === 'live',
      'live stream',
    );

  before(async () => {
    ensureBuild();
    server = await startServer();
    await start('web');
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

  test('only sessions the Sessions page’s filters show notify; they collect under the bell', async () => {
    await page.goto('/?channel=phone');
    await waitLive();
    assert.equal(await unread(), '0');
    const web = await start('web');
    const phone = await start('phone', { id: 'voice-concierge', name: 'Voice Concierge' });
    await fail(web, 'web_crash');
    await fail(phone, 'sip_timeout');
    await page.getByTestId('toast').filter({ hasText: 'Voice Concierge' }).waitFor();
    await waitFor(unread, (v) => v === '1', 'one unread');
    assert.equal(
      await page.getByTestId('toast').filter({ hasText: 'web_crash' }).count(),
      0,
      'the web session is filtered out',
    );

    // Still the Sessions page's filters on another page.
    await page.goto('/agents');
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    await waitLive();
    const web2 = await start('web');
    const phone2 = await start('phone');
    await fail(web2, 'web_crash_2');
    await fail(phone2, 'carrier_drop');
    await waitFor(unread, (v) => v === '2', 'two unread');
    assert.equal(await page.getByTestId('toast').filter({ hasText: 'web_crash_2' }).count(), 0);

    await openPanel();
    const items = page.getByTestId('notification');
    assert.equal(await items.count(), 2);
    await textMatching(items.first(), /Session failed .*Support Bot · Phone · carrier_drop/);
    await textMatching(page.getByTestId('notify-scope'), /Phone/);
    await screenshot(page, 'notifications-panel-desktop', { fullPage: false });

    await items.filter({ hasText: 'sip_timeout' }).click();
    await page.waitForURL(`**/sessions/${phone}`);
    await waitFor(unread, (v) => v === '1', 'opening one marks it read');
    await openPanel();
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await waitFor(unread, (v) => v === '0', 'all read');
    assert.equal(await page.getByTestId('notification').count(), 2, 'read ones stay in the list');
    await page.keyboard.press('Escape');
  });

  test('handoffs, errors and slow first responses notify when chosen; the choice and the list survive a reload', async () => {
    await page.goto('/');
    await waitLive();
    await openPanel();
    await page.getByLabel('Handed to a human').check();
    await page.getByLabel('Error in a session').check();
    await page.getByLabel('Slow first response').check();
    await page.getByLabel('Threshold in seconds').fill('4');
    await page.getByLabel('Session failed').uncheck();
    await page.keyboard.press('Escape');

    await page.reload();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    await waitLive();
    await openPanel();
    assert.equal(await page.getByLabel('Handed to a human').isChecked(), true, 'kept per browser');
    assert.equal(await page.getByLabel('Session failed').isChecked(), false);
    assert.equal(await page.getByLabel('Threshold in seconds').inputValue(), '4');
    assert.equal(await page.getByTestId('notification').count(), 2, 'the list is kept too');
    await page.keyboard.press('Escape');

    const handed = await start('whatsapp', { id: 'refund-bot', name: 'Refund Bot' });
    await server.ingest([
      {
        type: 'event',
        body: { sessionId: handed, type: 'agent_handoff', data: { from: 'refund-bot', to: 'Dana (billing)' } },
      },
    ]);
    await page.getByTestId('toast').filter({ hasText: 'to Dana (billing)' }).waitFor();

    const broken = await start('telegram');
    await server.ingest([
      { type: 'event', body: { sessionId: broken, type: 'error', data: { message: 'CRM timed out' } } },
    ]);
    await page.getByTestId('toast').filter({ hasText: 'CRM timed out' }).waitFor();

    // A quick first answer, then a slow one: not a slow *first* response.
    const quick = await start('web');
    await server.ingest([
      { type: 'message', body: { sessionId: quick, sender: 'user', content: 'hi' } },
      { type: 'message', body: { sessionId: quick, sender: 'agent', content: 'hello', latencyMs: 800 } },
      { type: 'message', body: { sessionId: quick, sender: 'user', content: 'and?' } },
      { type: 'message', body: { sessionId: quick, sender: 'agent', content: 'slow', latencyMs: 9_000 } },
    ]);
    const slow = await start('web', { id: 'sales-assistant', name: 'Sales Assistant' });
    await server.ingest([
      { type: 'message', body: { sessionId: slow, sender: 'user', content: 'hi' } },
      { type: 'message', body: { sessionId: slow, sender: 'agent', content: 'finally', latencyMs: 6_500 } },
    ]);
    await page.getByTestId('toast').filter({ hasText: 'Sales Assistant' }).waitFor();
    await textMatching(
      page.getByTestId('toast').filter({ hasText: 'Sales Assistant' }),
      /Slow first response .*6\.5 s/,
    );

    // Failed is off now.
    const failed = await start('web');
    await fail(failed, 'off_by_choice');
    await waitFor(unread, (v) => v === '3', 'handoff, error and slow: three unread');
    await openPanel();
    const texts = await page.getByTestId('notification').allInnerTexts();
    assert.equal(texts.length, 5);
    assert.ok(!texts.some((t) => t.includes('off_by_choice')), 'failed sessions no longer notify');
    assert.ok(!texts.some((t) => t.includes('Slow') && t.includes('9.0 s')), 'a slow later answer does not notify');
    await page.keyboard.press('Escape');
  });

  test('the browser-notification button asks the browser, and says when it refuses', async () => {
    await page.goto('/');
    await openPanel();
    // Headless Chromium refuses permission prompts nobody can answer.
    await page.getByRole('button', { name: 'Allow' }).click();
    await textMatching(page.getByTestId('desktop-denied'), /blocked notifications for this site/);

    await context.grantPermissions(['notifications']);
    const allowed = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
    await allowed.grantPermissions(['notifications'], { origin: server.url });
    const p2 = await allowed.newPage();
    await signIn(p2, server.adminKey);
    await p2.getByRole('button', { name: /^Notifications/ }).click();
    await p2.getByRole('button', { name: 'Allow' }).click();
    await textMatching(p2.getByTestId('notification-panel'), /Browser notifications are on/);
    await p2.getByRole('button', { name: 'Turn off' }).click();
    await p2.getByRole('button', { name: 'Allow' }).waitFor();
    await allowed.close();
  });

  test('screenshots: the bell and its panel at phone and desktop size, light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [name, size] of [
        ['phone', { width: 390, height: 844 }],
        ['desktop', { width: 1280, height: 800 }],
      ] as const) {
        await page.setViewportSize(size);
        await page.goto('/');
        await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
        await openPanel();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${name} ${scheme}: the page scrolls sideways by ${overflow} px`);
        await screenshot(page, `notifications-${name}-${scheme}`, { fullPage: false });
        await page.keyboard.press('Escape');
      }
    }
  });
});
