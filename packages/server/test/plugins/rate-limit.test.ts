import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { MemoryBuckets } from '../../src/store/rate-limits.js';
import { DIALECTS, type TestContext, assertProblem, call, session, setup } from '../helpers.js';

describe('token bucket', () => {
  test('a burst of the whole quota passes, then it refills evenly', async () => {
    const b = new MemoryBuckets();
    const t0 = 1_000_000;
    for (let i = 0; i < 60; i++) assert.equal((await b.take('k', 60, 1, t0)).allowed, true);
    const refused = await b.take('k', 60, 1, t0);
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterSeconds, 1);
    assert.equal((await b.take('k', 60, 1, t0 + 1000)).allowed, true, 'one token a second comes back');
    assert.equal((await b.take('k', 60, 1, t0 + 1000)).allowed, false);
    const later = await b.take('k', 60, 1, t0 + 120_000);
    assert.equal(later.remaining, 59, 'never more than the capacity');
  });
});

for (const dialect of DIALECTS) {
  describe(`rate limits (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect, { rateLimits: { read: 5, ingest: 8, export: 2 } });
    });
    after(() => t.close());

    test('every authenticated response carries the limit headers', async () => {
      const key = await t.key(['read']);
      const res = await call(t.app, key, 'GET', '/api/v1/sessions');
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-ratelimit-limit'], '5');
      assert.equal(res.headers['x-ratelimit-remaining'], '4');
      assert.ok(Number(res.headers['x-ratelimit-reset']) >= Math.floor(Date.now() / 1000));
      assert.equal(res.headers['ratelimit-policy'], '"read";q=5;w=60');
      assert.match(String(res.headers.ratelimit), /^"read";r=4;t=\d+$/);
    });

    test('past the quota: 429 problem with Retry-After; other classes and keys are unaffected', async () => {
      const key = await t.key(['read', 'ingest']);
      for (let i = 0; i < 5; i++)
        assert.equal((await call(t.app, key, 'GET', '/api/v1/sessions/metrics')).statusCode, 200);
      const limited = await call(t.app, key, 'GET', '/api/v1/sessions');
      const p = assertProblem(limited, 429);
      assert.match(p.type, /rate-limited$/);
      assert.ok(Number(limited.headers['retry-after']) >= 1);
      assert.equal(limited.headers['x-ratelimit-remaining'], '0');
      // Ingest has its own bucket, and another key its own.
      assert.equal((await call(t.app, key, 'POST', '/api/v1/sessions', session())).statusCode, 201);
      const other = await t.key(['read']);
      assert.equal((await call(t.app, other, 'GET', '/api/v1/sessions')).statusCode, 200);
    });

    test('exports have their own, smaller quota', async () => {
      const key = await t.key(['read']);
      for (let i = 0; i < 2; i++)
        assert.equal((await call(t.app, key, 'GET', '/api/v1/sessions/export?format=ndjson')).statusCode, 200);
      assertProblem(await call(t.app, key, 'GET', '/api/v1/sessions/export'), 429);
      assert.equal((await call(t.app, key, 'GET', '/api/v1/sessions')).statusCode, 200);
    });

    test('failed authentication spends no quota', async () => {
      const key = await t.key(['read']);
      const revoked = await t.key(['read']);
      for (let i = 0; i < 20; i++) {
        assert.equal((await call(t.app, 'swb_nonsense', 'GET', '/api/v1/sessions')).statusCode, 401);
        assert.equal((await call(t.app, null, 'GET', '/api/v1/sessions')).statusCode, 401);
      }
      const res = await call(t.app, key, 'GET', '/api/v1/sessions');
      assert.equal(res.headers['x-ratelimit-remaining'], '4');
      assert.ok(revoked);
    });

    test('integration addresses: each client network spends the ingest quota; past it a 429, others unaffected', async () => {
      const created = await call(t.app, t.adminKey, 'POST', '/api/v1/integrations', {
        provider: 'vapi',
        name: 'Front desk',
        secret: 'vapi-secret-for-limits',
      });
      assert.equal(created.statusCode, 201, created.body);
      const url = new URL((created.json() as { url: string }).url, 'http://x').pathname;
      const post = (remoteAddress: string, secret: string) =>
        t.app.inject({
          method: 'POST',
          url,
          remoteAddress,
          headers: { 'content-type': 'application/json', 'x-vapi-secret': secret },
          payload: JSON.stringify({
            message: { type: 'status-update', status: 'in-progress', call: { id: `c-${secret}` } },
          }),
        });
      // Forged posts from one address: refused for the signature until the quota (8) is spent…
      for (let i = 0; i < 8; i++) assert.equal((await post('198.51.100.7', 'guess')).statusCode, 401);
      const limited = await post('198.51.100.7', 'vapi-secret-for-limits');
      const p = assertProblem(limited, 429);
      assert.match(p.detail ?? '', /integration addresses from this network/);
      assert.ok(Number(limited.headers['retry-after']) >= 1);
      assert.match(String(limited.headers['ratelimit-policy']), /"integration-address";q=8;w=60/);
      // …while the platform's own address is still served, and counts down its own bucket.
      const ok = await post('203.0.113.20', 'vapi-secret-for-limits');
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.headers['x-ratelimit-remaining'], '7');
    });

    if (dialect === 'postgres') {
      test('two processes on one PostgreSQL share each key’s bucket', async () => {
        const key = await t.key(['read']);
        const second = await buildApp({ store: t.store, rateLimits: { read: 5 } });
        await second.ready();
        try {
          const apps = [t.app, second];
          const codes: number[] = [];
          for (let i = 0; i < 8; i++) codes.push((await call(apps[i % 2], key, 'GET', '/api/v1/agents')).statusCode);
          assert.deepEqual(codes, [200, 200, 200, 200, 200, 429, 429, 429]);
        } finally {
          await second.close();
        }
      });
    }
  });
}
