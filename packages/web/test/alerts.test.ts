/**
 * The Alerts page: an admin creates a rule in the form (its preview shows the value now), real
 * ingest makes it fire, and the page, the header bell and a toast say so. Screenshots at phone
 * and desktop size, light and dark.
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

describe('Alerts page', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    ensureBuild();
    server = await startServer({ SWITCHBOARD_ALERT_INTERVAL: '1' });
    browser = await launchBrowser();
    context = await newContext(browser, server);
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await signIn(page, server.adminKey);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  test('a rule created in the form fires when a phone call comes in, in the list, the bell and a toast', async () => {
    await page.getByRole('link', { name: 'Alerts' }).first().click();
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    await page.getByTestId('alerts-empty').waitFor();
    await page.getByRole('button', { name: 'New alert' }).click();
    const form = page.getByRole('form', { name: 'Alert rule' });
    await form.getByLabel('Name').fill('Phone line busy');
    await form.getByLabel('When').selectOption({ label: 'Active sessions (now)' });
    await form.getByLabel('Comparison').selectOption('gte');
    await form.getByLabel('Threshold').fill('1');
    await form.getByLabel('Sessions').fill('channel=phone');
    // The preview is the server's value for these settings: no phone call yet.
    await textMatching(page.getByTestId('preview-value'), /^0$/);
    await textMatching(form.getByRole('region', { name: 'Preview' }), /Would stay OK/);
    await screenshot(page, 'alerts-form-desktop-light');
    await form.getByRole('button', { name: 'Create alert' }).click();
    const row = page.getByTestId('alert-row').filter({ hasText: 'Phone line busy' });
    await textMatching(row, /OK/);

    const res = await api('POST', '/sessions', {
      id: 'alert-call-1',
      agent: { id: 'phone-bot', name: 'Phone Bot' },
      channel: 'phone',
      type: 'voice',
    });
    assert.equal(res.status, 201);
    // The evaluator runs every second; the stream's alert.fired refreshes the page.
    await textMatching(row, /Firing/);
    await textMatching(row.getByTestId('alert-value'), /^1$/);
    await textMatching(page.getByText(/Alert firing: Phone line busy/).first(), /Phone line busy/);
    await textMatching(page.getByTestId('unread-count'), /^[1-9]/);
    await page.getByRole('button', { name: /Notifications, 1 alert firing/ }).click();
    await textMatching(page.getByTestId('firing-alert'), /Phone line busy.*Active sessions \(now\) ≥ 1/);
    await screenshot(page, 'alerts-bell-desktop-light');
    await page.keyboard.press('Escape');

    // The history holds the transition with the value seen.
    const rules = (await (await api('GET', '/alerts')).json()).data as Array<{ id: string }>;
    const history = (await (await api('GET', `/alerts/${rules[0].id}/history`)).json()).data;
    assert.deepEqual(
      history.map((h: { state: string; value: number }) => [h.state, h.value]),
      [['firing', 1]],
    );
    // Ended, it resolves on the page.
    assert.equal((await api('PATCH', '/sessions/alert-call-1', { status: 'completed' })).status, 200);
    await textMatching(row, /OK/);
  });

  test('screenshots: the page and the form at phone and desktop size, light and dark', async () => {
    // A day of phone calls, so the preview has a line to draw.
    const now = Date.now();
    const batch = Array.from({ length: 60 }, (_, i) => ({
      type: 'session',
      body: {
        id: `day-${i}`,
        agent: { id: 'phone-bot' },
        channel: 'phone',
        type: 'voice',
        startedAt: new Date(now - ((i * 37) % 24) * 3_600_000 - i * 1000).toISOString(),
      },
    }));
    assert.equal((await api('POST', '/ingest', { batch })).status, 207);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [size, viewport] of [
        ['desktop', { width: 1280, height: 800 }],
        ['phone', { width: 390, height: 844 }],
      ] as const) {
        await page.setViewportSize(viewport);
        await page.goto('/alerts');
        await page.getByTestId('alert-row').first().waitFor();
        await page
          .getByRole('button', { name: /^Edit / })
          .first()
          .click();
        const form = page.getByRole('form', { name: 'Alert rule' });
        await form.getByLabel('When').selectOption({ label: 'Sessions started' });
        await form.getByLabel('Over the last').selectOption({ label: '1 hour' });
        await form.getByLabel('Threshold').fill('4');
        await page.getByTestId('preview-chart').waitFor();
        await textMatching(page.getByTestId('preview-value'), /^\d/);
        await screenshot(page, `alerts-${size}-${scheme}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= viewport.width, `${size} ${scheme}: the page is ${width} px wide`);
      }
    }
  });

  test('a rule edited in the form is saved; when it fires in a hidden tab, the browser shows a notification', async () => {
    const watcher = await newContext(browser, server);
    await watcher.grantPermissions(['notifications'], { origin: server.url });
    // Records each notification the page shows (the real one is still made). As text: the test
    // runner's transpiler would wrap functions in helpers the page does not have.
    await watcher.addInitScript(`
      window.__notified = [];
      const Real = window.Notification;
      window.Notification = class extends Real {
        constructor(title, options) {
          window.__notified.push({ title, body: options && options.body });
          super(title, options);
        }
      };
    `);
    const p = await watcher.newPage();
    p.setDefaultTimeout(20_000);
    try {
      await signIn(p, server.adminKey);
      await p.getByRole('button', { name: /^Notifications/ }).click();
      await p.getByRole('button', { name: 'Allow' }).click();
      await textMatching(p.getByTestId('notification-panel'), /Browser notifications are on/);
      await p.keyboard.press('Escape');

      const created = await api('POST', '/alerts', {
        name: 'Kiosk queue',
        filters: 'agentId=kiosk-bot',
        metric: 'active',
        op: 'gte',
        threshold: 5,
        windowSeconds: 300,
      });
      assert.equal(created.status, 201);
      const rule = (await created.json()) as { id: string };
      await p.goto('/alerts');
      await p.getByRole('button', { name: 'Edit Kiosk queue' }).click();
      const form = p.getByRole('form', { name: 'Alert rule' });
      await form.getByLabel('Threshold').fill('1');
      await form.getByRole('button', { name: 'Save' }).click();
      const row = p.getByTestId('alert-row').filter({ hasText: 'Kiosk queue' });
      await textMatching(row, /≥ 1/);
      const saved = await (await api('GET', `/alerts/${rule.id}`)).json();
      assert.equal(saved.threshold, 1);

      // The tab goes to the background: the dashboard notifies only when nobody is looking at it.
      await p.evaluate(
        "Object.defineProperty(document, 'visibilityState', { configurable: true, get() { return 'hidden'; } })",
      );
      const res = await api('POST', '/sessions', {
        id: 'kiosk-call-1',
        agent: { id: 'kiosk-bot' },
        channel: 'web',
        type: 'chat',
      });
      assert.equal(res.status, 201);
      await p.waitForFunction(() =>
        (window as unknown as { __notified: Array<{ title: string }> }).__notified.some(
          (n) => n.title === 'Alert firing: Kiosk queue',
        ),
      );
      const shown = (await p.evaluate('window.__notified')) as Array<{ title: string; body?: string }>;
      const kiosk = shown.filter((n) => n.title === 'Alert firing: Kiosk queue');
      assert.equal(kiosk.length, 1, JSON.stringify(shown));
      assert.match(kiosk[0].body ?? '', /^1 · .*≥ 1/);
    } finally {
      await watcher.close();
    }
  });
});
