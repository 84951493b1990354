/**
 * The sessions page against a real server and real data: filters (URL, table, count, badges),
 * clearing, pagination, sorting, empty and loading states, live refresh and export.
 *
 * Seed: 234 sessions from `makeSessions` — channel i % 6, status i % 4, agent i % 3, started
 * (i + 1) × 7 minutes ago, so every count below is known exactly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  badges,
  DIST_DIR,
  ensureBuild,
  HAVE_CHROMIUM,
  launchBrowser,
  makeSessions,
  newContext,
  rowChannels,
  rowIds,
  rowStatuses,
  screenshot,
  search,
  type SeedSession,
  sessionItems,
  signIn,
  startServer,
  summary,
  type TestServer,
  waitFor,
  waitForMetric,
  waitForSummary,
} from './helpers.ts';

const TOTAL = 234;

describe('sessions page', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let seeds: SeedSession[];

  before(async () => {
    ensureBuild();
    server = await startServer();
    seeds = makeSessions(TOTAL);
    await server.ingest(sessionItems(seeds));
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

  async function openList(query = '') {
    await page.goto(`/${query}`);
    await page.getByTestId('pagination-summary').or(page.getByTestId('sessions-empty')).first().waitFor();
  }

  test('lists the first page with metrics and the six columns', async () => {
    await openList();
    await waitForSummary(page, `Showing 1 to 50 of ${TOTAL} sessions`);
    await waitForMetric(page, 'Total Sessions', String(TOTAL));
    await waitForMetric(page, 'Active Sessions', '59');
    await waitForMetric(page, 'Recent Sessions (24h)', '205');
    const headers = (await page.locator('thead th').allInnerTexts()).map((h) => h.trim().toUpperCase());
    assert.deepEqual(headers, ['SESSION ID', 'AGENT', 'CHANNEL', 'STATUS', 'STARTED', 'DURATION']);
    // Newest first by default; the id's last 8 characters (what tells UUIDv7 ids apart) with the
    // full id in the title.
    const first = page.locator('tbody tr').first();
    assert.equal(await first.getAttribute('data-session-id'), seeds[0].id);
    assert.equal(await first.locator('td').first().innerText(), `…${seeds[0].id.slice(-8)}`);
    assert.equal(await first.locator('td [title]').first().getAttribute('title'), seeds[0].id);
    assert.match(await first.locator('td').nth(4).innerText(), /minutes ago/);
    assert.equal(await first.locator('td').nth(5).innerText(), 'Ongoing'); // seeds[0] is active
    assert.match(await page.locator('tbody tr').nth(1).locator('td').nth(5).innerText(), /^\d+ min$/);
    await screenshot(page, 'sessions');
  });

  test('first load stays within the 250 KB gzipped JavaScript budget (docs/PERFORMANCE.md)', async () => {
    await page.goto('/');
    await waitForSummary(page, `Showing 1 to 50 of ${TOTAL} sessions`);
    const scripts = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((e) => new URL(e.name).pathname)
        .filter((p) => p.endsWith('.js')),
    );
    assert.ok(scripts.length > 0);
    assert.ok(!scripts.some((s) => /AnalyticsPage/.test(s)), 'charts are not part of the first load');
    const gz = scripts.reduce((n, s) => n + gzipSync(readFileSync(join(DIST_DIR, s))).length, 0);
    console.log(`first-load JS: ${scripts.length} files, ${(gz / 1024).toFixed(1)} KB gzipped`);
    assert.ok(gz < 250 * 1024, `${gz} bytes gzipped`);
  });

  test('channel filter changes the URL, the table, the count and the badges', async () => {
    await openList();
    await page.getByRole('button', { name: 'Channel filter' }).click();
    await page.getByRole('checkbox', { name: 'Phone' }).click();
    await page.keyboard.press('Escape');
    await waitFor(
      async () => search(page).get('channel'),
      (v) => v === 'phone',
      'channel in URL',
    );
    await waitForSummary(page, 'Showing 1 to 39 of 39 sessions');
    assert.deepEqual([...new Set(await rowChannels(page))], ['phone']);
    assert.deepEqual(await badges(page), ['Channel: Phone']);
    await waitForMetric(page, 'Total Sessions', '39');

    // A second channel: comma-separated in the URL.
    await page.getByRole('button', { name: 'Channel filter' }).click();
    await page.getByRole('checkbox', { name: 'SIP' }).click();
    await page.keyboard.press('Escape');
    await waitFor(
      async () => search(page).get('channel'),
      (v) => v === 'phone,sip',
      'channel=phone,sip',
    );
    await waitForSummary(page, 'Showing 1 to 50 of 78 sessions');
    assert.deepEqual([...new Set(await rowChannels(page))].sort(), ['phone', 'sip']);
    assert.deepEqual(await badges(page), ['Channel: Phone', 'Channel: SIP']);

    // × on a badge removes just that value.
    await page.getByRole('button', { name: 'Remove filter Channel: Phone' }).click();
    await waitForSummary(page, 'Showing 1 to 39 of 39 sessions');
    assert.equal(search(page).get('channel'), 'sip');
    assert.deepEqual([...new Set(await rowChannels(page))], ['sip']);
  });

  test('status filter', async () => {
    await openList();
    await page.getByRole('button', { name: 'Status filter' }).click();
    await page.getByRole('checkbox', { name: 'Failed' }).click();
    await page.keyboard.press('Escape');
    await waitForSummary(page, 'Showing 1 to 50 of 58 sessions');
    assert.equal(search(page).get('status'), 'failed');
    assert.deepEqual([...new Set(await rowStatuses(page))], ['failed']);
    assert.deepEqual(await badges(page), ['Status: Failed']);
  });

  test('agent filter uses the agents from the API', async () => {
    await openList();
    await page.getByRole('button', { name: 'Agent filter' }).click();
    await page.getByRole('checkbox', { name: /Voice Concierge/ }).click();
    await page.keyboard.press('Escape');
    await waitForSummary(page, 'Showing 1 to 50 of 78 sessions');
    assert.equal(search(page).get('agentId'), 'voice-concierge');
    assert.deepEqual(await badges(page), ['Agent: Voice Concierge']);
    const agents = await page.locator('tbody tr td:nth-child(2) div:first-child').allInnerTexts();
    assert.deepEqual([...new Set(agents)], ['Voice Concierge']);
  });

  test('search is debounced and filters by id prefix', async () => {
    await openList();
    const box = page.getByRole('searchbox', { name: 'Search sessions' });
    const prefix = seeds[17].id.slice(0, 6);
    await box.pressSequentially(prefix, { delay: 20 });
    // Not applied while typing…
    assert.equal(search(page).get('search'), null);
    // …and applied ~300 ms after the last keystroke.
    await waitFor(
      async () => search(page).get('search'),
      (v) => v === prefix,
      'search in URL',
    );
    // Hex can only match an id prefix here: metadata values are `u_<n>`, `free`, `pro`.
    const expected = seeds.filter((s) => s.id.startsWith(prefix)).length;
    await waitForSummary(page, `Showing 1 to ${expected} of ${expected} sessions`);
    assert.ok((await rowIds(page)).every((id) => id.startsWith(prefix)));
    assert.deepEqual(await badges(page), [`Search: “${prefix}”`]);
  });

  test('date range picker sets from/to (inclusive) in the URL', async () => {
    await openList();
    await page.getByRole('button', { name: 'Date range' }).click();
    await page.getByRole('button', { name: 'Today', exact: true }).click();
    const today = new Date().toISOString().slice(0, 10); // the context runs in UTC
    await waitFor(
      async () => [search(page).get('from'), search(page).get('to')].join(),
      (v) => v === `${today},${today}`,
      'from/to',
    );
    const midnight = Date.parse(`${today}T00:00:00.000Z`);
    const expected = seeds.filter((s) => Date.parse(s.startedAt) >= midnight).length;
    await waitForSummary(
      page,
      `Showing ${expected ? 1 : 0} to ${Math.min(50, expected)} of ${expected} sessions`,
    ).catch(async (e) => {
      if (expected === 0 && (await page.getByTestId('sessions-empty').isVisible())) return;
      throw e;
    });
    assert.deepEqual(await badges(page), [`Date: ${today}`]);
    await page.getByRole('button', { name: `Remove filter Date: ${today}` }).click();
    await waitFor(
      async () => search(page).get('from'),
      (v) => v === null,
      'from removed',
    );
    assert.equal(search(page).get('to'), null);
  });

  test('clear filters resets everything and hides itself', async () => {
    await openList('?channel=web,phone&status=completed&search=sales');
    // phone ∧ completed ⇔ i ≡ 1 (mod 12), and all of those are Sales Assistant (i ≡ 1 mod 3).
    await waitForSummary(page, 'Showing 1 to 20 of 20 sessions');
    assert.equal((await badges(page)).length, 4);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitForSummary(page, `Showing 1 to 50 of ${TOTAL} sessions`);
    assert.equal(new URL(page.url()).search, '');
    assert.equal(await page.getByRole('button', { name: 'Clear filters' }).count(), 0);
    assert.equal(await page.getByRole('list', { name: 'Active filters' }).count(), 0);
    assert.equal(await page.getByRole('searchbox', { name: 'Search sessions' }).inputValue(), '');
  });

  test('a shared URL restores filters, sort and page', async () => {
    await openList('?status=active&sort=startedAt&page=2');
    await waitForSummary(page, 'Showing 51 to 59 of 59 sessions');
    assert.equal(await page.getByRole('button', { name: 'Page 2' }).getAttribute('aria-current'), 'page');
    assert.deepEqual(await badges(page), ['Status: Active']);
    assert.equal(await page.locator('th[aria-sort="ascending"]').innerText(), 'STARTED');
  });

  test('pagination: pages, range text, at most five buttons, disabled ends', async () => {
    await openList();
    await waitForSummary(page, `Showing 1 to 50 of ${TOTAL} sessions`);
    assert.equal(await page.getByRole('button', { name: 'Previous page' }).isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: /^Page \d+$/ }).count(), 5);
    await page.getByRole('button', { name: 'Next page' }).click();
    await waitForSummary(page, `Showing 51 to 100 of ${TOTAL} sessions`);
    assert.equal(search(page).get('page'), '2');
    assert.equal((await rowIds(page))[0], seeds[50].id);
    await page.getByRole('button', { name: 'Page 5' }).click();
    await waitForSummary(page, `Showing 201 to ${TOTAL} of ${TOTAL} sessions`);
    assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true);
    assert.equal((await rowIds(page)).length, TOTAL - 200);
    // Back button returns to the previous page (the page is in the history).
    await page.goBack();
    await waitForSummary(page, `Showing 51 to 100 of ${TOTAL} sessions`);
  });

  test('sorting by Started and Duration toggles direction with aria-sort', async () => {
    await openList();
    const started = page.locator('thead th', { hasText: 'Started' });
    assert.equal(await started.getAttribute('aria-sort'), 'descending');
    await started.getByRole('button').click();
    await waitFor(
      async () => search(page).get('sort'),
      (v) => v === 'startedAt',
      'sort=startedAt',
    );
    await waitFor(
      async () => (await rowIds(page))[0],
      (v) => v === seeds[TOTAL - 1].id,
      'oldest first',
    );
    await waitFor(
      () => started.getAttribute('aria-sort'),
      (v) => v === 'ascending',
      'aria-sort ascending',
    );

    const duration = page.locator('thead th', { hasText: 'Duration' });
    await duration.getByRole('button').click();
    await waitFor(
      async () => search(page).get('sort'),
      (v) => v === '-durationSeconds',
      'sort=-durationSeconds',
    );
    await waitFor(
      () => duration.getAttribute('aria-sort'),
      (v) => v === 'descending',
      'aria-sort descending',
    );
    assert.equal(await started.getAttribute('aria-sort'), 'none');
    const longest =
      Math.max(...seeds.filter((s) => s.endedAt).map((s) => Date.parse(s.endedAt!) - Date.parse(s.startedAt))) / 60_000;
    await waitFor(
      async () => page.locator('tbody tr').first().locator('td').nth(5).innerText(),
      (v) => v === `${longest} min`,
      'longest first',
    );
    await duration.getByRole('button').click();
    await waitFor(
      async () => search(page).get('sort'),
      (v) => v === 'durationSeconds',
      'sort=durationSeconds',
    );
    await waitFor(
      () => duration.getAttribute('aria-sort'),
      (v) => v === 'ascending',
      'aria-sort ascending',
    );
  });

  test('empty state for a filter that matches nothing', async () => {
    await openList('?search=no-such-session-anywhere');
    const empty = page.getByTestId('sessions-empty');
    await empty.waitFor();
    assert.equal(await empty.getByRole('heading').innerText(), 'No sessions found');
    assert.match(await empty.innerText(), /Try adjusting your filters or check back later\./);
    await waitForMetric(page, 'Total Sessions', '0');
    await screenshot(page, 'empty-state');
  });

  test('loading state: spinner in the table, skeletons in the cards', async () => {
    const slow = (url: URL) => url.pathname === '/api/v1/sessions' || url.pathname === '/api/v1/sessions/metrics';
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    await page.route(slow, async (route) => {
      await gate;
      await route.continue().catch(() => {}); // the page may have moved on already
    });
    try {
      await page.goto('/?status=cancelled');
      const loading = page.getByTestId('sessions-loading');
      await loading.waitFor();
      assert.match(await loading.innerText(), /Loading sessions\.\.\./);
      assert.ok((await page.locator('section[aria-label="Metrics"] [aria-busy="true"]').count()) === 4);
      await screenshot(page, 'loading-state');
    } finally {
      release();
      await page.unroute(slow);
    }
    await waitForSummary(page, 'Showing 1 to 50 of 58 sessions');
  });

  test('a session ingested through the API appears within one refresh cycle', async () => {
    await openList();
    await waitForSummary(page, `Showing 1 to 50 of ${TOTAL} sessions`);
    const id = 'live-session-arrives';
    await server.ingest([
      {
        type: 'session',
        body: { id, agent: { id: 'support-bot', name: 'Support Bot' }, channel: 'whatsapp', type: 'chat' },
      },
    ]);
    await waitFor(
      async () => (await rowIds(page))[0],
      (v) => v === id,
      'new session on top',
      13_000,
    );
    await waitForSummary(page, `Showing 1 to 50 of ${TOTAL + 1} sessions`);
    // Later tests filter on other channels/statuses, so this extra active WhatsApp session does not change their counts.
  });

  test('export CSV downloads exactly the current filter', async () => {
    await openList('?channel=phone');
    await waitForSummary(page, 'Showing 1 to 39 of 39 sessions');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^sessions-.*\.csv$/);
    const text = readFileSync((await download.path())!, 'utf8');
    const lines = text.trim().split(/\r?\n/);
    assert.match(lines[0], /^id,agent_id,agent_name,channel,type,status,started_at/);
    assert.equal(lines.length - 1, 39);
    const channelCol = lines[0].split(',').indexOf('channel');
    assert.ok(lines.slice(1).every((l) => l.split(',')[channelCol] === 'phone'));
    await waitFor(
      async () => page.getByTestId('export-status').innerText(),
      (v) => /Exported 39 rows/.test(v),
      'export status',
    );
  });

  test('export JSON downloads full sessions for the current filter', async () => {
    await openList('?status=failed&agentId=support-bot');
    const expected = seeds.filter((s) => s.status === 'failed' && s.agent.id === 'support-bot').length;
    await waitForSummary(page, `Showing 1 to ${expected} of ${expected} sessions`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export JSON' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^sessions-.*\.json$/);
    const rows = JSON.parse(readFileSync((await download.path())!, 'utf8')) as Array<{
      status: string;
      agent: { id: string };
    }>;
    assert.equal(rows.length, expected);
    assert.ok(rows.every((r) => r.status === 'failed' && r.agent.id === 'support-bot'));
  });

  test('auto-refresh toggle is remembered', async () => {
    await openList();
    const toggle = page.getByRole('button', { name: /Auto-refresh/ });
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await page.reload();
    assert.equal(await page.getByRole('button', { name: /Auto-refresh/ }).getAttribute('aria-pressed'), 'false');
    await page.getByRole('button', { name: /Auto-refresh/ }).click();
    assert.ok((await summary(page)).startsWith('Showing'));
  });

  test('analytics shares the filters and draws the charts', async () => {
    await openList('?channel=telegram');
    await waitForSummary(page, 'Showing 1 to 39 of 39 sessions');
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    assert.equal(search(page).get('channel'), 'telegram');
    assert.deepEqual(await badges(page), ['Channel: Telegram']);
    // The figures cover the chosen window (the seed spans ~27 h, so all of it is in the last 7 days).
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    assert.equal(search(page).get('range'), '7d');
    await waitFor(
      async () => page.getByTestId('figure-Sessions').innerText(),
      (v) => v === '39',
      'metrics for telegram',
    );
    await page.getByRole('button', { name: 'Clear filters' }).click();
    assert.equal(search(page).get('range'), '7d');
    await page.locator('.recharts-surface').first().waitFor();
    // The volume chart sums the timeseries buckets: every session there is (all started within 7 days).
    const all = await server.api<{ pagination: { total: number } }>('GET', '/api/v1/sessions?limit=1');
    await waitFor(
      () => page.getByRole('img', { name: /Session volume chart/ }).getAttribute('aria-label'),
      (v) => v === `Session volume chart: ${all.body.pagination.total} sessions in range`,
      'timeseries total',
    );
    await page.waitForTimeout(800); // chart animation
    await screenshot(page, 'analytics');
  });
});
