/**
 * Live monitoring against a real server: the stream drives the list, the metric cards and an open
 * transcript within a second of ingest; failed sessions raise a toast; auto-refresh off freezes
 * the view; with the stream blocked the dashboard polls and says so, and goes back to Live.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ensureBuild,
  HAVE_CHROMIUM,
  launchBrowser,
  makeSessions,
  newContext,
  rowIds,
  SCREENSHOT_DIR,
  sessionItems,
  signIn,
  startServer,
  type TestServer,
  transcriptItems,
  waitFor,
} from './helpers.ts';

const SEEDED = 30;
// The budget is one second from the ingest call; the margin covers the browser's own rendering
// and Playwright's round trips on a loaded machine.
const BUDGET_MS = 1_000 + 300;
const CHAT_ID = 'live-chat-1';

describe('live monitoring', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let n = 0;

  const newSession = (extra: Record<string, unknown> = {}) => {
    n++;
    return {
      type: 'session',
      body: {
        id: `live-new-${n}`,
        agent: { id: 'support-bot', name: 'Support Bot' },
        channel: 'whatsapp',
        type: 'chat',
        ...extra,
      },
    };
  };

  async function indicator() {
    return page.getByTestId('live-indicator').getAttribute('data-status');
  }
  async function waitForIndicator(status: string, timeoutMs = 10_000) {
    await waitFor(indicator, (v) => v === status, `live indicator "${status}"`, timeoutMs);
  }
  const total = () => page.getByTestId('metric-Total Sessions').innerText();

  before(async () => {
    ensureBuild();
    server = await startServer();
    await server.ingest(sessionItems(makeSessions(SEEDED)));
    const start = Date.now() - 5 * 60_000;
    await server.ingest([
      {
        type: 'session',
        body: {
          id: CHAT_ID,
          agent: { id: 'support-bot', name: 'Support Bot' },
          channel: 'web',
          type: 'chat',
          startedAt: new Date(start).toISOString(),
        },
      },
      ...transcriptItems(CHAT_ID, 6, start),
    ]);
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

  /** A pointer over the list: someone is reading it, so it must not move by itself. */
  const lookAtList = () => page.locator('tbody tr[data-session-id]').nth(2).hover();

  test('a new session is announced on the open dashboard within a second, driven by the stream', async () => {
    await page.goto('/');
    await waitForIndicator('live');
    assert.equal(await page.getByTestId('live-indicator').innerText(), 'Live');
    await waitFor(total, (v) => v === String(SEEDED + 1), 'total before');
    await lookAtList();
    const rowsBefore = await rowIds(page);

    const item = newSession();
    const t0 = Date.now();
    await server.ingest([item]);
    await page.getByTestId('new-sessions').waitFor({ timeout: 5_000 });
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < BUDGET_MS, `announced after ${elapsed} ms`);
    assert.deepEqual(await rowIds(page), rowsBefore, 'the rows stay where they are');
    // The metric cards are recounted by then too.
    await waitFor(total, (v) => v === String(SEEDED + 2), 'total after', BUDGET_MS - elapsed + 200);
    await page.getByTestId('new-sessions').click();
    await waitFor(
      async () => (await rowIds(page))[0],
      (id) => id === item.body.id,
      'the new session on top after "Show"',
    );
  });

  test('a message appended to an open transcript appears within a second (patched, not refetched)', async () => {
    await page.goto(`/sessions/${CHAT_ID}`);
    await page.getByRole('list', { name: 'Transcript and system events' }).waitFor();
    await waitForIndicator('live');
    const detailFetches: string[] = [];
    const onRequest = (r: { url: () => string }) => {
      if (r.url().includes(`/api/v1/sessions/${CHAT_ID}`)) detailFetches.push(r.url());
    };
    page.on('request', onRequest);
    const content = `Live message ${Date.now()}`;
    const t0 = Date.now();
    await server.ingest([{ type: 'message', body: { sessionId: CHAT_ID, sender: 'user', content } }]);
    await page.getByText(content).waitFor({ timeout: 5_000 });
    const elapsed = Date.now() - t0;
    page.off('request', onRequest);
    assert.ok(elapsed < BUDGET_MS, `message appeared after ${elapsed} ms`);
    assert.match(await page.getByText(/\d+ messages · \d+ events/).innerText(), /^7 messages/);
    assert.deepEqual(detailFetches, [], 'the transcript was patched in place, not fetched again');
  });

  test('a failed session raises a toast with agent, channel and reason, and its link opens it', async () => {
    await page.goto('/');
    await waitForIndicator('live');
    const item = newSession({
      agent: { id: 'voice-concierge', name: 'Voice Concierge' },
      channel: 'phone',
      type: 'voice',
    });
    await lookAtList();
    await server.ingest([item]);
    await page.getByTestId('new-sessions').click();
    await page.locator(`tbody tr[data-session-id="${item.body.id}"]`).waitFor();
    assert.equal(await page.getByTestId('toast').count(), 0, 'no toast for a session that started');

    const res = await server.api('PATCH', `/api/v1/sessions/${item.body.id}`, {
      status: 'failed',
      endedReason: 'sip_timeout',
    });
    assert.equal(res.status, 200);
    const toast = page.getByTestId('toast');
    await toast.waitFor({ timeout: 3_000 });
    const text = await toast.innerText();
    assert.match(text, /Session failed/);
    assert.match(text, /Voice Concierge/);
    assert.match(text, /Phone/);
    assert.match(text, /sip_timeout/);
    // Announced: the toasts live in a polite live region.
    assert.equal(await page.getByRole('region', { name: 'Notifications' }).getAttribute('aria-live'), 'polite');
    await page.locator(`tbody tr[data-session-id="${item.body.id}"] [data-status="failed"]`).waitFor();
    // The viewport, not the full page: the toast is fixed to the bottom-right of the window.
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'toast.png') });

    await toast.getByRole('link', { name: 'View session' }).click();
    await page.waitForURL(`**/sessions/${item.body.id}`);
    await page.getByRole('heading', { name: 'Session', level: 1 }).waitFor();
    assert.equal(await page.locator('dd [data-status]').first().getAttribute('data-status'), 'failed');
    assert.equal(await page.getByTestId('toast').count(), 0, 'following the link dismisses the toast');
  });

  test('toasts stack, can be dismissed, and go away by themselves', async () => {
    await page.goto('/');
    await waitForIndicator('live');
    const a = newSession({ status: 'failed', endedReason: 'llm_error' });
    const b = newSession({ status: 'failed', endedReason: 'crash' });
    await server.ingest([a, b]);
    await waitFor(
      () => page.getByTestId('toast').count(),
      (c) => c === 2,
      'two toasts',
    );
    await page.getByRole('button', { name: 'Dismiss: Session failed' }).first().click();
    assert.equal(await page.getByTestId('toast').count(), 1);
    await page.mouse.move(0, 0);
    await waitFor(
      () => page.getByTestId('toast').count(),
      (c) => c === 0,
      'toast auto-dismissed',
      10_000,
    );
  });

  test('auto-refresh off freezes the view until a manual refresh', async () => {
    await page.goto('/');
    await waitForIndicator('live');
    const before = await total();
    await page.getByRole('button', { name: /Auto-refresh/ }).click();
    await waitForIndicator('paused');
    assert.equal(await page.getByTestId('live-indicator').innerText(), 'Paused');

    const item = newSession({ status: 'failed', endedReason: 'frozen' });
    await server.ingest([item]);
    await page.waitForTimeout(2_500);
    assert.equal(await page.locator(`tbody tr[data-session-id="${item.body.id}"]`).count(), 0);
    assert.equal(await total(), before);
    assert.equal(await page.getByTestId('toast').count(), 0, 'no stream, no toast');

    await page.getByRole('button', { name: 'Refresh now' }).click();
    await page.locator(`tbody tr[data-session-id="${item.body.id}"]`).waitFor();
    await page.getByRole('button', { name: /Auto-refresh/ }).click();
    await waitForIndicator('live');
  });

  test('with the stream down it polls every 10 s and says so, then goes back to Live', async () => {
    const block = (route: { abort: () => Promise<void> }) => route.abort();
    await page.route('**/api/v1/stream**', block);
    try {
      await page.goto('/');
      await waitForIndicator('polling');
      assert.equal(await page.getByTestId('live-indicator').innerText(), 'Polling every 10 s');
      const item = newSession();
      const t0 = Date.now();
      await server.ingest([item]);
      await page.locator(`tbody tr[data-session-id="${item.body.id}"]`).waitFor({ timeout: 13_000 });
      assert.ok(Date.now() - t0 <= 12_000, 'picked up by the 10 s poll');
    } finally {
      await page.unroute('**/api/v1/stream**', block);
    }
    await waitForIndicator('live', 25_000);
    await lookAtList();
    const item = newSession();
    const t0 = Date.now();
    await server.ingest([item]);
    await page.getByTestId('new-sessions').waitFor({ timeout: 5_000 });
    assert.ok(Date.now() - t0 < BUDGET_MS, 'live again');
  });
});
