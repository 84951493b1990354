/**
 * The recording player of a call: real audio from a real (local) media server on an allowed host.
 * A line of the transcript plays the recording from its moment, the speaker strip shows who
 * spoke when and plays a turn on click, and a recording that cannot play says so and why
 * (missing file, a server that is not there, a format the browser cannot play, a host that is
 * not allowed) instead of a silent 0:00.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** 60 s of silence: 8 kHz, 8-bit, mono PCM in a WAV container (480 KB). */
function silentWav(seconds: number): Buffer {
  const rate = 8000;
  const data = rate * seconds;
  const b = Buffer.alloc(44 + data, 0x80);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVE', 8);
  b.write('fmt ', 12);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write('data', 36);
  b.writeUInt32LE(data, 40);
  return b;
}

/** A media host with byte ranges (what a player needs to seek), a missing file and a fake mp3. */
function mediaServer(): Promise<Server> {
  const wav = silentWav(60);
  const server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    if (req.url === '/call.wav') {
      const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Number(range[2]) : wav.length - 1;
        res.writeHead(206, {
          'content-type': 'audio/wav',
          'accept-ranges': 'bytes',
          'content-range': `bytes ${start}-${end}/${wav.length}`,
          'content-length': end - start + 1,
        });
        res.end(wav.subarray(start, end + 1));
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/wav', 'accept-ranges': 'bytes', 'content-length': wav.length });
      res.end(wav);
      return;
    }
    if (req.url === '/not-audio.mp3') {
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.end('this is a text file pretending to be an mp3 '.repeat(200));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('recording player', { skip: !HAVE_CHROMIUM }, () => {
  let media: Server;
  let host: string;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const start = Date.now() - 10 * 60_000;
  const at = (s: number) => new Date(start + s * 1000).toISOString();

  const call = (id: string, recordingUrl: string, extra: Record<string, unknown> = {}) => ({
    type: 'session',
    body: {
      id,
      agent: { id: 'voice-concierge', name: 'Voice Concierge' },
      channel: 'phone',
      type: 'voice',
      startedAt: at(0),
      metadata: { recordingUrl },
      ...extra,
    },
  });

  before(async () => {
    ensureBuild();
    media = await mediaServer();
    host = `127.0.0.1:${(media.address() as AddressInfo).port}`;
    // A port nothing listens on, allowed too: the "server is not there" case.
    const closed = await mediaServer();
    const closedHost = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    server = await startServer({ SWITCHBOARD_RECORDING_HOSTS: `${host},${closedHost}` });
    const say = (sessionId: string, sender: string, s: number, content: string) => ({
      type: 'message',
      body: { sessionId, sender, content, timestamp: at(s) },
    });
    await server.ingest([
      call('rec-ok', `http://${host}/call.wav`),
      say('rec-ok', 'user', 5, 'Hi, I am calling about my bill.'),
      say('rec-ok', 'agent', 12, 'Sure, let me pull it up.'),
      say('rec-ok', 'user', 30, 'It shows two charges.'),
      say('rec-ok', 'agent', 40, 'I see them; I will refund one.'),
      call('rec-missing', `http://${host}/missing.wav`),
      call('rec-format', `http://${host}/voicemail.wma`),
      call('rec-not-audio', `http://${host}/not-audio.mp3`),
      call('rec-refused', `http://${closedHost}/call.wav`),
      call('rec-host', 'https://elsewhere.example.org/call.wav'),
    ]);
    await server.api('PATCH', '/api/v1/sessions/rec-ok', { status: 'completed', endedAt: at(60) });
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
    await new Promise((r) => media?.close(r));
  });

  const currentTime = () => page.locator('audio').evaluate((el) => (el as HTMLAudioElement).currentTime);
  const loaded = () =>
    waitFor(
      () => page.locator('audio').evaluate((el) => (el as HTMLAudioElement).readyState),
      (s) => s >= 1,
      'the recording’s metadata',
    );

  test('a transcript line plays the recording from its moment; the speaker strip shows the turns', async () => {
    await page.goto('/sessions/rec-ok');
    await loaded();
    const strip = page.getByTestId('speaker-strip');
    const turns = strip.locator('button[data-sender]');
    assert.equal(await turns.count(), 4);
    assert.deepEqual(await turns.evaluateAll((els) => els.map((e) => e.getAttribute('data-sender'))), [
      'user',
      'agent',
      'user',
      'agent',
    ]);
    // Positioned on the recording's 60 s: the third turn starts at 30 s, half way.
    const left = await turns.nth(2).evaluate((el) => (el as HTMLElement).style.left);
    assert.equal(left, '50%');
    await textMatching(page.getByTestId('recording'), /Agent Caller 0:00 \/ 1:00/);

    await page.locator('li[data-sender]').filter({ hasText: 'It shows two charges.' }).getByRole('button').click();
    await waitFor(currentTime, (t) => t >= 29.5 && t < 35, 'seeked to 0:30 from the transcript');
    await page.locator('audio').evaluate((el) => (el as HTMLAudioElement).pause());

    await page.getByRole('button', { name: 'Play from 0:12, agent' }).click();
    await waitFor(currentTime, (t) => t >= 11.5 && t < 17, 'seeked to 0:12 from the strip');
    await page.locator('audio').evaluate((el) => (el as HTMLAudioElement).pause());

    // A click on the line's text (not only its time) plays it too.
    await page.getByText('I see them; I will refund one.').click();
    await waitFor(currentTime, (t) => t >= 39.5 && t < 45, 'seeked to 0:40 from the line');
    await page.locator('audio').evaluate((el) => (el as HTMLAudioElement).pause());
    assert.equal(await page.getByTestId('recording-unavailable').count(), 0);
  });

  test('a recording that cannot play says “Recording unavailable” and why', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['rec-missing', 'network', /could not be loaded from its server/],
      ['rec-refused', 'network', /could not be loaded from its server/],
      ['rec-not-audio', 'network', /something that is not a recording/],
      ['rec-format', 'format', /cannot play the recording’s format/],
      ['rec-host', 'host', /To play recordings from elsewhere\.example\.org, add it to SWITCHBOARD_RECORDING_HOSTS/],
    ];
    for (const [id, reason, text] of cases) {
      await page.goto(`/sessions/${id}`);
      const box = page.getByTestId('recording-unavailable');
      await box.waitFor();
      await textMatching(box, /^Recording unavailable/);
      assert.equal(
        await box.getAttribute('data-reason'),
        reason,
        `${id}: ${await box.getAttribute('data-media-error')}`,
      );
      await textMatching(box, text);
      assert.ok((await box.innerText()).includes('://'), 'the URL is shown to copy');
      assert.equal(await page.locator('audio:visible').count(), 0, `${id}: no silent 0:00 player`);
    }
  });

  test('screenshots: phone and desktop, light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [name, size] of [
        ['phone', { width: 390, height: 844 }],
        ['desktop', { width: 1280, height: 800 }],
      ] as const) {
        await page.setViewportSize(size);
        await page.goto('/sessions/rec-ok');
        await loaded();
        await page.getByTestId('speaker-strip').waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${name} ${scheme}: scrolls sideways by ${overflow} px`);
        await screenshot(page, `recording-player-${name}-${scheme}`, { fullPage: false });
        await page.goto('/sessions/rec-missing');
        await page.getByTestId('recording-unavailable').waitFor();
        await screenshot(page, `recording-unavailable-${name}-${scheme}`, { fullPage: false });
      }
    }
  });
});
