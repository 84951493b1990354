import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS, type TestContext, call, setup } from '../helpers.js';

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

    test('GET /metrics is Prometheus text that counts requests', async () => {
      await call(t.app, null, 'GET', '/healthz');
      const res = await call(t.app, null, 'GET', '/metrics');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      assert.match(res.body, /switchboard_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    });

    test('security headers are on every response', async () => {
      const res = await call(t.app, null, 'GET', '/healthz');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'DENY');
    });
  });
}
