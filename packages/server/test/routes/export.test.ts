/** `GET /sessions/export`: CSV, JSON and NDJSON, streamed, every match. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExportedSession } from '@switchboard/contracts';
import { fixtureBatch, fixtureSessions, sortModel } from '../fixtures.js';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, seed, setup } from '../helpers.js';

const HEADER =
  'id,agent_id,agent_name,channel,type,status,started_at,ended_at,duration_seconds,message_count,metadata,' +
  'turns,first_response_ms,avg_response_ms,max_response_ms,handoffs,errors,interruptions,input_tokens,output_tokens,cost_usd,ended_reason,source,' +
  'tags,scores,reviewed_at,reviewed_by';

/** A strict RFC 4180 parser: fails on anything a conforming writer would not produce. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        assert.ok(q >= 0, 'unterminated quoted cell');
        cell += text.slice(i, q);
        i = q + 1;
        if (text[i] === '"') {
          cell += '"';
          i++;
        } else break;
      }
    } else {
      const m = /^[^",\r\n]*/.exec(text.slice(i)) as RegExpExecArray;
      cell = m[0];
      i += cell.length;
    }
    row.push(cell);
    if (text[i] === ',') {
      i++;
      continue;
    }
    assert.equal(
      text.slice(i, i + 2),
      '\r\n',
      `rows end with CRLF (at ${i}: ${JSON.stringify(text.slice(i, i + 10))})`,
    );
    i += 2;
    rows.push(row);
    row = [];
    if (i >= text.length) return rows;
  }
}

// These suites export far more often than the default 10 a minute; that quota has
// its own tests, so here it is lifted.
const unlimited = { rateLimits: { read: 1_000_000, ingest: 1_000_000, export: 1_000_000 } } as Parameters<
  typeof setup
>[1];

