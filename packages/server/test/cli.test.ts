/**
 * The `switchboard` command as a user runs it: real processes, real ports, real signals.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
// @ts-expect-error: a plain .mjs script without type declarations.
import { ensureServerBuild, SERVER_BUNDLE } from '../../../scripts/build-server.mjs';
import { generateKey } from '../src/lib/keys.js';
import { DIALECTS, freshDatabaseUrl } from './helpers.js';
import { until } from './security/proc.js';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
const ROOT = new URL('../../..', import.meta.url).pathname;
const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Proc {
  child: ChildProcess;
  out: () => string;
  url: string;
  exited: Promise<number | null>;
}

/**
 * `switchboard serve` as `npm start` runs it: the bundle of scripts/build-server.mjs (built by
 * the test runner, or here when missing or stale); `command` replaces the whole command line.
 */
async function serve(env: Record<string, string>, args: string[] = [], command?: string[]): Promise<Proc> {
  if (!command && !(await ensureServerBuild({ log: () => {} }))) throw new Error('the server bundle did not build');
  const port = await freePort();
  const child = spawn(process.execPath, command ?? [SERVER_BUNDLE, 'serve', ...args], {
    // Not the checkout: on PostgreSQL the admin key file goes to ./data of the working directory.
    cwd: command ? undefined : mkdtempSync(join(tmpdir(), 'sb-cwd-')),
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${out}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`server did not become ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, out: () => out, url, exited };
}

const cli = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, ...env } });

for (const dialect of DIALECTS) {
  describe(`switchboard CLI (${dialect})`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanups) await c();
    });
    async function database() {
      const db = await freshDatabaseUrl(dialect);
      cleanups.push(db.drop);
      return db.url;
    }

    test('first start generates an admin key once, prints a login link and saves it 0600', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
      const url = dialect === 'sqlite' ? `sqlite:${join(dataDir, 'switchboard.db')}` : await database();
      const env = { DATABASE_URL: url };
      const first = await serve(env);
      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0);
      const printed = /Admin API key[^\n]*\n\s+(swb_\w+)/.exec(first.out());
      assert.ok(printed, `no key printed:\n${first.out()}`);
      const key = printed[1];
      assert.match(first.out(), new RegExp(`/login#key=${key}`));
      if (dialect === 'sqlite') {
        const file = join(dataDir, 'admin.key');
        assert.equal(readFileSync(file, 'utf8').trim(), key);
        assert.equal(statSync(file).mode & 0o777, 0o600);
      }
      // The key is not in any log line.
      for (const line of first
        .out()
        .split('\n')
        .filter((l) => l.startsWith('{')))
        assert.ok(!line.includes(key), `key leaked into a log line: ${line}`);

      const second = await serve(env);
      const res = await fetch(`${second.url}/api/v1/keys`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(res.status, 200);
      // The first start also printed a one-time link that creates the first admin; until someone
      // has used one, each start prints a fresh one.
      const setupToken = /\/setup#token=([\w-]+)/.exec(first.out())?.[1];
      assert.ok(setupToken, `no setup link printed:\n${first.out()}`);
      assert.match(second.out(), /Create the first admin \(one-time link\):\n\s+http:\/\/\S+\/setup#token=/);
      const setup = (token: string) =>
        fetch(`${second.url}/api/v1/auth/setup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            token,
            email: 'ada@example.com',
            name: 'Ada',
            password: 'correct horse battery staple',
          }),
        });
      assert.equal((await setup(setupToken)).status, 201);
      assert.equal((await setup(setupToken)).status, 401);
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
      assert.doesNotMatch(second.out(), /Admin API key/);
    });

    test('SWITCHBOARD_ADMIN_KEY, PORT and HOST work; SIGTERM drains in-flight requests and exits 0', async () => {
      const key = generateKey();
      const env = { DATABASE_URL: await database(), SWITCHBOARD_ADMIN_KEY: key };
      const p = await serve(env);
      assert.doesNotMatch(p.out(), /Admin API key/);
      const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const created = await fetch(`${p.url}/api/v1/sessions`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ id: 'cli-1', agent: { id: 'a' }, channel: 'web', type: 'chat' }),
      });
      assert.equal(created.status, 201);
      // A large batch in flight when the signal arrives still completes and is acknowledged.
      const batch = Array.from({ length: 1000 }, (_, i) => ({
        type: 'message',
        body: { sessionId: 'cli-1', sender: i % 2 ? 'agent' : 'user', content: `message ${i}` },
      }));
      const inflight = fetch(`${p.url}/api/v1/ingest`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ batch }),
      });
      await new Promise((r) => setTimeout(r, 20));
      const started = Date.now();
      p.child.kill('SIGTERM');
      const res = await inflight;
      assert.equal(res.status, 207);
      assert.equal(await p.exited, 0);
      assert.ok(Date.now() - started < 10_000);
      assert.match(p.out(), /shutting down/);

      // Everything acknowledged is there after a restart.
      const again = await serve(env);
      try {
        const s = await (await fetch(`${again.url}/api/v1/sessions/cli-1`, { headers: auth })).json();
        assert.equal(s.messageCount, 1000);
        // The detail has the first page; the rest by cursor.
        for (let cursor = s.transcript.nextCursor; cursor; ) {
          const page = await (
            await fetch(`${again.url}/api/v1/sessions/cli-1/transcript?limit=500&cursor=${cursor}`, { headers: auth })
          ).json();
          s.messages.push(...page.messages);
          cursor = page.nextCursor;
        }
        assert.deepEqual(
          s.messages.map((m: { seq: number }) => m.seq),
          Array.from({ length: 1000 }, (_, i) => i + 1),
        );
      } finally {
        again.child.kill('SIGTERM');
        await again.exited;
      }
    });

    test('a malformed SWITCHBOARD_ADMIN_KEY is refused with a clear message', async () => {
      const err = await cli(['serve'], {
        DATABASE_URL: await database(),
        SWITCHBOARD_ADMIN_KEY: 'swb_not-a-key',
        PORT: '0',
      }).then(
        () => null,
        (e) => e as { code: number; stderr: string },
      );
      assert.ok(err, 'expected a failure');
      assert.equal(err.code, 2);
      assert.match(err.stderr, /SWITCHBOARD_ADMIN_KEY is not a well-formed/);
    });

    test('migrate, keys create and orgs create', async () => {
      const env = { DATABASE_URL: await database() };
      assert.match((await cli(['migrate'], env)).stdout, /up to date/);
      const created = await cli(['keys', 'create', '--name', 'ci', '--scopes', 'read,ingest'], env);
      const key = /(swb_\w+)/.exec(created.stdout)?.[1];
      assert.ok(key);
      const org = await cli(['orgs', 'create', 'acme'], env);
      const orgKey = /(swb_\w+)/.exec(org.stdout)?.[1];
      assert.ok(orgKey);
      const bad = await cli(['keys', 'create', '--name', 'x', '--scopes', 'root'], env).then(
        () => null,
        (e) => e as { code: number; stderr: string },
      );
      assert.equal(bad?.code, 2);
      assert.match(bad?.stderr ?? '', /--scopes must be/);

      const p = await serve({ ...env, SWITCHBOARD_ADMIN_KEY: generateKey() });
      try {
        const ok = await fetch(`${p.url}/api/v1/sessions`, { headers: { authorization: `Bearer ${key}` } });
        assert.equal(ok.status, 200);
        const forbidden = await fetch(`${p.url}/api/v1/keys`, { headers: { authorization: `Bearer ${key}` } });
        assert.equal(forbidden.status, 403);
        const other = await fetch(`${p.url}/api/v1/keys`, { headers: { authorization: `Bearer ${orgKey}` } });
        assert.equal(other.status, 200);
        assert.equal((await other.json()).data.length, 1, 'the new organization sees only its own key');
      } finally {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    });

    test('SWITCHBOARD_IDLE_TIMEOUT ends a silent session as failed with idle_timeout', async () => {
      const key = generateKey();
      const p = await serve({
        DATABASE_URL: await database(),
        SWITCHBOARD_ADMIN_KEY: key,
        SWITCHBOARD_IDLE_TIMEOUT: '1',
      });
      try {
        const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
        await fetch(`${p.url}/api/v1/sessions`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ id: 'idle-1', agent: { id: 'a' }, channel: 'phone', type: 'voice' }),
        });
        let s:
          | { status: string; endedReason: string | null; events: Array<{ type: string; data: unknown }> }
          | undefined;
        const deadline = Date.now() + 8000;
        while (Date.now() < deadline) {
          s = await (await fetch(`${p.url}/api/v1/sessions/idle-1`, { headers: auth })).json();
          if (s?.status !== 'active') break;
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.equal(s?.status, 'failed');
        assert.equal(s?.endedReason, 'idle_timeout');
        assert.deepEqual(
          s?.events.filter((e) => e.type === 'status_changed').map((e) => e.data),
          [{ from: 'active', to: 'failed' }],
        );
      } finally {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    });

    test('tail and sessions list print control characters of content and agent names escaped', async () => {
      const key = generateKey();
      const p = await serve({ DATABASE_URL: await database(), SWITCHBOARD_ADMIN_KEY: key });
      const env = { SWITCHBOARD_URL: p.url, SWITCHBOARD_API_KEY: key };
      const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const post = async (path: string, body: unknown) => {
        const res = await fetch(`${p.url}/api/v1${path}`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify(body),
        });
        assert.ok(res.ok, `${path} → ${res.status} ${await res.text()}`);
      };
      // Retitles the terminal, clears the screen, a one-byte CSI (C1), a right-to-left override.
      const hostileName = 'Evil\u001b]0;owned\u0007 Bot\u001b[2J\u009b31m\u202e';
      const hostileText = 'hello\u001b]0;pwned\u0007 there\u001b[2J\u001b[31m red';
      const tail = spawn(process.execPath, ['--import', 'tsx', CLI, 'tail'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      tail.stdout?.on('data', (d) => (out += d));
      const tailExited = new Promise((resolve) => tail.on('exit', resolve));
      try {
        // The stream is live once a session started after the tail does shows up in it.
        let probes = 0;
        let probedAt = 0;
        await until(
          'the tail to follow the stream',
          async () => {
            if (out.includes('probe-')) return true;
            if (Date.now() - probedAt > 500) {
              probedAt = Date.now();
              await post('/sessions', { id: `probe-${probes++}`, agent: { id: 'p' }, channel: 'web', type: 'chat' });
            }
            return false;
          },
          30_000,
        );
        await post('/sessions', {
          id: 'hostile-1',
          agent: { id: 'evil', name: hostileName },
          channel: 'web',
          type: 'chat',
        });
        await post('/sessions/hostile-1/messages', { messages: [{ sender: 'user', content: hostileText }] });
        await until('the hostile message in the tail', () => out.includes('message.created  hostile-1'), 15_000);
      } finally {
        tail.kill('SIGINT');
        await tailExited;
      }
      const list = await cli(['sessions', 'list', '--agent-id', 'evil'], env);
      p.child.kill('SIGTERM');
      await p.exited;

      // Nothing a terminal would act on: no control character but the newlines the CLI writes.
      const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;
      assert.doesNotMatch(out, unsafe, out);
      assert.doesNotMatch(list.stdout, unsafe, list.stdout);
      // What was sent is still readable, escaped.
      assert.ok(out.includes('user: hello\\x1b]0;pwned\\x07 there\\x1b[2J\\x1b[31m red'), out);
      assert.ok(out.includes('Evil\\x1b]0;owned\\x07 Bot\\x1b[2J\\x9b31m\\u202e · web/chat'), out);
      // (The table cuts names at 40 characters, escapes counted.)
      assert.ok(list.stdout.includes('hostile-1  Evil\\x1b]0;owned\\x07 Bot\\x1b[2J\\x9b31m'), list.stdout);
    });

    test('SWITCHBOARD_RETENTION_MONTHS removes old months at start; without it nothing is removed', async () => {
      const key = generateKey();
      const url = await database();
      const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const env = { DATABASE_URL: url, SWITCHBOARD_ADMIN_KEY: key };
      const old = new Date(Date.now() - 400 * 86_400_000).toISOString();
      let p = await serve(env);
      try {
        for (const [id, startedAt] of [
          ['old-1', old],
          ['new-1', undefined],
        ])
          await fetch(`${p.url}/api/v1/sessions`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ id, agent: { id: 'a' }, channel: 'web', type: 'chat', startedAt }),
          });
      } finally {
        p.child.kill('SIGTERM');
        await p.exited;
      }
      const total = async () =>
        (await (await fetch(`${p.url}/api/v1/sessions/metrics`, { headers: auth })).json()).totalSessions;
      p = await serve(env);
      try {
        assert.equal(await total(), 2, 'the default keeps every session');
      } finally {
        p.child.kill('SIGTERM');
        await p.exited;
      }
      p = await serve({ ...env, SWITCHBOARD_RETENTION_MONTHS: '6' });
      try {
        await until('the old month removed', async () => (await total()) === 1, 8000);
        assert.equal((await fetch(`${p.url}/api/v1/sessions/old-1`, { headers: auth })).status, 404);
        assert.equal((await fetch(`${p.url}/api/v1/sessions/new-1`, { headers: auth })).status, 200);
      } finally {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    });
  });
}

describe('the switchboard command in a checkout', () => {
  test('npm install links it (node_modules/.bin/switchboard) and it runs the bundle', async () => {
    const bin = join(ROOT, 'node_modules/.bin/switchboard');
    const help = await run(bin, ['help'], { cwd: ROOT });
    assert.match(help.stdout, /^Usage: switchboard/);
    assert.doesNotMatch(help.stderr, /running the TypeScript sources/);
    const key = (await run(bin, ['keys', 'generate'], { cwd: mkdtempSync(join(tmpdir(), 'sb-cwd-')) })).stdout.trim();
    assert.match(key, /^swb_\w+$/);
    // The bundle the command ran is the one built from the current sources.
    assert.ok(statSync(SERVER_BUNDLE).mtimeMs >= statSync(CLI).mtimeMs);
  });
});

describe('npm start', () => {
  test('builds what is missing, runs the bundled server on SQLite, and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-start-'));
    const p = await serve(
      { DATABASE_URL: `sqlite:${join(dataDir, 'switchboard.db')}` },
      [],
      [join(ROOT, 'scripts/start.mjs')],
    );
    try {
      assert.match(p.out(), /login#key=swb_/);
      assert.equal((await fetch(`${p.url}/readyz`)).status, 200);
      // The dashboard is served too.
      assert.match(await (await fetch(`${p.url}/login`)).text(), /<div id="root">/);
      // The server process is the bundle, not the TypeScript sources through a loader.
      const { stdout } = await run('ps', ['-o', 'args=', '--ppid', String(p.child.pid)]);
      assert.match(stdout, /--max-semi-space-size=64 \S*packages\/server\/dist\/cli\.mjs serve/);
      assert.doesNotMatch(stdout, /tsx/);
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0);
  });
});
