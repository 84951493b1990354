import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { openStore } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { DIALECTS, type TestContext, assertProblem, call, freshDatabaseUrl, setup } from '../helpers.js';

for (const dialect of DIALECTS) {
  describe(`operations routes (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    test('GET /healthz answers without auth', async () => {
      const res = await call(t.app, null, 'GET', '/healthz');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ok' });
    });

    test('GET /readyz checks the database and turns 503 while shutting down', async () => {
      assert.equal((await call(t.app, null, 'GET', '/readyz')).statusCode, 200);
      t.app.lifecycle.closing = true;
      try {
        const res = await call(t.app, null, 'GET', '/readyz');
        assert.equal(res.statusCode, 503);
      } finally {
        t.app.lifecycle.closing = false;
      }
    });

    test('GET /readyz answers a problem document with Retry-After when the database is away', async () => {
      const db = await freshDatabaseUrl(dialect);
      const store = openStore(db.url);
      await migrate(store);
      const app = await buildApp({ store, webDir: '/nonexistent' });
      try {
        assert.equal((await call(app, null, 'GET', '/readyz')).statusCode, 200);
        await store.close();
        const res = await call(app, null, 'GET', '/readyz');
        const problem = assertProblem(res, 503);
        assert.equal(problem.type, 'https://switchboard.dev/problems/not-ready');
        assert.equal(res.headers['retry-after'], '2');
      } finally {
        await app.close();
        await db.drop();
      }
    });

    test('GET /metrics needs its own token: 404 without one configured, 401 without it, API keys included', async () => {
      assertProblem(await call(t.app, null, 'GET', '/metrics'), 404);
      assertProblem(await call(t.app, t.adminKey, 'GET', '/metrics'), 404);
      const token = 'a-long-metrics-token-0123456789';
      const app = await buildApp({ store: t.store, webDir: '/nonexistent', metricsToken: token });
      try {
        for (const auth of [null, t.adminKey, `${token}x`, token.slice(0, -1)]) {
          const res = await call(app, auth, 'GET', '/metrics');
          assertProblem(res, 401);
          assert.equal(res.headers['www-authenticate'], 'Bearer realm="metrics"');
          assert.doesNotMatch(res.body, /switchboard_http/);
        }
        await call(app, null, 'GET', '/healthz');
        const res = await call(app, token, 'GET', '/metrics');
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /^text\/plain/);
        assert.match(res.body, /switchboard_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
        // This request is in flight while it renders.
        assert.match(res.body, /^switchboard_http_requests_in_flight 1$/m);
      } finally {
        await app.close();
      }
    });

    test('security headers are on every response', async () => {
      const res = await call(t.app, null, 'GET', '/healthz');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'DENY');
    });
  });
}
