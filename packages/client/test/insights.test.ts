/**
 * Session figures through the SDK: range filters given as flat keys (`{'costUsd[gt]': 0.5}`)
 * reach the server as `costUsd[gt]=0.5` from every read that takes the shared filters (list,
 * listPage, export, metrics, timeseries, the stream), sorts by a figure page correctly, and
 * `agents.list` / `agents.get` return each agent's figures.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { IngestItem, Session, StreamEvent } from '../src/index.js';
import { DIALECTS, type Served, client, serve, tap, until } from './helpers.js';

const T0 = Date.parse('2026-10-01T09:00:00.000Z');

/**
 * Session `q-i` (i = 0…5): i turns of i × 100 ms, i × $0.25 of usage, one handoff when i is odd;
 * agent `fast-bot` for even i, `slow-bot` for odd.
 */
function fixture(): IngestItem[] {
  const items: IngestItem[] = [];
  for (let i = 0; i < 6; i++) {
    const sessionId = `q-${i}`;
    const start = T0 + i * 3_600_000;
    items.push({
      type: 'session',
      body: {
        id: sessionId,
        agent: { id: i % 2 ? 'slow-bot' : 'fast-bot' },
        channel: i % 2 ? 'phone' : 'web',
        type: i % 2 ? 'voice' : 'chat',
        startedAt: new Date(start).toISOString(),
      },
    });
    for (let turn = 0; turn < i; turn++) {
      const at = start + 10_000 * (turn + 1);
      items.push(
        {
          type: 'message',
          body: { sessionId, sender: 'user', content: `q${turn}`, timestamp: new Date(at).toISOString() },
        },
        {
          type: 'message',
          body: {
            sessionId,
            sender: 'agent',
            content: `a${turn}`,
            timestamp: new Date(at + 2000).toISOString(),
            latencyMs: i * 100,
            usage: { inputTokens: 100, outputTokens: 10, costUsd: 0.25 },
          },
        },
      );
    }
    if (i % 2) items.push({ type: 'event', body: { sessionId, type: 'agent_handoff', data: { to: 'human' } } });
    items.push({
      type: 'session.update',
      body: { id: sessionId, status: 'completed', endedAt: new Date(start + 600_000).toISOString() },
    });
  }
  return items;
}

const ids = (sessions: Session[]) => sessions.map((x) => x.id);

for (const dialect of DIALECTS) {
  describe(`SDK session figures (${dialect})`, () => {
    let s: Served;
    before(async () => {
      s = await serve(dialect);
      const { results } = await client(s, s.t.adminKey).ingest(fixture());
      assert.ok(
        results.every((r) => r.status < 300),
        JSON.stringify(results.filter((r) => r.status >= 300)),
      );
    });
    after(() => s.close());

    test('range filters reach the server as <field>[<op>] from list, listPage, export, metrics and timeseries', async () => {
      const wire = tap();
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch });
      const range = { 'costUsd[gt]': 0.5, 'turns[lte]': 4 } as const;

      const page = await sb.sessions.listPage({ ...range, sort: 'turns' });
      assert.deepEqual(ids(page.data), ['q-3', 'q-4']);
      assert.ok(wire.calls[0].url.includes('costUsd%5Bgt%5D=0.5'), wire.calls[0].url);
      assert.ok(wire.calls[0].url.includes('turns%5Blte%5D=4'), wire.calls[0].url);
      for (const x of page.data) assert.ok(x.stats.costUsd > 0.5 && x.stats.turns <= 4);

      const all: Session[] = [];
      for await (const x of sb.sessions.list({ 'handoffs[gte]': 1, sort: '-firstResponseMs', pageSize: 1 }))
        all.push(x);
      assert.deepEqual(ids(all), ['q-5', 'q-3', 'q-1'], 'three pages of one, by the cursor, in figure order');

      const csv = await new Response(await sb.sessions.export({ 'firstResponseMs[gte]': 300, sort: 'costUsd' })).text();
      const lines = csv.trim().split('\r\n');
      assert.deepEqual(
        lines.slice(1).map((l) => l.split(',')[0]),
        ['q-3', 'q-4', 'q-5'],
      );

      const m = await sb.sessions.metrics({ 'inputTokens[gte]': 300 });
      assert.equal(m.totalSessions, 3);
      assert.equal(m.costUsd, 0.75 + 1 + 1.25);
      const ts = await sb.sessions.timeseries({
        'turns[gt]': 0,
        interval: 'day',
        from: '2026-10-01',
        to: '2026-10-01',
      });
      assert.equal(
        ts.buckets.reduce((n, b) => n + b.total, 0),
        5,
      );

      await assert.rejects(
        sb.sessions.listPage({ 'bogus[gt]': 1 } as never),
        (err: { status: number }) => err.status === 400,
      );
      await sb.close();
    });

    test('the stream takes range filters too: only sessions whose figures match are told', async () => {
      const reader = client(s, s.t.adminKey);
      const writer = client(s, s.t.adminKey);
      const ac = new AbortController();
      const got: StreamEvent[] = [];
      const done = (async () => {
        for await (const ev of reader.sessions.stream({ 'costUsd[gte]': 1 }, { signal: ac.signal })) got.push(ev);
      })().catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
      for (const [id, cost] of [
        ['cheap', 0.1],
        ['dear', 2],
      ] as const) {
        const session = await writer.sessions.start({ id, agent: 'stream-bot', channel: 'web', type: 'chat' });
        session.reportUsage({ costUsd: cost });
        await session.end('completed');
      }
      await until('the costly session ended', () => got.some((e) => e.type === 'session.ended'));
      ac.abort();
      await done;
      const sessionsTold = new Set(
        got.map((e) => ('sessionId' in e.data ? e.data.sessionId : 'rule' in e.data ? e.data.rule.id : e.data.id)),
      );
      assert.deepEqual([...sessionsTold], ['dear']);
      await writer.close();
    });

    test('agents.list and agents.get return the figures of the matching sessions', async () => {
      const wire = tap();
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch });
      const agents = await sb.agents.list({ from: '2026-10-01', to: '2026-10-01', sort: '-costUsd', limit: 2 });
      assert.deepEqual(
        agents.map((a) => a.id),
        ['slow-bot', 'fast-bot'],
      );
      const slow = agents[0];
      assert.equal(slow.sessionCount, 3);
      assert.equal(slow.costUsd, (1 + 3 + 5) * 0.25);
      assert.equal(slow.handoffRate, 1);
      assert.equal(slow.byStatus.completed, 3);
      assert.ok(wire.calls[0].url.includes('sort=-costUsd'), wire.calls[0].url);

      const phoneOnly = await sb.agents.list({ channel: 'phone' });
      assert.deepEqual(
        phoneOnly.map((a) => [a.id, a.sessionCount]),
        [['slow-bot', 3]],
      );
      const called = await sb.agents();
      assert.ok(
        called.some((a) => a.id === 'fast-bot'),
        'sb.agents() still lists them',
      );

      const detail = await sb.agents.get('fast-bot', {
        'turns[gte]': 2,
        interval: 'day',
        from: '2026-10-01',
        to: '2026-10-01',
      });
      assert.equal(detail.id, 'fast-bot');
      assert.equal(detail.sessionCount, 2, 'q-2 and q-4');
      assert.equal(detail.timeseries.interval, 'day');
      assert.equal(
        detail.timeseries.buckets.reduce((n, b) => n + b.total, 0),
        2,
      );
      await assert.rejects(sb.agents.get('no-such-bot'), (err: { status: number }) => err.status === 404);
      await sb.close();
    });
  });
}
