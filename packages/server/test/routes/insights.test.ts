/**
 * Session insights over the shared filters: the figures of `GET /sessions/metrics`, the time
 * series' buckets and the agent table (`GET /agents`, `GET /agents/:id`; src/routes/agents.ts,
 * src/services/read.ts, src/store/sessions/figures.ts), each checked against values computed here
 * from the sessions this test ingests, and the counter tables of 0012 kept exact through updates,
 * late messages and status changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AGENT_SORTS, type Agent, AgentDetail, AgentList, Metrics, Timeseries } from '@switchboard/contracts';
import { assertCountersExact } from '../figures.js';
import { assertProblem, assertShape, call, DIALECTS, seed, setup, type TestContext } from '../helpers.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const base = Date.parse('2026-10-05T00:00:00Z');
const AGENTS = ['a0', 'a1', 'a2', 'a3'];
const CHANNELS = ['web', 'phone', 'sip'] as const;

/** One fixture session as this test defines it, with the figures its items must produce. */
interface Fx {
  id: string;
  agent: string;
  channel: (typeof CHANNELS)[number];
  startedAt: number;
  status: 'active' | 'completed' | 'failed' | 'cancelled';
  durationMs: number | null;
  plan: string;
  /** Latency of each turn, in conversation order. */
  turns: number[];
  handoffs: number;
  errors: number;
  costNanos: number;
  inputTokens: number;
  outputTokens: number;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** 300 sessions over 3 days: varied latencies (5 ms – 60 s, log-spread), costs, handoffs, errors, statuses. */
function fixture(): Fx[] {
  const rand = rng(4242);
  const statuses = ['active', 'completed', 'failed', 'cancelled'] as const;
  return Array.from({ length: 300 }, (_, i) => {
    const status = statuses[Math.floor(rand() * 4)];
    const nTurns = i % 9 === 0 ? 0 : 1 + Math.floor(rand() * 3);
    return {
      id: `ins-${String(i).padStart(3, '0')}`,
      agent: AGENTS[i % 4 === 3 && i % 8 !== 3 ? 2 : i % 4],
      channel: CHANNELS[Math.floor(rand() * 3)],
      startedAt: base + Math.floor(rand() * 3 * DAY),
      status,
      durationMs: status === 'active' ? null : 1000 * (5 + Math.floor(rand() * 900)),
      plan: rand() < 0.5 ? 'pro' : 'free',
      turns: Array.from({ length: nTurns }, () => Math.round(5 * Math.exp(rand() * Math.log(12_000)))),
      handoffs: rand() < 0.2 ? 1 + Math.floor(rand() * 2) : 0,
      errors: rand() < 0.15 ? 1 + Math.floor(rand() * 3) : 0,
      costNanos: rand() < 0.8 ? Math.round(rand() * 1.2e6) * 1000 : 0,
      inputTokens: Math.floor(rand() * 3000),
      outputTokens: Math.floor(rand() * 800),
    };
  });
}

/** The batch items that produce a fixture session's figures. */
function items(s: Fx) {
  const out: Array<{ type: string; body: unknown }> = [
    {
      type: 'session',
      body: {
        id: s.id,
        agent: { id: s.agent, name: `Agent ${s.agent}` },
        channel: s.channel,
        type: s.channel === 'web' ? 'chat' : 'voice',
        startedAt: new Date(s.startedAt).toISOString(),
        metadata: { plan: s.plan },
      },
    },
  ];
  let t = s.startedAt;
  s.turns.forEach((latency, i) => {
    t += 1000;
    out.push({
      type: 'message',
      body: { sessionId: s.id, id: `u${i}`, sender: 'user', content: 'question', timestamp: new Date(t).toISOString() },
    });
    t += 1000;
    out.push({
      type: 'message',
      body: {
        sessionId: s.id,
        id: `g${i}`,
        sender: 'agent',
        content: 'answer',
        timestamp: new Date(t).toISOString(),
        latencyMs: latency,
      },
    });
  });
  out.push({
    type: 'event',
    body: {
      sessionId: s.id,
      id: 'usage',
      type: 'usage',
      data: { costUsd: s.costNanos / 1e9, inputTokens: s.inputTokens, outputTokens: s.outputTokens },
    },
  });
  for (let i = 0; i < s.handoffs; i++)
    out.push({ type: 'event', body: { sessionId: s.id, id: `h${i}`, type: 'agent_handoff', data: {} } });
  for (let i = 0; i < s.errors; i++)
    out.push({ type: 'event', body: { sessionId: s.id, id: `e${i}`, type: 'error', data: { code: 'x' } } });
  if (s.status !== 'active')
    out.push({
      type: 'session.update',
      body: {
        id: s.id,
        status: s.status,
        endedAt: new Date(s.startedAt + (s.durationMs ?? 0)).toISOString(),
      },
    });
  return out;
}

/** Nearest-rank percentile of exact values, as lib/stats.ts defines it over its buckets. */
function exactPercentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1];
}

