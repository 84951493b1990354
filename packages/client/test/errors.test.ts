/**
 * Problem documents from a real server become SwitchboardError with every field kept, as the
 * subclass for their status, and with the id the server gave the request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthenticationError,
  ConflictError,
  ConnectionError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  Switchboard,
  SwitchboardError,
  ValidationError,
} from '../src/index.js';
import { DIALECTS, NOWHERE, type Served, client, serve } from './helpers.js';

/** A fetch that remembers the `x-request-id` of every response. */
function idTap() {
  const ids: string[] = [];
  const fetchImpl = async (input: string, init?: RequestInit) => {
    const res = await fetch(input, init);
    ids.push(res.headers.get('x-request-id') ?? '(none)');
    return res;
  };
  return { fetch: fetchImpl, last: () => ids.at(-1) };
}

/** A canned answer, as a proxy in front of the server might give it. */
const answer =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  async () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/problem+json', ...headers } });

for (const dialect of DIALECTS) {
  describe(`SwitchboardError (${dialect})`, () => {
    let s: Served;
    before(async () => {
      // One export a minute, so the second export of a test meets a real 429.
      s = await serve(dialect, { rateLimits: { export: 1 } });
    });
    after(() => s.close());

    test('400: every bad field is listed', async () => {
      const sb = client(s, s.t.adminKey);
      const err = await sb.sessions.listPage({ channel: 'fax', limit: 9999 }).catch((e: unknown) => e);
      assert.ok(err instanceof SwitchboardError);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'validation');
      assert.equal(err.type, 'https://switchboard.dev/problems/validation');
      assert.equal(typeof err.title, 'string');
      assert.equal(err.instance, '/api/v1/sessions');
      assert.deepEqual(err.errors.map((e) => e.path).sort(), ['channel', 'limit']);
      assert.equal(err.retryable, false);
      assert.match(err.message, new RegExp(err.title));
    });

    test('404 for a missing session, 401 for a bad key, 403 for a missing scope', async () => {
      const sb = client(s, s.t.adminKey);
      const notFound = await sb.sessions.get('does-not-exist').catch((e: unknown) => e);
      assert.ok(notFound instanceof SwitchboardError);
      assert.equal(notFound.status, 404);
      assert.equal(notFound.code, 'not-found');
      assert.equal(typeof notFound.detail, 'string');

      const stranger = new Switchboard({ baseUrl: s.url, apiKey: 'swb_not-a-real-key' });
      const unauthorized = await stranger.agents().catch((e: unknown) => e);
      assert.ok(unauthorized instanceof SwitchboardError);
      assert.equal(unauthorized.status, 401);
      assert.equal(unauthorized.code, 'unauthorized');

      const reader = client(s, await s.t.key(['read']));
      const forbidden = await reader.keys.list().catch((e: unknown) => e);
      assert.ok(forbidden instanceof SwitchboardError);
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.code, 'forbidden');
    });

    test('no server at all: a network SwitchboardError (status 0) once retries are spent', async () => {
      const sb = new Switchboard({
        baseUrl: 'http://127.0.0.1:9',
        apiKey: s.t.adminKey,
        retries: 1,
        retryBaseDelayMs: 10,
      });
      const err = await sb.agents().catch((e: unknown) => e);
      assert.ok(err instanceof SwitchboardError);
      assert.equal(err.status, 0);
      assert.equal(err.code, 'network');
      assert.ok(err.cause);
    });

    test('keys admin helpers round-trip', async () => {
      const sb = client(s, s.t.adminKey);
      const created = await sb.keys.create({ name: 'sdk test', scopes: ['ingest'] });
      assert.match(created.key, /^swb_/);
      assert.ok((await sb.keys.list()).some((k) => k.id === created.id && k.revokedAt === null));
      await sb.keys.revoke(created.id);
      assert.ok((await sb.keys.list()).find((k) => k.id === created.id)?.revokedAt);
      const revoked = client(s, created.key);
      await assert.rejects(
        revoked.ingest([{ type: 'session', body: { agent: { id: 'x' }, channel: 'web', type: 'chat' } }]),
        (e: SwitchboardError) => e.status === 401,
      );
    });

    test('each status is its own subclass, and carries the request id the server sent', async () => {
      const wire = idTap();
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch, maxRetryAfterMs: 1000 });
      const cases: Array<[() => Promise<unknown>, new (...a: never[]) => SwitchboardError, number, string]> = [
        [() => sb.sessions.listPage({ channel: 'fax' }), ValidationError, 400, 'validation'],
        [
          () => new Switchboard({ baseUrl: s.url, apiKey: 'swb_nope', fetch: wire.fetch }).agents(),
          AuthenticationError,
          401,
          'unauthorized',
        ],
        [
          async () => client(s, await s.t.key(['read']), { fetch: wire.fetch }).keys.list(),
          PermissionDeniedError,
          403,
          'forbidden',
        ],
        [() => sb.sessions.get('does-not-exist'), NotFoundError, 404, 'not-found'],
        [
          async () => {
            const item = {
              type: 'session' as const,
              body: { agent: { id: 'x' }, channel: 'web' as const, type: 'chat' as const },
            };
            await sb.ingest([item], { idempotencyKey: 'reused-key' });
            await sb.ingest([item, item], { idempotencyKey: 'reused-key' });
          },
          ValidationError,
          422,
          'idempotency-key-reused',
        ],
        [
          async () => {
            const hook = await sb.webhooks.create({ url: NOWHERE, events: ['*'] });
            await sb.webhooks.update(hook.id, { enabled: false });
            await sb.webhooks.sendTest(hook.id);
          },
          ConflictError,
          409,
          'webhook-disabled',
        ],
        [
          async () => {
            await new Response(await sb.sessions.export()).arrayBuffer();
            await sb.sessions.export();
          },
          RateLimitError,
          429,
          'rate-limited',
        ],
      ];
      for (const [run, Class, status, code] of cases) {
        const err = await run().catch((e: unknown) => e);
        assert.ok(err instanceof Class, `${status}: ${String(err)}`);
        assert.ok(err instanceof SwitchboardError);
        assert.equal(err.name, Class.name);
        assert.equal(err.status, status);
        assert.equal(err.code, code);
        assert.equal(typeof err.detail, 'string');
        assert.ok(err.requestId, `${status} has a request id`);
        assert.equal(err.requestId, wire.last(), `${status}: the id of the response's x-request-id header`);
      }
      const limited = await sb.sessions.export().catch((e: unknown) => e);
      assert.ok(limited instanceof RateLimitError);
      assert.ok(limited.retryAfter !== undefined && limited.retryAfter > 1, `retryAfter ${limited.retryAfter}`);
    });

    test('an x-request-id sent in the request options comes back on the error', async () => {
      const sb = client(s, s.t.adminKey);
      const err = await sb.sessions.get('nope', { headers: { 'x-request-id': 'trace-7f3a' } }).catch((e: unknown) => e);
      assert.ok(err instanceof NotFoundError);
      assert.equal(err.requestId, 'trace-7f3a');
    });
  });
}

