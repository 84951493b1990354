/**
 * The per-address connection cap (src/plugins/connections.ts) on a listening app: connections
 * past the cap are refused at once with a 429 problem, the count goes down as connections close,
 * and trusted proxies (every client behind them shares their address) are exempt. The timeouts
 * and 300 slow clients are in test/security/slow-clients.test.ts.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { proxyMatcher } from '../../src/plugins/connections.js';
import { openStore } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';

test('proxyMatcher: addresses and CIDRs, IPv4-mapped IPv6 included; true trusts all, false none', () => {
  const m = proxyMatcher('10.0.0.0/8, 127.0.0.1,::1');
  assert.equal(m('10.1.2.3'), true);
  assert.equal(m('::ffff:10.1.2.3'), true);
  assert.equal(m('127.0.0.1'), true);
  assert.equal(m('::1'), true);
  assert.equal(m('127.0.0.2'), false);
  assert.equal(m('11.0.0.1'), false);
  assert.equal(proxyMatcher(true)('8.8.8.8'), true);
  assert.equal(proxyMatcher(false)('127.0.0.1'), false);
});

/** Opens `n` connections and reports, for each, the first bytes it got within a moment of asking. */
async function openMany(port: number, n: number) {
  const sockets: Array<{ socket: Socket; got: () => string; closed: () => boolean }> = [];
  for (let i = 0; i < n; i++) {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    let closed = false;
    socket.on('data', (d) => {
      got += d;
    });
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => {});
    await new Promise((r) => socket.once('connect', r));
    sockets.push({ socket, got: () => got, closed: () => closed });
  }
  return sockets;
}

async function until(what: string, probe: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const trustProxy of [false, '127.0.0.1'] as const) {
  test(`a cap of 3 per address ${trustProxy ? 'does not apply to a trusted proxy' : 'refuses the 4th and 5th at once'}`, async () => {
    const store = openStore('sqlite::memory:');
    await migrate(store);
    const app = await buildApp({ store, webDir: '/nonexistent', trustProxy, http: { maxConnectionsPerAddress: 3 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    try {
      const five = await openMany(port, 5);
      if (trustProxy) {
        for (const s of five) s.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        await until('five answers', () => five.every((s) => /^HTTP\/1\.1 200 /.test(s.got())));
      } else {
        await until('two refusals', () => five.filter((s) => s.closed()).length === 2);
        const refused = five.filter((s) => s.closed());
        for (const s of refused) {
          assert.match(s.got(), /^HTTP\/1\.1 429 /);
          assert.match(s.got(), /\r\ncontent-type: application\/problem\+json\r\n/i);
          assert.match(s.got(), /\r\nretry-after: 5\r\n/i);
        }
        // The three admitted are served; once one closes, a new connection is admitted.
        const admitted = five.filter((s) => !s.closed());
        assert.equal(admitted.length, 3);
        admitted[0].socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        await until('an answer', () => /^HTTP\/1\.1 200 /.test(admitted[0].got()));
        admitted[0].socket.destroy();
        await until('the server to see it closed', () => app.telemetry.connections === 2);
        const [again] = await openMany(port, 1);
        again.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        await until('an answer on the new connection', () => /^HTTP\/1\.1 200 /.test(again.got()));
        again.socket.destroy();
        assert.equal(app.telemetry.refusedConnections, 2);
      }
      for (const s of five) s.socket.destroy();
    } finally {
      await app.close();
      await store.close();
    }
  });
}
