/**
 * Sign-in with an API key (form and one-click `#key=` link, which asks first when someone is
 * already signed in), bad keys, sign-out, and that any 401 sends the user back to /login.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  ensureBuild,
  freshDatabase,
  HAVE_CHROMIUM,
  launchBrowser,
  makeKey,
  makeSessions,
  newContext,
  REPO_ROOT,
  screenshot,
  sessionItems,
  signIn,
  startServer,
  type TestServer,
  textMatching,
} from './helpers.ts';

describe('sign in', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;

  /** An admin key of a second organization, `acme`, made with `switchboard orgs create`. */
  let acmeKey: string;
  let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-web-auth-'));

  before(async () => {
    ensureBuild();
    db = await freshDatabase(dataDir);
    const env = { DATABASE_URL: db.url, SWITCHBOARD_DATA_DIR: dataDir };
    server = await startServer(env);
    await server.ingest(sessionItems(makeSessions(5)));
    const created = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'packages/server/src/cli.ts', 'orgs', 'create', 'acme'],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8' },
    );
    acmeKey = /(swb_\w+)/.exec(created)?.[1] ?? '';
    assert.ok(acmeKey, created);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('an anonymous visit goes to /login and keeps where it was going', async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await page.goto('/analytics?channel=web');
    await page.waitForURL((u) => u.pathname === '/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/analytics?channel=web');
    await screenshot(page, 'login');
    await page.getByLabel('API key').fill(server.adminKey);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('channel'), 'web');
    await context.close();
  });

  test('a bad key shows a clear message', async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await page.goto('/login');
    // Well-formed but unknown.
    await page.getByLabel('API key').fill(makeKey());
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Sign-in failed/);
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.getByLabel('API key').getAttribute('aria-invalid'), 'true');
    // Malformed. The alert of the first attempt is still up when the button is clicked, so wait
    // for this attempt's answer before looking at the field again.
    await page.getByLabel('API key').fill('swb_not-a-key');
    const answered = page.waitForResponse((r) => r.url().endsWith('/auth/login'));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    assert.ok((await answered).status() >= 400);
    await page.locator('#api-key[aria-invalid="true"]').waitFor();
    await page.getByRole('alert').waitFor();
    await screenshot(page, 'login-bad-key');
    await context.close();
  });

  test('sign in shows the organization; sign out returns to /login', async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await signIn(page, server.adminKey);
    assert.equal(await page.getByTestId('org-name').innerText(), 'default');
    const cookies = await context.cookies();
    assert.ok(
      cookies.some((c) => c.httpOnly),
      'an HttpOnly session cookie is set',
    );
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.goto('/');
    await page.waitForURL((u) => u.pathname === '/login');
    await context.close();
  });

  test('the one-click link /login#key=… signs in and removes the key from the URL', async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await page.goto(`/login#key=${server.adminKey}`);
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    assert.ok(!page.url().includes(server.adminKey), `key left in ${page.url()}`);
    assert.equal(new URL(page.url()).hash, '');
    const history = await page.evaluate(() => window.history.length);
    await page.goBack().catch(() => {});
    assert.ok(!page.url().includes('key='), 'key not reachable through history');
    assert.ok(history >= 1);
    await context.close();
  });

  test('signed in, a link with another organization’s key asks before switching', async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await signIn(page, server.adminKey);
    let logins = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/auth/login')) logins++;
    });

    await page.goto(`/login#key=${acmeKey}`);
    const dialog = page.getByRole('dialog', { name: 'Switch to another key?' });
    await dialog.waitFor();
    assert.ok(!page.url().includes(acmeKey), `key left in ${page.url()}`);
    assert.equal(await dialog.getByTestId('current-org').innerText(), 'default');
    assert.match(await dialog.innerText(), new RegExp(acmeKey.slice(0, 12)));
    assert.equal(logins, 0, 'nothing is sent before the person answers');
    await screenshot(page, 'login-switch-confirm');

    // Cancel keeps them where they were, and the link's key is not used.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    assert.equal(await page.getByTestId('org-name').innerText(), 'default');
    assert.equal(logins, 0);
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    assert.equal(me.organization.name, 'default');

    // Asked again, they switch.
    await page.goto(`/login#key=${acmeKey}`);
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Switch' }).click();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    await textMatching(page.getByTestId('org-name'), /^acme$/);
    assert.equal(logins, 1);

    // A link with the key already signed in with needs no question.
    await page.goto(`/login#key=${acmeKey}`);
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    assert.equal(await dialog.count(), 0);
    assert.equal(logins, 1);
    await context.close();
  });

  test('a 401 during use sends the user to /login', async () => {
    const context = await newContext(browser, server);
    const page = await context.newPage();
    await signIn(page, server.adminKey);
    await context.clearCookies();
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByLabel('API key').waitFor();
    await context.close();
  });
});
