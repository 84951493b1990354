/**
 * Security headers (src/plugins/security-headers.ts) on every response: answers, refusals of
 * every kind (401, 403, 404, 415, 429, 503, the router's 414, the HTTP parser's 431), the metrics
 * route, and the API reference, which keeps a policy of its own that still forbids framing.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { DIALECTS, type Res, type TestContext, call, setup } from '../helpers.js';

function assertSecure(
  res: Pick<Res, 'headers' | 'statusCode'>,
  label: string,
  csp = /^default-src 'none'; frame-ancestors 'none'/,
) {
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${label}: nosniff`);
  assert.equal(res.headers['x-frame-options'], 'DENY', `${label}: frame options`);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', `${label}: referrer policy`);
  assert.match(String(res.headers['content-security-policy']), csp, `${label}: CSP`);
}

for (const dialect of DIALECTS) {
  describe(`security headers (${dialect})`, () => {
    let t: TestContext;
    let app: FastifyInstance;
    before(async () => {
      t = await setup(dialect);
      app = await buildApp({
        store: t.store,
        webDir: '/nonexistent',
        rateLimits: { read: 1 },
        metricsToken: 'metrics-token-0123456789',
      });
      await app.ready();
    });
    after(async () => {
      await app.close();
      await t.close();
    });

    test('on answers and on every refusal', async () => {
      const ingestOnly = await t.key(['ingest']);
      const cases: Array<[string, () => Promise<Res>, number]> = [
        ['healthz', () => call(app, null, 'GET', '/healthz'), 200],
        ['openapi.json', () => call(app, null, 'GET', '/api/openapi.json'), 200],
        ['no key', () => call(app, null, 'GET', '/api/v1/sessions'), 401],
        ['bad key', () => call(app, 'swb_nope', 'GET', '/api/v1/sessions'), 401],
        ['missing scope', () => call(app, ingestOnly, 'GET', '/api/v1/sessions'), 403],
        ['first read', () => call(app, t.adminKey, 'GET', '/api/v1/sessions'), 200],
        ['over the quota', () => call(app, t.adminKey, 'GET', '/api/v1/sessions'), 429],
        ['unknown route', () => call(app, null, 'GET', '/api/v1/nowhere'), 404],
        ['bad body', () => call(app, t.adminKey, 'POST', '/api/v1/sessions', '{'), 400],
        [
          'wrong type',
          () => call(app, t.adminKey, 'POST', '/api/v1/sessions', 'x', { 'content-type': 'text/csv' }),
          415,
        ],
        ['long id', () => call(app, t.adminKey, 'GET', `/api/v1/sessions/${'x'.repeat(600)}`), 414],
        ['metrics without its token', () => call(app, null, 'GET', '/metrics'), 401],
      ];
      for (const [label, send, status] of cases) {
        const res = await send();
        assert.equal(res.statusCode, status, `${label}: ${res.body.slice(0, 200)}`);
        assertSecure(res, label);
      }
      app.lifecycle.closing = true;
      try {
        const res = await call(app, null, 'GET', '/readyz');
        assert.equal(res.statusCode, 503);
        assertSecure(res, 'shutting down');
      } finally {
        app.lifecycle.closing = false;
      }
    });

    test('the API reference has its own policy: its own scripts, requests to this server only, never in a frame', async () => {
      const res = await call(app, null, 'GET', '/api/docs');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assertSecure(res, 'the reference page', /script-src 'self'/);
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /connect-src 'self'/);
      assert.match(csp, /font-src 'self' data:/);
      assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/);
      assert.doesNotMatch(csp, /upgrade-insecure-requests|frame-ancestors 'self'|https:/);
      assertSecure(await call(app, null, 'GET', '/api/docs/scalar.js'), 'a reference asset', /frame-ancestors 'none'/);
    });

    test("on the HTTP parser's own refusals", async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
        });
        let text = '';
        socket.on('data', (d) => {
          text += d;
        });
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      const head = raw.split('\r\n\r\n')[0];
      assert.match(head, /^HTTP\/1\.1 431 /);
      const headers = Object.fromEntries(
        head
          .split('\r\n')
          .slice(1)
          .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      assertSecure({ statusCode: 431, headers }, 'a 431 from the parser');
    });
  });
}
