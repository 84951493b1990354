/**
 * `RequestOptions`, the last argument of every method that makes a request: its headers reach
 * the wire on every one of them, its Idempotency-Key makes a resend a replay, and its signal,
 * timeout and retry count override the client's for that call only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportToFile } from '../src/node.js';
import {
  ConnectionTimeoutError,
  type IngestItem,
  InternalServerError,
  type RequestOptions,
  Switchboard,
} from '../src/index.js';
import { DIALECTS, NOWHERE, type Served, client, problemResponse, serve, tap } from './helpers.js';

/** A fetch that never answers: only an abort (the caller's signal or the timeout) ends it. */
function silent() {
  let calls = 0;
  const fetchImpl = (_input: string, init?: RequestInit) =>
    new Promise<Response>((_resolve, reject) => {
      calls++;
      const signal = init?.signal as AbortSignal;
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  return { fetch: fetchImpl, calls: () => calls };
}

const items = (id: string, content: string): IngestItem[] => [
  { type: 'session', body: { id, agent: { id: 'opt-bot' }, channel: 'web', type: 'chat' } },
  { type: 'message', body: { sessionId: id, sender: 'user', content } },
];

for (const dialect of DIALECTS) {
  describe(`RequestOptions (${dialect})`, () => {
    let s: Served;
    before(async () => {
      s = await serve(dialect);
    });
    after(() => s.close());

    test("every method that makes a request sends the call's headers, next to the client's", async () => {
      const wire = tap();
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch, headers: { 'x-client': 'sdk-test' } });
      const sent: string[] = [];
      const o = (name: string): RequestOptions => {
        sent.push(name);
        return { headers: { 'x-probe': name } };
      };

      await sb.ingest(items('opt-1', 'hello'), o('ingest'));
      await sb.agents(o('agents'));
      for await (const _ of sb.sessions.list({ pageSize: 1 }, o('sessions.list'))) break;
      await sb.sessions.listPage({ limit: 1 }, o('sessions.listPage'));
      await sb.sessions.get('opt-1', o('sessions.get'));
      await sb.sessions.metrics({}, o('sessions.metrics'));
      await sb.sessions.timeseries({}, o('sessions.timeseries'));
      await new Response(await sb.sessions.export({ format: 'ndjson' }, o('sessions.export'))).text();
      for await (const _ of sb.sessions.stream({}, { lastEventId: '0', ...o('sessions.stream') })) break;

      const key = await sb.keys.create({ name: 'probe', scopes: ['read'] }, o('keys.create'));
      await sb.keys.list(o('keys.list'));
      await sb.keys.revoke(key.id, o('keys.revoke'));

      const hook = await sb.webhooks.create({ url: NOWHERE, events: ['*'] }, o('webhooks.create'));
      await sb.webhooks.list(o('webhooks.list'));
      await sb.webhooks.get(hook.id, o('webhooks.get'));
      await sb.webhooks.update(hook.id, { description: 'probed' }, o('webhooks.update'));
      await sb.webhooks.rotateSecret(hook.id, o('webhooks.rotateSecret'));
      const delivery = await sb.webhooks.sendTest(hook.id, o('webhooks.sendTest'));
      for await (const _ of sb.webhooks.deliveries(hook.id, {}, o('webhooks.deliveries'))) break;
      await sb.webhooks.deliveriesPage(hook.id, {}, o('webhooks.deliveriesPage'));
      // A delivery still being attempted may be refused with a 409; the request is what counts.
      await sb.webhooks.retryDelivery(hook.id, delivery.id, o('webhooks.retryDelivery')).catch(() => undefined);
      await sb.webhooks.delete(hook.id, o('webhooks.delete'));

      await sb.auth.me(o('auth.me'));
      await sb.auth.login(s.t.adminKey, o('auth.login'));
      await sb.auth.logout(o('auth.logout'));

      const dir = mkdtempSync(join(tmpdir(), 'sb-options-'));
      try {
        await exportToFile(sb, join(dir, 'all.csv'), {}, o('exportToFile'));
        assert.match(readFileSync(join(dir, 'all.csv'), 'utf8'), /^id,/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }

      const probed = wire.calls.filter((c) => c.headers['x-probe']);
      assert.deepEqual([...new Set(probed.map((c) => c.headers['x-probe']))], sent, 'each call sent its own header');
      assert.equal(probed.length, wire.calls.length, 'no request went out without it');
      assert.ok(
        wire.calls.every((c) => c.headers['x-client'] === 'sdk-test' && c.headers.authorization),
        "the client's headers and key stay on every request",
      );
    });

    test('idempotencyKey reaches the request: a resend with the same key is a replay, not a second write', async () => {
      const wire = tap();
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch });
      const first = await sb.ingest(items('opt-idem', 'once'), { idempotencyKey: 'import-batch-7' });
      const again = await sb.ingest(items('opt-idem', 'once'), { idempotencyKey: 'import-batch-7' });
      assert.deepEqual(again, first);
      assert.deepEqual(
        wire.calls.map((c) => [c.headers['idempotency-key'], c.replayed]),
        [
          ['import-batch-7', false],
          ['import-batch-7', true],
        ],
      );
      assert.equal((await sb.sessions.get('opt-idem')).messageCount, 1);

      const hook = { url: NOWHERE, events: ['*' as const] };
      const a = await sb.webhooks.create(hook, { idempotencyKey: 'hook-1' });
      const b = await sb.webhooks.create(hook, { idempotencyKey: 'hook-1' });
      assert.equal(b.id, a.id, 'one endpoint, not two');

      // Without one, every call gets its own key.
      await sb.ingest(items('opt-idem-2', 'a'));
      await sb.ingest(items('opt-idem-2', 'b'));
      const keys = wire.calls.slice(-2).map((c) => c.headers['idempotency-key']);
      assert.ok(keys[0] && keys[1] && keys[0] !== keys[1]);
    });
  });
}

