/**
 * The HTTP edges every route shares, on a real server: unknown query parameters and empty list
 * items (plugins/validation.ts, services/filters.ts), 405 with Allow (plugins/methods.ts),
 * conditional requests (plugins/etag.ts), a 413 that Node's fetch can read (plugins/errors.ts),
 * rate-limit headers (plugins/rate-limit.ts) and a Last-Event-ID past the newest event.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LIMITS } from '@switchboard/contracts';
import { DIALECTS, type TestContext, assertProblem, call, session, setup } from './helpers.js';
import { connectSse } from './sse.js';

type Doc = { paths: Record<string, Record<string, { requestBody?: unknown }>> };

for (const dialect of DIALECTS) {
  describe(`HTTP edges (${dialect})`, () => {
    let t: TestContext;
    let base: string;
    let auth: Record<string, string>;
    before(async () => {
      t = await setup(dialect, { rateLimits: { read: 1000, admin: 500, ingest: 2000, export: 50, login: 50 } });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
      auth = { authorization: `Bearer ${t.adminKey}` };
      await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'edge-1' }));
    });
    after(() => t.close());

    test('an unknown query parameter is a 400 naming it, on every route without a body', async () => {
      const doc = (await call(t.app, null, 'GET', '/api/openapi.json')).json<Doc>();
      let checked = 0;
      for (const [path, ops] of Object.entries(doc.paths))
        for (const [method, op] of Object.entries(ops)) {
          if (op.requestBody) continue;
          // The SSO callback takes whatever the issuer adds (`iss`, `session_state`, …): OAuth 2.0
          // lets a provider send parameters a client does not know, and the client must ignore them.
          if (path === '/api/v1/auth/oidc/callback') continue;
          const url = `${path.replace(/\{[^}]+\}/g, 'edge-1')}?bogus=1`;
          const res = await call(t.app, t.adminKey, method.toUpperCase() as 'GET', url);
          assertProblem(res, 400, ['bogus']);
          checked++;
        }
      assert.ok(checked >= 20, `only ${checked} operations checked`);
      // And on a route with a body: the body is fine, the parameter is not.
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions?bogus=1', session());
      assertProblem(res, 400, ['bogus']);
    });

    test('an empty item in a comma-separated filter is a 400, not a dropped filter', async () => {
      for (const query of ['channel=', 'channel=web,', 'status=%20', 'type=chat,,voice', 'agentId=', 'agentId=a,']) {
        const param = query.split('=')[0];
        for (const path of ['/api/v1/sessions', '/api/v1/sessions/metrics', '/api/v1/agents']) {
          const res = await call(t.app, t.adminKey, 'GET', `${path}?${query}`);
          const problem = assertProblem(res, 400, [param]);
          assert.match(problem.errors[0].message, /empty item/, `${path}?${query}`);
        }
      }
      // Lists without empty items still filter.
      const ok = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions?channel=web,phone&agentId=support-bot');
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().data.length, 1);
    });

    test('a wrong method on a known path is a 405 with Allow', async () => {
      let res = await call(t.app, t.adminKey, 'PUT', '/api/v1/sessions/edge-1');
      assertProblem(res, 405);
      assert.equal(res.headers.allow, 'GET, HEAD, PATCH');
      res = await call(t.app, t.adminKey, 'GET', '/api/v1/ingest');
      assertProblem(res, 405);
      assert.equal(res.headers.allow, 'POST');
      res = await call(t.app, null, 'DELETE', '/healthz');
      assert.equal(res.headers.allow, 'GET, HEAD');
      assertProblem(res, 405);
      // Over real HTTP too, and an unknown path is still a 404.
      const fetched = await fetch(`${base}/api/v1/keys`, { method: 'PATCH', headers: auth });
      assert.equal(fetched.status, 405);
      assert.equal(fetched.headers.get('allow'), 'GET, HEAD, POST');
      assertProblem(await call(t.app, t.adminKey, 'PUT', '/api/v1/nothing-here'), 404);
      // A path no route has (a trailing slash, an extra segment) is a 404 whatever the method.
      assertProblem(await call(t.app, t.adminKey, 'GET', '/api/v1/keys/'), 404);
      assertProblem(await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/a/b'), 404);
    });

    test('conditional requests: weak comparison, HEAD, a 304 without body headers, private caching', async () => {
      const first = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/edge-1');
      assert.equal(first.statusCode, 200);
      assert.equal(first.headers['cache-control'], 'private, no-cache');
      const tag = String(first.headers.etag);
      assert.match(tag, /^W\/"[^"]+"$/);
      const strong = tag.slice(2);
      for (const inm of [tag, strong, `"other", ${strong}`, '*']) {
        const res = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/edge-1', undefined, {
          'if-none-match': inm,
        });
        assert.equal(res.statusCode, 304, `If-None-Match: ${inm}`);
        assert.equal(res.body, '');
        assert.equal(res.headers.etag, tag);
        assert.equal(res.headers['cache-control'], 'private, no-cache');
        assert.equal(res.headers['content-length'], undefined, 'a 304 has no Content-Length');
        assert.equal(res.headers['content-type'], undefined, 'a 304 has no Content-Type');
      }
      const miss = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/edge-1', undefined, {
        'if-none-match': '"nope"',
      });
      assert.equal(miss.statusCode, 200);
      // HEAD: the same tag, and a 304 when it matches.
      const head = await fetch(`${base}/api/v1/sessions/edge-1`, { method: 'HEAD', headers: auth });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('etag'), tag);
      const head304 = await fetch(`${base}/api/v1/sessions/edge-1`, {
        method: 'HEAD',
        headers: { ...auth, 'if-none-match': strong },
      });
      assert.equal(head304.status, 304);
      assert.equal(head304.headers.get('content-length'), null);
      // Over a real socket too: no Content-Length: 0 on the 304.
      const real = await fetch(`${base}/api/v1/sessions/edge-1`, { headers: { ...auth, 'if-none-match': tag } });
      assert.equal(real.status, 304);
      assert.equal(real.headers.get('content-length'), null);
      assert.equal(real.headers.get('cache-control'), 'private, no-cache');
      // Public answers are not marked private.
      const health = await call(t.app, null, 'GET', '/healthz');
      assert.equal(health.headers['cache-control'], undefined);
    });

    test('a body over the limit: Node’s fetch reads the 413 problem document', async () => {
      const body = JSON.stringify({ batch: [{ type: 'session', body: { pad: 'x'.repeat(LIMITS.bodyBytes) } }] });
      const res = await fetch(`${base}/api/v1/ingest`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
      assert.equal(res.status, 413);
      assert.match(String(res.headers.get('content-type')), /^application\/problem\+json/);
      const problem = await res.json();
      assert.equal(problem.status, 413);
      assert.match(problem.detail, /5 MiB/);
      // Chunked, without a Content-Length: read up to the limit, then the rest discarded.
      const chunks = (async function* () {
        for (let i = 0; i < 7; i++) yield new TextEncoder().encode(' '.repeat(1024 * 1024));
      })();
      const streamed = await fetch(`${base}/api/v1/ingest`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: chunks as unknown as BodyInit,
        duplex: 'half',
      } as RequestInit);
      assert.equal(streamed.status, 413);
      assert.equal((await streamed.json()).status, 413);
    });

    test('rate-limit headers: a named policy per quota, admin routes their own', async () => {
      const read = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions');
      assert.equal(read.headers['ratelimit-policy'], '"read";q=1000;w=60');
      assert.match(String(read.headers.ratelimit), /^"read";r=\d+;t=\d+$/);
      const admin = await call(t.app, t.adminKey, 'GET', '/api/v1/keys');
      assert.equal(admin.headers['ratelimit-policy'], '"admin";q=500;w=60');
      const [, r, tSeconds] = /^"admin";r=(\d+);t=(\d+)$/.exec(String(admin.headers.ratelimit)) ?? [];
      assert.equal(admin.headers['x-ratelimit-limit'], '500');
      assert.equal(admin.headers['x-ratelimit-remaining'], r);
      // `t`: the seconds until the whole quota is back (the bucket refills 500 a minute).
      const missing = 500 - Number(r);
      assert.ok(Number(tSeconds) >= Math.floor((missing * 60) / 500), `t=${tSeconds} with ${missing} spent`);
      assert.ok(Number(tSeconds) <= 60);
      const ingest = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session());
      assert.equal(ingest.headers['ratelimit-policy'], '"ingest";q=2000;w=60');
      // Sign-in counts against two policies, and says so for both.
      const login = await call(t.app, null, 'POST', '/api/v1/auth/login', { key: t.adminKey });
      assert.equal(login.statusCode, 200);
      assert.equal(login.headers['ratelimit-policy'], '"login-address";q=50;w=60, "login-key";q=50;w=60');
      assert.match(String(login.headers.ratelimit), /^"login-address";r=\d+;t=\d+, "login-key";r=\d+;t=\d+$/);
      // A refusal carries the headers too, with Retry-After: the seconds until one request passes.
      const tight = await setup(dialect, { rateLimits: { admin: 2 } });
      try {
        for (let i = 0; i < 2; i++) await call(tight.app, tight.adminKey, 'GET', '/api/v1/keys');
        const refused = await call(tight.app, tight.adminKey, 'GET', '/api/v1/keys');
        assertProblem(refused, 429);
        assert.match(String(refused.headers.ratelimit), /^"admin";r=0;t=\d+$/);
        const retry = Number(refused.headers['retry-after']);
        assert.ok(retry >= 1 && retry <= 30, `Retry-After ${retry}: one of 2 a minute comes back within 30 s`);
        // Reads are another policy: unaffected.
        assert.equal((await call(tight.app, tight.adminKey, 'GET', '/api/v1/sessions')).statusCode, 200);
      } finally {
        await tight.close();
      }
    });

    test('Last-Event-ID past the newest event resumes from the head, and says where', async () => {
      const head = async (headers: Record<string, string>) => {
        const ac = new AbortController();
        const res = await fetch(`${base}/api/v1/stream`, { headers: { ...auth, ...headers }, signal: ac.signal });
        assert.equal(res.status, 200);
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        let text = '';
        while (!text.includes(': connected\nid: ') || !/id: \d+\n/.test(text)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        ac.abort();
        return Number(/\nid: (\d+)\n/.exec(text)?.[1]);
      };
      const newest = await head({});
      assert.ok(newest >= 1);
      // A made-up id far ahead: the first id: line is the real newest, not the echo.
      assert.equal(await head({ 'last-event-id': '999999999' }), newest);
      // And what happens next arrives.
      const sse = await connectSse(`${base}/api/v1/stream?lastEventId=999999999`, auth);
      try {
        await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'edge-after' }));
        const [event] = await sse.waitFor(1);
        assert.equal(Number(event.id), newest + 1);
        assert.equal(JSON.parse(event.data).data.id, 'edge-after');
      } finally {
        sse.close();
      }
    });
  });
}
