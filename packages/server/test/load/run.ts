/**
 * `npm run test:load`: a real server process on loopback, 100 concurrent autocannon clients
 * mixing ingest batches and reads, asserting zero errors and zero non-2xx, reporting p50/p99 and
 * throughput, and sampling the server's RSS at start, middle and end. Then a quota check on a
 * second process: 429 appears exactly past the configured quota, never before.
 *
 *   npm run test:load                 60 s (DURATION=… seconds to change)
 *   npm run test:load -- --short      10 s
 *   npm run test:load -- --soak       10 min; RSS must stay flat between middle and end
 *   DATABASE_URL=postgres://… npm run test:load   against PostgreSQL (a fresh database is yours to give)
 *
 * Not part of `npm test`: it measures the machine as much as the code.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../../src/lib/keys.js';
import { api, serve } from '../security/proc.js';

interface Result {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  throughput: { average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
}
interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: RequestSpec) => RequestSpec;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  timeout?: number;
  headers?: Record<string, string>;
  requests: RequestSpec[];
}) => Promise<Result>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const args = process.argv.slice(2);
const seconds = args.includes('--soak') ? 600 : args.includes('--short') ? 10 : Number(process.env.DURATION ?? 60);
const CONNECTIONS = 100;

const rssOf = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
};
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'sb-load-'));
  const databaseUrl = process.env.DATABASE_URL ?? `sqlite:${join(dir, 'load.db')}`;
  const key = generateKey();
  const p = await serve(
    {
      DATABASE_URL: databaseUrl,
      SWITCHBOARD_ADMIN_KEY: key,
      LOG_LEVEL: 'warn',
      // Generous quotas: this phase measures the server, the quota phase below tests the limiter.
      SWITCHBOARD_RATE_LIMIT_READ: '100000000',
      SWITCHBOARD_RATE_LIMIT_INGEST: '100000000',
    },
    {},
  );
  try {
    const seed = await api(p.url, key, 'POST', '/api/v1/ingest', {
      batch: [
        { type: 'session', body: { id: 'load-0', agent: { id: 'load-bot' }, channel: 'web', type: 'chat' } },
        { type: 'message', body: { sessionId: 'load-0', sender: 'user', content: 'hello' } },
      ],
    });
    assert.equal(seed.status, 207);

    let n = 0;
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const ingest: RequestSpec = {
      method: 'POST',
      path: '/api/v1/ingest',
      headers: auth,
      // A new conversation per request: 1 session, 10 messages, 1 event, then its end.
      setupRequest: (req) => {
        const id = `L${process.pid}-${n++}`;
        const batch: unknown[] = [
          { type: 'session', body: { id, agent: { id: `bot-${n % 20}` }, channel: 'phone', type: 'voice' } },
        ];
        for (let i = 0; i < 10; i++)
          batch.push({
            type: 'message',
            body: { sessionId: id, sender: i % 2 ? 'agent' : 'user', content: `turn ${i}` },
          });
        batch.push({ type: 'event', body: { sessionId: id, type: 'agent_handoff', data: { to: 'billing' } } });
        batch.push({ type: 'session.update', body: { id, status: 'completed', endedReason: 'resolved' } });
        return { ...req, body: JSON.stringify({ batch }) };
      },
    };
    const read = (path: string): RequestSpec => ({ method: 'GET', path, headers: auth });

    const samples: Array<{ at: number; rss: number }> = [];
    const pid = p.child.pid as number;
    samples.push({ at: 0, rss: rssOf(pid) });
    const started = Date.now();
    const sampler = setInterval(() => samples.push({ at: (Date.now() - started) / 1000, rss: rssOf(pid) }), 5000);
    const result = await autocannon({
      url: p.url,
      connections: CONNECTIONS,
      duration: seconds,
      // A response slower than this counts as an error (autocannon's default is 10 s).
      timeout: 20,
      requests: [
        ingest,
        read('/api/v1/sessions?limit=50'),
        read('/api/v1/sessions/metrics'),
        read('/api/v1/sessions/load-0'),
        read('/api/v1/sessions?channel=phone&status=completed&sort=-messageCount&limit=20'),
      ],
    });
    clearInterval(sampler);
    samples.push({ at: seconds, rss: rssOf(pid) });
    const mid = samples[Math.floor(samples.length / 2)];
    const end = samples[samples.length - 1];
    const stored = (await api(p.url, key, 'GET', '/api/v1/sessions/metrics')).json.totalSessions as number;

    const codes = Object.entries(result.statusCodeStats ?? {})
      .map(([c, v]) => `${c}×${v.count}`)
      .join(' ');
    console.log(`
Load: ${CONNECTIONS} connections, ${seconds} s, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite'}, mix = 1 ingest batch (13 items) : 4 reads
  requests     ${result.requests.total} (${result.requests.average.toFixed(0)}/s), status ${codes}
  latency      p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms
  errors       ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}
  ingested     ${stored - 1} sessions (${Math.round(((stored - 1) * 13) / seconds)} items/s)
  server RSS   start ${mb(samples[0].rss)}, middle ${mb(mid.rss)} (${mid.at.toFixed(0)} s), end ${mb(end.rss)}`);

    assert.equal(result.errors, 0, 'socket errors');
    assert.equal(result.timeouts, 0, 'timeouts');
    assert.equal(result.non2xx, 0, `non-2xx responses: ${codes}`);
    if (seconds >= 300)
      assert.ok(
        end.rss < mid.rss * 1.2 + 20 * 1048576,
        `RSS grew from ${mb(mid.rss)} to ${mb(end.rss)} in the second half`,
      );
  } finally {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  // The limiter: with a quota of 120 reads a minute, a burst gets exactly 120 through (plus the
  // tokens refilled during the burst), then 429 with Retry-After.
  const qdir = mkdtempSync(join(tmpdir(), 'sb-quota-'));
  const q = await serve({
    DATABASE_URL: process.env.DATABASE_URL ? databaseUrl : `sqlite:${join(qdir, 'q.db')}`,
    SWITCHBOARD_ADMIN_KEY: key,
    SWITCHBOARD_RATE_LIMIT_READ: '120',
  });
  try {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    const burstStarted = performance.now();
    // Until the first 429 (a slow machine refills tokens as it goes), then 30 more.
    for (let i = 0; i < 1_000 && (!statuses.includes(429) || statuses.length - statuses.indexOf(429) < 30); i++) {
      const r = await fetch(`${q.url}/api/v1/sessions?limit=1`, { headers: { authorization: `Bearer ${key}` } });
      statuses.push(r.status);
      if (r.status === 429) retryAfter ??= r.headers.get('retry-after');
      await r.arrayBuffer();
    }
    const burstSeconds = (performance.now() - burstStarted) / 1000;
    const first429 = statuses.indexOf(429);
    const ok = statuses.filter((s) => s === 200).length;
    // The bucket refills evenly, 2 tokens a second: a burst slowed by a loaded machine earns them.
    const refilled = Math.ceil(burstSeconds * 2);
    console.log(
      `  quota        120/min: ${ok} × 200 in ${burstSeconds.toFixed(1)} s (${refilled} refilled), first 429 at request ${first429 + 1}, Retry-After ${retryAfter} s`,
    );
    assert.ok(first429 >= 120, `429 before the quota was used: at request ${first429 + 1}`);
    assert.ok(ok <= 120 + refilled + 1, `${ok} requests passed a quota of 120 (+${refilled} refilled)`);
    assert.ok(statuses.every((s) => s === 200 || s === 429));
    assert.ok(Number(retryAfter) >= 1);
  } finally {
    await q.stop();
    rmSync(qdir, { recursive: true, force: true });
  }
  console.log('\nload: OK');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
