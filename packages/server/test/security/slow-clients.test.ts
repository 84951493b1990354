/**
 * Slow and greedy clients against a real server process (src/app.ts's timeouts,
 * plugins/connections.ts), with short timeouts so the test runs in seconds: 300 connections that
 * trickle their headers, trickle a body to `/auth/login`, say nothing, or sit idle after a request
 * are each cut within their timeout, while an ordinary request's latency stays close to its
 * baseline on the same machine; an address over its connection cap is refused at once with a 429
 * problem while other addresses are served; and the live stream outlives the idle timeout.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { generateKey } from '../../src/lib/keys.js';
import { connectSse } from '../sse.js';
import { DIALECTS, freshDatabaseUrl } from '../helpers.js';
import { api, serve, until } from './proc.js';

const HEADERS_S = 2;
const BODY_S = 4;
const IDLE_S = 3;
const CAP = 128;
/** Slack on top of a timeout before a connection counts as not cut: Node checks every 0.5 s, and the machine is loaded. */
const SLACK_MS = 4000;

type Kind = 'slow headers' | 'slow body' | 'silent' | 'idle after a request';
const LIMIT_MS: Record<Kind, number> = {
  'slow headers': HEADERS_S * 1000,
  'slow body': BODY_S * 1000,
  silent: HEADERS_S * 1000,
  'idle after a request': IDLE_S * 1000,
};

interface Slow {
  kind: Kind;
  socket: Socket;
  opened: number;
  closed?: number;
  received: string;
}

/** A raw connection from `localAddress` (any of 127.0.0.0/8 reaches the server on 127.0.0.1). */
function open(
  port: number,
  localAddress: string,
): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
    socket.on('data', (d) => {
      received += d;
    });
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
    socket.once('error', reject);
  });
}

/** One byte every `ms` until the socket closes. */
function trickle(socket: Socket, text: string, ms: number) {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return clearInterval(timer);
    socket.write(text[i++]);
  }, ms);
  socket.once('close', () => clearInterval(timer));
}

async function latency(url: string, key: string, n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await api(url, key, 'GET', '/api/v1/sessions?limit=5');
    assert.equal(res.status, 200, res.text);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}

