/**
 * Session detail: opened from a row (click and Enter), every Session Information field, the
 * transcript with events interleaved, metadata, voice recordings, a 2,000-message transcript and
 * one of large messages that the server sends a page at a time as the reader scrolls.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ensureBuild,
  HAVE_CHROMIUM,
  launchBrowser,
  newContext,
  SCREENSHOT_DIR,
  screenshot,
  signIn,
  startServer,
  type TestServer,
  transcriptItems,
  waitFor,
  waitForSummary,
  textMatching,
} from './helpers.ts';

describe('session detail', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const now = Date.now();
  const chatStart = now - 30 * 60_000;
  const callStart = now - 20 * 60_000;
  const longStart = now - 10 * 60_000;
  const HEAVY = 90;

  before(async () => {
    ensureBuild();
    // The voice call's recording is on a host the operator allows, so it gets a player.
    server = await startServer({ SWITCHBOARD_RECORDING_HOSTS: 'recordings.example.com' });
    await server.ingest([
      {
        type: 'session',
        body: {
          id: 'chat-billing-1',
          agent: { id: 'support-bot', name: 'Support Bot' },
          channel: 'web',
          type: 'chat',
          startedAt: new Date(chatStart).toISOString(),
          metadata: { plan: 'pro', userId: 'u_123', vip: true, score: 4.5 },
        },
      },
      ...transcriptItems('chat-billing-1', 8, chatStart),
      {
        type: 'session.update',
        body: {
          id: 'chat-billing-1',
          status: 'completed',
          endedAt: new Date(chatStart + 60_000).toISOString(),
          endedReason: 'resolved',
        },
      },
      {
        type: 'session',
        body: {
          id: 'call-voice-1',
          agent: { id: 'voice-concierge', name: 'Voice Concierge' },
          channel: 'phone',
          type: 'voice',
          startedAt: new Date(callStart).toISOString(),
          metadata: { recordingUrl: 'https://recordings.example.com/call-voice-1.mp3', caller: '+44 20 7946 0000' },
        },
      },
      ...transcriptItems('call-voice-1', 6, callStart, 9_000),
      {
        type: 'event',
        body: {
          sessionId: 'call-voice-1',
          type: 'error',
          timestamp: new Date(callStart + 70_000).toISOString(),
          data: { message: 'TTS provider timeout' },
        },
      },
      {
        type: 'session',
        body: {
          id: 'long-transcript',
          agent: { id: 'support-bot', name: 'Support Bot' },
          channel: 'telegram',
          type: 'chat',
          startedAt: new Date(longStart).toISOString(),
        },
      },
      ...transcriptItems('long-transcript', 2000, longStart, 100),
      {
        type: 'session',
        body: {
          id: 'heavy-transcript',
          agent: { id: 'support-bot', name: 'Support Bot' },
          channel: 'whatsapp',
          type: 'chat',
          startedAt: new Date(longStart).toISOString(),
        },
      },
      // 20 KB each: the server's 512 KiB page holds 26, so 90 take four pages.
      ...Array.from({ length: HEAVY }, (_, i) => ({
        type: 'message',
        body: {
          sessionId: 'heavy-transcript',
          sender: i % 2 ? 'agent' : 'user',
          content: `Heavy line ${i + 1}. ${'lorem ipsum '.repeat(1700)}`,
          timestamp: new Date(longStart + (i + 1) * 1000).toISOString(),
        },
      })),
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

  test('row click opens the detail with information, transcript, metadata and events', async () => {
    await page.goto('/?channel=web');
    await waitForSummary(page, 'Showing 1 to 1 of 1 sessions');
    await page.locator('tr[data-session-id="chat-billing-1"]').click();
    await page.waitForURL('**/sessions/chat-billing-1');
    await page.getByRole('heading', { name: 'Session Information' }).waitFor();

    const info = page.locator('dl');
    const field = async (label: string) =>
      (
        await info
          .locator('div', { has: page.locator(`dt:text-is("${label}")`) })
          .locator('dd')
          .innerText()
      ).trim();
    assert.equal(await field('Session ID'), 'chat-billing-1');
    assert.match(await field('Agent'), /Support Bot\s+support-bot/);
    assert.equal(await field('Channel'), 'Web');
    assert.equal(await field('Type'), 'Chat');
    assert.equal(await field('Source'), 'API');
    assert.equal(await field('Status'), 'Completed');
    assert.match(await field('Started'), /\d{4}/);
    assert.match(await field('Ended'), /\d{4}/);
    assert.equal(await field('Duration'), '1 min');
    assert.equal(await field('Ended reason'), 'resolved');
    assert.equal(await field('Messages'), '8');

    // Transcript: both senders, seq numbers, in order; events interleaved by time.
    const transcript = page.getByRole('list', { name: 'Transcript and system events' });
    assert.equal(await transcript.locator('li[data-sender="user"]').count(), 4);
    assert.equal(await transcript.locator('li[data-sender="agent"]').count(), 4);
    await textMatching(transcript.locator('li[data-sender]').first(), /#1[\s\S]*charged twice/);
    const kinds = await transcript
      .locator('> li')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-event-type') ?? e.getAttribute('data-sender')));
    assert.equal(kinds[0], 'connection_established');
    assert.ok(kinds.indexOf('agent_handoff') > kinds.indexOf('user'), 'handoff after the first messages');
    assert.ok(kinds.includes('crm.ticket_created'), 'custom event shown');
    assert.ok(kinds.includes('status_changed'), 'status change recorded by the server is shown');
    await textMatching(transcript.locator('li[data-event-type="status_changed"]'), /Active → Completed/);
    await textMatching(transcript.locator('li[data-event-type="agent_handoff"]'), /from triage to billing/);

    // Metadata as a key–value table.
    const meta = page.getByRole('table', { name: 'Session metadata' });
    const rows = await meta
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.querySelector('th')?.textContent?.trim(), tr.querySelector('td')?.textContent?.trim()]),
      );
    assert.deepEqual(Object.fromEntries(rows), { plan: 'pro', userId: 'u_123', vip: 'true', score: '4.5' });
    await screenshot(page, 'detail');
  });

  test('back link returns to the list with its filters', async () => {
    await page.getByRole('link', { name: 'Back to sessions' }).click();
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('channel') === 'web');
    await waitForSummary(page, 'Showing 1 to 1 of 1 sessions');
  });

  test('Enter on a focused row opens it; a voice call shows the player and who spoke when', async () => {
    await page.goto('/?channel=phone');
    await waitForSummary(page, 'Showing 1 to 1 of 1 sessions');
    await page.locator('tr[data-session-id="call-voice-1"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL('**/sessions/call-voice-1');
    const audio = page.locator('audio');
    await audio.waitFor({ state: 'attached' });
    assert.equal(await audio.getAttribute('src'), 'https://recordings.example.com/call-voice-1.mp3');
    assert.equal(await page.getByRole('heading', { name: 'Call transcript' }).count(), 1);
    const lines = page.locator('li[data-sender]');
    assert.equal(await lines.count(), 6);
    // Offsets from the start of the call: first message at +0:09, second at +0:18.
    await textMatching(lines.nth(0), /^0:09\s+Caller/);
    await textMatching(lines.nth(1), /^0:18\s+Agent/);
    await textMatching(page.locator('li[data-event-type="error"]'), /TTS provider timeout/);
    assert.equal((await page.getByText('Ongoing').count()) > 0, true);
    await screenshot(page, 'detail-voice');
  });

  test('a 2,000-message transcript opens fast and renders incrementally', async () => {
    const t0 = Date.now();
    await page.goto('/sessions/long-transcript');
    await page.getByText('Hi, I was charged twice').first().waitFor();
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 5_000, `first paint took ${elapsed} ms`);
    const rendered = await page.locator('li[data-sender]').count();
    assert.ok(rendered < 2000, `rendered ${rendered} rows up front`);
    // Scrolling to the bottom pulls in the rest.
    await waitFor(
      async () => {
        await page.mouse.wheel(0, 20_000);
        return page.locator('li[data-sender]').count();
      },
      (n) => n === 2000,
      'all 2,000 messages after scrolling',
      20_000,
    );
    await textMatching(page.getByText('2,000 messages'), /2,000 messages/);
  });

  test('a transcript longer than one page loads page by page as it is scrolled, to its end', async () => {
    const requests: string[] = [];
    const onRequest = (r: { url: () => string }) => {
      if (r.url().includes('/api/v1/sessions/heavy-transcript')) requests.push(new URL(r.url()).pathname);
    };
    page.on('request', onRequest);
    await page.goto('/sessions/heavy-transcript');
    await page.getByText(/^Heavy line 1\./).waitFor();
    await textMatching(page.getByText(/\d+ messages · \d+ events/), /^90 messages · 0 events/);
    const first = await page.locator('li[data-sender]').count();
    assert.ok(first < HEAVY, `the first page holds ${first} of ${HEAVY}`);
    await waitFor(
      async () => {
        await page.mouse.wheel(0, 50_000);
        return page.locator('li[data-sender]').count();
      },
      (n) => n === HEAVY,
      `all ${HEAVY} messages after scrolling`,
      30_000,
    );
    page.off('request', onRequest);
    // Every line once, in order, the last one at the end, and nothing more to load.
    // textContent: an off-screen line's innerText reads empty (content-visibility: auto).
    const seqs = await page.locator('li[data-sender] span.tabular-nums').allTextContents();
    assert.deepEqual(
      seqs.filter((x) => x.startsWith('#')),
      Array.from({ length: HEAVY }, (_, i) => `#${i + 1}`),
    );
    assert.match((await page.locator('li[data-sender]').last().textContent()) ?? '', /Heavy line 90\./);
    assert.equal(await page.getByTestId('transcript-more').count(), 0);
    // The detail, then the rest in pages: never the whole transcript in one response.
    const pages = requests.filter((p) => p.endsWith('/transcript')).length;
    assert.equal(requests.filter((p) => p.endsWith('/heavy-transcript')).length, 1);
    assert.equal(pages, 3, requests.join('\n'));
    // The viewport at the end of the transcript (a full-page capture of 1.8 MB of text is past
    // what Chromium can draw in one image).
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'detail-paged-transcript-end.png') });
  });

  test('an unknown session shows a clear not-found message', async () => {
    await page.goto('/sessions/does-not-exist');
    await page.getByRole('heading', { name: 'Session not found' }).waitFor();
  });
});
