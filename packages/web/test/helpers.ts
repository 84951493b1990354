/**
 * Shared setup for the browser tests: a well-formed API key, a real server on a free port with a
 * fresh SQLite database (a fresh Citus one on the Citus store, `node scripts/test.mjs --citus`), seeding through the public ingest API, the web build, and Chromium.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { createCitusDatabase, dropCitusDatabase } from '../../../scripts/citus-cluster.mjs';

export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(WEB_DIR, '../..');
export const DIST_DIR = join(WEB_DIR, 'dist');
/** Written by every run, so kept out of git (`packages/web/test-results/` is ignored). */
export const SCREENSHOT_DIR = join(WEB_DIR, 'test-results', 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';

export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn('SKIPPING browser tests: /usr/bin/chromium not found');

// ─── Keys ────────────────────────────────────────────────────────────────────────────────────

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function crc32(text: string): number {
  const z = zlib as unknown as { crc32?: (data: string | Uint8Array) => number };
  if (z.crc32) return z.crc32(text);
  // Node < 20.15: the IEEE polynomial, bit by bit.
  let c = 0xffffffff;
  for (const b of Buffer.from(text)) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function base62(n: number): string {
  let s = '';
  let v = n;
  do {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  } while (v > 0);
  return s;
}

/** `swb_` + 36 base62 characters + base62(CRC-32 of those 36), left-padded to 6 (docs/SECURITY.md). */
export function makeKey(): string {
  let body = '';
  for (let i = 0; i < 36; i++) body += BASE62[randomInt(62)];
  return `swb_${body}${base62(crc32(body)).padStart(6, '0')}`;
}

// ─── Build ───────────────────────────────────────────────────────────────────────────────────

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds packages/web/dist when it is missing or older than the sources. */
export function ensureBuild(): void {
  const index = join(DIST_DIR, 'index.html');
  const sources = Math.max(
    newestMtime(join(WEB_DIR, 'src')),
    newestMtime(join(WEB_DIR, 'public')),
    statSync(join(WEB_DIR, 'index.html')).mtimeMs,
    statSync(join(WEB_DIR, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  // The test runner sets NODE_ENV=test, which would make Vite bundle React's development build.
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
    cwd: WEB_DIR,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

// ─── Server ──────────────────────────────────────────────────────────────────────────────────

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export interface TestServer {
  url: string;
  adminKey: string;
  api: <T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ) => Promise<{ status: number; body: T; headers: Headers }>;
  ingest: (batch: Array<{ type: string; body: Record<string, unknown> }>) => Promise<void>;
  stop: () => Promise<void>;
  logs: () => string;
}

/**
 * The Citus store's nodes (set by `node scripts/test.mjs --citus`). The dashboard suites run on
 * SQLite alone in `npm test`'s first half and skip nothing there; on the Citus store their server
 * runs on a fresh Citus database instead, so the dashboard is driven against distributed tables.
 */
const CITUS: { coordinator: { url: string; port: number }; workers: Array<{ url: string; port: number }> } | null =
  process.env.SWITCHBOARD_TEST_STORE === 'citus' && process.env.SWITCHBOARD_TEST_CITUS_NODES
    ? JSON.parse(process.env.SWITCHBOARD_TEST_CITUS_NODES)
    : null;

/** A fresh database for a test server: a SQLite file in `dir`, or a new Citus database on the Citus store. */
export async function freshDatabase(dir: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (!CITUS) return { url: `sqlite:${join(dir, 'sb.db')}`, drop: async () => {} };
  const { coordinator, workers } = CITUS;
  const name = `sb_web_${randomInt(2 ** 40).toString(16)}`;
  const url: string = await createCitusDatabase(coordinator, workers, name, { create: true });
  return { url, drop: () => dropCitusDatabase(coordinator, workers, name) };
}

export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-web-test-'));
  const db = env.DATABASE_URL ? null : await freshDatabase(dir);
  const adminKey = makeKey();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli.ts', 'serve'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      // A PostgreSQL-backed server keeps its files in the data folder (a SQLite one, by its database).
      ...(db ? { DATABASE_URL: db.url, SWITCHBOARD_DATA_DIR: dir } : {}),
      SWITCHBOARD_ADMIN_KEY: adminKey,
      SWITCHBOARD_WEB_DIR: DIST_DIR,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  // On Citus the first start's migrations distribute some twenty tables: slower on a busy machine.
  const readyWithin = CITUS ? 120_000 : 30_000;
  const deadline = Date.now() + readyWithin;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready after ${readyWithin / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  const api: TestServer['api'] = async (method, path, body, key = adminKey) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* keep text */
    }
    return { status: res.status, body: parsed as never, headers: res.headers };
  };

  const ingest: TestServer['ingest'] = async (batch) => {
    for (let i = 0; i < batch.length; i += 1000) {
      const chunk = batch.slice(i, i + 1000);
      const res = await api<{ results: Array<{ index: number; status: number; error?: unknown }> }>(
        'POST',
        '/api/v1/ingest',
        {
          batch: chunk,
        },
      );
      if (res.status !== 207) throw new Error(`ingest → ${res.status} ${JSON.stringify(res.body)}`);
      const bad = res.body.results.filter((r) => r.status >= 300);
      if (bad.length) throw new Error(`ingest items refused: ${JSON.stringify(bad.slice(0, 3))}`);
    }
  };

  return {
    url,
    adminKey,
    api,
    ingest,
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ─── Browser ─────────────────────────────────────────────────────────────────────────────────

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * The server is meant to serve packages/web/dist at `/`. If it does not (a server bug), say so
 * loudly and let the browser load the same files from disk, so the dashboard itself stays tested.
 */
async function serveDistIfServerDoesNot(context: BrowserContext, server: TestServer): Promise<void> {
  const res = await fetch(`${server.url}/`);
  const type = res.headers.get('content-type') ?? '';
  if (res.status === 200 && type.includes('text/html')) return;
  console.warn(
    `WARNING: the server does not serve the dashboard (GET / → ${res.status} ${type}); the tests load packages/web/dist from disk instead.`,
  );
  await context.route(
    (url) => url.origin === server.url && !url.pathname.startsWith('/api/'),
    async (route) => {
      const path = new URL(route.request().url()).pathname;
      let file = join(DIST_DIR, decodeURIComponent(path));
      if (!file.startsWith(DIST_DIR) || !existsSync(file) || statSync(file).isDirectory())
        file = join(DIST_DIR, 'index.html');
      const ext = file.slice(file.lastIndexOf('.'));
      await route.fulfill({
        status: 200,
        body: readFileSync(file),
        contentType: MIME[ext] ?? 'application/octet-stream',
      });
    },
  );
}

export async function newContext(browser: Browser, server: TestServer): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: server.url,
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
    timezoneId: 'UTC',
    locale: 'en-US',
    reducedMotion: 'reduce',
  });
  await serveDistIfServerDoesNot(context, server);
  return context;
}

/** Signs in through the login form and waits for the sessions page. */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
}

/** The whole page, or (`fullPage: false`) the window: a phone's first screen, what a person sees. */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage });
}

