/// <reference path="../../server/test/oidc-provider.d.ts" />
/**
 * A team of three working as themselves, in Chromium against a real server, a real OpenID
 * Connect issuer and a real SMTP server: the first admin from the printed setup link, an
 * invitation e-mailed and accepted from the e-mail in another browser, one the mail server
 * refused (the link to copy, with the reason), a reviewer whose role changes, SSO through the issuer's own pages, password sign-in,
 * disabling (the person's open page is signed out), the audit log and "Your account". Screenshots
 * of every new page at phone and desktop size, light and dark.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type MailServer, SMTP_PASSWORD, startMailServer } from '../../server/test/mail-server.ts';
import { type Issuer, freePort, startIssuer } from '../../server/test/oidc-issuer.ts';
import {
  ensureBuild,
  HAVE_CHROMIUM,
  launchBrowser,
  newContext,
  screenshot,
  startServer,
  type TestServer,
  textMatching,
  waitFor,
} from './helpers.ts';

const PASSWORD = 'correct horse battery staple';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

describe('team accounts in the dashboard', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let issuer: Issuer;
  let mail: MailServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let ada: Page;
  let inviteUrl = '';

  before(async () => {
    ensureBuild();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    issuer = await startIssuer(`${url}/api/v1/auth/oidc/callback`);
    mail = await startMailServer();
    server = await startServer({
      SWITCHBOARD_SMTP_URL: mail.url,
      SWITCHBOARD_SMTP_FROM: 'Switchboard <switchboard@example.com>',
      PORT: String(port),
      SWITCHBOARD_PUBLIC_URL: url,
      SWITCHBOARD_OIDC_ISSUER: issuer.url,
      SWITCHBOARD_OIDC_CLIENT_ID: 'switchboard',
      SWITCHBOARD_OIDC_CLIENT_SECRET: 'switchboard-client-secret',
    });
    browser = await launchBrowser();
    ada = await fresh();
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.stop();
    await issuer?.close();
    await mail?.close();
  });

  async function fresh(viewport = DESKTOP, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const context = await newContext(browser, server);
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme });
    return page;
  }
  const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

  test('the printed setup link creates the first admin, signed in', async () => {
    const link = await waitFor(
      async () => /http:\/\/\S+\/setup#token=[\w-]+/.exec(server.logs())?.[0] ?? '',
      (l) => l !== '',
      'the setup link on the server’s output',
    );
    await ada.goto(link);
    await ada.getByRole('heading', { name: 'Create the first admin' }).waitFor();
    assert.equal(new URL(ada.url()).hash, '', 'the token left the address bar');
    await ada.getByLabel('E-mail', { exact: true }).fill('ada@example.com');
    await ada.getByLabel('Name').fill('Ada Admin');
    await ada.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await ada.getByLabel('Repeat the password').fill(PASSWORD);
    await screenshot(ada, 'desktop-setup-light');
    await ada.getByRole('button', { name: 'Create admin account' }).click();
    await ada.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    await textMatching(ada.getByTestId('org-name').locator('..'), /Ada Admin · admin/);
  });

  test('the admin invites a reviewer, who gets the link by e-mail', async () => {
    await nav(ada).getByRole('link', { name: 'People' }).click();
    await ada.getByRole('heading', { name: 'People', level: 1 }).waitFor();
    await ada.getByRole('button', { name: 'Invite' }).click();
    const form = ada.getByRole('form', { name: 'Invite a person' });
    await form.getByLabel('E-mail', { exact: true }).fill('grace@example.com');
    await form.getByLabel('Role').selectOption('reviewer');
    await form.getByRole('button', { name: 'Create invitation' }).click();
    await textMatching(ada.getByTestId('invitation-emailed'), /Invitation e-mailed to grace@example\.com/);
    assert.equal(await ada.getByTestId('invitation-url').count(), 0, 'no link to copy: she has it');
    const message = await mail.next();
    assert.deepEqual(message.envelopeTo, ['grace@example.com']);
    assert.equal(message.subject, 'Ada Admin invited you to Switchboard');
    inviteUrl = /http:\/\/\S+\/invite#token=[\w-]+/.exec(message.text ?? '')?.[0] ?? '';
    assert.match(inviteUrl, /^http:\/\/127\.0\.0\.1:\d+\/invite#token=[\w-]+$/);
    await screenshot(ada, 'desktop-people-invited-light');
  });

  test('a recipient the mail server refuses: the link to copy, and why it was not e-mailed', async () => {
    const invite = async (email: string) => {
      await ada.getByRole('button', { name: 'Invite' }).click();
      const form = ada.getByRole('form', { name: 'Invite a person' });
      await form.getByLabel('E-mail', { exact: true }).fill(email);
      await form.getByRole('button', { name: 'Create invitation' }).click();
    };
    for (const [size, viewport, scheme] of [
      ['desktop', DESKTOP, 'light'],
      ['phone', PHONE, 'light'],
      ['phone', PHONE, 'dark'],
    ] as const) {
      await ada.setViewportSize(viewport);
      await ada.emulateMedia({ colorScheme: scheme });
      const name = `${size}-${scheme}`;
      await invite(`sent-${name}@example.com`);
      const sent = ada.getByTestId('invitation-emailed');
      await textMatching(sent, new RegExp(`Invitation e-mailed to sent-${name}@example\\.com`));
      await screenshot(ada, `${size}-people-emailed-${scheme}`, { fullPage: false });
      await sent.getByRole('button', { name: 'Done' }).click();

      await invite(`refuse-${name}@example.com`);
      const notice = ada.getByTestId('invitation-link');
      await textMatching(notice, new RegExp(`Invitation for refuse-${name}@example\\.com`));
      await textMatching(
        ada.getByTestId('invitation-email-error'),
        /^Not e-mailed: the mail server 127\.0\.0\.1:\d+ refused the sender or the recipient: 550 /,
      );
      const link = await textMatching(ada.getByTestId('invitation-url'), /\/invite#token=/);
      assert.match(link.trim(), /^http:\/\/127\.0\.0\.1:\d+\/invite#token=[\w-]+$/);
      await screenshot(ada, `${size}-people-not-emailed-${scheme}`, { fullPage: false });
      await notice.getByRole('button', { name: 'Done' }).click();
    }
    await ada.setViewportSize(DESKTOP);
    await ada.emulateMedia({ colorScheme: 'light' });
    assert.ok(!server.logs().includes(SMTP_PASSWORD), 'the SMTP password is never logged');
    assert.match(server.logs(), /invitation not e-mailed/);
  });

  test('the invited person joins in their own browser; admin pages are not offered to them', async () => {
    const grace = await fresh();
    await grace.goto(inviteUrl.trim());
    await grace.getByRole('heading', { name: 'Join your team on Switchboard' }).waitFor();
    await grace.getByLabel('Name').fill('Grace Hopper');
    await grace.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await grace.getByLabel('Repeat the password').fill(`${PASSWORD}!`);
    await grace.getByText('The two passwords differ.').waitFor();
    await grace.getByLabel('Repeat the password').fill(PASSWORD);
    await grace.getByRole('button', { name: 'Join' }).click();
    await grace.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    await nav(grace).getByRole('link', { name: 'Your account' }).waitFor();
    assert.equal(await nav(grace).getByRole('link', { name: 'People' }).count(), 0);
    assert.equal(await nav(grace).getByRole('link', { name: 'API keys' }).count(), 0);
    // The admin sees her, changes her role, then disables her: her open page is signed out.
    await ada.reload();
    const row = ada.locator('[data-user-email="grace@example.com"]');
    await row.waitFor();
    await row.getByLabel('Role of Grace Hopper').selectOption('viewer');
    await waitFor(
      async () =>
        (await server.api<{ data: Array<{ email: string; role: string }> }>('GET', '/api/v1/users')).body.data,
      (users) => users.some((u) => u.email === 'grace@example.com' && u.role === 'viewer'),
      'the role change saved',
    );
    await row.getByRole('button', { name: 'Disable Grace Hopper' }).click();
    await row.getByText('Disabled').waitFor();
    await grace.goto('/agents');
    await grace.getByLabel('E-mail', { exact: true }).waitFor();
    assert.match(new URL(grace.url()).pathname, /^\/login/);
  });

  test('a person the admin invited signs in with SSO through the issuer’s pages', async () => {
    const invited = await server.api('POST', '/api/v1/users/invitations', {
      email: 'nina@example.com',
      role: 'viewer',
    });
    assert.equal(invited.status, 201);
    const nina = await fresh();
    await nina.goto('/login');
    await nina.getByRole('link', { name: 'Sign in with SSO' }).click();
    await nina.locator('input[name="login"]').fill('nina');
    await nina.locator('input[name="password"]').fill('anything');
    await nina.getByRole('button', { name: 'Sign-in' }).click();
    await nina.getByRole('button', { name: 'Continue' }).click();
    await nina.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    await nav(nina).getByRole('link', { name: 'Your account' }).click();
    await textMatching(nina.locator('main'), /Nina New · nina@example\.com · Viewer/);
    await textMatching(nina.locator('tr[data-sign-in]').first(), /SSO/);
  });

  test('someone the issuer knows but nobody invited is sent back with the reason', async () => {
    const mallory = await fresh();
    await mallory.goto('/login');
    await mallory.getByRole('link', { name: 'Sign in with SSO' }).click();
    await mallory.locator('input[name="login"]').fill('mallory');
    await mallory.locator('input[name="password"]').fill('anything');
    await mallory.getByRole('button', { name: 'Sign-in' }).click();
    await mallory.getByRole('button', { name: 'Continue' }).click();
    await textMatching(mallory.getByRole('alert'), /has not been invited/);
  });

  test('password sign-in: a wrong pair is refused in words, the right one opens the dashboard', async () => {
    const page = await fresh();
    await page.goto('/login');
    await page.getByLabel('E-mail', { exact: true }).fill('ada@example.com');
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in with e-mail' }).click();
    await textMatching(page.getByRole('alert'), /e-mail address or the password is not right/);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in with e-mail' }).click();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
  });

  test('the audit log shows who did what; my sign-ins can be ended', async () => {
    await nav(ada).getByRole('link', { name: 'Audit log' }).click();
    await ada.locator('tr[data-action="user.invited"]').first().waitFor();
    await textMatching(ada.locator('tr[data-action="user.updated"]').first(), /Ada Admin[\s\S]*grace@example\.com/);
    await ada.getByLabel('Show').selectOption('user');
    await waitFor(
      async () => ada.locator('tr[data-action]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action'))),
      (actions) => actions.length > 0 && actions.every((a) => a?.startsWith('user.')),
      'only people’s entries',
    );
    await nav(ada).getByRole('link', { name: 'Your account' }).click();
    // Two sign-ins: the setup one here, and the password one of the test before.
    await waitFor(
      () => ada.locator('tr[data-sign-in]').count(),
      (n) => n === 2,
      'two sign-ins',
    );
    await ada.locator('tr[data-sign-in]').getByRole('button', { name: 'End sign-in' }).click();
    await waitFor(
      () => ada.locator('tr[data-sign-in]').count(),
      (n) => n === 1,
      'one sign-in left',
    );
  });

  test('screenshots: every new page at phone and desktop size, light and dark', async () => {
    const invitation = await server.api<{ url: string }>('POST', '/api/v1/users/invitations', {
      email: 'shot@example.com',
      role: 'reviewer',
    });
    for (const scheme of ['light', 'dark'] as const) {
      for (const [size, viewport] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        const page = await fresh(viewport, scheme);
        await page.goto('/login');
        await page.getByRole('link', { name: 'Sign in with SSO' }).waitFor();
        await screenshot(page, `${size}-accounts-login-${scheme}`, { fullPage: size === 'desktop' });
        await page.goto(`${invitation.body.url}`);
        await page.getByRole('button', { name: 'Join' }).waitFor();
        await screenshot(page, `${size}-accounts-invite-${scheme}`, { fullPage: false });
        await page.goto('/login');
        await page.getByLabel('E-mail', { exact: true }).fill('ada@example.com');
        await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in with e-mail' }).click();
        await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
        for (const [path, name, ready] of [
          ['/settings/people', 'people', '[data-user-email]'],
          ['/settings/audit', 'audit', 'tr[data-action]'],
          ['/settings/account', 'account', 'tr[data-sign-in]'],
        ] as const) {
          await page.goto(path);
          await page.locator(ready).first().waitFor();
          const { scroll, inner } = await page.evaluate(() => ({
            scroll: document.documentElement.scrollWidth,
            inner: window.innerWidth,
          }));
          assert.ok(scroll <= inner, `${name} overflows at ${viewport.width} px (${scroll} > ${inner})`);
          await screenshot(page, `${size}-accounts-${name}-${scheme}`, { fullPage: size === 'desktop' });
        }
      }
    }
  });
});
