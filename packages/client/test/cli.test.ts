/**
 * The `switchboard export`, `sessions list` and `tail` commands, spawned as a user runs them,
 * against a listening test server. They use the built SDK (dist), so it is rebuilt first when
 * any source file is newer. The commands are HTTP clients and each spawn costs seconds, so this
 * suite runs on SQLite only; the server's two dialects are covered by every other suite.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { IngestItem, Session } from '../src/index.js';
import { ConfigError } from '../../server/src/config.js';
import { Args, clientFrom, rangeParam } from '../../server/src/commands/args.js';
import { runExport } from '../../server/src/commands/export.js';
import { type Served, client, serve, until } from './helpers.js';

const root = new URL('../../..', import.meta.url).pathname;
const pkg = new URL('..', import.meta.url).pathname;

/** The newest modification time below a folder. */
function newestIn(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newestIn(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );
}

function ensureBuilt() {
  const built = join(pkg, 'dist/node.js');
  const newest = newestIn(join(pkg, 'src'));
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  execFileSync(process.execPath, [join(root, 'node_modules/tsup/dist/cli-default.js')], { cwd: pkg, stdio: 'ignore' });
}

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, SWITCHBOARD_URL: '', SWITCHBOARD_API_KEY: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const CHANNELS = ['web', 'phone', 'sip', 'whatsapp'] as const;

