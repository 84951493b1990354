/**
 * Which server the client commands talk to, and what a person reads when it is not there.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ConfigError } from '../../src/config.js';
import { Args, CONNECTION_FLAGS, serverUrl } from '../../src/commands/args.js';
import { freePort } from '../security/proc.js';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const run = promisify(execFile);
const args = (...argv: string[]) => new Args(argv, CONNECTION_FLAGS);

test('--url, else SWITCHBOARD_URL, else the local server on PORT, else on 8080', () => {
  assert.equal(
    serverUrl(args('--url', 'https://sb.example.com/'), { SWITCHBOARD_URL: 'http://x' }),
    'https://sb.example.com',
  );
  assert.equal(
    serverUrl(args(), { SWITCHBOARD_URL: 'http://sb.internal:9000', PORT: '7000' }),
    'http://sb.internal:9000',
  );
  assert.equal(serverUrl(args(), { PORT: '7000' }), 'http://localhost:7000');
  assert.equal(serverUrl(args(), {}), 'http://localhost:8080');
  assert.equal(serverUrl(args(), { SWITCHBOARD_URL: '  ', PORT: '' }), 'http://localhost:8080');
  assert.throws(() => serverUrl(args('--url', 'ftp://x'), {}), ConfigError);
  assert.throws(() => serverUrl(args(), { SWITCHBOARD_URL: 'not a url' }), /must be an http\(s\) URL, got "not a url"/);
});

for (const command of [['sessions', 'list'], ['export', '--out', '/dev/null', '--force'], ['tail']]) {
  test(`${command[0]} against a server that is not there: one line naming the URL, and a failing exit code`, async () => {
    const port = await freePort();
    const { SWITCHBOARD_URL: _u, ...env } = process.env;
    const err = await run(process.execPath, ['--import', 'tsx', CLI, ...command], {
      env: { ...env, PORT: String(port), SWITCHBOARD_API_KEY: 'swb_not_checked_before_connecting' },
      timeout: 60_000,
    }).then(
      () => assert.fail('the command succeeded'),
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    assert.notEqual(err.code, 0);
    const lines = err.stderr.trim().split('\n');
    assert.equal(lines.length, 1, err.stderr);
    assert.match(lines[0], new RegExp(`^switchboard: could not reach the server at http://localhost:${port} \\(`));
  });
}
