/**
 * A session's figures (docs/INSIGHTS.md) kept at ingest: the same whatever order messages arrive
 * in and however they are split into requests, usage counted once per event id, bad figures
 * refused, and every range filter and sort on the figures agreeing with the sessions themselves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RANGE_FIELDS, RANGE_OPS, type Session, SessionStats } from '@switchboard/contracts';
import { assertProblem, assertShape, call, DIALECTS, rng, setup, seed, session, type TestContext } from '../helpers.js';
import { connectSse } from '../sse.js';

interface Msg {
  id: string;
  sender: 'user' | 'agent';
  content: string;
  timestamp: string;
  latencyMs?: number;
  interrupted?: boolean;
  usage?: { inputTokens?: number; outputTokens?: number; costUsd?: number; model?: string };
}

/** A conversation with distinct timestamps: runs of user messages, runs of agent messages. */
function conversation(rand: () => number, start: number, n: number): Msg[] {
  const out: Msg[] = [];
  let t = start;
  for (let i = 0; i < n; i++) {
    t += 1 + Math.floor(rand() * 5000);
    const sender = rand() < 0.5 ? 'user' : 'agent';
    const m: Msg = { id: `m${i}`, sender, content: `${sender} ${i}`, timestamp: new Date(t).toISOString() };
    if (sender === 'agent') {
      if (rand() < 0.5) m.latencyMs = Math.floor(rand() * 8000);
      if (rand() < 0.2) m.interrupted = true;
      if (rand() < 0.6)
        m.usage = {
          inputTokens: Math.floor(rand() * 2000),
          outputTokens: Math.floor(rand() * 400),
          costUsd: Math.round(rand() * 1e6) / 1e8,
          model: 'gpt-test',
        };
    }
    out.push(m);
  }
  return out;
}

/**
 * The figures as the definition reads, written independently of lib/stats.ts: walk the messages
 * in time order; an agent message right after a user message answers it (a turn), its latency the
 * one sent or else the time since that user message.
 */
function expected(messages: Msg[]) {
  const sorted = [...messages].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
  const latencies: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const [prev, m] = [sorted[i - 1], sorted[i]];
    if (m.sender === 'agent' && prev.sender === 'user')
      latencies.push(m.latencyMs ?? Date.parse(m.timestamp) - Date.parse(prev.timestamp));
  }
  const agents = messages.filter((m) => m.sender === 'agent');
  const sum = (f: (m: Msg) => number) => messages.reduce((s, m) => s + f(m), 0);
  return {
    turns: latencies.length,
    userMessages: messages.length - agents.length,
    agentMessages: agents.length,
    firstResponseMs: latencies[0] ?? null,
    avgResponseMs: latencies.length ? Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length) : null,
    maxResponseMs: latencies.length ? Math.max(...latencies) : null,
    handoffs: 0,
    errors: 0,
    interruptions: agents.filter((m) => m.interrupted).length,
    inputTokens: sum((m) => m.usage?.inputTokens ?? 0),
    outputTokens: sum((m) => m.usage?.outputTokens ?? 0),
    costUsd: Math.round(sum((m) => m.usage?.costUsd ?? 0) * 1e9) / 1e9,
    redactions: 0,
  };
}

