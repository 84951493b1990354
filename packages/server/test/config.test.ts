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
