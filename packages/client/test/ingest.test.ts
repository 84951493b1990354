/** Buffered ingest against a real server: batching, ordering, and refusals that are never silent. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type SwitchboardError, SwitchboardIngestError } from '../src/index.js';
import { DIALECTS, type Served, client, serve, tap } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`SDK ingest (${dialect})`, () => {
    let s: Served;
    before(async () => {
      s = await serve(dialect);
    });
    after(() => s.close());

    test('2,400 messages in 4 sessions travel in a handful of POST /ingest requests, in order', async () => {
      const wire = tap();
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch, flushIntervalMs: 60_000 });
      const sessions = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          sb.sessions.start({
            agent: { id: 'batch-bot', name: 'Batch Bot' },
            channel: 'web',
            type: 'chat',
            metadata: { i },
          }),
        ),
      );
      for (let m = 0; m < 600; m++)
        for (const session of sessions) session.message(m % 2 ? 'agent' : 'user', `message ${m}`);
      sessions[0].event('agent_handoff', { to: 'human' });
      await Promise.all(sessions.map((session) => session.end('completed', { endedReason: 'resolved' })));
      await sb.close();

      const posts = wire.count('POST', '/api/v1/ingest');
      // 4 sessions + 2,400 messages + 1 event + 4 ends = 2,409 items at 500 a batch.
      assert.equal(posts, 5, `expected 5 batches, saw ${posts}`);
      assert.equal(wire.calls.length, posts, 'nothing but ingest batches was sent');
      for (const session of sessions) {
        const got = await sb.sessions.get(session.id);
        assert.equal(got.status, 'completed');
        assert.equal(got.endedReason, 'resolved');
        assert.equal(got.messageCount, 600);
        // The detail holds the first page; the iterator pages the rest by cursor.
        assert.equal(got.messages.length, 200);
        assert.equal(got.transcript.hasMore, true);
        const messages = [];
        let pages = 0;
        for await (const page of sb.sessions.transcript(session.id, { limit: 250 })) {
          messages.push(...page.messages);
          pages++;
        }
        assert.equal(pages, 3);
        assert.deepEqual(messages.slice(0, 200), got.messages);
        assert.deepEqual(
          messages.map((m) => m.seq),
          Array.from({ length: 600 }, (_, i) => i + 1),
        );
        assert.deepEqual(
          messages.map((m) => m.content),
          Array.from({ length: 600 }, (_, i) => `message ${i}`),
        );
      }
      assert.equal(
        (await sb.sessions.get(sessions[0].id)).events.some((e) => e.type === 'agent_handoff'),
        true,
      );
    });

    test("a batch carries each session's items together, in call order, however the calls interleave", async () => {
      const wire = tap();
      const batches: Array<Array<{ type: string; body: { id?: string; sessionId?: string; content?: string } }>> = [];
      const fetch = (input: string, init?: RequestInit) => {
        if (new URL(input).pathname === '/api/v1/ingest') batches.push(JSON.parse(String(init?.body)).batch);
        return wire.fetch(input, init);
      };
      const sb = client(s, s.t.adminKey, { fetch, flushIntervalMs: 60_000 });
      const sessions = await Promise.all(
        [0, 1, 2].map(() => sb.sessions.start({ agent: 'interleaver', channel: 'web', type: 'chat' })),
      );
      // One message of each open conversation in turn, as an agent serving three at once calls it.
      for (let m = 0; m < 4; m++) for (const session of sessions) session.message('user', `message ${m}`);
      await sb.close();

      assert.equal(batches.length, 1);
      const [batch] = batches;
      const owner = (i: (typeof batch)[number]) => (i.type === 'session' ? i.body.id : (i.body.sessionId ?? i.body.id));
      // Each session is one contiguous run (the shape the server writes fastest: docs/PERFORMANCE.md)…
      const runs = batch.map(owner).filter((id, i, all) => i === 0 || all[i - 1] !== id);
      assert.deepEqual(
        runs,
        sessions.map((x) => x.id),
      );
      // …in the order its items were made: created, then its four messages.
      for (const session of sessions) {
        const mine = batch.filter((i) => owner(i) === session.id);
        assert.deepEqual(
          mine.map((i) => (i.type === 'message' ? i.body.content : i.type)),
          ['session', 'message 0', 'message 1', 'message 2', 'message 3'],
        );
      }
    });

    test('a partial batch leaves on the interval without any flush', async () => {
      const wire = tap();
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch, flushIntervalMs: 150 });
      const started = Date.now();
      const session = await sb.sessions.start({ agent: 'interval-bot', channel: 'sip', type: 'voice' });
      const stored = session.message('user', 'hello?');
      await stored;
      const waited = Date.now() - started;
      assert.ok(waited >= 140, `sent after ${waited} ms, before the interval`);
      assert.equal(wire.count('POST', '/api/v1/ingest'), 1, 'the session and its message went together');
      assert.equal((await sb.sessions.get(session.id)).messageCount, 1);
      await sb.close();
    });

    test('refused items reach onError, their own promise and the next flush()', async () => {
      const reported: SwitchboardError[] = [];
      const sb = client(s, s.t.adminKey, { onError: (e) => reported.push(e) });
      const ghost = sb.sessions.attach('no-such-session');
      const lost = ghost.message('user', 'into the void');
      const session = await sb.sessions.start({ agent: 'strict-bot', channel: 'web', type: 'chat' });
      const bad = session.event('Not A Type');
      session.message('agent', 'this one is fine');

      await assert.rejects(sb.flush(), (err: unknown) => {
        assert.ok(err instanceof SwitchboardIngestError);
        assert.deepEqual(
          err.failures.map((f) => f.status),
          [404, 400],
        );
        return true;
      });
      await assert.rejects(lost, (err: SwitchboardError) => {
        assert.equal(err.status, 404);
        assert.equal(err.code, 'not-found');
        assert.equal(err.item?.type, 'message');
        return true;
      });
      await assert.rejects(bad, (err: SwitchboardError) => err.status === 400 && err.errors.length > 0);
      assert.equal(reported.length, 2);
      await sb.flush(); // reported once, not again
      assert.equal((await sb.sessions.get(session.id)).messageCount, 1, 'the good item of the batch landed');
      await sb.close();
    });

    test("end() rejects when an item of its session was refused, and leaves others' failures to flush()", async () => {
      const sb = client(s, s.t.adminKey, { onError: () => {} });
      const other = sb.sessions.attach('missing-too');
      other.message('user', 'x');
      const session = await sb.sessions.start({ agent: 'big-bot', channel: 'web', type: 'chat' });
      session.message('user', 'x'.repeat(33 * 1024));
      await assert.rejects(session.end('completed'), (err: unknown) => {
        assert.ok(err instanceof SwitchboardIngestError);
        assert.equal(err.failures.length, 1);
        assert.equal(err.failures[0].status, 400);
        return true;
      });
      assert.equal((await sb.sessions.get(session.id)).status, 'completed', 'the end itself was stored');
      await assert.rejects(
        sb.flush(),
        (err: SwitchboardIngestError) => err.failures.length === 1 && err.failures[0].status === 404,
      );
      await sb.close();
    });

    test('start({wait: true}) confirms the session or rejects with the problem', async () => {
      const sb = client(s, s.t.adminKey, { onError: () => {} });
      const ok = await sb.sessions.start(
        { id: 'call-0001', agent: 'ivr', channel: 'phone', type: 'voice' },
        { wait: true },
      );
      assert.equal((await sb.sessions.get(ok.id)).channel, 'phone');
      await assert.rejects(
        sb.sessions.start({ id: 'metrics', agent: 'ivr', channel: 'phone', type: 'voice' }, { wait: true }),
        (err: SwitchboardError) => err.status === 400,
      );
      await assert.rejects(
        sb.sessions.start({ id: 'call-0001', agent: 'ivr', channel: 'web', type: 'chat' }, { wait: true }),
        (err: SwitchboardError) => err.status === 409 && err.code === 'conflict',
      );
      await sb.close().catch(() => {});
      await assert.rejects(async () => sb.sessions.attach('x').message('user', 'late'), /closed/);
    });

    test("the insight helpers send the API's shapes, and the session's stats add them up", async () => {
      const wire = tap();
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch });
      const session = await sb.sessions.start({ agent: 'insight-bot', channel: 'phone', type: 'voice' });
      const t0 = Date.now() - 60_000;
      const at = (ms: number) => new Date(t0 + ms);
      session.message('user', 'I need to move my appointment.', { timestamp: at(0) });
      session.message('agent', 'Sure, to which day?', {
        timestamp: at(1500),
        latencyMs: 1200,
        usage: { inputTokens: 400, outputTokens: 12, costUsd: 0.0021, model: 'gpt-4o-mini' },
      });
      session.message('user', 'Friday, and…', { timestamp: at(4000) });
      session.message('agent', 'Friday at nine works—', { timestamp: at(6000), latencyMs: 1800, interrupted: true });
      session.handoff({ from: 'insight-bot', to: 'human:front-desk' }, { timestamp: at(7000) });
      session.error({ code: 'CALENDAR_TIMEOUT' }, { timestamp: at(7500) });
      session.reportUsage(
        { inputTokens: 1000, outputTokens: 50, costUsd: 0.01, model: 'gpt-4o' },
        { timestamp: at(8000) },
      );
      await session.end('completed');

      const sent = wire.calls.filter((c) => c.path === '/api/v1/ingest');
      assert.ok(sent.length >= 1);
      const got = await sb.sessions.get(session.id);
      const [u1, a1, , a2] = got.messages;
      assert.equal(u1.latencyMs, null);
      assert.equal(a1.latencyMs, 1200);
      assert.deepEqual(a1.usage, { inputTokens: 400, outputTokens: 12, costUsd: 0.0021, model: 'gpt-4o-mini' });
      assert.equal(a1.interrupted, false);
      assert.equal(a2.interrupted, true);
      assert.equal(a2.usage, null);
      assert.deepEqual(
        got.events.filter((e) => e.type !== 'status_changed').map((e) => [e.type, e.data]),
        [
          ['agent_handoff', { from: 'insight-bot', to: 'human:front-desk' }],
          ['error', { code: 'CALENDAR_TIMEOUT' }],
          ['usage', { inputTokens: 1000, outputTokens: 50, costUsd: 0.01, model: 'gpt-4o' }],
        ],
      );
      assert.deepEqual(got.stats, {
        turns: 2,
        userMessages: 2,
        agentMessages: 2,
        firstResponseMs: 1200,
        avgResponseMs: 1500,
        maxResponseMs: 1800,
        handoffs: 1,
        errors: 1,
        interruptions: 1,
        inputTokens: 1400,
        outputTokens: 62,
        costUsd: 0.0121,
        redactions: 0,
      });
      await sb.close();
    });

    test('latencyMs on a user message is refused by the server, not dropped', async () => {
      const sb = client(s, s.t.adminKey, { onError: () => {} });
      const session = await sb.sessions.start({ agent: 'insight-bot', channel: 'web', type: 'chat' });
      const refused = session.message('user', 'hello', { latencyMs: 5 });
      await assert.rejects(session.end('completed'), (err: SwitchboardIngestError) => {
        assert.equal(err.failures[0].status, 400);
        assert.match(JSON.stringify(err.failures[0].errors), /latencyMs/);
        return true;
      });
      await assert.rejects(refused);
      await sb.close();
    });

    test('start({tags}) and update() with tags: stored in lower case, counted by review.tags()', async () => {
      const sb = client(s, s.t.adminKey);
      const session = await sb.sessions.start(
        { agent: 'tag-bot', channel: 'web', type: 'chat', tags: ['SDK', 'triage'] },
        { wait: true },
      );
      assert.deepEqual((await sb.sessions.get(session.id)).tags, ['sdk', 'triage']);
      session.update({ addTags: ['Refund'], removeTags: ['triage'] });
      await session.end('completed');
      assert.deepEqual((await sb.sessions.get(session.id)).tags, ['sdk', 'refund']);
      const counts = Object.fromEntries((await sb.review.tags()).map((c) => [c.tag, c.count]));
      assert.equal(counts.sdk, 1);
      assert.equal(counts.triage, undefined);
      await sb.close();
    });
  });
}