for (const dialect of DIALECTS) {
  describe(`GET /sessions/export (${dialect})`, () => {
    let t: TestContext;
    const fixture = fixtureSessions();
    const tricky = [
      { id: 'csv-comma', name: 'Acme, Inc.' },
      { id: 'csv-quote', name: 'The "Best" Bot' },
      { id: 'csv-newline', name: 'line one\nline two\r\nline three' },
      { id: 'csv-eq', name: '=HYPERLINK("http://evil.example","click")' },
      { id: 'csv-plus', name: '+1 555 0100' },
      { id: 'csv-minus', name: '-2+3' },
      { id: 'csv-at', name: '@SUM(A1:A2)' },
      { id: 'csv-tab', name: '\tindented' },
      { id: 'csv-cr', name: '\rcarriage' },
    ];
    before(async () => {
      t = await setup(dialect, unlimited);
      await seed(t.app, t.adminKey, fixtureBatch(fixture));
      await seed(
        t.app,
        t.adminKey,
        tricky.map((x, i) => ({
          type: 'session',
          body: {
            id: x.id,
            agent: { id: `agent-${x.id}`, name: x.name },
            channel: 'sip',
            type: 'voice',
            startedAt: new Date(Date.parse('2024-01-01T00:00:00Z') + i * 1000).toISOString(),
            metadata: { quote: 'say "hi", then\nleave', formula: '=1+1' },
          },
        })),
      );
      await seed(t.app, t.adminKey, [
        {
          type: 'session',
          body: {
            id: '-dash-id',
            agent: { id: 'agent-dash' },
            channel: 'sip',
            type: 'video',
            startedAt: '2024-01-02T00:00:00Z',
          },
        },
      ]);
      await seed(t.app, t.adminKey, [
        { type: 'event', body: { sessionId: 'r-001', type: 'connection_established', data: { via: 'test' } } },
        { type: 'session.update', body: { id: 'r-001', metadata: { touched: true } } },
      ]);
    });
    after(() => t.close());

    const exp = (query: string) => call(t.app, t.adminKey, 'GET', `/api/v1/sessions/export?${query}`);

    test('CSV: the documented header, one RFC 4180 row per session, CRLF line ends', async () => {
      const res = await exp('format=csv&channel=web,phone,telegram,whatsapp,mobile_sdk');
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^text\/csv/);
      assert.match(String(res.headers['content-disposition']), /^attachment; filename="sessions-\d{8}T\d{6}Z\.csv"$/);
      assert.ok(res.body.startsWith(`${HEADER}\r\n`));
      const rows = parseCsv(res.body);
      assert.deepEqual(rows[0], HEADER.split(','));
      const want = sortModel(
        fixture.filter((s) => s.channel !== 'sip'),
        '-startedAt',
      );
      assert.deepEqual(
        rows.slice(1).map((r) => r[0]),
        want.map((s) => s.id),
      );
      const r5 = rows.find((r) => r[0] === 'r-003') as string[];
      const f5 = fixture[3];
      assert.deepEqual(JSON.parse(r5[10]), f5.metadata, 'metadata, as JSON (jsonb does not keep key order)');
      assert.deepEqual(r5.slice(0, 10), [
        'r-003',
        f5.agent.id,
        f5.agent.name,
        f5.channel,
        f5.type,
        f5.status,
        f5.startedAt,
        f5.endedAt,
        String((Date.parse(f5.endedAt as string) - Date.parse(f5.startedAt)) / 1000),
        String(f5.messages.length),
      ]);
      assert.equal(r5.length, 27, 'the eleven columns, the ten figures, ended_reason, source, then review');
      assert.equal(r5[21], f5.endedReason ?? '', 'ended_reason');
      assert.equal(r5[22], 'api', 'source');
      assert.deepEqual(r5.slice(23), ['', '{}', '', ''], 'no tags, no scores, not reviewed');
      const active = rows.find((r) => r[0] === 'r-004') as string[];
      assert.equal(active[7], '', 'null endedAt is an empty cell');
      assert.equal(active[8], '');
      assert.equal(active[21], '', 'an active session has no ended reason');
    });

    test('CSV: commas, quotes and newlines are quoted; formula-like cells get a leading apostrophe', async () => {
      const res = await exp('channel=sip&type=voice&sort=startedAt');
      const rows = parseCsv(res.body).slice(1);
      assert.deepEqual(
        rows.map((r) => r[0]),
        tricky.map((x) => x.id),
      );
      const names = Object.fromEntries(rows.map((r) => [r[0], r[2]]));
      assert.equal(names['csv-comma'], 'Acme, Inc.');
      assert.equal(names['csv-quote'], 'The "Best" Bot');
      assert.equal(names['csv-newline'], 'line one\nline two\r\nline three');
      assert.equal(names['csv-eq'], `'=HYPERLINK("http://evil.example","click")`);
      assert.equal(names['csv-plus'], "'+1 555 0100");
      assert.equal(names['csv-minus'], "'-2+3");
      assert.equal(names['csv-at'], "'@SUM(A1:A2)");
      assert.equal(names['csv-tab'], "'\tindented");
      assert.equal(names['csv-cr'], "'\rcarriage");
      assert.ok(res.body.includes('"Acme, Inc."'));
      assert.ok(res.body.includes('"The ""Best"" Bot"'));
      // Metadata is one JSON cell; its own quotes are doubled and it parses back.
      assert.deepEqual(JSON.parse(rows[0][10]), { quote: 'say "hi", then\nleave', formula: '=1+1' });
      // Every cell of every row: nothing a spreadsheet would run.
      for (const r of parseCsv((await exp('')).body).slice(1))
        for (const cell of r) assert.doesNotMatch(cell, /^[=+\-@\t\r]/);
      const dash = parseCsv((await exp('agentId=agent-dash')).body)[1];
      assert.equal(dash[0], "'-dash-id");
    });

    test('JSON: an array of full sessions with messages and events', async () => {
      const res = await exp('format=json&search=r-00&sort=startedAt');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.match(String(res.headers['content-disposition']), /filename="sessions-\d{8}T\d{6}Z\.json"/);
      const body = res.json();
      assert.ok(Array.isArray(body));
      assert.deepEqual(
        body.map((s: { id: string }) => s.id),
        fixture.slice(0, 10).map((s) => s.id),
      );
      for (const s of body) assertShape(ExportedSession, s, s.id);
      const r1 = body[1];
      assert.deepEqual(
        r1.messages.map((m: { content: string }) => m.content),
        fixture[1].messages,
      );
      assert.deepEqual(
        r1.messages.map((m: { seq: number }) => m.seq),
        [1],
      );
      assert.deepEqual(
        r1.events.map((e: { type: string; seq: number }) => [e.type, e.seq]),
        [['connection_established', 1]],
      );
      assert.deepEqual(r1.metadata, { ...fixture[1].metadata, touched: true });
      // The detail route (its one page is the whole transcript here) and the export agree.
      // (Notes and score authors are the detail's alone.)
      const { transcript, notes, scoreDetails, ...d } = (
        await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/r-001')
      ).json();
      assert.equal(transcript.hasMore, false);
      assert.deepEqual(r1, d);
    });

    test('NDJSON: one full session per line', async () => {
      const res = await exp('format=ndjson&status=active');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/x-ndjson/);
      assert.match(String(res.headers['content-disposition']), /filename="sessions-\d{8}T\d{6}Z\.ndjson"/);
      assert.ok(res.body.endsWith('\n'));
      const lines = res.body
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      for (const s of lines) assertShape(ExportedSession, s);
      const want = sortModel(
        fixture.filter((s) => s.status === 'active'),
        '-startedAt',
      ).map((s) => s.id);
      // The tricky sessions are active too.
      assert.deepEqual(
        lines.map((s: { id: string }) => s.id).filter((id: string) => want.includes(id)),
        want,
      );
    });

    test('empty results are still well-formed files', async () => {
      assert.equal((await exp('search=zzz-none')).body, `${HEADER}\r\n`);
      assert.deepEqual((await exp('format=json&search=zzz-none')).json(), []);
      assert.equal((await exp('format=ndjson&search=zzz-none')).body, '');
    });

    test('filters and sort are honoured, the same as the list', async () => {
      for (const q of [
        'sort=durationSeconds&status=completed,failed,cancelled',
        'sort=-messageCount&channel=web',
        'sort=endedAt',
        'transcript=invoice&sort=-endedAt',
      ]) {
        const list = await call(t.app, t.adminKey, 'GET', `/api/v1/sessions?limit=500&${q}`);
        const csv = parseCsv((await exp(q)).body).slice(1);
        assert.deepEqual(
          csv.map((r) => r[0].replace(/^'/, '')),
          list.json().data.map((s: { id: string }) => s.id),
          q,
        );
      }
    });

    test('bad parameters are a 400 problem, not a half-written file', async () => {
      assertProblem(await exp('format=xlsx'), 400, ['format']);
      assertProblem(await exp('channel=fax&from=nope'), 400, ['channel', 'from']);
      assertProblem(await exp('limit=10'), 400, ['limit']);
    });

    test('CSV: ended_reason follows the figures, guarded like every other text cell', async () => {
      const started = Date.parse('2026-01-05T10:00:00Z');
      for (const [id, status, reason] of [
        ['why-1', 'failed', 'agent_error'],
        ['why-2', 'failed', '=HYPERLINK("x")'],
        ['why-3', 'completed', undefined],
      ] as const) {
        const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', {
          id,
          agent: { id: 'agent-why' },
          channel: 'web',
          type: 'chat',
          status,
          startedAt: new Date(started).toISOString(),
          endedAt: new Date(started + 60_000).toISOString(),
          ...(reason ? { endedReason: reason } : {}),
        });
        assert.equal(res.statusCode, 201, res.body);
      }
      const rows = parseCsv((await exp('agentId=agent-why&sort=startedAt')).body);
      assert.equal(rows[0][21], 'ended_reason');
      const reasons = Object.fromEntries(rows.slice(1).map((r) => [r[0], r[21]]));
      assert.deepEqual(reasons, { 'why-1': 'agent_error', 'why-2': `'=HYPERLINK("x")`, 'why-3': '' });
    });
  });

  describe(`GET /sessions/export: the session figures (${dialect})`, () => {
    let t: TestContext;
    const at = (s: number) => new Date(Date.parse('2025-03-01T10:00:00Z') + s * 1000).toISOString();
    before(async () => {
      t = await setup(dialect, unlimited);
      const session = (id: string, start: number) => ({
        type: 'session' as const,
        body: { id, agent: { id: 'fig-bot' }, channel: 'phone' as const, type: 'voice' as const, startedAt: at(start) },
      });
      const msg = (sessionId: string, s: number, sender: 'user' | 'agent', extra: object = {}) => ({
        type: 'message' as const,
        body: { sessionId, sender, content: `${sender} at ${s}`, timestamp: at(s), ...extra },
      });
      await seed(t.app, t.adminKey, [
        session('fig-1', 0),
        msg('fig-1', 1, 'user'),
        msg('fig-1', 3, 'agent', { latencyMs: 1200, usage: { inputTokens: 500, outputTokens: 40, costUsd: 0.0125 } }),
        msg('fig-1', 6, 'user'),
        msg('fig-1', 9, 'agent', { latencyMs: 2400, interrupted: true }),
        { type: 'event', body: { sessionId: 'fig-1', type: 'agent_handoff', timestamp: at(10) } },
        { type: 'event', body: { sessionId: 'fig-1', type: 'error', timestamp: at(11), data: { code: 'X' } } },
        {
          type: 'event',
          body: { sessionId: 'fig-1', type: 'usage', timestamp: at(12), data: { inputTokens: 100, costUsd: 0.0005 } },
        },
        session('fig-2', 100),
        session('fig-3', 200),
        msg('fig-3', 201, 'user'),
        msg('fig-3', 205, 'agent', { usage: { inputTokens: 90_000, outputTokens: 2_000, costUsd: 1.5, model: 'big' } }),
      ]);
    });
    after(() => t.close());

    const exp = (query: string) => call(t.app, t.adminKey, 'GET', `/api/v1/sessions/export?${query}`);

    test('CSV: the ten figures follow metadata, exactly as the session has them', async () => {
      const res = await exp('sort=startedAt');
      assert.equal(res.statusCode, 200);
      const [header, ...rows] = parseCsv(res.body);
      assert.deepEqual(header, HEADER.split(','));
      assert.deepEqual(
        rows.map((r) => r.slice(11, 21)),
        [
          // fig-1: two turns (1.2 s, 2.4 s), a handoff, an error, an interruption, message + event usage.
          ['2', '1200', '1800', '2400', '1', '1', '1', '600', '40', '0.013'],
          // fig-2: nothing yet: zeros, and empty cells for the response times.
          ['0', '', '', '', '0', '0', '0', '0', '0', '0'],
          // fig-3: no latency sent, so the time since the user's message (4 s).
          ['1', '4000', '4000', '4000', '0', '0', '0', '90000', '2000', '1.5'],
        ],
      );
      const list = (await call(t.app, t.adminKey, 'GET', '/api/v1/sessions?sort=startedAt')).json().data;
      assert.deepEqual(
        rows.map((r) => r.slice(11, 21).map((c) => (c === '' ? null : Number(c)))),
        list.map((x: { stats: Record<string, number | null> }) => [
          x.stats.turns,
          x.stats.firstResponseMs,
          x.stats.avgResponseMs,
          x.stats.maxResponseMs,
          x.stats.handoffs,
          x.stats.errors,
          x.stats.interruptions,
          x.stats.inputTokens,
          x.stats.outputTokens,
          x.stats.costUsd,
        ]),
        'the same figures as the API',
      );
    });

    test('JSON and NDJSON carry `stats` as the API does', async () => {
      // The detail's whole transcript fits its first page; the export has no paging fields.
      const { transcript, notes, scoreDetails, ...detail } = (
        await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/fig-1')
      ).json();
      assert.equal(transcript.hasMore, false);
      const json = (await exp('format=json&sort=startedAt')).json();
      assert.deepEqual(json[0], detail);
      assert.equal(json[0].stats.turns, 2);
      const ndjson = (await exp('format=ndjson&sort=startedAt')).body
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        ndjson.map((x: { stats: unknown }) => x.stats),
        json.map((x: { stats: unknown }) => x.stats),
      );
      for (const x of ndjson) assertShape(ExportedSession, x, x.id);
    });

    test('range filters narrow the export, and a figure sorts it', async () => {
      const ids = async (q: string) =>
        parseCsv((await exp(q)).body)
          .slice(1)
          .map((r) => r[0]);
      assert.deepEqual(await ids('costUsd[gt]=0.5'), ['fig-3']);
      assert.deepEqual(await ids('turns[gte]=1&sort=-maxResponseMs'), ['fig-3', 'fig-1']);
      assert.deepEqual(await ids('interruptions[gte]=1&handoffs[gte]=1'), ['fig-1']);
      assert.deepEqual(await ids('firstResponseMs[lt]=3000'), ['fig-1']);
      assert.deepEqual(await ids('inputTokens[lte]=600&sort=costUsd'), ['fig-2', 'fig-1']);
      const ndjson = (await exp('format=ndjson&costUsd[gt]=0.5')).body.trimEnd().split('\n');
      assert.deepEqual(
        ndjson.map((l) => JSON.parse(l).id),
        ['fig-3'],
      );
      assertProblem(await exp('turns[between]=1'), 400, ['turns[between]']);
    });
  });

  describe(`GET /sessions/export of a few thousand rows (${dialect})`, () => {
    let t: TestContext;
    // More than two CSV chunks (1,000) and ten JSON chunks (200) of the export's keyset reads.
    const N = 2100;
    before(async () => {
      t = await setup(dialect, unlimited);
      const base = Date.parse('2025-01-01T00:00:00Z');
      await seed(
        t.app,
        t.adminKey,
        Array.from({ length: N }, (_, i) => ({
          type: 'session',
          body: {
            id: `bulk-${i}`,
            agent: { id: `agent-${i % 7}` },
            channel: 'web',
            type: 'chat',
            // Many equal start times and many nulls: the keyset must still not skip or repeat.
            startedAt: new Date(base + Math.floor(i / 3) * 1000).toISOString(),
            ...(i % 2
              ? {
                  status: 'completed',
                  endedAt: new Date(base + Math.floor(i / 3) * 1000 + (i % 5) * 1000).toISOString(),
                }
              : {}),
          },
        })),
      );
    });
    after(() => t.close());

    for (const [format, sort] of [
      ['csv', '-startedAt'],
      ['csv', 'endedAt'],
      // Figures the CSV rows must carry for the keyset: all equal (0) or all null here.
      ['csv', '-costUsd'],
      ['csv', 'firstResponseMs'],
      ['ndjson', '-durationSeconds'],
      ['json', 'messageCount'],
    ] as const) {
      test(`${format}, sort=${sort}: every row exactly once, in the list's order`, async () => {
        const res = await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/export?format=${format}&sort=${sort}`);
        assert.equal(res.statusCode, 200);
        const ids =
          format === 'csv'
            ? parseCsv(res.body)
                .slice(1)
                .map((r) => r[0])
            : format === 'json'
              ? res.json().map((s: { id: string }) => s.id)
              : res.body
                  .trimEnd()
                  .split('\n')
                  .map((l) => JSON.parse(l).id);
        assert.equal(ids.length, N);
        assert.equal(new Set(ids).size, N);
        const listed: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await call(
            t.app,
            t.adminKey,
            'GET',
            `/api/v1/sessions?limit=500&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`,
          );
          listed.push(...page.json().data.map((s: { id: string }) => s.id));
          cursor = page.json().pagination.nextCursor;
        } while (cursor);
        assert.deepEqual(ids, listed);
      });
    }
  });
}
