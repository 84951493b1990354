/**
 * Review in the dashboard: the "Needs review" view in the navigation, the Review card of the
 * detail (tags, quality score, plain-text notes, the reviewed mark), the keyboard loop (j/k, r, t,
 * ?), tags in the list rows, and a bulk action over every matching session with its progress.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ensureBuild,
  HAVE_CHROMIUM,
  launchBrowser,
  newContext,
  rowIds,
  screenshot,
  signIn,
  startServer,
  type TestServer,
  textMatching,
  waitFor,
} from './helpers.ts';

const N = 12;
const id = (i: number) => `rv-${String(i).padStart(2, '0')}`;

describe('review', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const now = Date.now();

  before(async () => {
    ensureBuild();
    server = await startServer();
    const items: Array<{ type: string; body: Record<string, unknown> }> = [];
    for (let i = 0; i < N; i++) {
      items.push({
        type: 'session',
        body: {
          id: id(i),
          agent: { id: 'support-bot', name: 'Support Bot' },
          channel: 'web',
          type: 'chat',
          startedAt: new Date(now - (N - i) * 60_000).toISOString(),
        },
      });
      items.push({ type: 'message', body: { sessionId: id(i), sender: 'user', content: `hello ${i}` } });
      // Every third session failed: those (and none else) need review.
      if (i % 3 === 0) items.push({ type: 'session.update', body: { id: id(i), status: 'failed' } });
      else items.push({ type: 'session.update', body: { id: id(i), status: 'completed' } });
    }
    await server.ingest(items);
    browser = await launchBrowser();
    context = await newContext(browser, server);
    page = await context.newPage();
    await signIn(page, server.adminKey);
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  const failed = [9, 6, 3, 0].map(id);

  test('the "Needs review" view opens failed, unreviewed sessions', async () => {
    const nav = page.getByRole('list', { name: 'Saved views' });
    await nav.getByRole('link', { name: 'Needs review' }).click();
    await page.waitForURL(/problems=true/);
    assert.match(page.url(), /reviewed=false/);
    await waitFor(
      () => rowIds(page),
      (ids) => ids.join() === failed.join(),
      'the failed sessions',
    );
    await screenshot(page, 'review-needs-review-view');
  });

  test('detail: tag with t, score, a note shown as text, r marks reviewed, ? shows the keys', async () => {
    await page.locator(`tbody tr[data-session-id="${failed[0]}"]`).click();
    await page.waitForURL(new RegExp(`/sessions/${failed[0]}`));
    const panel = page.getByTestId('review-panel');
    await textMatching(panel.getByTestId('reviewed'), /Not reviewed yet/);

    await page.locator('body').press('t');
    await waitFor(
      () => page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
      (v) => v === 'Add a tag',
      'the tag input focused by t',
    );
    await page.keyboard.type('Refund');
    await page.keyboard.press('Enter');
    await textMatching(panel.getByTestId('tags'), /^refund$/);
    // A bad tag is refused with a reason, not sent.
    await panel.getByLabel('Add a tag').fill('no spaces');
    await panel.getByLabel('Add a tag').press('Enter');
    await textMatching(panel.getByRole('alert'), /Letters, digits/);
    await panel.getByLabel('Add a tag').fill('');

    await panel.getByRole('button', { name: 'Quality 4 of 5' }).click();
    await waitFor(
      () => panel.getByRole('button', { name: 'Quality 4 of 5' }).getAttribute('aria-pressed'),
      (v) => v === 'true',
      'quality 4 pressed',
    );

    const evil = '<img src=x onerror="window.__pwned=1"> <b>bold?</b>';
    await panel.getByLabel('New note').fill(evil);
    await panel.getByRole('button', { name: 'Add note' }).click();
    await textMatching(panel.getByTestId('note-body'), /<img src=x onerror="window.__pwned=1"> <b>bold\?<\/b>/);
    assert.equal(await panel.getByTestId('notes').locator('img, b').count(), 0, 'the note is text, not HTML');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);

    // r marks it reviewed (focus out of the note box first: keys are not shortcuts while typing).
    await page.locator('h1').first().click();
    await page.keyboard.press('r');
    await textMatching(panel.getByTestId('reviewed'), /Reviewed by/);
    await page.keyboard.press('?');
    await textMatching(page.getByRole('dialog', { name: 'Keyboard shortcuts' }), /Next session of the list/);
    await screenshot(page, 'review-detail-desktop');
    await page.keyboard.press('Escape');

    // The server has it all.
    const { body } = await server.api<{
      tags: string[];
      scores: Record<string, unknown>;
      reviewedAt: string | null;
      notes: Array<{ body: string }>;
    }>('GET', `/api/v1/sessions/${failed[0]}`);
    assert.deepEqual(body.tags, ['refund']);
    assert.deepEqual(body.scores, { quality: 4 });
    assert.ok(body.reviewedAt);
    assert.equal(body.notes[0].body, evil);
  });

  test('j and k walk the list the detail was opened from', async () => {
    // The detail on screen is the one asked for: its id in the header, the position beside "Back".
    const showing = async (sid: string, position: RegExp) => {
      await page.waitForURL(new RegExp(`/sessions/${sid}$`));
      await page.locator(`header [data-session-id-label="${sid}"]`).first().waitFor();
      await textMatching(page.getByTestId('list-position'), position);
    };
    // The reviewed session has left "Needs review", and j still goes on from where it was.
    await page.keyboard.press('j');
    await showing(failed[1], /^1 of 3$/);
    await page.keyboard.press('j');
    await showing(failed[2], /^2 of 3$/);
    await page.keyboard.press('k');
    await showing(failed[1], /^1 of 3$/);
    // Pressed in a row, without waiting for each session to load, the keys still walk the list.
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await showing(failed[3], /^3 of 3$/);
    await page.keyboard.press('k');
    await page.keyboard.press('k');
    await showing(failed[1], /^1 of 3$/);
  });

  test('list rows show tags; bulk tags every matching session with its progress', async () => {
    await page.goto('/?status=completed');
    await waitFor(
      () => rowIds(page),
      (ids) => ids.length === N - failed.length,
      'the completed sessions',
    );
    await page.getByRole('button', { name: 'Bulk actions' }).click();
    const bulk = page.getByTestId('bulk-panel');
    await textMatching(bulk, /Apply to all 8 matching sessions/);
    await bulk.getByLabel('Tag to add').fill('checked');
    await bulk.getByRole('button', { name: 'Add tag' }).click();
    await textMatching(bulk.getByTestId('bulk-status'), /^Done: 8 sessions$/);
    assert.equal(await bulk.getByRole('progressbar').getAttribute('aria-valuenow'), '100');
    await screenshot(page, 'review-bulk-desktop');
    await page.keyboard.press('Escape');
    await waitFor(
      () => page.locator('tbody [data-testid="row-tags"]').allInnerTexts(),
      (t) => t.length === 8 && t.every((x) => /checked/.test(x)),
      'the tag in every row',
    );
    const { body } = await server.api<{ pagination: { total: number } }>('GET', '/api/v1/sessions?tag=checked');
    assert.equal(body.pagination.total, 8);
  });

  test('phone and dark theme, for the record', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`/sessions/${failed[0]}`);
      await textMatching(page.getByTestId('review-panel').getByTestId('tags'), /refund/);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `phone detail overflows by ${overflow}px`);
      await screenshot(page, `review-detail-phone-${scheme}`);
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto('/?problems=true&reviewed=false');
      await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
      await waitFor(
        () => rowIds(page),
        (ids) => ids.length === failed.length - 1,
        'unreviewed problems',
      );
      await screenshot(page, `review-list-desktop-${scheme}`);
    }
  });
});
