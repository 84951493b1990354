/**
 * First start: an organization without sessions sees how to send the first one (an ingest key,
 * curl and SDK snippets with this server's address, demo data, the API reference) instead of an
 * empty table, and sees the list as soon as a session arrives.
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
  waitFor,
  waitForMetric,
} from './helpers.ts';

describe('onboarding on an empty organization', { skip: !HAVE_CHROMIUM }, () => {
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

  const panel = () => page.getByTestId('onboarding');

  test('shows the steps with this server’s address instead of an empty table', async () => {
    await panel().waitFor();
    assert.equal(await page.getByTestId('sessions-empty').count(), 0, 'not “try adjusting your filters”');
    assert.equal(await page.getByRole('region', { name: 'Metrics' }).count(), 0);

    const curl = await page.getByTestId('snippet-curl').innerText();
    assert.match(curl, new RegExp(`curl -X POST ${server.url}/api/v1/sessions `));
    assert.match(curl, /Authorization: Bearer \$SWITCHBOARD_API_KEY/);
    await page.getByRole('tab', { name: 'SDK (TypeScript)' }).click();
    const sdk = await page.getByTestId('snippet-sdk').innerText();
    assert.match(sdk, new RegExp(`baseUrl: '${server.url}'`));
    assert.match(sdk, /sb\.sessions\.start\(/);
    assert.match(await panel().innerText(), /npm start -- --demo/);
    assert.equal(await panel().getByRole('link', { name: 'API reference' }).getAttribute('href'), '/api/docs');
    assert.equal((await fetch(`${server.url}/api/docs`)).status, 200, 'the reference is served');
    await page.getByRole('tab', { name: 'curl' }).click();
    await screenshot(page, 'onboarding');
  });

  test('with a filter set, an empty result is the usual empty state', async () => {
    await page.goto('/?channel=web');
    await page.getByTestId('sessions-empty').waitFor();
    assert.equal(await panel().count(), 0);
    await page.goto('/');
    await panel().waitFor();
  });

  test('a key without admin is pointed at the keys page', async () => {
    const read = await server.api<{ key: string }>('POST', '/api/v1/keys', { name: 'viewer', scopes: ['read'] });
    assert.equal(read.status, 201);
    const other = await newContext(browser, server);
    try {
      const p = await other.newPage();
      await signIn(p, read.body.key);
      const steps = p.getByTestId('onboarding');
      await steps.waitFor();
      assert.equal(await steps.getByRole('button', { name: 'Create ingest key' }).count(), 0);
      assert.equal(await steps.getByRole('link', { name: 'API keys' }).getAttribute('href'), '/settings/keys');
    } finally {
      await other.close();
    }
  });

  test('an admin creates an ingest key in place; the first session replaces the panel', async () => {
    await panel().getByRole('button', { name: 'Create ingest key' }).click();
    const shown = await page.getByTestId('onboarding-key').innerText();
    const key = /export SWITCHBOARD_API_KEY=(swb_\w+)/.exec(shown)?.[1];
    assert.ok(key, shown);
    const keys = await server.api<{ data: Array<{ name: string; scopes: string[]; prefix: string }> }>(
      'GET',
      '/api/v1/keys',
    );
    const made = keys.body.data.find((k) => key.startsWith(k.prefix) && k.name === 'First agent');
    assert.deepEqual(made?.scopes, ['ingest']);
    await screenshot(page, 'onboarding-key');

    // The agent reports with that key, as the curl snippet does; the live stream brings it in.
    const res = await server.api(
      'POST',
      '/api/v1/sessions',
      { id: 'hello-1', agent: { id: 'support-bot', name: 'Support Bot' }, channel: 'web', type: 'chat' },
      key,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await panel().waitFor({ state: 'detached' });
    await waitFor(
      () => rowIds(page),
      (ids) => ids.length === 1 && ids[0] === 'hello-1',
      'the first session in the table',
    );
    await waitForMetric(page, 'Total Sessions', '1');
  });
});
