/**
 * The log's two formats: pretty lines in a terminal, JSON everywhere else, either one chosen by
 * `--log-format` or SWITCHBOARD_LOG_FORMAT. Whether stdout is a terminal cannot be faked for a
 * child process without a pseudo-terminal, so the choice is a function tested here, and one real
 * process shows each format end to end.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { chooseLogFormat, prettyLine } from '../../src/lib/log-format.js';
import { firstStartBanner } from '../../src/server.js';
import { until } from '../security/proc.js';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;

test('pretty in a terminal, JSON in a pipe or a file; the flag wins over the variable', () => {
  assert.equal(chooseLogFormat({ isTTY: true }), 'pretty');
  assert.equal(chooseLogFormat({ isTTY: false }), 'json');
  assert.equal(chooseLogFormat({ isTTY: true, env: 'json' }), 'json');
  assert.equal(chooseLogFormat({ isTTY: true, flag: 'json' }), 'json');
  assert.equal(chooseLogFormat({ isTTY: false, env: 'pretty' }), 'pretty');
  assert.equal(chooseLogFormat({ isTTY: true, flag: 'json', env: 'pretty' }), 'json');
  assert.equal(chooseLogFormat({ isTTY: false, flag: 'pretty', env: 'json' }), 'pretty');
  assert.equal(chooseLogFormat({ isTTY: true, flag: 'auto', env: 'json' }), 'pretty', 'auto: decided by the terminal');
  assert.equal(chooseLogFormat({ isTTY: true, env: ' JSON ' }), 'json');
});

test('a format that is neither json, pretty nor auto is refused, naming where it came from', () => {
  assert.throws(
    () => loadConfig({}, { SWITCHBOARD_LOG_FORMAT: 'yaml' }),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /SWITCHBOARD_LOG_FORMAT must be json, pretty or auto, got "yaml"/);
      return true;
    },
  );
  assert.throws(() => loadConfig({ 'log-format': 'text' }, {}), /--log-format must be/);
  assert.equal(loadConfig({ 'log-format': 'pretty' }, { SWITCHBOARD_LOG_FORMAT: 'json' }).logFormat, 'pretty');
  assert.equal(loadConfig({}, { SWITCHBOARD_LOG_FORMAT: 'json' }).logFormat, 'json');
});

test('a request reads as method, URL, status and time; other fields follow; an error keeps its stack', () => {
  const time = new Date(2026, 10, 24, 14, 3, 7).getTime();
  const req = prettyLine(
    JSON.stringify({
      level: 30,
      time,
      pid: 1,
      hostname: 'h',
      reqId: 'abc',
      msg: 'request',
      method: 'GET',
      url: '/api/v1/sessions?status=failed',
      route: '/api/v1/sessions',
      status: 200,
      ms: 3.1,
      key: 'swb_AbCdEfGh',
      ip: '127.0.0.1',
    }),
  );
  assert.equal(req, '14:03:07 INFO  GET /api/v1/sessions?status=failed 200 3.1 ms  key=swb_AbCdEfGh ip=127.0.0.1');
  const err = prettyLine(
    JSON.stringify({
      level: 50,
      time,
      msg: 'shutdown failed',
      err: { message: 'boom', stack: 'Error: boom\n    at x' },
    }),
  );
  assert.equal(err, '14:03:07 ERROR shutdown failed\n    Error: boom\n        at x');
  assert.equal(
    prettyLine(
      JSON.stringify({
        level: 30,
        time,
        msg: 'switchboard listening',
        url: 'http://127.0.0.1:8080',
        database: 'sqlite file x y',
      }),
    ),
    '14:03:07 INFO  switchboard listening  url=http://127.0.0.1:8080 database="sqlite file x y"',
  );
  assert.equal(prettyLine('not json at all'), 'not json at all');
});

test('the first start’s key and login link stand out in a terminal and stay plain elsewhere', () => {
  const key = 'swb_key';
  const plain = firstStartBanner({ url: 'http://127.0.0.1:8080', key, keyFile: '/d/admin.key', color: false });
  assert.match(plain, /Admin API key \(shown once, also saved to \/d\/admin\.key\):\n {4}swb_key\n/);
  assert.match(plain, /Sign in to the dashboard:\n {4}http:\/\/127\.0\.0\.1:8080\/login#key=swb_key\n/);
  assert.doesNotMatch(plain, /\x1b/);
  const colored = firstStartBanner({ url: 'http://127.0.0.1:8080', key, keyFile: '/d/admin.key', color: true });
  assert.match(colored, /\x1b\[1;36mhttp:\/\/127\.0\.0\.1:8080\/login#key=swb_key\x1b\[0m/);
  assert.match(colored, /─{10,}/, 'framed by rules');
});

async function serveOnce(args: string[], env: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-logfmt-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', ...args], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: {
      ...process.env,
      DATABASE_URL: `sqlite:${join(dir, 'sb.db')}`,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SWITCHBOARD_LOG_FORMAT: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    // The first start's banner is the last thing the start prints: a kill on the listening line
    // alone could cut the lines after it.
    await until(
      'the server to listen and print its first-start banner',
      () => (out.includes('switchboard listening') && out.includes('login#key=')) || child.exitCode !== null,
      30_000,
    );
    assert.equal(child.exitCode, null, out);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return out;
}

test('a real process: JSON lines with --log-format json, person-readable lines with SWITCHBOARD_LOG_FORMAT=pretty', async () => {
  const json = await serveOnce(['--log-format', 'json'], { SWITCHBOARD_LOG_FORMAT: 'pretty' });
  const logLines = json.split('\n').filter((l) => l.startsWith('{'));
  const listening = logLines.map((l) => JSON.parse(l)).find((o) => o.msg === 'switchboard listening');
  assert.ok(listening, json);
  assert.equal(listening.level, 30);
  assert.match(listening.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  // The first start's key is printed as text, not as a log line, in both formats.
  assert.match(json, /Sign in to the dashboard:\n {4}http:\/\/127\.0\.0\.1:\d+\/login#key=swb_/);

  const pretty = await serveOnce([], { SWITCHBOARD_LOG_FORMAT: 'pretty' });
  assert.match(pretty, /^\d\d:\d\d:\d\d INFO {2}switchboard listening {2}url=http:\/\/127\.0\.0\.1:\d+/m, pretty);
  assert.ok(!pretty.split('\n').some((l) => l.startsWith('{"level"')), 'no JSON lines');
  assert.match(pretty, /Sign in to the dashboard:\n {4}http:\/\/127\.0\.0\.1:\d+\/login#key=swb_/);
});
