/** Settings of src/config.ts that the route suites do not already cover, and their effect. */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { buildApp, loggerOptions } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { openStore } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';

test('SWITCHBOARD_TRUST_PROXY: false by default, true, or addresses; anything else is refused', () => {
  assert.equal(loadConfig({}, {}).trustProxy, false);
  assert.equal(loadConfig({}, { SWITCHBOARD_TRUST_PROXY: 'true' }).trustProxy, true);
  assert.equal(loadConfig({}, { SWITCHBOARD_TRUST_PROXY: 'false' }).trustProxy, false);
  assert.equal(loadConfig({ 'trust-proxy': '10.0.0.0/8,127.0.0.1' }, {}).trustProxy, '10.0.0.0/8,127.0.0.1');
  assert.throws(() => loadConfig({}, { SWITCHBOARD_TRUST_PROXY: 'yes please' }), ConfigError);
});

test('SWITCHBOARD_DATA_DIR: where admin.key and secret.key go; by default beside the SQLite file, or ./data', () => {
  assert.equal(loadConfig({}, { DATABASE_URL: 'sqlite:/srv/sb/switchboard.db' }).dataDir, '/srv/sb');
  assert.equal(loadConfig({}, { DATABASE_URL: 'postgres://h/db' }).dataDir, resolve('data'));
  assert.equal(
    loadConfig({}, { DATABASE_URL: 'postgres://h/db', SWITCHBOARD_DATA_DIR: '/etc/switchboard' }).dataDir,
    '/etc/switchboard',
  );
  assert.equal(loadConfig({ 'data-dir': 'keys' }, { SWITCHBOARD_DATA_DIR: '/x' }).dataDir, resolve('keys'));
});

test('behind a trusted proxy the request log shows the client address, otherwise the peer', async () => {
  const store = openStore('sqlite::memory:');
  await migrate(store);
  const ipsLogged = async (trustProxy: boolean | string) => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = { ...(loggerOptions('info') as object), stream };
    const app = await buildApp({ store, logger, trustProxy, webDir: '/nonexistent' });
    await app.inject({ url: '/healthz', headers: { 'x-forwarded-for': '203.0.113.7' }, remoteAddress: '127.0.0.1' });
    await app.close();
    return lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'request')
      .map((l) => l.ip);
  };
  try {
    assert.deepEqual(await ipsLogged(true), ['203.0.113.7']);
    assert.deepEqual(await ipsLogged('127.0.0.1'), ['203.0.113.7']);
    // An address that is not the proxy's cannot claim to speak for a client.
    assert.deepEqual(await ipsLogged('10.0.0.1'), ['127.0.0.1']);
    assert.deepEqual(await ipsLogged(false), ['127.0.0.1']);
  } finally {
    await store.close();
  }
});

test('SWITCHBOARD_RATE_LIMIT_LOGIN: 20 sign-in attempts a minute by default, 0 turns it off', () => {
  assert.equal(loadConfig({}, {}).rateLimits.login, 20);
  assert.equal(loadConfig({}, { SWITCHBOARD_RATE_LIMIT_LOGIN: '5' }).rateLimits.login, 5);
  assert.equal(loadConfig({ 'rate-limit-login': '0' }, {}).rateLimits.login, 0);
  assert.throws(() => loadConfig({}, { SWITCHBOARD_RATE_LIMIT_LOGIN: '-1' }), /SWITCHBOARD_RATE_LIMIT_LOGIN/);
});

test('SWITCHBOARD_RECORDING_HOSTS: none by default; host sources only, since they go into the CSP', () => {
  assert.deepEqual(loadConfig({}, {}).recordingHosts, []);
  assert.deepEqual(
    loadConfig({}, { SWITCHBOARD_RECORDING_HOSTS: 'Media.Example.com, *.cdn.example.net  127.0.0.1:8443' })
      .recordingHosts,
    ['media.example.com', '*.cdn.example.net', '127.0.0.1:8443'],
  );
  assert.deepEqual(loadConfig({ 'recording-hosts': '*' }, {}).recordingHosts, ['*']);
  // Anything that could end the directive or add a source of another kind is refused.
  for (const bad of [
    "media.example.com; script-src 'unsafe-inline'",
    "'unsafe-inline'",
    'https://media.example.com',
    'media.example.com/path',
    'data:',
    '*.*.example.com',
    'exa_mple.com',
  ])
    assert.throws(() => loadConfig({}, { SWITCHBOARD_RECORDING_HOSTS: bad }), /SWITCHBOARD_RECORDING_HOSTS/, bad);
});

