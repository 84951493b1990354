/**
 * Retries against a real server behind a fetch that misbehaves on purpose: 429 and 503 with
 * Retry-After (seconds and HTTP date), responses lost after the server stored the batch, and
 * plain network errors. Whatever happens on the wire, nothing is stored twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type SwitchboardError, SwitchboardIngestError } from '../src/index.js';
import { DIALECTS, type Served, client, problemResponse, serve, tap } from './helpers.js';

const INGEST = '/api/v1/ingest';

for (const dialect of DIALECTS) {
  describe(`SDK retries (${dialect})`, () => {
    let s: Served;
    before(async () => {
      s = await serve(dialect);
    });
    after(() => s.close());

    test('429 and 503 with Retry-After are waited out, then retried with the same Idempotency-Key', async () => {
      let ingestCalls = 0;
      const wire = tap((_n, method, path) => {
        if (method !== 'POST' || path !== INGEST) return undefined;
        ingestCalls++;
        if (ingestCalls === 1) return problemResponse(429, { 'retry-after': '1' });
        if (ingestCalls === 2)
          return problemResponse(503, { 'retry-after': new Date(Date.now() + 1000).toUTCString() });
        return undefined;
      });
      const retries: number[] = [];
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch, onRetry: (r) => retries.push(r.delayMs) });
      const session = await sb.sessions.start({ agent: 'patient-bot', channel: 'telegram', type: 'chat' });
      for (let i = 0; i < 50; i++) session.message(i % 2 ? 'agent' : 'user', `m${i}`);
      await session.end('completed');

      const posts = wire.calls.filter((c) => c.path === INGEST);
      assert.deepEqual(
        posts.map((c) => c.status),
        [429, 503, 207],
      );
      assert.equal(new Set(posts.map((c) => c.headers['idempotency-key'])).size, 1, 'one key across the retries');
      assert.ok(posts[1].at - posts[0].at >= 990, `waited ${posts[1].at - posts[0].at} ms after Retry-After: 1`);
      // An HTTP date has whole seconds, so "1 s from now" may round down to a little less.
      assert.ok(posts[2].at - posts[1].at >= 0, 'waited for the HTTP date');
      assert.ok(retries[0] >= 1000);

      const got = await sb.sessions.get(session.id);
      assert.equal(got.messageCount, 50);
      assert.deepEqual(
        got.messages.map((m) => m.seq),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      await sb.close();
    });

    test('a batch whose response was lost is sent again and stored once (Idempotency-Key replay)', async () => {
      let ingestCalls = 0;
      const wire = tap((_n, method, path) => {
        if (method !== 'POST' || path !== INGEST) return undefined;
        ingestCalls++;
        // The first two attempts reach the server and commit; the client never hears back.
        return ingestCalls <= 2 ? 'drop' : undefined;
      });
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch, batchSize: 1000 });
      const session = await sb.sessions.start({ agent: 'lossy-bot', channel: 'whatsapp', type: 'chat' });
      for (let i = 0; i < 300; i++) session.message('user', `line ${i}`);
      session.event('agent_handoff', { to: 'human' });
      await session.end('completed', { endedReason: 'handoff' });

      const posts = wire.calls.filter((c) => c.path === INGEST);
      assert.equal(posts.length, 3);
      assert.deepEqual(
        posts.map((c) => c.status),
        [207, 207, 207],
        'the server answered every attempt',
      );
      assert.deepEqual(
        posts.map((c) => c.replayed),
        [false, true, true],
        'the retries were replays',
      );
      const got = await sb.sessions.get(session.id);
      assert.equal(got.messageCount, 300);
      // The detail holds the first page; the transcript pages hold the whole, each message once.
      const seqs: number[] = [];
      const events: string[] = [];
      for await (const page of sb.sessions.transcript(session.id)) {
        seqs.push(...page.messages.map((m) => m.seq));
        events.push(...page.events.map((e) => e.type));
      }
      assert.deepEqual(
        seqs,
        Array.from({ length: 300 }, (_, i) => i + 1),
      );
      assert.equal(events.filter((e) => e === 'agent_handoff').length, 1);
      assert.equal(got.status, 'completed');
      await sb.close();
    });

    test('reportUsage whose response was lost is retried and counted once; a repeated call with the same id too', async () => {
      let ingestCalls = 0;
      const wire = tap((_n, method, path) => {
        if (method !== 'POST' || path !== INGEST) return undefined;
        ingestCalls++;
        return ingestCalls === 2 ? 'drop' : undefined;
      });
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch });
      const session = await sb.sessions.start({ agent: 'metered-bot', channel: 'web', type: 'chat' }, { wait: true });
      // The server stores this one, then the client hears nothing and sends it again.
      await session.reportUsage({ inputTokens: 1200, outputTokens: 300, costUsd: 0.05, model: 'gpt-4o' });
      const posts = wire.calls.filter((c) => c.path === INGEST);
      assert.deepEqual(
        posts.slice(1).map((c) => c.replayed),
        [false, true],
        'the usage batch was stored, its response lost, and the retry replayed',
      );
      // A new request (new Idempotency-Key) carrying the same usage id: only the event id protects it.
      await session.reportUsage({ inputTokens: 1200, outputTokens: 300, costUsd: 0.05 }, { id: 'usage-summary-1' });
      await session.reportUsage({ inputTokens: 1200, outputTokens: 300, costUsd: 0.05 }, { id: 'usage-summary-1' });
      await session.end('completed');

      const got = await sb.sessions.get(session.id);
      assert.equal(got.events.filter((e) => e.type === 'usage').length, 2);
      assert.equal(got.stats.inputTokens, 2400);
      assert.equal(got.stats.outputTokens, 600);
      assert.equal(got.stats.costUsd, 0.1);
      await sb.close();
    });

    test('ids, not only the key, keep a resent message single: a new request with the same items stores nothing new', async () => {
      const sb = client(s, s.t.adminKey);
      const session = await sb.sessions.start({ agent: 'dup-bot', channel: 'web', type: 'chat' }, { wait: true });
      const items = Array.from({ length: 20 }, (_, i) => ({
        type: 'message' as const,
        body: { sessionId: session.id, id: `msg-${i}`, sender: 'user' as const, content: `hello ${i}` },
      }));
      const first = await sb.ingest(items);
      const again = await sb.ingest(items); // a fresh Idempotency-Key: only the ids protect us
      assert.ok(first.results.every((r) => r.status === 201));
      assert.ok(again.results.every((r) => r.status === 201));
      assert.equal((await sb.sessions.get(session.id)).messageCount, 20);
      await sb.close();
    });

    test('network errors on reads are retried; a long Retry-After is returned to the caller instead', async () => {
      let n = 0;
      const wire = tap((_i, _method, path) => {
        if (path !== '/api/v1/sessions/metrics') return undefined;
        n++;
        if (n <= 2) return 'error';
        if (n === 4) return problemResponse(429, { 'retry-after': '120' });
        return undefined;
      });
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch });
      const m = await sb.sessions.metrics();
      assert.equal(typeof m.totalSessions, 'number');
      assert.equal(n, 3);
      const t0 = Date.now();
      await assert.rejects(sb.sessions.metrics({ channel: 'sip' }), (err: SwitchboardError) => {
        assert.equal(err.status, 429);
        assert.equal(err.retryAfter, 120);
        return true;
      });
      assert.ok(Date.now() - t0 < 1000, 'did not sit out two minutes');
      assert.equal(n, 4);
    });

    test('after the last retry the batch is reported, not dropped in silence', async () => {
      const wire = tap((_n, method, path) => (method === 'POST' && path === INGEST ? problemResponse(503) : undefined));
      const reported: number[] = [];
      const sb = client(s, s.t.adminKey, {
        fetch: wire.fetch,
        retries: 2,
        onError: (e, items) => reported.push(e.status, items.length),
      });
      const session = await sb.sessions.start({ agent: 'doomed-bot', channel: 'web', type: 'chat' });
      session.message('user', 'anyone?');
      await assert.rejects(sb.flush(), (err: SwitchboardIngestError) => {
        assert.ok(err instanceof SwitchboardIngestError);
        assert.equal(err.failures[0].status, 503);
        return true;
      });
      assert.equal(wire.count('POST', INGEST), 3, 'the first attempt and two retries');
      assert.deepEqual(reported, [503, 2]);
    });
  });
}