/** Every figure of a set of fixture sessions, computed from their definition. */
function figuresOf(rows: Fx[]) {
  const ended = rows.filter((s) => s.status !== 'active');
  const turns = rows.flatMap((s) => s.turns);
  const firsts = rows.filter((s) => s.turns.length).map((s) => s.turns[0]);
  const sum = (f: (s: Fx) => number) => rows.reduce((a, s) => a + f(s), 0);
  return {
    sessions: rows.length,
    byStatus: Object.fromEntries(
      ['active', 'completed', 'failed', 'cancelled'].map((st) => [st, rows.filter((s) => s.status === st).length]),
    ),
    failed: rows.filter((s) => s.status === 'failed').length,
    failureRate: ended.length ? rows.filter((s) => s.status === 'failed').length / ended.length : null,
    avgDurationSeconds: ended.length ? ended.reduce((a, s) => a + (s.durationMs ?? 0), 0) / ended.length / 1000 : null,
    p50: exactPercentile(firsts, 0.5),
    p95: exactPercentile(firsts, 0.95),
    avgResponseMs: turns.length ? Math.round(turns.reduce((a, b) => a + b, 0) / turns.length) : null,
    handoffRate: rows.length ? rows.filter((s) => s.handoffs > 0).length / rows.length : null,
    errorRate: rows.length ? rows.filter((s) => s.errors > 0).length / rows.length : null,
    handoffs: sum((s) => s.handoffs),
    errors: sum((s) => s.errors),
    costUsd: sum((s) => s.costNanos) / 1e9,
    inputTokens: sum((s) => s.inputTokens),
    outputTokens: sum((s) => s.outputTokens),
  };
}

const close = (actual: number | null, want: number | null, label: string, rel = 1e-9) => {
  if (want === null || actual === null) return assert.equal(actual, want, label);
  assert.ok(Math.abs(actual - want) <= rel * Math.abs(want) + 1e-9, `${label}: ${actual} vs ${want}`);
};
/** Percentiles come from lib/stats.ts's buckets: within 2 % of the exact ones. */
const near = (actual: number | null, want: number | null, label: string) => close(actual, want, label, 0.02);

/** The filters under test, as query parameters and as a predicate on the fixture. */
const FILTERS: Array<[label: string, query: Record<string, string>, pred: (s: Fx) => boolean]> = [
  ['none', {}, () => true],
  ['channel=phone', { channel: 'phone' }, (s) => s.channel === 'phone'],
  ['status=failed,cancelled', { status: 'failed,cancelled' }, (s) => s.status === 'failed' || s.status === 'cancelled'],
  ['agentId=a1', { agentId: 'a1' }, (s) => s.agent === 'a1'],
  ['costUsd[gt]=0.5', { 'costUsd[gt]': '0.5' }, (s) => s.costNanos > 0.5e9],
  ['errors[gte]=1', { 'errors[gte]': '1' }, (s) => s.errors >= 1],
  ['metadata.plan=pro', { 'metadata.plan': 'pro' }, (s) => s.plan === 'pro'],
  [
    'second day, web',
    { from: new Date(base + DAY).toISOString(), to: new Date(base + 2 * DAY).toISOString(), channel: 'web' },
    (s) => s.startedAt >= base + DAY && s.startedAt < base + 2 * DAY && s.channel === 'web',
  ],
  // Day rollups (0013) for the whole days, scans for the partial ones at either end.
  [
    'from 06:00 on the first day to 18:00 on the second',
    { from: new Date(base + 6 * HOUR).toISOString(), to: new Date(base + DAY + 18 * HOUR).toISOString() },
    (s) => s.startedAt >= base + 6 * HOUR && s.startedAt < base + DAY + 18 * HOUR,
  ],
  [
    'from 20:00 on the first day to 04:00 on the third',
    { from: new Date(base + 20 * HOUR).toISOString(), to: new Date(base + 2 * DAY + 4 * HOUR).toISOString() },
    (s) => s.startedAt >= base + 20 * HOUR && s.startedAt < base + 2 * DAY + 4 * HOUR,
  ],
  [
    'agentId=a1, from the second day on',
    { agentId: 'a1', from: new Date(base + DAY).toISOString() },
    (s) => s.agent === 'a1' && s.startedAt >= base + DAY,
  ],
];