test('SWITCHBOARD_SESSION_MAX_MESSAGES, _EVENTS, _BYTES: 10,000, 10,000 and 20 MiB by default; whole numbers ≥ 1', () => {
  assert.deepEqual(loadConfig({}, {}).sessionLimits, {
    maxMessages: 10_000,
    maxEvents: 10_000,
    maxBytes: 20 * 1024 * 1024,
  });
  assert.deepEqual(
    loadConfig(
      { 'session-max-bytes': '1048576' },
      { SWITCHBOARD_SESSION_MAX_MESSAGES: '50000', SWITCHBOARD_SESSION_MAX_EVENTS: '7' },
    ).sessionLimits,
    { maxMessages: 50_000, maxEvents: 7, maxBytes: 1_048_576 },
  );
  for (const bad of ['0', '-1', '2.5', 'lots', '1e400'])
    assert.throws(() => loadConfig({}, { SWITCHBOARD_SESSION_MAX_MESSAGES: bad }), /SWITCHBOARD_SESSION_MAX_MESSAGES/);
  assert.throws(() => loadConfig({}, { SWITCHBOARD_SESSION_MAX_BYTES: '0' }), /SWITCHBOARD_SESSION_MAX_BYTES/);
});

test('HTTP limits: seconds for the timeouts, a whole number for the cap, checked against each other', () => {
  assert.deepEqual(loadConfig({}, {}).http, {
    headersTimeoutMs: 10_000,
    bodyTimeoutMs: 60_000,
    idleTimeoutMs: 72_000,
    maxConnectionsPerAddress: 256,
  });
  assert.deepEqual(
    loadConfig(
      { 'headers-timeout': '2', 'max-connections-per-address': '0' },
      { SWITCHBOARD_BODY_TIMEOUT: '4.5', SWITCHBOARD_CONNECTION_IDLE_TIMEOUT: '30' },
    ).http,
    { headersTimeoutMs: 2000, bodyTimeoutMs: 4500, idleTimeoutMs: 30_000, maxConnectionsPerAddress: 0 },
  );
  // A body deadline of 5 s is shorter than the default headers' 10 s: refused too.
  for (const [name, value] of [
    ['SWITCHBOARD_HEADERS_TIMEOUT', '0'],
    ['SWITCHBOARD_HEADERS_TIMEOUT', 'soon'],
    ['SWITCHBOARD_BODY_TIMEOUT', '-1'],
    ['SWITCHBOARD_BODY_TIMEOUT', '5'],
    ['SWITCHBOARD_CONNECTION_IDLE_TIMEOUT', '7200'],
    ['SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS', '1.5'],
    ['SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS', '-3'],
  ])
    assert.throws(() => loadConfig({}, { [name]: value }), ConfigError, `${name}=${value}`);
});

test('SWITCHBOARD_METRICS_TOKEN: off by default, 16–256 printable characters, never echoed', () => {
  assert.equal(loadConfig({}, {}).metricsToken, undefined);
  assert.equal(
    loadConfig({}, { SWITCHBOARD_METRICS_TOKEN: 'prometheus-scrape-token' }).metricsToken,
    'prometheus-scrape-token',
  );
  for (const bad of ['short', 'has a space in the middle', 'x'.repeat(257)])
    assert.throws(
      () => loadConfig({}, { SWITCHBOARD_METRICS_TOKEN: bad }),
      (err: unknown) => err instanceof ConfigError && !err.message.includes(bad),
    );
});

