/**
 * The dashboard's shell at phone and desktop sizes, in light and dark: every page fits a 390 px
 * screen, the navigation collapses into a drawer, the sessions become a list of cards, session
 * ids show the part that tells them apart, and the theme follows the system or the toggle.
 *
 * Seed: 60 sessions from `makeSessions` (a chat and a voice session with transcripts) and one
 * webhook endpoint, so every page has something on it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ensureBuild,
  HAVE_CHROMIUM,
  launchBrowser,
  makeSessions,
  newContext,
  rowIds,
  screenshot,
  type SeedSession,
  sessionItems,
  signIn,
  startServer,
  type TestServer,
  transcriptItems,
  waitFor,
  waitForSummary,
} from './helpers.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

describe('layout, phone and theme', { skip: !HAVE_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let seeds: SeedSession[];
  let chat: SeedSession;
  let voice: SeedSession;
  const contexts: BrowserContext[] = [];

  before(async () => {
    ensureBuild();
    server = await startServer({ SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true' });
    seeds = makeSessions(60);
    chat = seeds[0]; // web, chat, active
    voice = seeds[1]; // phone, voice, completed
    await server.ingest([
      ...sessionItems(seeds),
      ...transcriptItems(chat.id, 12, Date.parse(chat.startedAt)),
      ...transcriptItems(voice.id, 40, Date.parse(voice.startedAt), 6_000),
    ]);
    const hook = await server.api('POST', '/api/v1/webhooks', {
      url: 'http://127.0.0.1:9/hooks/switchboard',
      events: ['session.ended'],
      description: 'CRM sync',
    });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    browser = await launchBrowser();
  });

  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.stop();
  });

  /** A signed-in page at a size, in a colour scheme (the browser's; the stored choice is empty). */
  async function open(
    viewport: { width: number; height: number },
    colorScheme: 'light' | 'dark' = 'light',
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await newContext(browser, server);
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme });
    await signIn(page, server.adminKey);
    return { context, page };
  }

  /** The page's width against the window's, and (to say what to fix) the outermost elements that stick out. */
  const overflow = (page: Page) =>
    page.evaluate(() => {
      const inner = window.innerWidth;
      const out: string[] = [];
      for (const el of document.querySelectorAll('body *')) {
        if (el.getBoundingClientRect().right <= inner + 0.5) continue;
        const parent = el.parentElement;
        if (parent && parent.getBoundingClientRect().right > inner + 0.5) continue;
        out.push(`${el.tagName.toLowerCase()}.${String(el.getAttribute('class')).slice(0, 80)}`);
        if (out.length >= 3) break;
      }
      return { scroll: document.documentElement.scrollWidth, inner, out };
    });

  async function fits(page: Page, what: string): Promise<void> {
    await waitFor(
      () => overflow(page),
      (o) => o.scroll <= o.inner,
      `${what}: no horizontal overflow at ${PHONE.width} px`,
    );
  }

  /** Every page, each waited for by something that only shows once its data is there. */
  const PAGES: Array<{ name: string; path: () => string; ready: (page: Page) => Promise<unknown> }> = [
    { name: 'sessions', path: () => '/', ready: (p) => waitForSummary(p, 'Showing 1 to 50 of 60 sessions') },
    {
      name: 'detail-chat',
      path: () => `/sessions/${chat.id}`,
      ready: (p) => p.locator('[data-sender="agent"]').first().waitFor(),
    },
    {
      name: 'detail-voice',
      path: () => `/sessions/${voice.id}`,
      ready: (p) => p.locator('[data-sender="agent"]').first().waitFor(),
    },
    {
      name: 'analytics',
      path: () => '/analytics',
      ready: (p) => p.locator('.recharts-surface').first().waitFor(),
    },
    { name: 'agents', path: () => '/agents', ready: (p) => p.getByText('Voice Concierge').first().waitFor() },
    {
      name: 'agent-detail',
      path: () => '/agents/support-bot',
      ready: (p) => p.locator('.recharts-surface').first().waitFor(),
    },
    { name: 'keys', path: () => '/settings/keys', ready: (p) => p.locator('tr[data-key-id]').first().waitFor() },
    {
      name: 'webhooks',
      path: () => '/settings/webhooks',
      ready: (p) => p.locator('tr[data-webhook-id]').first().waitFor(),
    },
    {
      name: 'redaction',
      path: () => '/settings/redaction',
      ready: (p) => p.getByTestId('redaction-count').waitFor(),
    },
  ];

  for (const scheme of ['light', 'dark'] as const) {
    test(`every page fits a 390 px screen (${scheme})`, async () => {
      const { page } = await open(PHONE, scheme);
      for (const p of PAGES) {
        await page.goto(p.path());
        await p.ready(page);
        await fits(page, p.name);
        await screenshot(page, `phone-${p.name}-${scheme}`, { fullPage: false });
      }
      // A voice transcript reads line by line: time and speaker over the words, not three
      // narrow columns (which made a 40-line call thousands of pixels tall).
      await page.goto(`/sessions/${voice.id}`);
      const lines = page.locator('ol[aria-label="Transcript and system events"] > li[data-sender]');
      await lines.first().waitFor();
      const perLine = await page
        .locator('ol[aria-label="Transcript and system events"]')
        .evaluate((ol) => ol.getBoundingClientRect().height / ol.children.length);
      assert.ok(perLine < 90, `${perLine.toFixed(0)} px a transcript line`);

      // A confirmation dialog keeps a margin on each side.
      await page.goto('/settings/keys');
      await page
        .getByRole('button', { name: /^Revoke key / })
        .first()
        .click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      const box = await dialog.boundingBox();
      assert.ok(box && box.x >= 8 && box.x + box.width <= PHONE.width - 8, `dialog ${JSON.stringify(box)}`);
      await screenshot(page, `phone-dialog-${scheme}`, { fullPage: false });
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });

      // The webhook endpoint's detail, opened.
      await page.goto('/settings/webhooks');
      await page.getByRole('button', { name: /^Manage / }).click();
      await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
      await fits(page, 'webhook endpoint detail');
      await screenshot(page, `phone-webhook-detail-${scheme}`, { fullPage: false });
    });
  }

  test('the sign-in page fits a 390 px screen', async () => {
    const context = await newContext(browser, server);
    contexts.push(context);
    const page = await context.newPage();
    await page.setViewportSize(PHONE);
    await page.goto('/login');
    await page.getByLabel('API key').waitFor();
    await fits(page, 'sign-in');
    await screenshot(page, 'phone-login', { fullPage: false });
  });

  test('desktop pages, light and dark, for the record', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const { page } = await open(DESKTOP, scheme);
      for (const p of PAGES) {
        await page.goto(p.path());
        await p.ready(page);
        await screenshot(page, `desktop-${p.name}-${scheme}`);
      }
    }
  });

  test('filter popovers fit the phone screen', async () => {
    const { page } = await open(PHONE);
    await page.goto('/');
    await waitForSummary(page, 'Showing 1 to 50 of 60 sessions');
    for (const name of ['Date range', 'Channel filter', 'Status filter', 'Agent filter', 'More filters']) {
      await page.getByRole('button', { name, exact: true }).click();
      const panel = page.getByRole('dialog', { name });
      await panel.waitFor();
      const box = await panel.boundingBox();
      assert.ok(box, name);
      assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `${name} panel ${JSON.stringify(box)}`);
      await fits(page, `${name} open`);
      if (name === 'Date range') await screenshot(page, 'phone-date-range', { fullPage: false });
      await page.keyboard.press('Escape');
      await panel.waitFor({ state: 'hidden' });
    }
  });

  test('on a phone the navigation is a drawer behind a menu button', async () => {
    const { page } = await open(PHONE);
    await page.goto('/');
    await waitForSummary(page, 'Showing 1 to 50 of 60 sessions');
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.isVisible(), false, 'no sidebar on a phone');
    const menu = page.getByRole('button', { name: 'Open navigation' });
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');

    await menu.click();
    await nav.waitFor();
    await screenshot(page, 'phone-nav-open', { fullPage: false });
    // Escape closes it and gives focus back to the menu button.
    await page.keyboard.press('Escape');
    await nav.waitFor({ state: 'hidden' });
    await waitFor(
      () => page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
      (v) => v === 'Open navigation',
      'focus back on the menu button',
    );

    // A link in the drawer navigates and closes it.
    await menu.click();
    await nav.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    await nav.waitFor({ state: 'hidden' });
    assert.equal(new URL(page.url()).pathname, '/analytics');

    // Widening the window brings the sidebar back.
    await page.setViewportSize(DESKTOP);
    await nav.waitFor();
    assert.equal(await menu.count(), 0);
  });

  test('on a phone sessions are a list of cards that open the detail', async () => {
    const { page } = await open(PHONE);
    await page.goto('/');
    await waitForSummary(page, 'Showing 1 to 50 of 60 sessions');
    const cards = page.getByTestId('session-card');
    assert.equal(await cards.count(), 50);
    assert.equal(await page.locator('table').count(), 0, 'no table on a phone');
    assert.equal(await cards.first().getAttribute('data-session-id'), seeds[0].id);
    const second = cards.nth(1);
    const text = (await second.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /Sales Assistant/);
    assert.match(text, /Phone/);
    assert.match(text, /Completed/);

    await second.click();
    await page.getByRole('heading', { name: 'Session', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/sessions/${seeds[1].id}`);

    // Back, and the keyboard opens a card too.
    await page.getByRole('link', { name: 'Back to sessions' }).click();
    await waitForSummary(page, 'Showing 1 to 50 of 60 sessions');
    await cards.nth(2).focus();
    await page.keyboard.press('Enter');
    await waitFor(
      async () => new URL(page.url()).pathname,
      (v) => v === `/sessions/${seeds[2].id}`,
      'Enter opens the card',
    );
  });

  test('the desktop keeps the sidebar and the table', async () => {
    const { page } = await open(DESKTOP);
    await page.goto('/');
    await waitForSummary(page, 'Showing 1 to 50 of 60 sessions');
    assert.equal((await rowIds(page)).length, 50);
    assert.equal(await page.getByTestId('session-card').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Open navigation' }).count(), 0);
    assert.ok(await page.getByRole('navigation', { name: 'Main' }).isVisible());
  });

  test('session ids show their last 8 characters, the full id on hover and copy', async () => {
    const { context, page } = await open(DESKTOP);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.goto('/');
    await waitForSummary(page, 'Showing 1 to 50 of 60 sessions');
    // UUIDv7-shaped ids made within minutes share their first characters, not their last.
    const ids = seeds.slice(0, 50).map((s) => s.id);
    const row = page.locator(`tbody tr[data-session-id="${ids[3]}"]`);
    const label = row.locator('a[title]');
    assert.equal(await label.innerText(), `…${ids[3].slice(-8)}`);
    assert.equal(await label.getAttribute('title'), ids[3]);
    const shown = await page
      .locator('tbody tr[data-session-id] a[title]')
      .allInnerTexts()
      .then((t) => t.map((s) => s.trim()));
    assert.equal(new Set(shown).size, 50, 'every row tells itself apart');

    // Copying does not open the session.
    await row.hover();
    await row.getByRole('button', { name: 'Copy session ID' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), ids[3]);
    assert.equal(new URL(page.url()).pathname, '/');

    // The detail header too.
    await row.click();
    const header = page.locator('header').filter({ has: page.getByRole('heading', { name: 'Session', level: 1 }) });
    await header.waitFor();
    assert.equal(await header.locator('[title]').first().getAttribute('title'), ids[3]);
    assert.match(await header.innerText(), new RegExp(`…${ids[3].slice(-8)}`));

    // And the phone list.
    const phone = await open(PHONE);
    await phone.page.goto('/');
    await waitForSummary(phone.page, 'Showing 1 to 50 of 60 sessions');
    const card = phone.page.locator(`[data-testid="session-card"][data-session-id="${ids[3]}"]`);
    assert.equal(await card.locator('a[title]').innerText(), `…${ids[3].slice(-8)}`);
    assert.equal(await card.locator('a[title]').getAttribute('title'), ids[3]);
  });

  /**
   * Every visible piece of text whose contrast with what is behind it (its own and its
   * ancestors' backgrounds, blended, and its opacity) is under WCAG AA: 4.5:1, or 3:1 for large
   * text. Disabled controls are exempt, as WCAG has them.
   */
  const lowContrast = async (page: Page) => {
    // The TypeScript loader names the functions below with a helper the page does not have.
    await page.evaluate('globalThis.__name ??= (f) => f');
    return page.evaluate(() => {
      type C = { r: number; g: number; b: number; a: number };
      const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
      if (!ctx) throw new Error('no canvas');
      // The canvas turns any CSS colour (oklab, color-mix, …) into sRGB.
      const rgb = (css: string): C => {
        ctx.clearRect(0, 0, 1, 1);
        ctx.fillStyle = '#000';
        ctx.fillStyle = css;
        ctx.fillRect(0, 0, 1, 1);
        const d = ctx.getImageData(0, 0, 1, 1).data;
        return { r: d[0], g: d[1], b: d[2], a: d[3] / 255 };
      };
      const over = (top: C, below: C): C => ({
        r: top.r * top.a + below.r * (1 - top.a),
        g: top.g * top.a + below.g * (1 - top.a),
        b: top.b * top.a + below.b * (1 - top.a),
        a: 1,
      });
      const lum = ({ r, g, b }: C) => {
        const f = (v: number) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const background = (el: Element): C => {
        const layers: C[] = [];
        for (let e: Element | null = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.a > 0) layers.push(c);
          if (c.a >= 1) break;
        }
        let acc: C = { r: 255, g: 255, b: 255, a: 1 };
        for (let i = layers.length - 1; i >= 0; i--) acc = over(layers[i], acc);
        return acc;
      };
      const bad: string[] = [];
      const seen = new Set<Element>();
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!el || seen.has(el) || !n.textContent?.trim()) continue;
        seen.add(el);
        if (el.getBoundingClientRect().width === 0) continue;
        if (el.closest('.sr-only, [aria-hidden="true"], svg, :disabled')) continue;
        const cs = getComputedStyle(el);
        let opacity = 1;
        for (let e: Element | null = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
        const bg = background(el);
        const fg0 = rgb(cs.color);
        const fg = over({ ...fg0, a: fg0.a * opacity }, bg);
        const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
        const ratio = (hi + 0.05) / (lo + 0.05);
        const size = Number.parseFloat(cs.fontSize);
        const large = size >= 24 || (Number(cs.fontWeight) >= 700 && size >= 18.66);
        if (ratio < (large ? 3 : 4.5))
          bad.push(`${ratio.toFixed(2)} "${n.textContent.trim().slice(0, 24)}" (${String(el.className).slice(0, 60)})`);
      }
      return bad;
    });
  };

  for (const scheme of ['light', 'dark'] as const) {
    test(`text meets WCAG AA contrast (${scheme})`, async () => {
      const { page } = await open(DESKTOP, scheme);
      for (const p of PAGES) {
        await page.goto(p.path());
        await p.ready(page);
        assert.deepEqual(await lowContrast(page), [], p.name);
      }
    });
  }

  const isDark = (page: Page) => page.evaluate(() => document.documentElement.classList.contains('dark'));
  const pageBackground = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  test('the theme follows the system setting', async () => {
    const light = await open(DESKTOP, 'light');
    assert.equal(await isDark(light.page), false);
    const dark = await open(DESKTOP, 'dark');
    assert.equal(await isDark(dark.page), true);
    assert.notEqual(await pageBackground(light.page), await pageBackground(dark.page));
    // The toggle says "system", and a change of the system setting is followed live.
    const system = dark.page.getByRole('radio', { name: 'System theme' });
    assert.equal(await system.getAttribute('aria-checked'), 'true');
    await dark.page.emulateMedia({ colorScheme: 'light' });
    await waitFor(
      () => isDark(dark.page),
      (v) => v === false,
      'light once the system is light',
    );
  });

  test('the theme toggle persists across a reload and applies before the app runs', async () => {
    const { context, page } = await open(DESKTOP, 'light');
    await page.getByRole('radio', { name: 'Dark theme' }).click();
    await waitFor(
      () => isDark(page),
      (v) => v,
      'dark after the toggle',
    );
    await page.reload();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    assert.equal(await isDark(page), true);
    assert.equal(await page.getByRole('radio', { name: 'Dark theme' }).getAttribute('aria-checked'), 'true');

    // Without the app's JavaScript at all, the page is dark already: public/theme.js sets it
    // before the first paint, so a dark page never flashes white.
    const bare = await context.newPage();
    await bare.route(/\/assets\/.*\.js$/, (r) => r.abort());
    await bare.goto('/');
    assert.equal(await isDark(bare), true);
    await bare.close();

    // "Light" wins over a dark system; "System" follows it again.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('radio', { name: 'Light theme' }).click();
    await waitFor(
      () => isDark(page),
      (v) => !v,
      'light by choice',
    );
    await page.reload();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    assert.equal(await isDark(page), false);
    await page.getByRole('radio', { name: 'System theme' }).click();
    await waitFor(
      () => isDark(page),
      (v) => v,
      'dark again with the system',
    );
  });
});