for (const dialect of DIALECTS) {
  describe(`session insights (${dialect})`, () => {
    let t: TestContext;
    const sessions = fixture();
    before(async () => {
      t = await setup(dialect);
      await seed(t.app, t.adminKey, sessions.flatMap(items));
    });
    after(() => t?.close());
    const get = (url: string) => call(t.app, t.adminKey, 'GET', `/api/v1${url}`);
    const qs = (q: Record<string, string>) => new URLSearchParams(q).toString();

    test('metrics: every figure equals the one computed from the ingested sessions, under every filter', async () => {
      for (const [label, query, pred] of FILTERS) {
        const res = await get(`/sessions/metrics?${qs(query)}`);
        assert.equal(res.statusCode, 200, res.body);
        const m = res.json();
        assertShape(Metrics, m);
        const rows = sessions.filter(pred);
        const want = figuresOf(rows);
        assert.ok(rows.length > 5, `${label}: the filter matches some sessions`);
        assert.equal(m.totalSessions, want.sessions, label);
        assert.deepEqual(m.byStatus, want.byStatus, label);
        close(m.failureRate, want.failureRate, `${label} failureRate`);
        close(m.avgDurationSeconds, want.avgDurationSeconds, `${label} avgDurationSeconds`);
        assert.equal(m.avgResponseMs, want.avgResponseMs, `${label} avgResponseMs`);
        close(m.handoffRate, want.handoffRate, `${label} handoffRate`);
        close(m.errorRate, want.errorRate, `${label} errorRate`);
        close(m.costUsd, want.costUsd, `${label} costUsd`);
        assert.equal(m.inputTokens, want.inputTokens, label);
        assert.equal(m.outputTokens, want.outputTokens, label);
        near(m.firstResponseMs.p50, want.p50, `${label} p50`);
        near(m.firstResponseMs.p95, want.p95, `${label} p95`);
        // The same sessions as the list.
        const list = (await get(`/sessions?${qs({ ...query, limit: '1' })}`)).json();
        assert.equal(list.pagination.total, m.totalSessions, `${label}: metrics and list agree`);
      }
      const none = (await get('/sessions/metrics?agentId=nobody')).json();
      assertShape(Metrics, none);
      assert.deepEqual(
        [none.failureRate, none.avgDurationSeconds, none.avgResponseMs, none.handoffRate, none.errorRate],
        [null, null, null, null, null],
      );
      assert.deepEqual(none.firstResponseMs, { p50: null, p95: null });
      assert.equal(none.costUsd, 0);
    });

    test('time series: each bucket sums its own sessions, under every filter', async () => {
      for (const [label, query, pred] of FILTERS) {
        const range = {
          from: query.from ?? new Date(base).toISOString(),
          to: query.to ?? new Date(base + 3 * DAY).toISOString(),
        };
        const res = await get(`/sessions/timeseries?${qs({ ...query, ...range, interval: 'day' })}`);
        assert.equal(res.statusCode, 200, res.body);
        const ts = res.json();
        assertShape(Timeseries, ts);
        for (const b of ts.buckets) {
          const start = Date.parse(b.start);
          const rows = sessions.filter((s) => pred(s) && s.startedAt >= start && s.startedAt < start + DAY);
          const want = figuresOf(rows);
          const at = `${label} ${b.start}`;
          assert.equal(b.total, want.sessions, at);
          assert.equal(b.failed, want.failed, at);
          assert.equal(b.handoffs, want.handoffs, at);
          assert.equal(b.errors, want.errors, at);
          close(b.costUsd, want.costUsd, `${at} costUsd`);
          near(b.firstResponseMs.p50, want.p50, `${at} p50`);
          near(b.firstResponseMs.p95, want.p95, `${at} p95`);
        }
        const total = ts.buckets.reduce((a: number, b: { total: number }) => a + b.total, 0);
        assert.equal(total, sessions.filter(pred).length, `${label}: buckets add up to the list`);
      }
      // By hour: a bucket without turns has null percentiles.
      const hourly = (await get(`/sessions/timeseries?interval=hour&from=${new Date(base).toISOString()}`)).json();
      assertShape(Timeseries, hourly);
      const empty = hourly.buckets.find((b: { total: number }) => b.total === 0);
      assert.ok(empty, 'some hour has no session');
      assert.deepEqual(empty.firstResponseMs, { p50: null, p95: null });
    });

    test('agents: each row has the figures of its matching sessions, under every filter', async () => {
      for (const [label, query, pred] of FILTERS) {
        const res = await get(`/agents?${qs(query)}`);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json();
        assertShape(AgentList, body);
        const matching = AGENTS.filter((a) => sessions.some((s) => s.agent === a && pred(s)));
        assert.deepEqual(
          body.data.map((a: Agent) => a.id).sort(),
          label === 'none' ? AGENTS : matching,
          `${label}: the agents with a matching session (all of them without filters)`,
        );
        for (const a of body.data as Agent[]) {
          const want = figuresOf(sessions.filter((s) => s.agent === a.id && pred(s)));
          const at = `${label} ${a.id}`;
          assert.equal(a.sessionCount, want.sessions, at);
          assert.deepEqual(a.byStatus, want.byStatus, at);
          close(a.failureRate, want.failureRate, `${at} failureRate`);
          close(a.avgDurationSeconds, want.avgDurationSeconds, `${at} avgDurationSeconds`);
          assert.equal(a.avgResponseMs, want.avgResponseMs, `${at} avgResponseMs`);
          close(a.handoffRate, want.handoffRate, `${at} handoffRate`);
          close(a.errorRate, want.errorRate, `${at} errorRate`);
          close(a.costUsd, want.costUsd, `${at} costUsd`);
          near(a.firstResponseMs.p50, want.p50, `${at} p50`);
          near(a.firstResponseMs.p95, want.p95, `${at} p95`);
        }
      }
    });

    test('agents: every sort orders its field both ways, nulls last, ties by id; limit cuts the list', async () => {
      // An agent with no session in the filter's range has null figures to sort last.
      await seed(t.app, t.adminKey, [
        { type: 'session', body: { id: 'lonely', agent: { id: 'a9' }, channel: 'web', type: 'chat' } },
      ]);
      for (const sort of AGENT_SORTS) {
        const body = (await get(`/agents?sort=${sort}`)).json();
        assertShape(AgentList, body);
        const desc = sort.startsWith('-');
        const field = (desc ? sort.slice(1) : sort) as keyof Agent;
        const value = (a: Agent) =>
          field === 'firstResponseMs' ? a.firstResponseMs.p50 : (a[field] as number | string | null);
        const values = (body.data as Agent[]).map(value);
        const nonNull = values.filter((v) => v !== null);
        assert.deepEqual(
          values.slice(nonNull.length),
          values.slice(nonNull.length).map(() => null),
          `${sort}: nulls last`,
        );
        for (let i = 1; i < nonNull.length; i++) {
          const [x, y] = [nonNull[i - 1] as number | string, nonNull[i] as number | string];
          assert.ok(desc ? x >= y : x <= y, `${sort}: ${x} then ${y}`);
          if (x === y) assert.ok(body.data[i - 1].id < body.data[i].id, `${sort}: ties by id`);
        }
      }
      assert.equal((await get('/agents?sort=-costUsd&limit=2')).json().data.length, 2);
      assertProblem(await get('/agents?sort=bogus'), 400, ['sort']);
      assertProblem(await get('/agents?limit=0'), 400, ['limit']);
    });

    test('GET /agents/:id: the row of the table and its time series; 404 for an unknown agent', async () => {
      const query = { from: new Date(base).toISOString(), to: new Date(base + 3 * DAY).toISOString() };
      const res = await get(`/agents/a1?${qs({ ...query, 'costUsd[gt]': '0.2' })}`);
      assert.equal(res.statusCode, 200, res.body);
      const d = res.json();
      assertShape(AgentDetail, d);
      const listed = (await get(`/agents?${qs({ ...query, 'costUsd[gt]': '0.2' })}`)).json().data;
      const { timeseries, ...row } = d;
      assert.deepEqual(
        row,
        listed.find((a: Agent) => a.id === 'a1'),
      );
      const series = (
        await get(`/sessions/timeseries?${qs({ ...query, agentId: 'a1', 'costUsd[gt]': '0.2', interval: 'day' })}`)
      ).json();
      assert.deepEqual(timeseries, series);
      const byHour = (await get('/agents/a1?interval=hour')).json();
      assert.equal(byHour.timeseries.interval, 'hour');
      assertProblem(await get('/agents/nobody'), 404);
      assertProblem(await get('/agents/a1?interval=week'), 400, ['interval']);
    });

    test('the counters stay exact through updates, late out-of-order messages and status changes', async () => {
      await assertCountersExact(t, 'after the fixture');
      const s = sessions.find((x) => x.turns.length > 0 && x.status === 'active');
      assert.ok(s);
      const before = (await get('/sessions/metrics')).json();
      // A late exchange that belongs before the first one: the session's first response changes.
      const early = new Date(s.startedAt + 100).toISOString();
      const later = new Date(s.startedAt + 200).toISOString();
      const res = await call(t.app, t.adminKey, 'POST', `/api/v1/sessions/${s.id}/messages`, {
        messages: [
          { id: 'late-u', sender: 'user', content: 'before', timestamp: early },
          { id: 'late-a', sender: 'agent', content: 'reply', timestamp: later, latencyMs: 77_777 },
        ],
      });
      assert.equal(res.statusCode, 201, res.body);
      const detail = (await get(`/sessions/${s.id}`)).json();
      assert.equal(detail.stats.firstResponseMs, 77_777);
      await assertCountersExact(t, 'after a late message');
      // More cost and an error, then the session fails.
      await seed(t.app, t.adminKey, [
        { type: 'event', body: { sessionId: s.id, id: 'late-usage', type: 'usage', data: { costUsd: 1.25 } } },
        { type: 'event', body: { sessionId: s.id, id: 'late-error', type: 'error', data: {} } },
        { type: 'session.update', body: { id: s.id, status: 'failed' } },
      ]);
      await assertCountersExact(t, 'after a status change');
      // Its metadata changes: 0015's sums and histogram move from one value to the other.
      const proBefore = (await get('/sessions/metrics?metadata.plan=pro')).json();
      await seed(t.app, t.adminKey, [
        { type: 'session.update', body: { id: s.id, metadata: { plan: s.plan === 'pro' ? 'free' : 'pro', seats: 3 } } },
      ]);
      await assertCountersExact(t, 'after a metadata change');
      const proAfter = (await get('/sessions/metrics?metadata.plan=pro')).json();
      assert.equal(proAfter.totalSessions, proBefore.totalSessions + (s.plan === 'pro' ? -1 : 1));
      const { generatedAt: _m, recentSessions: _n, ...fromMetadataSums } = proAfter;
      const {
        generatedAt: _o,
        recentSessions: _p,
        ...fromMetadataScan
      } = (await get('/sessions/metrics?metadata.plan=pro&turns[gte]=0')).json();
      assert.deepEqual(fromMetadataSums, fromMetadataScan, 'metadata sums and scan agree');
      const m = (await get('/sessions/metrics')).json();
      close(m.costUsd, before.costUsd + 1.25, 'cost added');
      assert.equal(m.byStatus.failed, before.byStatus.failed + 1);
      // The counters answer unfiltered metrics; a range filter that every session passes makes
      // the same figures come from a scan of the sessions.
      const scanned = (await get('/sessions/metrics?turns[gte]=0')).json();
      const { generatedAt: _a, recentSessions: _r, ...fromCounters } = m;
      const { generatedAt: _b, recentSessions: _s, ...fromScan } = scanned;
      assert.deepEqual(fromCounters, fromScan, 'counters and scan agree');
      const agents = (await get('/agents')).json().data;
      const agentsScanned = (await get('/agents?turns[gte]=0')).json().data;
      assert.deepEqual(
        agents.filter((a: Agent) => a.sessionCount > 0),
        agentsScanned,
        'the agent table from counters and from a scan agree',
      );
      // Over a time range the day rollups answer (with scans of the partial days): the same
      // figures as a scan of every session of the range.
      await assertCountersExact(t, 'after the comparisons');
      const range = `from=${new Date(base + 5 * HOUR).toISOString()}&to=${new Date(base + 2 * DAY + 7 * HOUR).toISOString()}`;
      for (const url of [
        `/sessions/metrics?${range}`,
        `/agents?${range}`,
        `/sessions/timeseries?interval=day&${range}`,
      ]) {
        const { generatedAt: _g, ...rolled } = (await get(url)).json();
        const { generatedAt: _h, ...scannedToo } = (await get(`${url}&turns[gte]=0`)).json();
        assert.deepEqual(rolled, scannedToo, `${url}: day rollups and scan agree`);
      }
    });
  });
}