describe("SwitchboardError from answers that are not quite the server's", () => {
  const base = { baseUrl: 'http://127.0.0.1:9', apiKey: 'swb_test', retries: 0 };
  const problem = { type: 'https://switchboard.dev/problems/not-found', title: 'Not Found', status: 404 };

  test('the x-request-id header wins over the document; the document is the fallback', async () => {
    const both = new Switchboard({
      ...base,
      fetch: answer(404, { ...problem, requestId: 'from-body' }, { 'x-request-id': 'from-header' }),
    });
    const a = await both.sessions.get('x').catch((e: unknown) => e);
    assert.ok(a instanceof NotFoundError);
    assert.equal(a.requestId, 'from-header');

    const bodyOnly = new Switchboard({ ...base, fetch: answer(404, { ...problem, requestId: 'from-body' }) });
    const b = await bodyOnly.sessions.get('x').catch((e: unknown) => e);
    assert.ok(b instanceof NotFoundError);
    assert.equal(b.requestId, 'from-body');

    const neither = new Switchboard({ ...base, fetch: answer(404, problem) });
    const c = await neither.sessions.get('x').catch((e: unknown) => e);
    assert.ok(c instanceof NotFoundError);
    assert.equal(c.requestId, undefined);
  });

  test('5xx is an InternalServerError, a 429 keeps its Retry-After, no response a ConnectionError', async () => {
    const down = new Switchboard({ ...base, fetch: answer(503, { title: 'Service Unavailable', status: 503 }) });
    const e503 = await down.agents().catch((e: unknown) => e);
    assert.ok(e503 instanceof InternalServerError);
    assert.equal(e503.retryable, true);

    const busy = new Switchboard({
      ...base,
      fetch: answer(429, { title: 'Too Many Requests', status: 429 }, { 'retry-after': '7', 'x-request-id': 'r-429' }),
    });
    const e429 = await busy.agents().catch((e: unknown) => e);
    assert.ok(e429 instanceof RateLimitError);
    assert.equal(e429.retryAfter, 7);
    assert.equal(e429.requestId, 'r-429');

    const nobody = new Switchboard({ ...base, fetch: async () => Promise.reject(new TypeError('fetch failed')) });
    const e0 = await nobody.agents().catch((e: unknown) => e);
    assert.ok(e0 instanceof ConnectionError);
    assert.equal(e0.status, 0);
    assert.equal(e0.requestId, undefined);
  });
});