describe('RequestOptions against a fetch that misbehaves', () => {
  const base = { baseUrl: 'http://127.0.0.1:9', apiKey: 'swb_test', retryBaseDelayMs: 1, retryMaxDelayMs: 5 };

  test('signal: aborting ends the call at once with the abort reason, without a retry', async () => {
    const wire = silent();
    const sb = new Switchboard({ ...base, fetch: wire.fetch, timeoutMs: 60_000 });
    const ac = new AbortController();
    const pending = sb.sessions.get('x', { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 20));
    ac.abort(new Error('user went away'));
    await assert.rejects(pending, /user went away/);
    assert.equal(wire.calls(), 1);

    await assert.rejects(
      sb.agents({ signal: AbortSignal.abort() }),
      (e: Error) => e.name === 'AbortError',
      'an aborted signal stops the call before it is sent',
    );
  });

  test("timeoutMs and maxRetries replace the client's for one call", async () => {
    const wire = silent();
    const sb = new Switchboard({ ...base, fetch: wire.fetch, timeoutMs: 60_000, retries: 5 });
    const t0 = Date.now();
    const err = await sb.sessions.metrics({}, { timeoutMs: 50, maxRetries: 1 }).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectionTimeoutError, String(err));
    assert.equal(err.status, 0);
    assert.equal(err.code, 'network');
    assert.match(err.detail ?? '', /no response within 50 ms/);
    assert.equal(wire.calls(), 2, 'the first attempt and one retry');
    assert.ok(Date.now() - t0 < 10_000);

    let n = 0;
    const failing = tap(() => {
      n++;
      return problemResponse(503);
    });
    const flaky = new Switchboard({ ...base, fetch: failing.fetch, retries: 5 });
    await assert.rejects(flaky.webhooks.list({ maxRetries: 0 }), InternalServerError);
    assert.equal(n, 1, 'no retry');
    await assert.rejects(flaky.webhooks.list(), InternalServerError);
    assert.equal(n, 7, "the client's five retries for the next call");
  });
});
