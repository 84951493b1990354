/**
 * The dashboard for operators: transcript search (matching lines under each session, find in
 * the detail that loads the page holding the match), failure first in the detail, previous/next
 * through the list, the ended-reason column, refused filters said once and never polled, a key
 * without `read` refused at sign-in, the agent filter's order and find box, the recent-time
 * presets and the Local/UTC setting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ensureBuild,
  HAVE_CHROMIUM,
  launchBrowser,
  makeSessions,
  newContext,
  rowIds,
  rowStatuses,
  screenshot,
  search,
  sessionItems,
  signIn,
  startServer,
  type TestServer,
  textMatching,
  waitFor,
} from './helpers.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
/** Messages in the long session: past the detail's first page (200) and one further page (500). */
const LONG = 760;
/** The only message of the long session that says the searched word. */
const LONG_MATCH = 740;

describe('operators', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const now = Date.now();

  before(async () => {
    ensureBuild();
    server = await startServer();
    await server.ingest(sessionItems(makeSessions(12, now)));
    const start = now - 30 * 60_000;
    // A long conversation whose one mention of "kangaroo" is far past the first page.
    const long = Array.from({ length: LONG }, (_, i) => ({
      type: 'message',
      body: {
        sessionId: 'long-search',
        id: `long-${i}`,
        sender: i % 2 ? 'agent' : 'user',
        content:
          i === LONG_MATCH
            ? 'By the way, the kangaroo mascot on the invoice looks wrong.'
            : `Routine line ${i} about the delivery schedule.`,
        timestamp: new Date(start + i * 1000).toISOString(),
      },
    }));
    await server.ingest([
      {
        type: 'session',
        body: {
          id: 'long-search',
          agent: { id: 'support-bot', name: 'Support Bot' },
          channel: 'web',
          type: 'chat',
          status: 'active',
          startedAt: new Date(start).toISOString(),
        },
      },
      {
        type: 'session',
        body: {
          id: 'short-search',
          agent: { id: 'zz-helper', name: 'Aardvark Helper' },
          channel: 'telegram',
          type: 'chat',
          status: 'completed',
          startedAt: new Date(start - 60_000).toISOString(),
          endedAt: new Date(start).toISOString(),
          endedReason: 'resolved',
        },
      },
      {
        type: 'message',
        body: { sessionId: 'short-search', sender: 'user', content: 'Is the Kangaroo plan still available?' },
      },
      {
        type: 'session',
        body: {
          id: 'failed-one',
          agent: { id: 'voice-concierge', name: 'Voice Concierge' },
          channel: 'phone',
          type: 'voice',
          status: 'active',
          startedAt: new Date(now - 2 * 60_000).toISOString(),
        },
      },
      { type: 'message', body: { sessionId: 'failed-one', sender: 'user', content: 'Hello, can you hear me?' } },
      {
        type: 'event',
        body: { sessionId: 'failed-one', type: 'tool.lookup', data: { tool: 'crm', latencyMs: 812, ok: true } },
      },
      {
        type: 'event',
        body: { sessionId: 'failed-one', type: 'error', data: { message: 'First hiccup', code: 'E1' } },
      },
      {
        type: 'event',
        body: {
          sessionId: 'failed-one',
          type: 'error',
          data: { message: 'Upstream LLM timed out after 30 s', code: 'LLM_TIMEOUT' },
        },
      },
      ...long,
    ]);
    const ended = await server.api('PATCH', '/api/v1/sessions/failed-one', {
      status: 'failed',
      endedReason: 'llm_timeout',
    });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    browser = await launchBrowser();
  });

  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.stop();
  });

  async function open(
    viewport = DESKTOP,
    colorScheme: 'light' | 'dark' = 'light',
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await newContext(browser, server);
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme });
    await signIn(page, server.adminKey);
    return { context, page };
  }

  test('transcript search: in the URL, matching lines under each session, the words marked', async () => {
    const { page } = await open();
    await page.getByRole('searchbox', { name: 'Search transcripts' }).fill('kangaroo');
    await page.waitForURL((u) => u.searchParams.get('transcript') === 'kangaroo');
    await waitFor(
      () => rowIds(page),
      (ids) => ids.length === 2 && ids.includes('long-search') && ids.includes('short-search'),
      'the two sessions that mention kangaroo',
    );
    const lines = page.getByTestId('transcript-match');
    await waitFor(
      () => lines.count(),
      (n) => n === 2,
      'one matching line per session',
    );
    const long = page.locator('[data-matches-of="long-search"]');
    await textMatching(long, /User: By the way, the kangaroo mascot/);
    assert.equal(await long.locator('mark').first().innerText(), 'kangaroo');
    // Case-insensitive, whole words: "Kangaroo" is marked as written.
    assert.equal(await page.locator('[data-matches-of="short-search"] mark').innerText(), 'Kangaroo');
    const chip = page.getByRole('list', { name: 'Active filters' }).getByText('Transcript: “kangaroo”');
    await chip.waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `transcript-search-desktop-${scheme}`, { fullPage: false });
    }
    // Reload keeps it (the URL is the state).
    await page.reload();
    await waitFor(
      () => lines.count(),
      (n) => n === 2,
      'matching lines after reload',
    );
  });

  test('transcript search on a phone: lines in the cards', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const { page } = await open(PHONE, scheme);
      await page.goto('/?transcript=kangaroo');
      await page.getByTestId('transcript-match').first().waitFor();
      assert.equal(await page.getByTestId('transcript-match').count(), 2);
      await screenshot(page, `transcript-search-phone-${scheme}`, { fullPage: false });
    }
  });

  test('the detail opens on the match, loading the transcript pages up to it', async () => {
    const { page } = await open();
    await page.goto('/?transcript=kangaroo');
    const transcriptPages: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/sessions/long-search/transcript')) transcriptPages.push(r.url());
    });
    await page.locator('[data-matches-of="long-search"]').click();
    await page.waitForURL((u) => u.pathname === '/sessions/long-search' && u.searchParams.get('find') === 'kangaroo');
    const current = page.locator('[data-match="current"]');
    await current.waitFor();
    assert.equal(await current.getAttribute('data-message-id'), `long-${LONG_MATCH}`);
    // ("1+" while pages after the one that held it are not loaded.)
    await textMatching(page.getByTestId('find-status'), /^1 of 1\+?$/);
    // The message is past the first page (200) and the next (500): both further pages were read.
    assert.ok(transcriptPages.length >= 2, `transcript pages fetched: ${transcriptPages.length}`);
    assert.ok(await current.isVisible());
    await waitFor(
      () => current.evaluate((el) => el.getBoundingClientRect().top),
      (top) => top > 0 && top < DESKTOP.height,
      'the match scrolled into view',
    );
    assert.equal(await current.locator('mark').innerText(), 'kangaroo');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `find-in-transcript-desktop-${scheme}`, { fullPage: false });
    }

    // A new search in the detail: every "Routine line 1…" whole word "schedule" is a match; next
    // and previous go through them, and previous from the first goes round to the last loaded.
    const box = page.getByRole('searchbox', { name: 'Find in transcript' });
    await box.fill('schedule');
    await page.waitForURL((u) => u.searchParams.get('find') === 'schedule');
    await textMatching(page.getByTestId('find-status'), /^1 of \d{3}/);
    await waitFor(
      () => current.getAttribute('data-message-id'),
      (id) => id === 'long-0',
      'the first match of the new words',
    );
    await page.getByRole('button', { name: 'Next match' }).click();
    await waitFor(
      () => current.getAttribute('data-message-id'),
      (id) => id === 'long-1',
      'next match',
    );
    await textMatching(page.getByTestId('find-status'), /^2 of /);
    await page.getByRole('button', { name: 'Previous match' }).click();
    await page.getByRole('button', { name: 'Previous match' }).click();
    await textMatching(page.getByTestId('find-status'), /^(\d+) of \1$/, 'round to the last loaded match');
  });

  test('a failed session opens on what went wrong; events read as rows, JSON on demand', async () => {
    const { page } = await open();
    await page.goto('/sessions/failed-one');
    const summary = page.getByTestId('failure-summary');
    await textMatching(summary, /Failed.*Ended reason: llm_timeout.*Last error: Upstream LLM timed out after 30 s/);
    // Above the figures and the transcript.
    const [summaryTop, figuresTop] = await Promise.all([
      summary.evaluate((el) => el.getBoundingClientRect().top),
      page.locator('dl[aria-label="Session figures"]').evaluate((el) => el.getBoundingClientRect().top),
    ]);
    assert.ok(summaryTop < figuresTop, 'the failure comes first');
    const tool = page.locator('li[data-event-type="tool.lookup"]');
    await textMatching(tool.getByTestId('event-fields'), /tool crm.*latencyMs 812.*ok true/);
    assert.equal(await tool.getByTestId('event-json').count(), 0, 'no JSON until asked');
    await tool.getByRole('button', { name: 'JSON' }).click();
    await textMatching(tool.getByTestId('event-json'), /"latencyMs": 812/);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `failure-first-desktop-${scheme}`, { fullPage: false });
    }
    await page.setViewportSize(PHONE);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `failure-first-phone-${scheme}`, { fullPage: false });
    }
  });

  test('previous and next go through the list the detail was opened from, filters and sort kept', async () => {
    const { page } = await open();
    await page.goto('/?status=completed&sort=startedAt');
    const ids = await waitFor(
      () => rowIds(page),
      (v) => v.length >= 3,
      'completed sessions, oldest first',
    );
    await page.locator(`tr[data-session-id="${ids[0]}"]`).click();
    await page.waitForURL((u) => u.pathname === `/sessions/${ids[0]}`);
    await textMatching(page.getByTestId('list-position'), new RegExp(`^1 of ${ids.length}$`));
    assert.equal(await page.getByRole('button', { name: 'Previous session' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Next session' }).click();
    await page.waitForURL((u) => u.pathname === `/sessions/${ids[1]}`);
    await textMatching(page.getByTestId('list-position'), new RegExp(`^2 of ${ids.length}$`));
    await page.getByRole('button', { name: 'Next session' }).click();
    await page.waitForURL((u) => u.pathname === `/sessions/${ids[2]}`);
    await page.getByRole('button', { name: 'Previous session' }).click();
    await page.waitForURL((u) => u.pathname === `/sessions/${ids[1]}`);
    // Back returns to the same list.
    await page.getByRole('link', { name: 'Back to sessions' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    assert.equal(search(page).get('status'), 'completed');
    assert.equal(search(page).get('sort'), 'startedAt');
  });

  test('ended reason as a column', async () => {
    const { page } = await open();
    await page.goto('/?status=failed');
    await page.getByRole('button', { name: 'Columns' }).click();
    await page.getByLabel('Ended reason').check();
    const cell = page.locator('tr[data-session-id="failed-one"] td[data-column="endedReason"]');
    await textMatching(cell, /^llm_timeout$/);
    await page.keyboard.press('Escape');
    await screenshot(page, 'ended-reason-column-desktop-light', { fullPage: false });
  });

  test('refused filters: said once, in words, no Retry, and never asked again', async () => {
    const { page } = await open();
    const asked: string[] = [];
    const agents: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/v1/sessions') && !u.pathname.includes('/stream')) asked.push(u.pathname);
      if (u.pathname === '/api/v1/agents') agents.push(u.pathname);
    });
    await page.goto('/?from=2026-12-05&to=2026-12-01');
    const alert = page.getByRole('alert');
    await textMatching(alert, /The server refused these filters.*from/i);
    assert.equal(await alert.count(), 1, 'one message, not one per request');
    assert.equal(await page.getByRole('button', { name: 'Retry' }).count(), 0);
    await page.getByText('Live', { exact: true }).first().waitFor();
    const before = asked.length;
    const agentsBefore = agents.length;
    // New sessions stream in: the live list refreshes what it shows (the agent list here), never the refused view.
    await server.ingest(sessionItems(makeSessions(2, Date.now()).map((s, i) => ({ ...s, id: `late-${i}` }))));
    await waitFor(
      async () => agents.length,
      (n) => n > agentsBefore,
      'the stream to deliver and the page to refresh what it may',
    );
    assert.equal(asked.length, before, `refused requests asked again: ${asked.slice(before).join(', ')}`);
    await screenshot(page, 'refused-filters-desktop-light', { fullPage: false });
    await page.setViewportSize(PHONE);
    await screenshot(page, 'refused-filters-phone-light', { fullPage: false });
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await waitFor(
      () => rowIds(page),
      (ids) => ids.length > 0,
      'the list after clearing',
    ).catch(async () => {
      // On a phone the list is cards.
      await page.getByTestId('session-card').first().waitFor();
    });
  });

  test('long text is cut in the chips and the search boxes stop at the API’s bound', async () => {
    const { page } = await open(PHONE);
    const long = 'x'.repeat(400);
    const box = page.getByRole('searchbox', { name: 'Search sessions' });
    await box.fill(long);
    assert.equal((await box.inputValue()).length, 256);
    await page.waitForURL((u) => (u.searchParams.get('search') ?? '').length === 256);
    const label = page.getByTestId('filter-chip-label').first();
    await label.waitFor();
    const [width, scrollWidth] = await label.evaluate((el) => [el.clientWidth, el.scrollWidth]);
    assert.ok(scrollWidth > width, 'the chip is cut');
    assert.ok(width <= PHONE.width, `chip fits the phone: ${width}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page wider than the phone by ${overflow}px`);
    await screenshot(page, 'long-chip-phone-light', { fullPage: false });
  });

  test('a key without the read scope is refused at sign-in, in words', async () => {
    const made = await server.api<{ key: string }>('POST', '/api/v1/keys', { name: 'agent', scopes: ['ingest'] });
    assert.equal(made.status, 201);
    const context = await newContext(browser, server);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel('API key').fill(made.body.key);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const alert = page.getByRole('alert');
    await textMatching(alert, /"ingest" scope only.*"read" scope/);
    assert.equal(await alert.count(), 1);
    assert.equal(new URL(page.url()).pathname, '/login');
    await screenshot(page, 'sign-in-ingest-key-refused', { fullPage: false });
  });

  test('the agent filter: by name, with a find box', async () => {
    const { page } = await open();
    await page.getByRole('button', { name: 'Agent filter' }).click();
    const names = await waitFor(
      () => page.locator('fieldset label').allInnerTexts(),
      (v) => v.length >= 4,
      'the agents',
    );
    const labels = names.map((t) => t.replace(/\s*\d+$/, '').trim());
    assert.deepEqual(
      labels,
      [...labels].sort((a, b) => a.localeCompare(b)),
      'alphabetical',
    );
    assert.equal(labels[0], 'Aardvark Helper');
    await page.getByRole('searchbox', { name: 'Find agent' }).fill('voice');
    await waitFor(
      () => page.locator('fieldset label').allInnerTexts(),
      (v) => v.length === 1 && /Voice Concierge/.test(v[0]),
      'only the matching agent',
    );
    await screenshot(page, 'agent-filter-find-desktop-light', { fullPage: false });
  });

  test('a calm live list: new sessions wait behind a bar, shown rows update in place, metrics recount at most every 5 s', async () => {
    const { page } = await open();
    const lists: number[] = [];
    const metrics: number[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/v1/sessions') lists.push(Date.now());
      if (u.pathname === '/api/v1/sessions/metrics') metrics.push(Date.now());
    });
    await page.getByTestId('live-indicator').and(page.locator('[data-status="live"]')).waitFor();
    const before = await waitFor(
      () => rowIds(page),
      (v) => v.length > 5,
      'the list',
    );
    const listsBefore = lists.length;
    const metricsBefore = metrics.length;
    const t0 = Date.now();
    // Sessions stream in for a while, three at a time, while someone points at the list.
    const bar = page.getByTestId('new-sessions');
    let sent = 0;
    for (let round = 0; round < 6; round++) {
      await page
        .locator('tbody tr[data-session-id]')
        .nth(1 + (round % 3))
        .hover();
      await server.ingest(
        [0, 1, 2].map((k) => ({
          type: 'session',
          body: {
            id: `stream-${round}-${k}`,
            agent: { id: 'support-bot', name: 'Support Bot' },
            channel: 'web',
            type: 'chat',
          },
        })),
      );
      sent += 3;
      await textMatching(bar, new RegExp(`^${sent} new sessions · Show$`));
    }
    const elapsed = Date.now() - t0;
    assert.equal(lists.length, listsBefore, 'no list refetch while someone looks at it');
    assert.deepEqual(await rowIds(page), before, 'not one row moved');
    const recounts = metrics.length - metricsBefore;
    assert.ok(recounts >= 1, 'the metrics were recounted');
    assert.ok(recounts <= Math.floor(elapsed / 5_000) + 1, `${recounts} metric recounts in ${elapsed} ms`);
    await textMatching(page.getByTestId('metric-Total Sessions'), /\d/);

    // A shown row is updated where it is, without a refetch.
    const statuses = await rowStatuses(page);
    const shown = before[statuses.indexOf('active', 1)];
    const patched = await server.api('PATCH', `/api/v1/sessions/${shown}`, { status: 'cancelled' });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await page.locator(`tr[data-session-id="${shown}"] [data-status="cancelled"]`).waitFor();
    assert.equal(lists.length, listsBefore, 'patched in place');
    assert.deepEqual(await rowIds(page), before);
    await screenshot(page, 'new-sessions-bar-desktop-light', { fullPage: false });
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'new-sessions-bar-desktop-dark', { fullPage: false });

    // "Show" is one refetch, and the new sessions are on top.
    await bar.click();
    await waitFor(
      async () => (await rowIds(page)).slice(0, 18).filter((id) => id.startsWith('stream-')).length,
      (n) => n === 18,
      'the streamed sessions on top',
    );
    assert.equal(lists.length, listsBefore + 1, 'one refetch');
    assert.equal(await bar.count(), 0);
  });

  test('at the top of page 1 with nobody at the controls, new sessions come in by themselves', async () => {
    const { page } = await open(PHONE);
    await page.getByTestId('live-indicator').and(page.locator('[data-status="live"]')).waitFor();
    await page.getByTestId('session-card').first().waitFor();
    const lists: number[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/sessions') lists.push(Date.now());
    });
    await server.ingest([
      {
        type: 'session',
        body: { id: 'idle-new', agent: { id: 'support-bot', name: 'Support Bot' }, channel: 'web', type: 'chat' },
      },
    ]);
    await waitFor(
      () => page.getByTestId('session-card').first().getAttribute('data-session-id'),
      (id) => id === 'idle-new',
      'the new session shown without a click',
      20_000,
    );
    assert.equal(lists.length, 1, 'one refetch');
    await screenshot(page, 'live-list-phone-light', { fullPage: false });
  });

  test('recent presets and the time zone setting', async () => {
    const { page } = await open();
    await page.getByRole('button', { name: 'Date range' }).click();
    await page.getByRole('button', { name: 'Last 15 minutes' }).click();
    await page.waitForURL((u) => /T\d{2}:\d{2}:\d{2}Z$/.test(u.searchParams.get('from') ?? ''));
    const from = Date.parse(search(page).get('from') ?? '');
    assert.ok(Math.abs(Date.now() - 15 * 60_000 - from) < 60_000, 'fifteen minutes ago');
    assert.equal(search(page).get('to'), null);
    await page
      .getByRole('list', { name: 'Active filters' })
      .getByText(/^Since /)
      .waitFor();
    // Only sessions started in the window: the 12 seeded ones start 7 minutes apart, the failed one 2 minutes ago.
    await waitFor(
      () => rowIds(page),
      (ids) => ids.includes('failed-one') && !ids.includes('long-search'),
      'sessions of the last 15 minutes',
    );

    // The zone in use is spelled out; UTC is a setting kept in this browser. The test browser is
    // in UTC, so switch its clock's zone and compare what the detail shows.
    const zone = page.getByTestId('time-zone');
    await textMatching(zone, /UTC/);
    const context = await browser.newContext({
      baseURL: server.url,
      viewport: DESKTOP,
      timezoneId: 'Asia/Kolkata',
      locale: 'en-US',
    });
    contexts.push(context);
    const other = await context.newPage();
    await signIn(other, server.adminKey);
    await textMatching(other.getByTestId('time-zone'), /^Asia\/(Kolkata|Calcutta) \(UTC\+5:30\)$/);
    await other.goto('/sessions/short-search');
    const started = other.locator('dt:text-is("Started") + dd');
    const local = await textMatching(started, /\d{2}:\d{2}:\d{2}/);
    await other.getByRole('radio', { name: 'UTC' }).click();
    await textMatching(other.getByTestId('time-zone'), /^UTC$/);
    const utc = await textMatching(started, /\d{2}:\d{2}:\d{2}/);
    assert.notEqual(utc, local);
    const t = new Date(
      Date.parse((await server.api<{ startedAt: string }>('GET', '/api/v1/sessions/short-search')).body.startedAt),
    );
    assert.ok(utc.includes(t.toISOString().slice(11, 19)), `${utc} shows ${t.toISOString()} in UTC`);
    await other.reload();
    await textMatching(other.getByTestId('time-zone'), /^UTC$/, 'the choice survives a reload');
    await screenshot(other, 'time-zone-utc-desktop-light', { fullPage: false });
  });
});