test('SWITCHBOARD_SMTP_URL: off by default; smtp:// and smtps:// with their ports; a bad one refused without echoing the password', () => {
  assert.equal(loadConfig({}, {}).smtp, undefined);
  assert.deepEqual(loadConfig({}, { SWITCHBOARD_SMTP_URL: 'smtp://mailer:p%40ss%3Aword@mail.example.com' }).smtp, {
    host: 'mail.example.com',
    port: 587,
    secure: false,
    user: 'mailer',
    password: 'p@ss:word',
    from: 'Switchboard <switchboard@mail.example.com>',
    timeoutMs: 10_000,
  });
  const tls = loadConfig(
    { 'smtp-url': 'smtps://relay.example.net', 'smtp-timeout': '2.5' },
    { SWITCHBOARD_PUBLIC_URL: 'https://switchboard.example.com/' },
  ).smtp;
  assert.equal(tls?.port, 465);
  assert.equal(tls?.secure, true);
  assert.equal(tls?.user, undefined);
  assert.equal(tls?.timeoutMs, 2500);
  // The From address takes the public URL's domain when it has one.
  assert.equal(tls?.from, 'Switchboard <switchboard@switchboard.example.com>');
  assert.equal(loadConfig({}, { SWITCHBOARD_SMTP_URL: 'smtp://[::1]:2525' }).smtp?.host, '::1');
  assert.equal(
    loadConfig({}, { SWITCHBOARD_SMTP_URL: 'smtp://127.0.0.1:25', SWITCHBOARD_SMTP_FROM: 'Support <help@example.org>' })
      .smtp?.from,
    'Support <help@example.org>',
  );
  const refused = (env: NodeJS.ProcessEnv, message: RegExp) =>
    assert.throws(
      () => loadConfig({}, env),
      (err: Error) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.match(err.message, message);
        assert.ok(!err.message.includes('hunter2'), `the password leaked: ${err.message}`);
        return true;
      },
    );
  refused({ SWITCHBOARD_SMTP_URL: 'mail.example.com:587' }, /must start with smtp:\/\/ or smtps:\/\//);
  refused(
    { SWITCHBOARD_SMTP_URL: 'https://u:hunter2@mail.example.com' },
    /must start with smtp:\/\/ or smtps:\/\/, not https:/,
  );
  refused({ SWITCHBOARD_SMTP_URL: 'smtp://u:hunter2@' }, /SWITCHBOARD_SMTP_URL/);
  refused({ SWITCHBOARD_SMTP_URL: 'not a url hunter2' }, /is not a URL: write it as smtp:\/\/user:password@host:587/);
  refused({ SWITCHBOARD_SMTP_URL: 'smtp://u:hunter2@mail.example.com:99999' }, /SWITCHBOARD_SMTP_URL/);
  refused({ SWITCHBOARD_SMTP_URL: 'smtp://u:hunter2@mail.example.com/x?tls=off' }, /takes no path, \?options/);
  refused({ SWITCHBOARD_SMTP_URL: 'smtp://:hunter2@mail.example.com' }, /a password without a user name/);
  refused({ SWITCHBOARD_SMTP_URL: 'smtp://u:hunter2%zz@mail.example.com' }, /percent-encoded/);
  refused({ SWITCHBOARD_SMTP_FROM: 'help@example.org' }, /SWITCHBOARD_SMTP_FROM needs SWITCHBOARD_SMTP_URL/);
  refused(
    {
      SWITCHBOARD_SMTP_URL: 'smtp://u:hunter2@h.example',
      SWITCHBOARD_SMTP_FROM: 'x@example.org\r\nBcc: all@example.org',
    },
    /SWITCHBOARD_SMTP_FROM must be an address or "Name <address>" on one line/,
  );
  refused(
    { SWITCHBOARD_SMTP_URL: 'smtp://u:hunter2@h.example', SWITCHBOARD_SMTP_FROM: 'nobody' },
    /SWITCHBOARD_SMTP_FROM/,
  );
  refused(
    { SWITCHBOARD_SMTP_URL: 'smtp://u:hunter2@h.example', SWITCHBOARD_SMTP_TIMEOUT: '0' },
    /SWITCHBOARD_SMTP_TIMEOUT must be/,
  );
});

test('SWITCHBOARD_ALERT_INTERVAL: 30 seconds between alert rounds by default, 1 to 3600', () => {
  assert.equal(loadConfig({}, {}).alertInterval, 30);
  assert.equal(loadConfig({}, { SWITCHBOARD_ALERT_INTERVAL: '5' }).alertInterval, 5);
  assert.equal(loadConfig({ 'alert-interval': '3600' }, { SWITCHBOARD_ALERT_INTERVAL: '5' }).alertInterval, 3600);
  for (const bad of ['0', '0.5', '3601', 'soon', '-1'])
    assert.throws(() => loadConfig({}, { SWITCHBOARD_ALERT_INTERVAL: bad }), /SWITCHBOARD_ALERT_INTERVAL/, bad);
});