function shuffle<T>(rand: () => number, list: T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

for (const dialect of DIALECTS) {
  describe(`session figures (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t?.close());
    const get = (url: string) => call(t.app, t.adminKey, 'GET', `/api/v1${url}`);
    const post = (url: string, body: unknown) => call(t.app, t.adminKey, 'POST', `/api/v1${url}`, body);
    const stats = async (id: string) => {
      const res = await get(`/sessions/${id}`);
      assert.equal(res.statusCode, 200, res.body);
      assertShape(SessionStats, res.json().stats);
      return res.json().stats;
    };

    test('a new session has zero figures; a conversation has exactly the figures of its definition', async () => {
      await seed(t.app, t.adminKey, [{ type: 'session', body: session({ id: 'plain' }) }]);
      assert.deepEqual(await stats('plain'), expected([]));
      const base = Date.parse('2026-11-02T10:00:00Z');
      const at = (s: number) => new Date(base + s * 1000).toISOString();
      const messages: Msg[] = [
        { id: 'a', sender: 'user', content: 'hi', timestamp: at(0) },
        { id: 'b', sender: 'user', content: 'anyone?', timestamp: at(2) },
        { id: 'c', sender: 'agent', content: 'hello', timestamp: at(3) },
        { id: 'd', sender: 'agent', content: 'how can I help', timestamp: at(4), interrupted: true },
        { id: 'e', sender: 'user', content: 'refund', timestamp: at(10) },
        { id: 'f', sender: 'agent', content: 'sure', timestamp: at(20), latencyMs: 4100 },
      ];
      const res = await post('/sessions', session({ id: 'defined', startedAt: at(0) }));
      assert.equal(res.statusCode, 201, res.body);
      assert.equal((await post('/sessions/defined/messages', { messages })).statusCode, 201);
      const s = await stats('defined');
      // c answers b (1 s after the latest user message), f answers e with its own 4.1 s; d is no turn.
      assert.deepEqual(
        { turns: s.turns, first: s.firstResponseMs, avg: s.avgResponseMs, max: s.maxResponseMs },
        { turns: 2, first: 1000, avg: 2550, max: 4100 },
      );
      assert.deepEqual(s, expected(messages));
      const detail = (await get('/sessions/defined')).json();
      assert.deepEqual(
        detail.messages.map((m: { latencyMs: number | null; interrupted: boolean }) => [m.latencyMs, m.interrupted]),
        [
          [null, false],
          [null, false],
          [1000, false],
          [2000, true],
          [null, false],
          [4100, false],
        ],
      );
    });

    test('figures are the same whatever order and requests the messages arrive in', async () => {
      const rand = rng(20261203);
      const base = Date.parse('2026-11-03T09:00:00Z');
      for (let c = 0; c < 6; c++) {
        const messages = conversation(rand, base + c * 3_600_000, 8 + Math.floor(rand() * 25));
        const want = expected(messages);
        // Sorted and one request; shuffled one at a time; shuffled in random chunks; shuffled and
        // interleaved with another session in one batch.
        const arrivals: Msg[][][] = [
          [messages],
          shuffle(rand, messages).map((m) => [m]),
          (() => {
            const mixed = shuffle(rand, messages);
            const chunks: Msg[][] = [];
            for (let i = 0; i < mixed.length; ) {
              const n = 1 + Math.floor(rand() * 6);
              chunks.push(mixed.slice(i, i + n));
              i += n;
            }
            return chunks;
          })(),
        ];
        for (const [way, requests] of arrivals.entries()) {
          const id = `conv-${c}-${way}`;
          assert.equal(
            (await post('/sessions', session({ id, startedAt: new Date(base + c * 3_600_000).toISOString() })))
              .statusCode,
            201,
          );
          for (const chunk of requests)
            assert.equal((await post(`/sessions/${id}/messages`, { messages: chunk })).statusCode, 201);
          assert.deepEqual(await stats(id), want, `conversation ${c}, arrival ${way}`);
        }
        // Through POST /ingest, shuffled and interleaved item by item with a second session.
        const [x, y] = [`conv-${c}-batch-x`, `conv-${c}-batch-y`];
        const other = conversation(rand, base + c * 3_600_000, 10);
        const items = shuffle(rand, [
          ...messages.map((m) => ({ type: 'message', body: { sessionId: x, ...m } })),
          ...other.map((m) => ({ type: 'message', body: { sessionId: y, ...m } })),
        ]);
        await seed(t.app, t.adminKey, [
          { type: 'session', body: session({ id: x }) },
          { type: 'session', body: session({ id: y }) },
          ...items,
        ]);
        assert.deepEqual(await stats(x), want, `conversation ${c}, interleaved batch`);
        assert.deepEqual(await stats(y), expected(other));
      }
    });

    test('a retried message or usage report is counted once; handoffs and errors are counted', async () => {
      await seed(t.app, t.adminKey, [{ type: 'session', body: session({ id: 'usage' }) }]);
      const report = { id: 'usage-1', type: 'usage', data: { inputTokens: 1200, costUsd: 0.25, model: 'big' } };
      for (let i = 0; i < 3; i++) {
        const res = await post('/sessions/usage/events', { events: [report] });
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(res.json().duplicates, i === 0 ? 0 : 1);
      }
      const message = { id: 'm1', sender: 'agent', content: 'x', usage: { outputTokens: 30, costUsd: 0.0001 } };
      await post('/sessions/usage/messages', { messages: [message] });
      await seed(t.app, t.adminKey, [
        { type: 'message', body: { sessionId: 'usage', ...message } },
        { type: 'event', body: { sessionId: 'usage', ...report } },
        { type: 'event', body: { sessionId: 'usage', type: 'agent_handoff', data: { to: 'human' } } },
        { type: 'event', body: { sessionId: 'usage', type: 'error', data: { code: 'tts' } } },
        { type: 'event', body: { sessionId: 'usage', type: 'error' } },
        { type: 'event', body: { sessionId: 'usage', type: 'usage', data: { outputTokens: 5 } } },
      ]);
      const s = await stats('usage');
      assert.deepEqual([s.inputTokens, s.outputTokens, s.costUsd, s.handoffs, s.errors], [1200, 35, 0.2501, 1, 2]);
    });

    test('a cost of a fraction of a cent exports as plain decimal text', async () => {
      await seed(t.app, t.adminKey, [
        { type: 'session', body: session({ id: 'tiny-cost' }) },
        { type: 'event', body: { sessionId: 'tiny-cost', type: 'usage', data: { costUsd: 0.0000002 } } },
      ]);
      const csv = await get('/sessions/export?format=csv&search=tiny-cost');
      assert.equal(csv.statusCode, 200, csv.body);
      const [header, row] = csv.body.split('\r\n').map((line) => line.split(','));
      assert.equal(row[header.indexOf('cost_usd')], '0.0000002');
    });

    test('bad figures are refused with the field named', async () => {
      await seed(t.app, t.adminKey, [{ type: 'session', body: session({ id: 'bad' }) }]);
      assertProblem(
        await post('/sessions/bad/messages', {
          messages: [
            { sender: 'agent', content: 'x', latencyMs: -1 },
            { sender: 'agent', content: 'x', usage: { costUsd: -0.1, model: '' } },
          ],
        }),
        400,
        ['/messages/0/latencyMs', '/messages/1/usage/costUsd', '/messages/1/usage/model'],
      );
      assertProblem(
        await post('/sessions/bad/messages', {
          messages: [
            { sender: 'agent', content: 'x', latencyMs: 5 },
            { sender: 'user', content: 'x', latencyMs: 5, interrupted: true },
          ],
        }),
        400,
        ['/messages/1/interrupted', '/messages/1/latencyMs'],
      );
      assertProblem(
        await post('/sessions/bad/events', {
          events: [
            { type: 'usage', data: { inputTokens: 1.5 } },
            { type: 'usage', data: { tokens: 3 } },
            { type: 'usage' },
          ],
        }),
        400,
        ['/events/0/data/inputTokens', '/events/1/data/tokens', '/events/2/data'],
      );
      const batch = await post('/ingest', {
        batch: [{ type: 'message', body: { sessionId: 'bad', sender: 'user', content: 'x', interrupted: false } }],
      });
      assert.equal(batch.json().results[0].status, 400);
      assert.equal(batch.json().results[0].error.errors[0].path, '/batch/0/body/interrupted');
      assert.deepEqual(await stats('bad'), expected([]));
    });

    describe('range filters and sorts', () => {
      let all: Session[];
      before(async () => {
        const rand = rng(7);
        const base = Date.parse('2026-10-01T00:00:00Z');
        const items: Array<{ type: string; body: unknown }> = [];
        for (let i = 0; i < 40; i++) {
          const id = `r-${String(i).padStart(2, '0')}`;
          const startedAt = base + i * 60_000;
          const ended = rand() < 0.7;
          items.push({
            type: 'session',
            body: session({
              id,
              startedAt: new Date(startedAt).toISOString(),
              ...(ended
                ? { status: 'completed', endedAt: new Date(startedAt + Math.floor(rand() * 900_000)).toISOString() }
                : {}),
            }),
          });
          for (const m of conversation(rand, startedAt, Math.floor(rand() * 7)))
            items.push({ type: 'message', body: { sessionId: id, ...m, id: `${id}-${m.id}` } });
          for (let e = 0; e < Math.floor(rand() * 3); e++)
            items.push({ type: 'event', body: { sessionId: id, type: rand() < 0.5 ? 'error' : 'agent_handoff' } });
        }
        await seed(t.app, t.adminKey, items);
        const res = await get('/sessions?search=r-&limit=500');
        all = res.json().data;
        assert.equal(all.length, 40);
      });

      const figure = (s: Session, field: (typeof RANGE_FIELDS)[number]) =>
        field === 'durationSeconds' ? s.durationSeconds : field === 'messageCount' ? s.messageCount : s.stats[field];
      const holds = (v: number | null, op: string, x: number) =>
        v !== null && (op === 'gt' ? v > x : op === 'gte' ? v >= x : op === 'lt' ? v < x : v <= x);

      test('every field and operator selects exactly the sessions whose figure satisfies it', async () => {
        for (const field of RANGE_FIELDS) {
          const values = all.map((s) => figure(s, field)).filter((v): v is number => v !== null);
          const pivot = values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
          for (const op of RANGE_OPS) {
            const res = await get(`/sessions?search=r-&limit=500&${field}[${op}]=${pivot}`);
            assert.equal(res.statusCode, 200, res.body);
            const want = all.filter((s) => holds(figure(s, field), op, pivot)).map((s) => s.id);
            assert.deepEqual(
              res.json().data.map((s: Session) => s.id),
              want,
              `${field}[${op}]=${pivot}`,
            );
            assert.equal(res.json().pagination.total, want.length);
          }
        }
        // Two conditions make a range; fractional bounds on integer figures round the right way.
        const between = await get('/sessions?search=r-&limit=500&turns[gte]=1&turns[lt]=2.5&costUsd[gt]=0.0000001');
        assert.deepEqual(
          between.json().data.map((s: Session) => s.id),
          all.filter((s) => s.stats.turns >= 1 && s.stats.turns < 2.5 && s.stats.costUsd > 1e-7).map((s) => s.id),
        );
      });

      test('every figure sorts both ways, nulls last, through cursor pages', async () => {
        for (const field of RANGE_FIELDS)
          for (const desc of [false, true]) {
            const sort = `${desc ? '-' : ''}${field}`;
            const seen: Session[] = [];
            let url = `/sessions?search=r-&limit=7&sort=${sort}`;
            for (;;) {
              const res = await get(url);
              assert.equal(res.statusCode, 200, res.body);
              seen.push(...res.json().data);
              const next = res.json().pagination.nextCursor;
              if (!next) break;
              url = `/sessions?search=r-&limit=7&sort=${sort}&cursor=${encodeURIComponent(next)}`;
            }
            assert.equal(seen.length, 40, sort);
            const values = seen.map((s) => figure(s, field));
            const firstNull = values.indexOf(null);
            if (firstNull >= 0)
              assert.ok(
                values.slice(firstNull).every((v) => v === null),
                `${sort}: nulls last`,
              );
            const present = values.filter((v): v is number => v !== null);
            assert.deepEqual(
              present,
              [...present].sort((a, b) => (desc ? b - a : a - b)),
              sort,
            );
          }
      });

      test('range filters narrow metrics, timeseries and export like the list', async () => {
        const q = 'search=r-&errors[gte]=1';
        const want = all.filter((s) => s.stats.errors >= 1);
        const metrics = await get(`/sessions/metrics?${q}`);
        assert.equal(metrics.statusCode, 200, metrics.body);
        assert.equal(metrics.json().totalSessions, want.length);
        const ts = await get(`/sessions/timeseries?${q}&interval=day&from=2026-10-01&to=2026-10-02`);
        assert.equal(ts.statusCode, 200, ts.body);
        assert.equal(
          ts.json().buckets.reduce((n: number, b: { total: number }) => n + b.total, 0),
          want.length,
        );
        const exported = await get(`/sessions/export?${q}&format=ndjson`);
        assert.equal(exported.statusCode, 200, exported.body);
        assert.deepEqual(
          exported.body
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line).id)
            .sort(),
          want.map((s) => s.id).sort(),
        );
      });

      test('the live stream judges each event by its session’s figures', async () => {
        await t.app.listen({ port: 0, host: '127.0.0.1' });
        const { port } = t.app.server.address() as { port: number };
        const sse = await connectSse(`http://127.0.0.1:${port}/api/v1/stream?errors[gte]=1`, {
          authorization: `Bearer ${t.adminKey}`,
        });
        try {
          assert.equal(sse.status, 200);
          await seed(t.app, t.adminKey, [
            { type: 'session', body: session({ id: 'live-ok' }) },
            { type: 'session', body: session({ id: 'live-err' }) },
            { type: 'event', body: { sessionId: 'live-err', type: 'error', data: { code: 'asr' } } },
            { type: 'session.update', body: { id: 'live-ok', status: 'completed' } },
            { type: 'session.update', body: { id: 'live-err', status: 'failed' } },
          ]);
          // Had the filter let anything else through, live-ok's end (sent first) would come first.
          const [first] = await sse.waitFor(1);
          assert.equal(first.event, 'session.ended');
          assert.equal(JSON.parse(first.data).data.id, 'live-err');
          assert.equal(JSON.parse(first.data).data.stats.errors, 1);
        } finally {
          sse.close();
        }
      });

      test('webhook subscriptions take range conditions as JSON, checked like the query form', async () => {
        const created = await post('/webhooks', {
          url: 'https://93.184.215.14/hooks/costly',
          events: ['session.ended'],
          filters: { range: { costUsd: { gt: 0.5 }, turns: { gte: 2, lt: 10 } } },
        });
        assert.equal(created.statusCode, 201, created.body);
        assert.deepEqual(created.json().filters.range, { costUsd: { gt: 0.5 }, turns: { gte: 2, lt: 10 } });
        assertProblem(
          await post('/webhooks', {
            url: 'https://93.184.215.14/hooks/bad',
            events: ['*'],
            filters: { range: { latency: { gt: 1 }, turns: { eq: 2 }, errors: {} } },
          }),
          400,
        );
      });

      test('an unknown field or operator, or a bound that is not a number, is a 400 naming it', async () => {
        const p = assertProblem(
          await get('/sessions?latency[gt]=1&turns[eq]=2&costUsd[gt]=cheap&handoffs[lte]='),
          400,
          ['latency[gt]', 'turns[eq]', 'costUsd[gt]', 'handoffs[lte]'],
        );
        assert.match(JSON.stringify(p.errors), /unknown field \\"latency\\"/);
        assertProblem(await get('/sessions/metrics?turns[gte]=x'), 400, ['turns[gte]']);
        assertProblem(await get('/sessions?sort=-cost'), 400);
      });
    });
  });
}