describe('slow and greedy clients are cut off; ordinary requests keep their latency', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  for (const dialect of DIALECTS) {
    test(`${dialect}: 300 slow clients cut within their timeouts, a cap per address, streams stay`, async () => {
      const db = await freshDatabaseUrl(dialect);
      cleanups.push(db.drop);
      const key = generateKey();
      const metricsToken = 'metrics-token-for-the-slow-client-test';
      const p = await serve({
        DATABASE_URL: db.url,
        SWITCHBOARD_ADMIN_KEY: key,
        SWITCHBOARD_RATE_LIMIT_READ: '0',
        SWITCHBOARD_RATE_LIMIT_INGEST: '0',
        SWITCHBOARD_HEADERS_TIMEOUT: String(HEADERS_S),
        SWITCHBOARD_BODY_TIMEOUT: String(BODY_S),
        SWITCHBOARD_CONNECTION_IDLE_TIMEOUT: String(IDLE_S),
        SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS: String(CAP),
        SWITCHBOARD_METRICS_TOKEN: metricsToken,
      });
      cleanups.push(() => p.stop());
      const metric = async (name: string) => {
        const res = await api(p.url, metricsToken, 'GET', '/metrics');
        return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(res.text)?.[1]);
      };
      await api(p.url, key, 'POST', '/api/v1/sessions', { id: 's1', agent: { id: 'a' }, channel: 'web', type: 'chat' });
      await latency(p.url, key, 10); // warm-up: the first requests compile the route's code
      const baseline = await latency(p.url, key, 20);

      // A live stream opened first must outlive the idle timeout (it is quiet between events).
      const stream = await connectSse(`${p.url}/api/v1/stream`, { authorization: `Bearer ${key}` });
      assert.equal(stream.status, 200);
      let streamEnded = false;
      stream.ended.then(() => {
        streamEnded = true;
      });

      // 300 slow clients from three addresses, 100 each: under the cap, so only timeouts cut them.
      const login = JSON.stringify({ key: generateKey() });
      const kinds: Kind[] = ['slow headers', 'slow body', 'silent', 'idle after a request'];
      const slow: Slow[] = [];
      for (let i = 0; i < 300; i++) {
        const kind = kinds[i % 4];
        const c = await open(p.port, `127.0.0.${2 + (i % 3)}`);
        const s: Slow = { kind, socket: c.socket, opened: Date.now(), received: '' };
        c.closed.then((at) => {
          s.closed = at;
          s.received = c.received();
        });
        if (kind === 'slow headers') {
          c.socket.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n');
          trickle(c.socket, `X-Slow: ${'a'.repeat(100)}\r\n`, 500);
        } else if (kind === 'slow body') {
          c.socket.write(
            `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${login.length}\r\n\r\n`,
          );
          trickle(c.socket, login, 500);
        } else if (kind === 'idle after a request') {
          c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        }
        slow.push(s);
      }
      const opened = Date.now();

      // Ordinary requests while all of that is open: served, and not much slower than before.
      const during = await latency(p.url, key, 20);
      console.log(
        `# ${dialect}: median latency ${baseline.toFixed(1)} ms before, ${during.toFixed(1)} ms with 300 slow clients`,
      );
      assert.ok(during < baseline * 10 + 250, `latency ${during} ms with slow clients vs ${baseline} ms before`);

      await until('every slow client to be cut', () => slow.every((s) => s.closed !== undefined), 60_000);
      for (const s of slow) {
        const lived = (s.closed as number) - s.opened;
        assert.ok(lived < LIMIT_MS[s.kind] + SLACK_MS, `${s.kind} lived ${lived} ms (timeout ${LIMIT_MS[s.kind]} ms)`);
      }
      // Cut by the deadline meant for them, not by another: a trickled body outlives the headers' deadline.
      for (const s of slow.filter((x) => x.kind === 'slow body'))
        assert.ok((s.closed as number) - s.opened >= BODY_S * 1000 - 200, 'a slow body was cut before its deadline');
      for (const s of slow.filter((x) => x.kind === 'slow headers' || x.kind === 'slow body')) {
        assert.match(s.received, /^HTTP\/1\.1 408 /, `${s.kind} got ${s.received.slice(0, 80)}`);
        assert.match(s.received, /\r\ncontent-type: application\/problem\+json\r\n/i);
        assert.match(s.received, /\r\nx-content-type-options: nosniff\r\n/i);
      }
      for (const s of slow.filter((x) => x.kind === 'idle after a request'))
        assert.match(s.received, /^HTTP\/1\.1 200 /);
      console.log(
        `# ${dialect}: all 300 cut ${Math.max(...slow.map((s) => s.closed as number)) - opened} ms after the last opened`,
      );

      // Well past the idle timeout: the stream is still open and still delivers.
      assert.equal(streamEnded, false, 'the live stream was cut by the idle timeout');
      await api(p.url, key, 'POST', '/api/v1/sessions', { id: 's2', agent: { id: 'a' }, channel: 'web', type: 'chat' });
      await stream.waitFor(1, 15_000);

      // Over the cap: one address opens CAP + 40 connections at once; the extra ones get a 429
      // at once, while another address is served. (Those admitted say nothing, so the headers
      // timeout cuts them after 2 s; opened together, the refusals come well before that.)
      const greedy = await Promise.all(Array.from({ length: CAP + 40 }, () => open(p.port, '127.0.0.9')));
      await until('the connections over the cap to be refused', () =>
        greedy.some((g) => /^HTTP\/1\.1 429 /.test(g.received())),
      );
      assert.equal((await api(p.url, key, 'GET', '/api/v1/sessions?limit=1')).status, 200);
      await until('every greedy connection to close', async () => {
        const closed = await Promise.all(greedy.map((g) => Promise.race([g.closed, Promise.resolve(0)])));
        return closed.every((at) => at > 0);
      });
      const refusals = greedy.filter((g) => /^HTTP\/1\.1 429 /.test(g.received()));
      console.log(`# ${dialect}: ${refusals.length} of ${CAP + 40} connections from one address refused (cap ${CAP})`);
      assert.ok(refusals.length >= 1 && refusals.length <= 40, `${refusals.length} refused`);
      for (const g of refusals) {
        assert.match(g.received(), /\r\nretry-after: 5\r\n/i);
        assert.match(g.received(), /"type":"https:\/\/switchboard\.dev\/problems\/too-many-connections"/);
      }
      assert.ok((await metric('switchboard_http_connections_refused_total')) >= refusals.length);
      for (const g of greedy) g.socket.destroy();

      assert.equal(streamEnded, false, 'the live stream outlived the idle timeout');
      stream.close();
      await p.stop();
      assert.equal((await p.exited).code, 0);
    });
  }
});
