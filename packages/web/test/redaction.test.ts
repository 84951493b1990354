/**
 * Settings → Redaction: the detectors and a custom pattern chosen on the page, tried in its
 * "try it" box (the server's engine), saved, and then applied to what an agent sends next; a
 * pattern RE2 cannot compile is refused with the server's reason. Screenshots at phone and
 * desktop size, light and dark.
 */
import assert from 'node:assert/strict';
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
} from './helpers.ts';

describe('Redaction page', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    ensureBuild();
    server = await startServer({ SWITCHBOARD_REDACT: 'email' });
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

  test('choose detectors and a pattern, try them, save; the next message is redacted', async () => {
    await page.getByRole('link', { name: 'Redaction' }).first().click();
    await page.getByRole('heading', { name: 'Redaction', level: 1 }).waitFor();
    // The server's default (SWITCHBOARD_REDACT=email) until the organization saves its own.
    await textMatching(page.getByTestId('redaction-status'), /server’s default/);
    assert.ok(await page.getByRole('checkbox', { name: /Email addresses/ }).isChecked());
    const preview = page.getByTestId('redaction-preview');
    await textMatching(preview, /Hi, I am Jane \(\[redacted:email\], \+1 415 555 0132\)/);

    await page.getByRole('checkbox', { name: /Phone numbers/ }).check();
    await page.getByRole('checkbox', { name: /Payment cards/ }).check();
    await page.getByRole('button', { name: 'Add pattern' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('employee');
    await page.getByRole('textbox', { name: 'Pattern' }).fill('EMP-\\d{6}');
    await page
      .getByLabel('Sample text')
      .fill('Jane, EMP-123456, +1 415 555 0132, order #12345678, 4111 1111 1111 1111');
    await textMatching(
      preview,
      /^Jane, \[redacted:employee\], \[redacted:phone\], order #12345678, \[redacted:card\]$/,
    );
    await textMatching(page.getByTestId('redaction-count'), /3 replacements: .*employee 1/);
    await textMatching(page.getByTestId('redaction-status'), /Unsaved changes/);

    await page.getByRole('button', { name: 'Save' }).click();
    await textMatching(page.getByTestId('redaction-status'), /^Saved/);
    const saved = await server.api<{ detectors: string[]; custom: unknown[]; source: string }>(
      'GET',
      '/api/v1/settings/redaction',
    );
    assert.deepEqual(saved.body.detectors.sort(), ['card', 'email', 'phone']);
    assert.deepEqual(saved.body.custom, [{ name: 'employee', pattern: 'EMP-\\d{6}' }]);

    // What an agent sends now is stored redacted.
    await server.api('POST', '/api/v1/sessions', {
      id: 'from-page',
      agent: { id: 'support-bot' },
      channel: 'web',
      type: 'chat',
    });
    const sent = await server.api<{ messages: Array<{ content: string }> }>(
      'POST',
      '/api/v1/sessions/from-page/messages',
      { messages: [{ sender: 'user', content: 'I am EMP-654321, call +44 20 7946 0958' }] },
    );
    assert.equal(sent.body.messages[0].content, 'I am [redacted:employee], call [redacted:phone]');

    for (const [theme, colorScheme] of [
      ['light', 'light'],
      ['dark', 'dark'],
    ] as const) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width: 1280, height: 800 });
      await screenshot(page, `redaction-desktop-${theme}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, `redaction-phone-${theme}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('a pattern RE2 cannot compile: the preview and the save say why', async () => {
    await page.getByRole('textbox', { name: 'Pattern' }).fill('(a)\\1');
    await textMatching(page.getByText('Cannot redact with these settings'), /Cannot redact/);
    await page.getByRole('button', { name: 'Save' }).click();
    await textMatching(page.getByRole('alert').filter({ hasText: 'Could not save' }), /invalid escape sequence/);
    const stored = await server.api<{ custom: Array<{ pattern: string }> }>('GET', '/api/v1/settings/redaction');
    assert.equal(stored.body.custom[0].pattern, 'EMP-\\d{6}');
  });

  test('apply the saved settings to stored sessions: confirmed, with the job’s progress', async () => {
    // A session stored while redaction was off holds the raw values.
    const saved = await server.api<{ detectors: string[]; custom: unknown[] }>('GET', '/api/v1/settings/redaction');
    await server.api('PUT', '/api/v1/settings/redaction', { detectors: [], custom: [] });
    await server.api('POST', '/api/v1/sessions', {
      id: 'stored-raw',
      agent: { id: 'support-bot' },
      channel: 'phone',
      type: 'voice',
      metadata: { callback: '+44 20 7946 0958' },
    });
    await server.api('POST', '/api/v1/sessions/stored-raw/messages', {
      messages: [{ sender: 'user', content: 'I am EMP-246810, mail me at jo@example.com' }],
    });
    const back = await server.api('PUT', '/api/v1/settings/redaction', {
      detectors: saved.body.detectors,
      custom: saved.body.custom,
    });
    assert.equal(back.status, 200);

    await page.reload();
    await page.getByRole('heading', { name: 'Sessions already stored' }).waitFor();
    await page.getByRole('button', { name: 'Apply to stored sessions' }).click();
    const dialog = page.getByRole('dialog', { name: 'Redact every stored session?' });
    await textMatching(dialog, /cannot be undone/);
    for (const [width, height, name] of [
      [1280, 800, 'desktop'],
      [390, 844, 'phone'],
    ] as const) {
      await page.setViewportSize({ width, height });
      await screenshot(page, `redaction-apply-confirm-${name}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await dialog.getByRole('button', { name: 'Apply redaction' }).click();
    await textMatching(page.getByTestId('redaction-job-status'), /^Done: \d+ sessions/);
    const bar = page.getByRole('progressbar', { name: 'Redaction progress' });
    assert.equal(await bar.getAttribute('aria-valuenow'), '100');

    const s = await server.api<{ metadata: Record<string, string>; messages: Array<{ content: string }> }>(
      'GET',
      '/api/v1/sessions/stored-raw',
    );
    assert.equal(s.body.messages[0].content, 'I am [redacted:employee], mail me at [redacted:email]');
    assert.deepEqual(s.body.metadata, { callback: '[redacted:phone]' });

    for (const [theme, colorScheme] of [
      ['light', 'light'],
      ['dark', 'dark'],
    ] as const) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width: 1280, height: 800 });
      await screenshot(page, `redaction-apply-desktop-${theme}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, `redaction-apply-phone-${theme}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
