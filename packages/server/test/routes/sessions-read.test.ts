/** The read half of src/routes/sessions.ts: list, metrics, timeseries, detail, ETags. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CHANNELS,
  Metrics,
  SESSION_TYPES,
  SORTS,
  STATUSES,
  SessionDetail,
  SessionList,
  Timeseries,
} from '@switchboard/contracts';
import {
  type FixtureSession,
  fixtureBatch,
  fixtureSessions,
  searchMatches,
  sortModel,
  transcriptMatches,
} from '../fixtures.js';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, seed, session, setup } from '../helpers.js';

const HOUR = 3_600_000;
const qs = (params: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();

for (const dialect of DIALECTS) {
  describe(`session read routes (${dialect})`, () => {
    let t: TestContext;
    let readKey: string;
    let fixture: FixtureSession[];
    const now = Date.now();
    before(async () => {
      t = await setup(dialect);
      readKey = await t.key(['read']);
      fixture = fixtureSessions(now);
      await seed(t.app, t.adminKey, fixtureBatch(fixture));
    });
    after(() => t.close());

    const get = (url: string, key = readKey, headers: Record<string, string> = {}) =>
      call(t.app, key, 'GET', `/api/v1${url}`, undefined, headers);
    const list = async (params: Record<string, string | number> = {}) => {
      const res = await get(`/sessions?${qs({ limit: 500, ...params })}`);
      assert.equal(res.statusCode, 200, res.body);
      assertShape(SessionList, res.json());
      return res.json();
    };
    /** The ids a filter returns, in the default sort, against the model's. */
    const expectIds = async (params: Record<string, string | number>, pred: (s: FixtureSession) => boolean) => {
      const body = await list(params);
      const want = sortModel(fixture.filter(pred), '-startedAt').map((s) => s.id);
      assert.deepEqual(
        body.data.map((s: { id: string }) => s.id),
        want,
        `${JSON.stringify(params)}`,
      );
      assert.equal(body.pagination.total, want.length);
      return want;
    };

    describe('GET /sessions', () => {
      test('lists every session, newest first, in the contract shape, with exact totals', async () => {
        const body = await list({ limit: 50 });
        assert.equal(body.pagination.total, fixture.length);
        assert.equal(body.pagination.limit, 50);
        assert.equal(body.pagination.offset, 0);
        assert.equal(body.pagination.hasMore, false);
        assert.equal(body.pagination.nextCursor, null);
        assert.deepEqual(
          body.data.map((s: { id: string }) => s.id),
          sortModel(fixture, '-startedAt').map((s) => s.id),
        );
        const r5 = body.data.find((s: { id: string }) => s.id === 'r-005');
        const f5 = fixture[5];
        assert.deepEqual(
          [r5.agent, r5.channel, r5.type, r5.status, r5.startedAt, r5.endedAt, r5.messageCount, r5.metadata],
          [f5.agent, f5.channel, f5.type, f5.status, f5.startedAt, f5.endedAt, f5.messages.length, f5.metadata],
        );
        assert.equal(r5.durationSeconds, (Date.parse(f5.endedAt as string) - Date.parse(f5.startedAt)) / 1000);
      });

      test('default limit is 50', async () => {
        const res = await get('/sessions');
        assert.equal(res.json().pagination.limit, 50);
      });

      describe('search', () => {
        const cases = [
          ['r-00', 'session id prefix'],
          ['R-01', 'id prefix, case-insensitive'],
          ['001', 'not an id substring'],
          ['beta', 'agent id substring'],
          ['ZETA über', 'agent name substring, case-insensitive beyond ASCII'],
          ['upport', 'agent name substring'],
          ['regi', 'metadata key substring'],
          ['APAC', 'metadata value substring, case-insensitive'],
          ['100%', '% is literal'],
          ['a_b', '_ is literal'],
          ['a*b', '* is literal'],
          ['%', 'a lone % matches only a literal %'],
          ['_', 'a lone _ matches only a literal _'],
          ['nothing-matches-this', 'no match'],
        ] as const;
        for (const [term, why] of cases) {
          test(`${why}: "${term}"`, async () => {
            const want = await expectIds({ search: term }, (s) => searchMatches(s, term));
            if (term === '100%') assert.deepEqual(want, ['pct-1']);
            if (term === 'a_b') assert.deepEqual(want, ['und-1']);
            if (term === 'a*b') assert.deepEqual(want, ['star-1']);
          });
        }
      });

      test('agentId, channel, status and type take comma-separated lists', async () => {
        await expectIds({ agentId: 'alpha-bot' }, (s) => s.agent.id === 'alpha-bot');
        await expectIds({ agentId: 'beta-bot,gamma-bot' }, (s) => ['beta-bot', 'gamma-bot'].includes(s.agent.id));
        await expectIds({ channel: 'phone' }, (s) => s.channel === 'phone');
        await expectIds({ channel: 'phone, sip' }, (s) => ['phone', 'sip'].includes(s.channel));
        await expectIds({ status: 'active' }, (s) => s.status === 'active');
        await expectIds({ status: 'failed,cancelled' }, (s) => ['failed', 'cancelled'].includes(s.status));
        await expectIds({ type: 'voice,video' }, (s) => ['voice', 'video'].includes(s.type));
        await expectIds(
          { channel: 'web,telegram', status: 'completed', type: 'chat' },
          (s) => ['web', 'telegram'].includes(s.channel) && s.status === 'completed' && s.type === 'chat',
        );
      });

      test('a value outside an enum is a 400 naming the parameter; all bad parameters are listed', async () => {
        assertProblem(await get('/sessions?channel=web,fax'), 400, ['channel']);
        assertProblem(await get('/sessions?status=paused'), 400, ['status']);
        assertProblem(await get('/sessions?type=hologram'), 400, ['type']);
        const p = assertProblem(await get('/sessions?channel=fax&status=paused&type=hologram&sort=name&limit=0'), 400, [
          'channel',
          'status',
          'type',
          'sort',
          'limit',
        ]);
        assert.match(p.errors.find((e: { path: string }) => e.path === 'channel').message, /fax/);
        assertProblem(await get('/sessions?bogus=1'), 400, ['bogus']);
      });

      test('from and to: date-times and bare dates, a bare `to` includes that whole day', async () => {
        const t0 = Date.parse('2025-06-02T00:00:00.000Z');
        const t1 = Date.parse('2025-06-03T00:00:00.000Z');
        const inDay = (s: FixtureSession) => Date.parse(s.startedAt) >= t0 && Date.parse(s.startedAt) < t1;
        const want = await expectIds({ from: '2025-06-02', to: '2025-06-02' }, inDay);
        assert.equal(want.length, 8);
        await expectIds({ from: '2025-06-02T00:00:00.000Z', to: '2025-06-03T00:00:00.000Z' }, inDay);
        await expectIds({ from: '2025-06-02T02:00:00+02:00' }, (s) => Date.parse(s.startedAt) >= t0);
        // `from` is inclusive and `to` exclusive, to the millisecond.
        const r3 = fixture[3].startedAt;
        assert.ok(
          (await list({ from: r3, to: new Date(Date.parse(r3) + 1).toISOString() })).data.some(
            (s: { id: string }) => s.id === 'r-003',
          ),
        );
        assert.equal(
          (await list({ to: r3, from: '2025-06-01' })).data.some((s: { id: string }) => s.id === 'r-003'),
          false,
        );
      });

      test('bad from/to are 400 naming the parameter', async () => {
        assertProblem(await get('/sessions?from=yesterday'), 400, ['from']);
        assertProblem(await get('/sessions?to=2025-02-30'), 400, ['to']);
        assertProblem(await get('/sessions?from=2025-06-01T10:00:00'), 400, ['from']);
        assertProblem(await get('/sessions?from=2025-06-03&to=2025-06-02'), 400, ['to']);
        assertProblem(await get('/sessions?from=nope&channel=fax'), 400, ['from', 'channel']);
      });

      test('metadata.<key> is an exact string match, several are ANDed', async () => {
        await expectIds({ 'metadata.plan': 'pro' }, (s) => s.metadata.plan === 'pro');
        await expectIds({ 'metadata.plan': 'PRO' }, () => false);
        await expectIds({ 'metadata.plan': 'pr' }, () => false);
        await expectIds({ 'metadata.idx': '7' }, (s) => s.metadata.idx === 7);
        await expectIds({ 'metadata.vip': 'true' }, (s) => s.metadata.vip === true);
        await expectIds(
          { 'metadata.plan': 'free', 'metadata.region': 'eu' },
          (s) => s.metadata.plan === 'free' && s.metadata.region === 'eu',
        );
        await expectIds({ 'metadata.missing': 'x' }, () => false);
      });

      test('transcript: every word must occur in the session’s messages', async () => {
        for (const text of ['refund', 'Refund invoice', 'invoice please', 'number 3', 'refund zebra', 'INVOICE']) {
          const want = await expectIds(
            { transcript: text },
            (s) => s.messages.length > 0 && transcriptMatches(s, text),
          );
          if (text !== 'refund zebra') assert.ok(want.length > 0, text);
        }
        assertProblem(await get('/sessions?transcript=%20%21%3F'), 400, ['transcript']);
      });

      test('filters combine', async () => {
        await expectIds(
          { search: 'alpha', status: 'completed', transcript: 'invoice', from: '2025-05-01' },
          (s) =>
            searchMatches(s, 'alpha') &&
            s.status === 'completed' &&
            transcriptMatches(s, 'invoice') &&
            s.messages.length > 0,
        );
      });

      for (const sort of SORTS) {
        test(`sort=${sort} (nulls last), limit/offset and cursor paging give every row once, in order`, async () => {
          const want = sortModel(fixture, sort).map((s) => s.id);
          const all = await list({ sort });
          assert.deepEqual(
            all.data.map((s: { id: string }) => s.id),
            want,
          );

          const byOffset = await list({ sort, limit: 5, offset: 10 });
          assert.deepEqual(
            byOffset.data.map((s: { id: string }) => s.id),
            want.slice(10, 15),
          );
          assert.equal(byOffset.pagination.offset, 10);
          assert.equal(byOffset.pagination.hasMore, true);

          const seen: string[] = [];
          let cursor: string | null = null;
          let pages = 0;
          do {
            const page: {
              data: Array<{ id: string }>;
              pagination: { total: number; nextCursor: string | null; hasMore: boolean; offset: number };
            } = await list({
              sort,
              limit: 4,
              ...(cursor ? { cursor } : {}),
            });
            assert.equal(page.pagination.total, fixture.length);
            assert.equal(page.pagination.offset, seen.length);
            seen.push(...page.data.map((s) => s.id));
            assert.equal(page.pagination.hasMore, seen.length < want.length);
            cursor = page.pagination.nextCursor;
            assert.equal(cursor === null, !page.pagination.hasMore);
            pages++;
          } while (cursor && pages < 50);
          assert.deepEqual(seen, want);
        });
      }

      test('cursor paging with a filter, and the last page ends the walk', async () => {
        const want = sortModel(
          fixture.filter((s) => s.status !== 'active'),
          'durationSeconds',
        ).map((s) => s.id);
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await list({
            status: 'completed,failed,cancelled',
            sort: 'durationSeconds',
            limit: 6,
            ...(cursor ? { cursor } : {}),
          });
          seen.push(...page.data.map((s: { id: string }) => s.id));
          cursor = page.pagination.nextCursor;
        } while (cursor);
        assert.deepEqual(seen, want);
      });

      test('a cursor from another sort, or a made-up one, is 400', async () => {
        const page = await list({ sort: 'messageCount', limit: 3 });
        const cursor = page.pagination.nextCursor;
        assert.ok(cursor);
        assertProblem(await get(`/sessions?sort=-messageCount&cursor=${cursor}`), 400, ['cursor']);
        assertProblem(await get(`/sessions?cursor=${cursor}`), 400, ['cursor']);
        assertProblem(await get('/sessions?cursor=not-a-cursor'), 400, ['cursor']);
        const forged = Buffer.from(JSON.stringify({ s: 'messageCount', v: 'x', k: 1, n: 0 })).toString('base64url');
        assertProblem(await get(`/sessions?sort=messageCount&cursor=${forged}`), 400, ['cursor']);
      });

      test('a forged cursor with a negative or huge position is 400, not a database error', async () => {
        const page = await list({ sort: 'messageCount', limit: 3 });
        const issued = JSON.parse(Buffer.from(String(page.pagination.nextCursor), 'base64url').toString('utf8'));
        const forge = (over: Record<string, unknown>) =>
          Buffer.from(JSON.stringify({ ...issued, ...over })).toString('base64url');
        for (const over of [
          { n: -1 },
          { n: -1e9 },
          { n: 1e20 },
          { n: 1e300 },
          { n: 100_000_001 },
          { k: -1 },
          { k: 1e20 },
          { v: 1e300 },
          { v: -1e20 },
          { v: 0.5 },
        ])
          assertProblem(await get(`/sessions?sort=messageCount&cursor=${forge(over)}`), 400, ['cursor']);
        // The issued cursor itself still works.
        assert.equal((await get(`/sessions?sort=messageCount&cursor=${forge({})}`)).statusCode, 200);
      });

      test('limit is 1–500 and offset ≥ 0', async () => {
        assertProblem(await get('/sessions?limit=0'), 400, ['limit']);
        assertProblem(await get('/sessions?limit=501'), 400, ['limit']);
        assertProblem(await get('/sessions?limit=ten'), 400, ['limit']);
        assertProblem(await get('/sessions?offset=-1'), 400, ['offset']);
        const past = await list({ offset: 1000 });
        assert.deepEqual(past.data, []);
        assert.equal(past.pagination.total, fixture.length);
        assert.equal(past.pagination.hasMore, false);
        assert.equal((await list({ limit: 1 })).data.length, 1);
      });
    });

    describe('GET /sessions/metrics', () => {
      const countsOf = (m: Metrics) => {
        const { totalSessions, activeSessions, recentSessions, topChannel, byChannel, byStatus, byType } = m;
        return { totalSessions, activeSessions, recentSessions, topChannel, byChannel, byStatus, byType };
      };
      const expected = (rows: FixtureSession[]) => {
        const count = (vals: readonly string[], f: (s: FixtureSession) => string) =>
          Object.fromEntries(vals.map((v) => [v, rows.filter((s) => f(s) === v).length]));
        const byChannel = count(CHANNELS, (s) => s.channel);
        let top: { channel: string; count: number } | null = null;
        for (const c of CHANNELS)
          if (byChannel[c] > 0 && (!top || byChannel[c] > top.count)) top = { channel: c, count: byChannel[c] };
        return {
          // The counts; the figures (durations, rates, percentiles, cost) are test/routes/insights.test.ts's.
          totalSessions: rows.length,
          activeSessions: rows.filter((s) => s.status === 'active').length,
          recentSessions: rows.filter((s) => Date.parse(s.startedAt) >= Date.now() - 24 * HOUR).length,
          topChannel: top,
          byChannel,
          byStatus: count(STATUSES, (s) => s.status),
          byType: count(SESSION_TYPES, (s) => s.type),
        };
      };

      test('counts everything, with all six channels, four statuses and three types present', async () => {
        const res = await get('/sessions/metrics');
        assert.equal(res.statusCode, 200);
        const m = res.json();
        assertShape(Metrics, m);
        const { generatedAt } = m;
        assert.ok(Math.abs(Date.parse(generatedAt) - Date.now()) < 10_000);
        assert.deepEqual(countsOf(m), expected(fixture));
        assert.equal(m.recentSessions, 2);
        assert.equal(m.topChannel.channel, 'web');
      });

      test('honours the shared filters; an empty match has zeros everywhere and no top channel', async () => {
        const cases: Array<Record<string, string>> = [
          { channel: 'phone,sip' },
          { status: 'active' },
          { search: 'beta' },
          { 'metadata.plan': 'pro', type: 'voice' },
        ];
        for (const params of cases) {
          const m = (await get(`/sessions/metrics?${qs(params)}`)).json();
          assertShape(Metrics, m);
          const pred = (s: FixtureSession) =>
            Object.entries(params).every(([k, v]) =>
              k === 'channel'
                ? v.split(',').includes(s.channel)
                : k === 'status'
                  ? s.status === v
                  : k === 'search'
                    ? searchMatches(s, v)
                    : k === 'type'
                      ? s.type === v
                      : String(s.metadata[k.slice('metadata.'.length)]) === v,
            );
          assert.deepEqual(countsOf(m), expected(fixture.filter(pred)), JSON.stringify(params));
        }
        const empty = (await get('/sessions/metrics?search=zzz-nothing')).json();
        assertShape(Metrics, empty);
        assert.equal(empty.topChannel, null);
        assert.equal(empty.totalSessions, 0);
        assert.deepEqual(Object.keys(empty.byChannel), [...CHANNELS]);
        assert.deepEqual(Object.keys(empty.byStatus), [...STATUSES]);
        assert.deepEqual(Object.keys(empty.byType), [...SESSION_TYPES]);
        assert.ok(Object.values({ ...empty.byChannel, ...empty.byStatus, ...empty.byType }).every((v) => v === 0));
      });

      test('bad filters are 400; list-only parameters are not accepted', async () => {
        assertProblem(await get('/sessions/metrics?channel=fax'), 400, ['channel']);
        assertProblem(await get('/sessions/metrics?limit=5'), 400, ['limit']);
      });
    });

    describe('GET /sessions/timeseries', () => {
      test('hourly buckets over [from, to), empty ones filled', async () => {
        const res = await get('/sessions/timeseries?interval=hour&from=2025-06-01&to=2025-06-01');
        assert.equal(res.statusCode, 200, res.body);
        const ts = res.json();
        assertShape(Timeseries, ts);
        assert.equal(ts.interval, 'hour');
        assert.equal(ts.buckets.length, 24);
        ts.buckets.forEach(
          (
            b: { start: string; total: number; byChannel: Record<string, number>; byStatus: Record<string, number> },
            i: number,
          ) => {
            const start = Date.parse('2025-06-01T00:00:00.000Z') + i * HOUR;
            assert.equal(b.start, new Date(start).toISOString());
            const rows = fixture.filter(
              (s) => Date.parse(s.startedAt) >= start && Date.parse(s.startedAt) < start + HOUR,
            );
            assert.equal(b.total, rows.length, b.start);
            assert.deepEqual(Object.keys(b.byChannel), [...CHANNELS]);
            assert.deepEqual(Object.keys(b.byStatus), [...STATUSES]);
            for (const c of CHANNELS) assert.equal(b.byChannel[c], rows.filter((s) => s.channel === c).length);
            for (const st of STATUSES) assert.equal(b.byStatus[st], rows.filter((s) => s.status === st).length);
          },
        );
        assert.equal(
          ts.buckets.reduce((a: number, b: { total: number }) => a + b.total, 0),
          8,
        );
        assert.ok(ts.buckets.some((b: { total: number }) => b.total === 0));
      });

      test('daily buckets with filters', async () => {
        const ts = (await get('/sessions/timeseries?interval=day&from=2025-05-31&to=2025-06-04&status=active')).json();
        assertShape(Timeseries, ts);
        assert.deepEqual(
          ts.buckets.map((b: { start: string }) => b.start),
          ['2025-05-31', '2025-06-01', '2025-06-02', '2025-06-03', '2025-06-04'].map((d) => `${d}T00:00:00.000Z`),
        );
        const day = (d: string) => fixture.filter((s) => s.status === 'active' && s.startedAt.startsWith(d)).length;
        assert.deepEqual(
          ts.buckets.map((b: { total: number }) => b.total),
          ['2025-05-31', '2025-06-01', '2025-06-02', '2025-06-03', '2025-06-04'].map(day),
        );
        assert.equal(ts.buckets[0].total, 0);
      });

      test('default: the last 24 hours by hour, including the recent sessions', async () => {
        const ts = (await get('/sessions/timeseries')).json();
        assertShape(Timeseries, ts);
        assert.equal(ts.interval, 'hour');
        assert.equal(ts.buckets.length, 24);
        assert.ok(
          Date.parse(ts.buckets[23].start) <= Date.now() && Date.now() < Date.parse(ts.buckets[23].start) + HOUR,
        );
        assert.equal(
          ts.buckets.reduce((a: number, b: { total: number }) => a + b.total, 0),
          2,
        );
      });

      test('too many buckets, a bad interval or bad filters are 400', async () => {
        assertProblem(await get('/sessions/timeseries?interval=hour&from=2000-01-01&to=2025-01-01'), 400, ['from']);
        assert.equal((await get('/sessions/timeseries?interval=day&from=2000-01-01&to=2010-01-01')).statusCode, 200);
        assertProblem(await get('/sessions/timeseries?interval=week'), 400, ['interval']);
        assertProblem(await get('/sessions/timeseries?status=paused&from=x'), 400, ['status', 'from']);
      });
    });

    describe('GET /sessions/:id', () => {
      test('the session with its messages and events, each in seq order', async () => {
        const res = await get('/sessions/r-004');
        assert.equal(res.statusCode, 200);
        const d = res.json();
        assertShape(SessionDetail, d);
        assert.equal(d.id, 'r-004');
        assert.deepEqual(
          d.messages.map((m: { content: string }) => m.content),
          fixture[4].messages,
        );
        assert.deepEqual(
          d.messages.map((m: { seq: number }) => m.seq),
          [1, 2, 3, 4],
        );
        assert.ok(d.messages.every((m: { sessionId: string }) => m.sessionId === 'r-004'));
        assert.deepEqual(d.events, []);
      });

      test('an unknown id is 404, a reserved word is not mistaken for an id', async () => {
        assertProblem(await get('/sessions/nope'), 404);
        assert.equal((await get('/sessions/metrics')).statusCode, 200);
      });
    });

    test('read routes need the read scope (403) and a key (401)', async () => {
      const ingestKey = await t.key(['ingest']);
      for (const url of [
        '/sessions',
        '/sessions/metrics',
        '/sessions/timeseries',
        '/sessions/r-001',
        '/sessions/export',
        '/agents',
      ]) {
        assertProblem(await get(url, ingestKey), 403);
        const p = await get(url, null as unknown as string);
        assertProblem(p, 401);
        assert.match(String(p.headers['www-authenticate']), /^Bearer/);
      }
    });
  });

  describe(`ETags (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
      await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'etag-1' }));
    });
    after(() => t.close());

    for (const url of ['/sessions', '/sessions/metrics', '/sessions/timeseries', '/sessions/etag-1', '/agents']) {
      test(`GET ${url}: If-None-Match → 304 without a body; a change → 200 with a new tag`, async () => {
        const first = await call(t.app, t.adminKey, 'GET', `/api/v1${url}`);
        assert.equal(first.statusCode, 200);
        const tag = first.headers.etag as string;
        assert.ok(tag, 'an ETag');
        const again = await call(t.app, t.adminKey, 'GET', `/api/v1${url}`, undefined, { 'if-none-match': tag });
        assert.equal(again.statusCode, 304, again.body);
        assert.equal(again.body, '');
        const other = await call(t.app, t.adminKey, 'GET', `/api/v1${url}`, undefined, {
          'if-none-match': 'W/"other"',
        });
        assert.equal(other.statusCode, 200);
        await call(
          t.app,
          t.adminKey,
          'POST',
          '/api/v1/sessions',
          session({ agent: { id: `agent-${url.length}-${Math.random()}` } }),
        );
        await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/etag-1/messages', {
          messages: [{ sender: 'user', content: 'x' }],
        });
        const changed = await call(t.app, t.adminKey, 'GET', `/api/v1${url}`, undefined, { 'if-none-match': tag });
        assert.equal(changed.statusCode, 200);
        assert.notEqual(changed.headers.etag, tag);
      });
    }
  });
}
