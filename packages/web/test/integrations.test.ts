/**
 * Settings → Integrations: the OpenTelemetry settings work as shown (an exporter configured from
 * the copied text reaches the server), an integration's URL accepts its platform's signed call,
 * and the page shows the last request and the refusals. Screenshots at phone and desktop size.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  badges,
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

describe('Integrations page', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    ensureBuild();
    server = await startServer();
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

  test('the OpenTelemetry settings, with an ingest key made here, send traces that become a session', async () => {
    await page.getByRole('link', { name: 'Integrations' }).first().click();
    await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create an ingest key for these settings' }).click();
    await textMatching(page.getByTestId('otel-snippet'), /Bearer swb_/);
    // The text as it is copied, line by line (textMatching normalizes whitespace).
    const snippet = (await page.getByTestId('otel-snippet').textContent()) ?? '';
    const env = Object.fromEntries(
      snippet
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, `${server.url}/api/otlp`);
    // What an exporter does with those two variables: POST to <endpoint>/v1/traces with the header.
    const [name, value] = env.OTEL_EXPORTER_OTLP_HEADERS.split(/=(.*)/s);
    const res = await fetch(`${env.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [name]: value },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otel-bot' } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '5b8efff798038103d269b633813fc60c',
                    spanId: 'eee19b7ec3c1b174',
                    name: 'chat',
                    startTimeUnixNano: String(BigInt(Date.now() - 2000) * 1_000_000n),
                    endTimeUnixNano: String(BigInt(Date.now() - 1000) * 1_000_000n),
                    attributes: [
                      { key: 'gen_ai.conversation.id', value: { stringValue: 'otel-from-page' } },
                      {
                        key: 'gen_ai.input.messages',
                        value: {
                          stringValue: JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }]),
                        },
                      },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    assert.equal(res.status, 200, await res.text());
    const s = await server.api<{ source: string; messageCount: number }>('GET', '/api/v1/sessions/otel-from-page');
    assert.equal(s.body.source, 'otlp');
    assert.equal(s.body.messageCount, 1);
  });

  test('adds a Vapi integration; its URL takes a call; a forged one shows as refused', async () => {
    await page.getByRole('button', { name: 'Add integration' }).first().click();
    const form = page.getByRole('form', { name: 'Add integration' });
    await form.getByLabel('Name').fill('Scheduling line');
    await form.getByLabel('Server URL secret').fill('vapi-secret-123');
    await form.getByRole('button', { name: 'Add integration' }).click();
    const item = page.locator('li', { hasText: 'Scheduling line' });
    const url = (await textMatching(item.getByTestId('integration-url'), /\/api\/integrations\/int_/)).trim();
    assert.ok(url.startsWith(`${server.url}/api/integrations/`), url);
    await textMatching(item.getByTestId('last-request'), /No request yet/);

    const call = {
      message: {
        type: 'status-update',
        status: 'in-progress',
        call: { id: 'vapi-from-page', type: 'webCall', createdAt: new Date().toISOString() },
        assistant: { id: 'riley', name: 'Riley' },
      },
    };
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vapi-secret': 'vapi-secret-123' },
      body: JSON.stringify(call),
    });
    assert.equal(ok.status, 200);
    const forged = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vapi-secret': 'guess' },
      body: JSON.stringify(call),
    });
    assert.equal(forged.status, 401);
    const s = await server.api<{ source: string; channel: string }>('GET', '/api/v1/sessions/vapi-from-page');
    assert.equal(s.body.source, 'vapi');

    // The page looks again every few seconds; a reload shows it at once.
    await page.reload();
    const again = page.locator('li', { hasText: 'Scheduling line' });
    await textMatching(again.getByTestId('last-request'), /Last request: .*(now|second|ago)/);
    await textMatching(again.getByTestId('refusals'), /401.*x-vapi-secret does not match/);
    // The session it made is listed as any other.
    await waitFor(
      async () => (await server.api<{ data: Array<{ id: string }> }>('GET', '/api/v1/sessions?source=vapi')).body.data,
      (data) => data.some((x) => x.id === 'vapi-from-page'),
      'the Vapi session in source=vapi',
    );

    for (const [theme, colorScheme] of [
      ['light', 'light'],
      ['dark', 'dark'],
    ] as const) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width: 1280, height: 800 });
      await screenshot(page, `integrations-desktop-${theme}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, `integrations-phone-${theme}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('the Sessions page filters by source: the URL, the rows, the chip and the metrics', async () => {
    // An API session beside the OpenTelemetry and Vapi ones the tests above made.
    await server.ingest([
      {
        type: 'session',
        body: {
          id: 'api-made',
          agent: { id: 'support-bot', name: 'Support Bot' },
          channel: 'web',
          type: 'chat',
          startedAt: new Date().toISOString(),
        },
      },
    ]);
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'Source filter' }).click();
    await page.getByRole('checkbox', { name: 'Vapi' }).click();
    await page.keyboard.press('Escape');
    await waitFor(
      async () => new URL(page.url()).searchParams.get('source'),
      (v) => v === 'vapi',
      'source=vapi in the URL',
    );
    await waitFor(
      () => rowIds(page),
      (ids) => ids.length === 1 && ids[0] === 'vapi-from-page',
      'only the Vapi call listed',
    );
    assert.deepEqual(await badges(page), ['Source: Vapi']);
    await textMatching(page.getByTestId('metric-Total Sessions'), /^1$/);

    // A second source: comma-separated, both listed; removing the chips lists every session again.
    await page.getByRole('button', { name: 'Source filter' }).click();
    await page.getByRole('checkbox', { name: 'OpenTelemetry' }).click();
    await page.keyboard.press('Escape');
    await waitFor(
      () => rowIds(page),
      (ids) => ids.length === 2 && ids.includes('otel-from-page') && ids.includes('vapi-from-page'),
      'the OTLP and Vapi sessions listed',
    );
    assert.equal(new URL(page.url()).searchParams.get('source'), 'vapi,otlp');
    await page.getByRole('button', { name: 'Remove filter Source: Vapi' }).click();
    await page.getByRole('button', { name: 'Remove filter Source: OpenTelemetry' }).click();
    await waitFor(
      () => rowIds(page),
      (ids) => ids.includes('api-made') && ids.includes('vapi-from-page'),
      'every source listed again',
    );
    await page.goto(`${server.url}/settings/integrations`);
  });

  test('deletes an integration after confirmation; its URL then answers 404', async () => {
    const item = page.locator('li', { hasText: 'Scheduling line' });
    const url = (await textMatching(item.getByTestId('integration-url'), /\/api\/integrations\/int_/)).trim();
    await item.getByRole('button', { name: 'Delete Scheduling line' }).click();
    await page.getByRole('button', { name: 'Delete integration' }).click();
    await page.locator('li', { hasText: 'Scheduling line' }).waitFor({ state: 'detached' });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 404);
  });
});