// ─── Seed data ───────────────────────────────────────────────────────────────────────────────

export const AGENTS = [
  { id: 'support-bot', name: 'Support Bot' },
  { id: 'sales-assistant', name: 'Sales Assistant' },
  { id: 'voice-concierge', name: 'Voice Concierge' },
];
export const SEED_CHANNELS = ['web', 'phone', 'telegram', 'whatsapp', 'mobile_sdk', 'sip'] as const;
export const SEED_STATUSES = ['active', 'completed', 'failed', 'cancelled'] as const;

export interface SeedSession {
  id: string;
  agent: { id: string; name: string };
  channel: (typeof SEED_CHANNELS)[number];
  type: 'chat' | 'voice' | 'video';
  status: (typeof SEED_STATUSES)[number];
  startedAt: string;
  endedAt?: string;
  endedReason?: string;
  metadata: Record<string, string | number | boolean | null>;
}

/** A UUID-shaped id, stable per index, so screenshots look like real data. */
export function seedId(i: number): string {
  const h = createHash('sha1').update(`seed-${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * `count` sessions with a deterministic spread: channel i % 6, status i % 4, agent i % 3,
 * started i × 7 minutes before `now` (so all within the last ~2 days for count ≤ 400).
 */
export function makeSessions(count: number, now = Date.now()): SeedSession[] {
  const out: SeedSession[] = [];
  for (let i = 0; i < count; i++) {
    const channel = SEED_CHANNELS[i % 6];
    const status = SEED_STATUSES[i % 4];
    const agent = AGENTS[i % 3];
    const type = channel === 'phone' || channel === 'sip' ? 'voice' : channel === 'mobile_sdk' ? 'video' : 'chat';
    const started = now - (i + 1) * 7 * 60_000;
    const s: SeedSession = {
      id: seedId(i),
      agent,
      channel,
      type,
      status,
      startedAt: new Date(started).toISOString(),
      metadata: { plan: i % 2 ? 'pro' : 'free', userId: `u_${i}` },
    };
    if (status !== 'active') {
      s.endedAt = new Date(started + (3 + (i % 20)) * 60_000).toISOString();
      s.endedReason = status === 'failed' ? 'agent_error' : status === 'cancelled' ? 'user_hangup' : 'resolved';
    }
    out.push(s);
  }
  return out;
}

export function sessionItems(sessions: SeedSession[]) {
  return sessions.map((s) => ({ type: 'session', body: { ...s } as Record<string, unknown> }));
}

/** A conversation for `sessionId`: `n` alternating messages one `stepMs` apart, plus system events. */
export function transcriptItems(sessionId: string, n: number, startMs: number, stepMs = 4_000) {
  const items: Array<{ type: string; body: Record<string, unknown> }> = [];
  items.push({
    type: 'event',
    body: {
      sessionId,
      type: 'connection_established',
      timestamp: new Date(startMs).toISOString(),
      data: { region: 'eu-west-1' },
    },
  });
  for (let i = 0; i < n; i++) {
    const user = i % 2 === 0;
    items.push({
      type: 'message',
      body: {
        sessionId,
        sender: user ? 'user' : 'agent',
        content: user
          ? i === 0
            ? 'Hi, I was charged twice for my subscription this month.'
            : `Follow-up question number ${i / 2} from the customer.`
          : i === 1
            ? 'Sorry about that! Let me look up your account. Could you confirm the email address on the subscription?'
            : `Agent reply ${Math.floor(i / 2)}: here is what I found.`,
        timestamp: new Date(startMs + (i + 1) * stepMs).toISOString(),
      },
    });
    if (i === 3) {
      items.push({
        type: 'event',
        body: {
          sessionId,
          type: 'agent_handoff',
          timestamp: new Date(startMs + (i + 1) * stepMs + 1000).toISOString(),
          data: { from: 'triage', to: 'billing' },
        },
      });
    }
    if (i === 5) {
      items.push({
        type: 'event',
        body: {
          sessionId,
          type: 'crm.ticket_created',
          timestamp: new Date(startMs + (i + 1) * stepMs + 1000).toISOString(),
          data: { ticketId: 'T-4821' },
        },
      });
    }
  }
  return items;
}

/** Polls until `read()` returns `expected` (or matches it); fails with the last value seen. */
export async function waitFor<T>(
  read: () => Promise<T>,
  check: (v: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (check(last)) return last;
    } catch {
      /* element not there yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until an element's rendered text, whitespace-normalized, matches `pattern`, and returns it.
 * Transcript lines use `content-visibility: auto`: until Chromium has laid one out, its
 * `innerText` can read empty, so a single read right after navigation races the layout.
 */
export async function textMatching(locator: Locator, pattern: RegExp, what = String(pattern)): Promise<string> {
  return waitFor(
    async () => (await locator.innerText()).replace(/\s+/g, ' ').trim(),
    (text) => pattern.test(text),
    what,
  );
}

/**
 * Waits until a metric card reads `expected`. The cards are a query of their own, recounted at
 * most every few seconds while the stream moves, so they can trail the table they sit above.
 */
export async function waitForMetric(page: Page, name: string, expected: string): Promise<void> {
  await waitFor(
    async () => (await page.getByTestId(`metric-${name}`).innerText()).trim(),
    (text) => text === expected,
    `the ${name} metric to read ${expected}`,
  );
}

/** The "Showing a to b of n sessions" line, whitespace-normalized. */
export async function summary(page: Page): Promise<string> {
  return (await page.getByTestId('pagination-summary').innerText()).replace(/\s+/g, ' ').trim();
}

export async function waitForSummary(page: Page, expected: string): Promise<void> {
  await waitFor(
    () => summary(page),
    (v) => v === expected,
    `summary "${expected}"`,
  );
}

export async function rowChannels(page: Page): Promise<string[]> {
  return page
    .locator('tbody tr[data-session-id] [data-channel]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-channel') ?? ''));
}

export async function rowStatuses(page: Page): Promise<string[]> {
  return page
    .locator('tbody tr[data-session-id] [data-status]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-status') ?? ''));
}

export async function rowIds(page: Page): Promise<string[]> {
  return page
    .locator('tbody tr[data-session-id]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-session-id') ?? ''));
}

export async function badges(page: Page): Promise<string[]> {
  return page
    .getByRole('list', { name: 'Active filters' })
    .locator('li')
    .allInnerTexts()
    .then((t) => t.map((s) => s.trim()));
}

export function search(page: Page): URLSearchParams {
  return new URL(page.url()).searchParams;
}
