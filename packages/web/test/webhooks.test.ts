/**
 * Settings → Webhooks against a real server and a real receiver on 127.0.0.1 (the server runs
 * with SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=true and a one-second retry schedule): create with the
 * secret shown once, field errors from the problem document, test event received and signed,
 * delivery log with attempts, retry, edit, rotate, disable, delete, and the 403 page.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
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

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** Standard Webhooks: base64 HMAC-SHA256 over "<id>.<timestamp>.<body>" with the decoded secret. */
function sign(secret: string, r: Received): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key)
    .update(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`)
    .digest('base64');
  return `v1,${mac}`;
}

describe('webhooks settings', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let receiver: Server;
  let hookUrl = '';
  const received: Received[] = [];
  let answer = 500;

  before(async () => {
    ensureBuild();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'nope');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const addr = receiver.address();
    hookUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hooks/switchboard`;
    server = await startServer({
      SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
      SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '1',
    });
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
    await new Promise<void>((r) => receiver?.close(() => r()));
  });

  const hooksApi = async () =>
    (
      await server.api<{ data: Array<{ id: string; enabled: boolean; events: string[]; filters: unknown }> }>(
        'GET',
        '/api/v1/webhooks',
      )
    ).body.data;

  const deliveryRow = () => page.locator('tbody tr[data-delivery-id]').first();
  const deliveryStatus = () => deliveryRow().locator('[data-delivery-status]').getAttribute('data-delivery-status');

  let secret = '';

  test('the nav leads to the page; every field error of a refused endpoint is shown', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText('No endpoints yet').waitFor();
    await page.getByRole('button', { name: 'Add endpoint' }).first().click();
    const form = page.getByRole('form', { name: 'Add webhook endpoint' });
    await form.getByLabel('Endpoint URL').fill('ftp://example.com/hook');
    await form.getByLabel('Only selected events').check();
    assert.ok(await form.getByRole('button', { name: 'Add endpoint' }).isDisabled(), 'no event chosen yet');
    await form.getByLabel(/session\.ended/).check();
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Could not add the endpoint/);
    assert.ok((await form.getByTestId('field-errors').locator('li').count()) >= 1);
    assert.equal(await form.getByLabel('Endpoint URL').getAttribute('aria-invalid'), 'true');
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  test('creates an endpoint and shows its secret once', async () => {
    await page.getByRole('button', { name: 'Add endpoint' }).first().click();
    const form = page.getByRole('form', { name: 'Add webhook endpoint' });
    await form.getByLabel('Endpoint URL').fill(hookUrl);
    await form.getByLabel('Description').fill('On-call pager');
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    const box = page.getByTestId('webhook-secret');
    await box.waitFor();
    secret = await box.getByTestId('secret-value').innerText();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.match(await box.innerText(), /will not be shown again/);
    await box.getByRole('button', { name: 'Copy signing secret' }).waitFor();
    const hooks = await hooksApi();
    assert.equal(hooks.length, 1);
    assert.deepEqual(hooks[0].events, ['*']);
    assert.ok(!JSON.stringify(hooks).includes(secret), 'the list never carries the secret');

    const row = page.locator(`tr[data-webhook-id="${hooks[0].id}"]`);
    assert.match(await row.innerText(), /127\.0\.0\.1[\s\S]*All events[\s\S]*Enabled/);
    await box.getByRole('button', { name: 'Done' }).click();
    await page.reload();
    await page.getByTestId('endpoint-detail').waitFor();
    assert.equal(await page.getByText(secret).count(), 0, 'not shown again');
    await screenshot(page, 'webhooks');
  });

  test('a test event reaches the receiver, signed; the log shows the failures; Retry delivers it', async () => {
    answer = 500;
    await page.getByRole('button', { name: 'Send test event' }).click();
    await waitFor(
      async () => received.length,
      (n) => n >= 1,
      'the receiver got the test event',
    );
    const first = received[0];
    assert.equal(JSON.parse(first.body).type, 'webhook.test');
    assert.ok(String(first.headers['webhook-signature']).split(' ').includes(sign(secret, first)), 'signed');

    await deliveryRow().waitFor();
    assert.match(await deliveryRow().innerText(), /webhook\.test/);
    // 500, then the one-second retry, then failed: the log follows it without a reload.
    await waitFor(deliveryStatus, (s) => s === 'failed', 'delivery failed', 15_000);
    const text = await deliveryRow().innerText();
    assert.match(text, /\b2\b/, 'two attempts');
    assert.match(text, /500/);
    await deliveryRow()
      .getByRole('button', { name: /Attempt log of event/ })
      .click();
    const attempts = page.getByRole('list', { name: /Attempts of event/ });
    assert.equal(await attempts.locator('li').count(), 2);
    await screenshot(page, 'webhook-deliveries');

    answer = 204;
    const before = received.length;
    await deliveryRow()
      .getByRole('button', { name: /Retry event/ })
      .click();
    await waitFor(deliveryStatus, (s) => s === 'succeeded', 'delivery succeeded after retry', 15_000);
    assert.equal(received.length, before + 1);
    assert.equal(received.at(-1)?.headers['webhook-id'], first.headers['webhook-id'], 'same webhook-id on retry');
    assert.equal(
      await deliveryRow()
        .getByRole('button', { name: /Retry event/ })
        .count(),
      0,
      'no retry once delivered',
    );
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await page.getByTestId('deliveries-empty').waitFor();
    // The filter lives in the URL: a reload keeps the view.
    assert.equal(new URL(page.url()).searchParams.get('status'), 'failed');
    await page.reload();
    await page.getByTestId('deliveries-empty').waitFor();
    assert.equal(await page.getByLabel('Status', { exact: true }).inputValue(), 'failed');
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await deliveryRow().waitFor();
    assert.equal(new URL(page.url()).searchParams.get('status'), null);
  });

  test('pages through the log by cursor; the page is in the URL (reload, Back)', async () => {
    const [hook] = await hooksApi();
    // Twenty more test events: 21 deliveries, one more than a page.
    for (let i = 0; i < 20; i++)
      assert.equal((await server.api('POST', `/api/v1/webhooks/${hook.id}/test`)).status, 202);
    const summary = () => page.getByTestId('deliveries-summary').innerText();
    await page.getByRole('button', { name: 'Refresh delivery log' }).click();
    await waitFor(summary, (t) => t === '1–20 of 21 deliveries', 'the first page of 21');
    assert.ok(await page.getByRole('button', { name: 'Newer' }).isDisabled());

    await page.getByRole('button', { name: 'Older' }).click();
    await waitFor(summary, (t) => t === '21–21 of 21 deliveries', 'the second page');
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('endpoint'), hook.id);
    assert.equal(url.searchParams.getAll('cursor').length, 1);
    assert.ok(await page.getByRole('button', { name: 'Older' }).isDisabled());

    await page.reload();
    await waitFor(summary, (t) => t === '21–21 of 21 deliveries', 'the second page after a reload');
    assert.equal(await page.locator('tbody tr[data-delivery-id]').count(), 1);

    await page.goBack();
    await waitFor(summary, (t) => t === '1–20 of 21 deliveries', 'the first page after Back');
    assert.equal(new URL(page.url()).searchParams.getAll('cursor').length, 0);
    await page.getByRole('button', { name: 'Older' }).click();
    await waitFor(summary, (t) => t === '21–21 of 21 deliveries', 'Older again');
    await page.getByRole('button', { name: 'Newer' }).click();
    await waitFor(summary, (t) => t === '1–20 of 21 deliveries', 'Newer');
  });

  test('edits events, filters and description', async () => {
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const form = page.getByRole('form', { name: 'Edit webhook endpoint' });
    await form.getByLabel('Only selected events').check();
    await form.getByLabel(/session\.ended/).check();
    await form.getByText('Filters').click();
    await form.getByRole('group', { name: 'Channel' }).getByLabel('Phone').check();
    await form.getByRole('group', { name: 'Status' }).getByLabel('Failed').check();
    await form.getByRole('button', { name: 'Add metadata filter' }).click();
    await form.getByLabel('Metadata key 1').fill('plan');
    await form.getByLabel('Metadata value 1').fill('pro');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('endpoint-notice').getByText('Changes saved.').waitFor();
    const [hook] = await hooksApi();
    assert.deepEqual(hook.events, ['session.ended']);
    assert.deepEqual(hook.filters, { channel: ['phone'], status: ['failed'], metadata: { plan: 'pro' } });
    assert.match(await page.getByTestId('endpoint-detail').innerText(), /channel: Phone[\s\S]*plan = pro/);
  });

  test('rotates the secret (shown once, with the 24-hour grace note)', async () => {
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
    assert.match(await dialog.innerText(), /24 hours/);
    // Escape cancels and gives focus back to the button that opened the dialog.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // Closed is not yet gone: the dialog is hidden at once and leaves the page when its close event
    // has run, which resets the page's state; a key pressed in between (a test is faster than a
    // person) reopened it only for that reset to close it again.
    await page.locator('dialog').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Rotate secret');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Rotate secret' }).click();
    const box = page.getByTestId('webhook-secret');
    await box.waitFor();
    const next = await box.getByTestId('secret-value').innerText();
    assert.match(next, /^whsec_/);
    assert.notEqual(next, secret);
    assert.match(await box.innerText(), /previous secret keeps signing deliveries for 24 hours/);
    await box.getByRole('button', { name: 'Done' }).click();
  });

  test('disables, enables and deletes the endpoint', async () => {
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await page.getByRole('button', { name: 'Enable', exact: true }).waitFor();
    assert.equal((await hooksApi())[0].enabled, false);
    assert.ok(await page.getByRole('button', { name: 'Send test event' }).isDisabled());
    assert.match(await page.locator('tr[data-webhook-id]').innerText(), /Disabled/);
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.getByRole('button', { name: 'Disable', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this endpoint?' });
    await dialog.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByText('No endpoints yet').waitFor();
    assert.equal((await hooksApi()).length, 0);
  });

  test('a key without the admin scope sees why the page is unavailable', async () => {
    const res = await server.api<{ key: string }>('POST', '/api/v1/keys', { name: 'reader', scopes: ['read'] });
    assert.equal(res.status, 201);
    const ctx = await newContext(browser, server);
    try {
      const p = await ctx.newPage();
      await signIn(p, res.body.key);
      await p.goto('/settings/webhooks');
      await p.getByRole('heading', { name: 'This page needs an admin key' }).waitFor();
      assert.equal(await p.getByRole('button', { name: 'Add endpoint' }).count(), 0);
    } finally {
      await ctx.close();
    }
  });
});