for (const dialect of ['sqlite'] as const) {
  describe(`switchboard CLI through the SDK (${dialect})`, () => {
    let s: Served;
    let dir: string;
    before(async () => {
      ensureBuilt();
      s = await serve(dialect);
      dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
      const items: IngestItem[] = [];
      const t0 = Date.parse('2026-11-01T00:00:00.000Z');
      for (let i = 0; i < 400; i++)
        items.push({
          type: 'session',
          body: {
            id: `c-${i}`,
            agent: { id: `agent-${i % 3}`, name: `Agent, "${i % 3}"` },
            channel: CHANNELS[i % 4],
            type: 'voice',
            startedAt: new Date(t0 + i * 3600_000).toISOString(),
            ...(i % 3
              ? { status: 'completed' as const, endedAt: new Date(t0 + i * 3600_000 + 61_000).toISOString() }
              : {}),
            metadata: { plan: i % 2 ? 'pro' : 'free', region: 'eu' },
          },
        });
      const { results } = await client(s, s.t.adminKey).ingest(items);
      assert.ok(results.every((r) => r.status === 201));
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await s.close();
    });

    test('export of a filtered set matches the API list; refuses to overwrite without --force', async () => {
      const key = await s.t.key(['read']);
      const out = join(dir, 'phone.csv');
      const filters = [
        '--channel',
        'phone,sip',
        '--status',
        'completed',
        '--metadata',
        'plan=pro',
        '--metadata',
        'region=eu',
      ];
      const res = await cli(['export', '--format', 'csv', ...filters, '--from', '2026-11-02', '--out', out], {
        SWITCHBOARD_URL: s.url,
        SWITCHBOARD_API_KEY: key,
      });
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stderr, /Exported [\d,]+ rows · [\d.]+ (B|KB|MB) · [\d,]+ rows\/s to .*phone\.csv/);

      const listed: Session[] = [];
      const sb = client(s, key);
      for await (const x of sb.sessions.list({
        channel: ['phone', 'sip'],
        status: 'completed',
        metadata: { plan: 'pro', region: 'eu' },
        from: '2026-11-02',
      }))
        listed.push(x);
      assert.ok(listed.length > 50);
      const csv = readFileSync(out, 'utf8').trimEnd().split('\n');
      assert.equal(csv[0].split(',')[0], 'id');
      assert.deepEqual(
        csv.slice(1).map((l) => l.split(',')[0]),
        listed.map((x) => x.id),
      );
      assert.match(res.stderr, new RegExp(`Exported ${listed.length} rows`));

      writeFileSync(out, 'keep me');
      await assert.rejects(runExport(['--out', out, '--url', s.url, '--key', key]), /already exists; pass --force/);
      assert.equal(readFileSync(out, 'utf8'), 'keep me');

      const forced = await cli(['export', '--format', 'ndjson', '--out', out, '--force', '--url', s.url, '--key', key]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal(readFileSync(out, 'utf8').trimEnd().split('\n').length, 400);
      assert.ok(!existsSync(`${out}.partial`));
    });

    test('bad input: unknown flags, bad filters and missing keys are one-line errors', async () => {
      const out = join(dir, 'never.csv');
      // One spawn shows a ConfigError becomes exit code 2 and one line; the rest run in-process.
      const typo = await cli(['export', '--chanel', 'phone', '--out', out, '--url', s.url, '--key', s.t.adminKey]);
      assert.equal(typo.code, 2);
      assert.equal(typo.stderr, 'switchboard: Unknown flag --chanel\n');
      await assert.rejects(
        runExport(['--channel', 'fax', '--out', out, '--url', s.url, '--key', s.t.adminKey]),
        (err: Error) => err instanceof ConfigError && /^400 .*channel/.test(err.message),
      );
      await assert.rejects(runExport(['--url', s.url, '--key', s.t.adminKey]), /needs --out FILE/);
      await assert.rejects(runExport(['--out', out, '--format', 'xml', '--key', 'k']), /--format must be one of/);
      assert.ok(!existsSync(out) && !existsSync(`${out}.partial`));
      assert.throws(() => clientFrom(new Args(['--url', s.url], ['url', 'key']), {}), /SWITCHBOARD_API_KEY/);
      assert.throws(
        () => clientFrom(new Args(['--url', 'nope'], ['url', 'key']), { SWITCHBOARD_API_KEY: 'k' }),
        /--url/,
      );
    });

    test('export passes range filters (--range, both spellings) and a sort by a figure through', async () => {
      const out = join(dir, 'range.csv');
      const flags = ['--range', 'durationSeconds>=61', '--range', 'messageCount[lt]=1', '--sort', '-durationSeconds'];
      await runExport([...flags, '--channel', 'web', '--out', out, '--url', s.url, '--key', s.t.adminKey], {
        stderr: { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream,
      });
      const listed: Session[] = [];
      for await (const x of client(s, s.t.adminKey).sessions.list({
        channel: 'web',
        'durationSeconds[gte]': 61,
        'messageCount[lt]': 1,
        sort: '-durationSeconds',
      }))
        listed.push(x);
      assert.ok(listed.length > 10 && listed.every((x) => x.status === 'completed'));
      assert.deepEqual(
        readFileSync(out, 'utf8')
          .trimEnd()
          .split('\r\n')
          .slice(1)
          .map((l) => l.split(',')[0]),
        listed.map((x) => x.id),
      );
      assert.deepEqual(rangeParam(' costUsd > 0.5 '), ['costUsd[gt]', '0.5']);
      assert.deepEqual(rangeParam('turns<=3'), ['turns[lte]', '3']);
      assert.throws(() => rangeParam('turns=3'), /--range takes FIELD>=N/);
      await assert.rejects(
        runExport(['--range', 'mood>3', '--out', join(dir, 'never.csv'), '--url', s.url, '--key', s.t.adminKey]),
        (err: Error) => err instanceof ConfigError && /^400 .*mood/.test(err.message),
      );
    });

    test('sessions list prints an aligned table of the newest matches', async () => {
      const res = await cli([
        'sessions',
        'list',
        '--channel',
        'web',
        '--limit',
        '5',
        '--url',
        s.url,
        '--key',
        s.t.adminKey,
      ]);
      assert.equal(res.code, 0, res.stderr);
      const lines = res.stdout.trimEnd().split('\n');
      assert.match(lines[0], /^ID\s+AGENT\s+CHANNEL\s+TYPE\s+STATUS\s+STARTED\s+DURATION\s+MESSAGES$/);
      const rows = lines.slice(1, 6);
      assert.deepEqual(
        rows.map((l) => l.split(/\s+/)[0]),
        ['c-396', 'c-392', 'c-388', 'c-384', 'c-380'],
      );
      const col = lines[0].indexOf('CHANNEL');
      assert.ok(
        rows.every((r) => r.slice(col).startsWith('web ')),
        'columns line up',
      );
      assert.match(res.stdout, /5 of 100 sessions/);
      assert.ok(rows.some((r) => /ongoing/.test(r)) && rows.some((r) => /1m 1s/.test(r)));
    });

    test('tail prints live events one per line until Ctrl-C', async (t) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'packages/server/src/cli.ts',
          'tail',
          '--channel',
          'telegram',
          '--url',
          s.url,
          '--key',
          s.t.adminKey,
        ],
        { cwd: root },
      );
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      // A tail left running when an assertion fails would keep this test file alive for good.
      t.after(() => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      // Starting the CLI from its TypeScript sources takes a while on a busy machine.
      await until('tail to connect', () => s.t.app.streams.size > 0, 60_000);
      const sb = client(s, s.t.adminKey);
      const session = await sb.sessions.start({
        id: 'tg-1',
        agent: { id: 'tg', name: 'Telegram Bot' },
        channel: 'telegram',
        type: 'chat',
      });
      session.message('user', 'Hello\nover two lines');
      await session.end('completed', { endedReason: 'resolved' });
      await sb.sessions.start({ agent: 'other', channel: 'web', type: 'chat' }, { wait: true });
      await until('four lines', () => stdout.split('\n').length > 4);
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      const lines = stdout.trimEnd().split('\n');
      assert.equal(lines.length, 4, stdout);
      assert.match(
        lines[0],
        /^\d\d:\d\d:\d\d\.\d{3} {2}session\.started {2}tg-1 {2}Telegram Bot · telegram\/chat · active$/,
      );
      assert.match(lines[1], /message\.created {2}tg-1 {2}user: Hello over two lines$/);
      assert.match(lines[2], /event\.created {4}tg-1 {2}status_changed \{"from":"active","to":"completed"\}$/);
      assert.match(lines[3], /session\.ended {4}tg-1 {2}completed \(resolved\), 1 messages/);
    });
  });
}
