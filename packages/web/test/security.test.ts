/**
 * Browser security: sessions whose every user-controlled field carries a script payload render as
 * text on the list, detail and analytics pages and no script runs; the page carries a strict CSP
 * and the usual security headers; the session cookie is HttpOnly and SameSite=Strict; a
 * cookie-authenticated write (signing out included) without the CSRF header is refused, and a
 * page on another origin cannot make one succeed; a recording URL is loaded only from a host the
 * operator allows.
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
  waitFor,
} from './helpers.ts';

const PWN = 'window.__pwned=1';
const PAYLOADS = {
  img: `<img src=x onerror="${PWN};alert(1)">`,
  script: `<script>${PWN};alert(2)</script>`,
  svg: `<svg onload=alert(3)>`,
  js: `javascript:${PWN};alert(4)`,
};

describe('browser security', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const dialogs: string[] = [];
  const now = Date.now();

  before(async () => {
    ensureBuild();
    server = await startServer();
    const started = new Date(now - 30 * 60_000).toISOString();
    await server.ingest([
      {
        type: 'session',
        body: {
          id: 'xss-1',
          agent: { id: 'evil-agent', name: PAYLOADS.img },
          channel: 'phone',
          type: 'voice',
          startedAt: started,
          metadata: {
            [PAYLOADS.svg]: PAYLOADS.script,
            recordingUrl: 'javascript:alert(1)',
            link: PAYLOADS.js,
            note: PAYLOADS.img,
          },
        },
      },
      { type: 'message', body: { sessionId: 'xss-1', sender: 'user', content: PAYLOADS.img, timestamp: started } },
      { type: 'message', body: { sessionId: 'xss-1', sender: 'agent', content: PAYLOADS.script, timestamp: started } },
      {
        type: 'message',
        body: {
          sessionId: 'xss-1',
          sender: 'user',
          content: `[click](${PAYLOADS.js}) ${PAYLOADS.js}`,
          timestamp: started,
        },
      },
      {
        type: 'event',
        body: {
          sessionId: 'xss-1',
          type: 'error',
          timestamp: started,
          data: { html: PAYLOADS.img, [PAYLOADS.svg]: 1 },
        },
      },
      {
        type: 'session.update',
        body: {
          id: 'xss-1',
          status: 'failed',
          endedAt: new Date(now - 20 * 60_000).toISOString(),
          endedReason: PAYLOADS.svg,
        },
      },
      {
        type: 'session',
        body: {
          id: 'xss-2',
          agent: { id: 'evil-2', name: PAYLOADS.script },
          channel: 'web',
          type: 'chat',
          startedAt: new Date(now - 10 * 60_000).toISOString(),
          metadata: { '<b>bold</b>': '<iframe src="javascript:alert(5)">' },
        },
      },
    ]);
    browser = await launchBrowser();
    context = await newContext(browser, server);
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await signIn(page, server.adminKey);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Nothing ran: no dialog, no flag, no element the payloads would have created. */
  async function assertInert(where: string) {
    // Give a broken image's onerror the time to fire, if it could.
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, [], `a dialog opened on ${where}`);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, where);
    assert.equal(await page.locator('img[src="x"], svg[onload], iframe, script:not([src])').count(), 0, where);
    assert.equal(await page.locator('[href^="javascript:" i], [src^="javascript:" i]').count(), 0, where);
  }

  test('the list renders payloads as text and runs nothing', async () => {
    await page.goto('/');
    await page.locator('tr[data-session-id="xss-1"]').waitFor();
    const text = await page.locator('tbody').innerText();
    assert.ok(text.includes(PAYLOADS.img), 'the agent name is shown as text');
    await page.goto(`/?search=${encodeURIComponent(PAYLOADS.img)}`);
    await page.waitForTimeout(500);
    await assertInert('the list');
    await screenshot(page, 'security-list');
  });

  test('the detail page renders transcript, metadata, endedReason and event data as text', async () => {
    await page.goto('/sessions/xss-1');
    await page.getByText(PAYLOADS.script, { exact: false }).first().waitFor();
    const body = await page.locator('main').innerText();
    for (const p of [PAYLOADS.img, PAYLOADS.script, PAYLOADS.svg])
      assert.ok(body.includes(p), `${p} not shown as text`);
    // A javascript: recording URL gets no player, and a javascript: metadata value no link.
    assert.equal(await page.locator('audio, video').count(), 0);
    await assertInert('the detail page');
    await screenshot(page, 'security-detail');
    await page.goto('/sessions/xss-2');
    await page.getByText('<iframe', { exact: false }).first().waitFor();
    await assertInert('the second detail page');
  });

  test('the analytics page runs nothing', async () => {
    await page.goto('/analytics');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.waitForTimeout(800);
    await assertInert('analytics');
  });

  test('a strict Content-Security-Policy and the usual security headers on the page', async () => {
    const res = await fetch(`${server.url}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directive = (name: string) =>
      csp
        .split(';')
        .map((d) => d.trim())
        .find((d) => d.startsWith(`${name} `)) ?? '';
    assert.match(directive('script-src'), /^script-src 'self'$/, csp);
    assert.match(directive('object-src'), /'none'/);
    assert.match(directive('frame-ancestors'), /'none'/);
    assert.match(directive('base-uri'), /'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    // The CSP is enforced: an inline script injected at runtime does not run.
    await page.goto('/');
    const ran = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 50));
      return (window as unknown as { __inline?: number }).__inline;
    });
    assert.equal(ran, undefined, 'an inline script ran despite the CSP');
  });

  test('a recording loads only from a host the operator allows, and the CSP media-src says the same', async () => {
    // A tracking beacon posing as a recording: it counts every request it gets.
    const hits: string[] = [];
    const beacon = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.end();
    });
    await new Promise<void>((r) => beacon.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(beacon.address() as AddressInfo).port}`;
    const recordingUrl = `http://${host}/call.mp3?opened-by=someone`;
    const call = {
      type: 'session',
      body: { id: 'rec-1', agent: { id: 'voice-bot' }, channel: 'phone', type: 'voice', metadata: { recordingUrl } },
    };
    const mediaSrc = async (url: string) =>
      ((await fetch(`${url}/`)).headers.get('content-security-policy') ?? '')
        .split(';')
        .map((d) => d.trim())
        .find((d) => d.startsWith('media-src'));
    let allowing: TestServer | undefined;
    let allowingContext: BrowserContext | undefined;
    try {
      // The default allows no host: the URL is shown as text with how to allow it, not loaded.
      await server.ingest([call]);
      assert.equal(await mediaSrc(server.url), "media-src 'none'");
      await page.goto('/sessions/rec-1');
      const note = page.getByTestId('recording-not-loaded');
      await note.waitFor();
      const text = await note.innerText();
      assert.ok(text.includes(recordingUrl), text);
      assert.match(text, new RegExp(`To play recordings from ${host}, add it to SWITCHBOARD_RECORDING_HOSTS`));
      assert.equal(await page.locator('audio, video').count(), 0);
      await screenshot(page, 'recording-not-loaded');
      // And the browser refuses it even when a script asks for it.
      const violated = await page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true });
            new Audio(url).load();
          }),
        recordingUrl,
      );
      assert.equal(violated, 'media-src');
      assert.deepEqual(hits, [], 'the recording URL was requested');

      // With the host allowed, the player loads it.
      allowing = await startServer({ SWITCHBOARD_RECORDING_HOSTS: host });
      await allowing.ingest([call]);
      assert.equal(await mediaSrc(allowing.url), `media-src ${host}`);
      allowingContext = await newContext(browser, allowing);
      const player = await allowingContext.newPage();
      await signIn(player, allowing.adminKey);
      await player.goto('/sessions/rec-1');
      const audio = player.locator('audio');
      await audio.waitFor({ state: 'attached' });
      assert.equal(await audio.getAttribute('src'), recordingUrl);
      assert.equal(await player.getByTestId('recording-not-loaded').count(), 0);
      await waitFor(
        async () => hits.length,
        (n) => n > 0,
        'the player to fetch the allowed recording',
      );
    } finally {
      await allowingContext?.close();
      await allowing?.stop();
      beacon.close();
    }
  });

  test('the session cookie is HttpOnly and SameSite=Strict, and Secure when the request came over HTTPS', async () => {
    const login = (headers: Record<string, string> = {}) =>
      fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ key: server.adminKey }),
      });
    const plain = (await login()).headers.get('set-cookie') ?? '';
    assert.match(plain, /sb_session=/);
    assert.match(plain, /HttpOnly/i);
    assert.match(plain, /SameSite=Strict/i);
    assert.doesNotMatch(plain, /Secure/i, 'no Secure over plain http (the browser would drop it)');
    // Behind a TLS-terminating proxy the cookie must be Secure. Marking it so on the client's
    // word is safe: a forged header only gets the forger a cookie their own http page cannot use.
    const https = (await login({ 'x-forwarded-proto': 'https' })).headers.get('set-cookie') ?? '';
    assert.match(https, /Secure/i);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'sb_session');
    assert.ok(session?.httpOnly && session.sameSite === 'Strict');
    assert.equal(
      await page.evaluate(() => document.cookie.includes('sb_session')),
      false,
      'script can read the cookie',
    );
  });

  test('a cookie-authenticated write without the CSRF header is refused (403); another origin cannot make one', async () => {
    await page.goto('/');
    const keysBefore = ((await server.api('GET', '/api/v1/keys')).body as { data: unknown[] }).data.length;
    // Same origin, the browser's own cookie, no header: refused.
    for (const [method, path, body] of [
      ['POST', '/api/v1/keys', { name: 'csrf', scopes: ['admin'] }],
      ['PATCH', '/api/v1/sessions/xss-2', { status: 'failed' }],
      ['DELETE', '/api/v1/keys/nope', undefined],
      // Signing out is a write too: another site must not be able to end someone's session.
      ['POST', '/api/v1/auth/logout', undefined],
    ] as const) {
      const status = await page.evaluate(
        async ([m, p, b]) =>
          (
            await fetch(p, {
              method: m,
              headers: b ? { 'content-type': 'application/json' } : {},
              body: b ? JSON.stringify(b) : undefined,
            })
          ).status,
        [method, path, body] as const,
      );
      assert.equal(status, 403, `${method} ${path}`);
    }
    assert.equal(await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status), 200, 'still signed in');

    // A page on another origin (localhost is another site than 127.0.0.1) tries every trick.
    let attacker: Server | undefined;
    try {
      const target = server.url;
      attacker = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!doctype html><body>
<form id="f" method="POST" action="${target}/api/v1/keys" enctype="text/plain">
  <input name='{"name":"form","scopes":["admin"],"x":"' value='"}'></form>
<script>
window.results = [];
fetch(${JSON.stringify(`${target}/api/v1/keys`)}, { method: 'POST', credentials: 'include', mode: 'cors',
  headers: { 'content-type': 'application/json', 'x-switchboard-csrf': '1' },
  body: JSON.stringify({ name: 'cors', scopes: ['admin'] }) })
  .then((r) => results.push('cors:' + r.status), (e) => results.push('cors:blocked'));
fetch(${JSON.stringify(`${target}/api/v1/keys`)}, { method: 'POST', credentials: 'include', mode: 'no-cors',
  headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'nocors', scopes: ['admin'] }) })
  .then(() => results.push('nocors:sent'), () => results.push('nocors:blocked'));
setTimeout(() => document.getElementById('f').submit(), 300);
</script></body>`);
      });
      await new Promise<void>((r) => attacker?.listen(0, '127.0.0.1', r));
      const evil = await context.newPage();
      await evil.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
      await evil.waitForTimeout(1500);
      await evil.close();
    } finally {
      attacker?.close();
    }
    const keys = ((await server.api('GET', '/api/v1/keys')).body as { data: Array<{ name: string }> }).data;
    assert.equal(keys.length, keysBefore, `a cross-origin page created a key: ${keys.map((k) => k.name).join(', ')}`);
    // And with the header, the dashboard's own write works (the refusal above is the header's doing).
    const ok = await page.evaluate(async () => {
      const r = await fetch('/api/v1/keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchboard-csrf': '1' },
        body: JSON.stringify({ name: 'dashboard', scopes: ['read'] }),
      });
      return r.status;
    });
    assert.equal(ok, 201);
    await waitFor(
      async () => ((await server.api('GET', '/api/v1/keys')).body as { data: unknown[] }).data.length,
      (n) => n === keysBefore + 1,
      'the key made with the header',
    );
  });
});
