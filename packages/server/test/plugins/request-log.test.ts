/**
 * One request id per request (plugins/request-log.ts, lib/request-id.ts): in the `x-request-id`
 * header of every response, in every problem document as `requestId`, and in every log line the
 * request writes. A sane incoming id is kept; anything else is replaced.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Problem } from '@switchboard/contracts';
import type { FastifyInstance } from 'fastify';
import { buildApp, loggerOptions } from '../../src/app.js';
import { generateKey } from '../../src/lib/keys.js';
import { DIALECTS, type Res, type TestContext, assertProblem, assertShape, call, setup } from '../helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The problem's requestId is the response's x-request-id, and it is a generated UUID unless given. */
function assertCarriesId(res: Res, status: number, given?: string) {
  const problem = assertProblem(res, status);
  assertShape(Problem, problem);
  const header = res.headers['x-request-id'];
  assert.equal(problem.requestId, header);
  if (given) assert.equal(header, given);
  else assert.match(String(header), UUID);
  return problem;
}

for (const dialect of DIALECTS) {
  describe(`request ids (${dialect})`, () => {
    let t: TestContext;
    let app: FastifyInstance;
    const lines: Array<Record<string, unknown>> = [];

    before(async () => {
      t = await setup(dialect);
      const stream = new Writable({
        write(chunk, _enc, done) {
          for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
          done();
        },
      });
      app = await buildApp({
        store: t.store,
        webDir: '/nonexistent',
        logger: { ...(loggerOptions('info') as object), stream },
      });
      app.get('/boom', async () => {
        throw new Error('kaboom');
      });
      await app.ready();
    });
    after(async () => {
      await app.close();
      await t.close();
    });

    test('a 200 carries a generated id in x-request-id', async () => {
      const a = await call(app, null, 'GET', '/healthz');
      const b = await call(app, null, 'GET', '/healthz');
      assert.equal(a.statusCode, 200);
      assert.match(String(a.headers['x-request-id']), UUID);
      assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
    });

    test('a 404, a 400 and a 500 carry requestId equal to their x-request-id', async () => {
      assertCarriesId(await call(app, t.adminKey, 'GET', '/api/v1/nowhere'), 404);
      const bad = assertCarriesId(await call(app, t.adminKey, 'GET', '/api/v1/sessions?limit=many'), 400);
      assert.deepEqual(
        bad.errors.map((e: { path: string }) => e.path),
        ['limit'],
      );
      const boom = assertCarriesId(await call(app, null, 'GET', '/boom'), 500);
      assert.doesNotMatch(JSON.stringify(boom), /kaboom/, 'a 500 does not carry its cause');
      assertCarriesId(await call(app, null, 'GET', '/api/v1/auth/me'), 401);
    });

    test("the router's own refusals carry it too", async () => {
      assertCarriesId(await call(app, t.adminKey, 'GET', `/api/v1/sessions/${'x'.repeat(600)}`), 414);
      assertCarriesId(await call(app, t.adminKey, 'GET', '/api/v1/sessions/%E0%A4%A'), 400);
    });

    test('a sane incoming x-request-id is echoed, in the header and the problem', async () => {
      for (const given of ['trace-42', '0190f4c2-7d5e-7a0b-9c1d-2e3f4a5b6c7d', 'Root=1-5759e988-bd86:abc/def+g@h_i']) {
        const ok = await call(app, null, 'GET', '/healthz', undefined, { 'x-request-id': given });
        assert.equal(ok.headers['x-request-id'], given);
        assertCarriesId(
          await call(app, null, 'GET', '/api/v1/nowhere', undefined, { 'x-request-id': given }),
          404,
          given,
        );
      }
    });

    test('a hostile or oversized incoming id is replaced', async () => {
      for (const given of ['<script>alert(1)</script>', 'a'.repeat(129), 'two words', '"quoted"', '']) {
        const res = await call(app, null, 'GET', '/api/v1/nowhere', undefined, { 'x-request-id': given });
        const problem = assertCarriesId(res, 404);
        assert.notEqual(problem.requestId, given);
      }
    });

    test('every log line of a request carries the same id as its response', async () => {
      const given = `log-check-${dialect}`;
      const res = await call(app, null, 'GET', '/boom', undefined, { 'x-request-id': given });
      assert.equal(res.headers['x-request-id'], given);
      const mine = lines.filter((l) => l.reqId === given);
      assert.deepEqual(mine.map((l) => l.msg).sort(), ['request', 'unhandled error']);
      const generated = await call(app, null, 'GET', '/healthz');
      const id = generated.headers['x-request-id'];
      assert.deepEqual(
        lines.filter((l) => l.reqId === id).map((l) => l.msg),
        ['request'],
      );
      // No request log line is without an id.
      assert.ok(lines.filter((l) => l.msg === 'request').every((l) => typeof l.reqId === 'string' && l.reqId));
    });

    test('keys and secrets in a URL are masked however they are encoded; auth routes log no query', async () => {
      const key = generateKey();
      const random = key.slice(4);
      // A webhook secret's random part: base64 of 32 bytes, with `+` and `/` in it.
      const secret = 'k+3/Pq9Zr7Lm2Xv8Bn4Wc6Yt1Hs5Gd0Fa+Ju/EiOoQ=';
      const urls = [
        `/api/v1/sessions?key=swb%5F${random}`,
        `/api/v1/sessions?key=%73wb_${random}`,
        `/api/v1/sessions?key=%2573%2577%2562%255F${random}`,
        `/api/v1/sessions?key=${random}`,
        `/api/v1/sessions?key=${encodeURIComponent(key).replace(/[A-Za-z]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}`,
        `/api/v1/sessions?secret=whsec%5F${encodeURIComponent(secret)}`,
        `/api/v1/sessions?secret=${encodeURIComponent(secret)}`,
        `/api/v1/sessions?secret=${secret}`,
        `/healthz/${random}`,
        `/api/v1/auth/login?key=${key}&next=%2F`,
        `/api/v1/auth/me?k=${encodeURIComponent(random.slice(0, 20))}`,
      ];
      const before = lines.length;
      for (const url of urls) await call(app, null, url.startsWith('/api/v1/auth/login') ? 'POST' : 'GET', url);
      const logged = lines.slice(before).filter((l) => l.msg === 'request');
      assert.equal(logged.length, urls.length);
      const text = JSON.stringify(logged);
      for (const needle of [
        random,
        random.slice(0, 20),
        encodeURIComponent(random),
        secret,
        secret.slice(0, 20),
        encodeURIComponent(secret),
        encodeURIComponent(secret).slice(0, 20),
      ])
        assert.ok(!text.includes(needle), `${needle} is in the log: ${text}`);
      assert.equal(logged[0].url, '/api/v1/sessions?key=swb_[redacted]');
      assert.equal(logged[3].url, '/api/v1/sessions?key=[redacted]');
      assert.equal(logged[9].url, '/api/v1/auth/login', 'no query string on the auth routes');
      assert.equal(logged[10].url, '/api/v1/auth/me');

      // An ordinary URL keeps its shape, decoded.
      await call(app, t.adminKey, 'GET', '/api/v1/sessions?agentId=support-bot&search=caf%C3%A9&limit=5');
      assert.equal(lines.at(-1)?.url, '/api/v1/sessions?agentId=support-bot&search=café&limit=5');
    });

    test('requests the HTTP parser refuses get a problem document with an id of its own', async () => {
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
      const [head, body] = raw.split('\r\n\r\n');
      assert.match(head, /^HTTP\/1\.1 431 /);
      const id = /\r\nx-request-id: ([^\r\n]+)/i.exec(head)?.[1];
      assert.match(String(id), UUID);
      const problem = JSON.parse(body);
      assertShape(Problem, problem);
      assert.equal(problem.status, 431);
      assert.equal(problem.requestId, id);
    });

    test('while the app shuts down, a refused request gets a 503 problem with its id', async () => {
      app.lifecycle.closing = true;
      try {
        const res = await call(app, null, 'GET', '/readyz', undefined, { 'x-request-id': 'draining-1' });
        assertCarriesId(res, 503, 'draining-1');
        assert.equal(res.headers['retry-after'], '2');
        assert.equal(res.headers.connection, 'close');
      } finally {
        app.lifecycle.closing = false;
      }
    });
  });
}
