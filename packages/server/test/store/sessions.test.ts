/**
 * The session queries of store/sessions/ called directly, on both databases: every count, sum,
 * key and time they return is a JavaScript number on every query path (PostgreSQL sends int8,
 * count(*) and sum() as text; db.ts parses them once, so nothing downstream converts), pages
 * continue exactly where the previous page's keyset ends, and rows become API objects as the
 * HTTP API shows them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SORT_FIELDS } from '@switchboard/contracts';
import type { SessionFilter } from '../../src/store/filters.js';
import { listAgents } from '../../src/store/sessions/agents.js';
import { countSessions } from '../../src/store/sessions/counts.js';
import { emptyFigures, figuresByAgent, figuresByTime, sessionFigures } from '../../src/store/sessions/figures.js';
import { type Keyset, keysetOf, listCsvRows, listSessions, type PageQuery } from '../../src/store/sessions/page.js';
import { agentRowToApi, messageRowToApi, sessionRowToApi } from '../../src/store/sessions/rows.js';
import { sessionMessages } from '../../src/store/sessions/transcript.js';
import { findSession } from '../../src/store/sessions/write.js';
import { call, DIALECTS, seed, session, setup, type TestContext } from '../helpers.js';

const start = Date.parse('2026-02-03T10:00:00Z');
const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString();

// Seven sessions: two channels, every status but one, two agents, metadata values that the
// counter tables, the metadata index and the scan each answer, ended ones with durations (and
// one active, whose sort values are null), and transcripts for the full-text paths.
const SESSIONS = [
  { id: 'st-1', channel: 'web', plan: 'pro', minutes: 0, end: 5, words: 'refund please' },
  { id: 'st-2', channel: 'phone', plan: 'pro', minutes: 10, end: 40, words: 'where is my refund' },
  { id: 'st-3', channel: 'web', plan: 'free', minutes: 20, end: null, words: 'hello' },
  { id: 'st-4', channel: 'web', plan: 'pro', minutes: 30, end: 31, words: 'refund again' },
  { id: 'st-5', channel: 'phone', plan: 'free', minutes: 40, end: null, words: '' },
  { id: 'st-6', channel: 'web', plan: 'free', minutes: 50, end: 70, words: 'invoice' },
  { id: 'st-7', channel: 'web', plan: 'pro', minutes: 60, end: 61, words: 'refund invoice' },
] as const;

const FILTERS: Array<[label: string, filter: SessionFilter]> = [
  ['no filter (session_counts)', {}],
  ['channel and status (session_counts)', { channels: ['web'], statuses: ['completed'] }],
  ['one metadata value (session_metadata_counts)', { metadata: [['plan', 'pro']] }],
  ['metadata and a date range (session_metadata)', { metadata: [['plan', 'pro']], from: start + 60_000 }],
  ['a date range (scan)', { from: start + 15 * 60_000, to: start + 55 * 60_000 }],
  ['an agent (scan)', { agentIds: ['billing-bot'] }],
  ['search alone (its indexes)', { search: 'st-' }],
  ['transcript alone (its index)', { transcriptWords: ['refund'] }],
  ['search and transcript', { search: 'st-', transcriptWords: ['invoice'] }],
  ['transcript and a channel', { transcriptWords: ['refund'], channels: ['web'] }],
];

for (const dialect of DIALECTS) {
  describe(`store/sessions queries (${dialect})`, () => {
    let t: TestContext;
    const page = (over: Partial<PageQuery>): PageQuery => ({
      orgId: t.orgId,
      filter: {},
      sort: { field: 'startedAt', desc: true },
      limit: 100,
      ...over,
    });

    before(async () => {
      t = await setup(dialect);
      await seed(t.app, t.adminKey, [
        ...SESSIONS.map((s, i) => ({
          type: 'session',
          body: session({
            id: s.id,
            channel: s.channel,
            startedAt: at(s.minutes),
            metadata: { plan: s.plan },
            ...(i % 3 === 2 ? { agent: { id: 'billing-bot', name: 'Billing Bot' } } : {}),
          }),
        })),
        ...SESSIONS.filter((s) => s.words).map((s) => ({
          type: 'message',
          body: { sessionId: s.id, sender: 'user', content: s.words, timestamp: at(s.minutes + 1) },
        })),
        ...SESSIONS.flatMap((s, i) =>
          s.end === null
            ? []
            : [
                {
                  type: 'session.update',
                  body: { id: s.id, status: i === 3 ? 'failed' : 'completed', endedAt: at(s.end) },
                },
              ],
        ),
      ]);
    });
    after(() => t?.close());

    test('counts, metrics and buckets are numbers on every query path, and agree with the pages', async () => {
      const { db } = t.store;
      for (const [label, filter] of FILTERS) {
        const rows = await listSessions(db, dialect, page({ filter }));
        const n = await countSessions(db, dialect, t.orgId, filter);
        assert.equal(typeof n, 'number', label);
        assert.equal(n, rows.length, label);
        assert.ok(n > 0, `${label}: the fixture matches something`);

        const c = await sessionFigures(db, dialect, t.orgId, filter);
        const recentSince = start + 30 * 60_000;
        const recent = rows.filter((r) => r.started_at >= recentSince).length;
        assert.deepEqual(
          { total: c.sums.n, recent: await countSessions(db, dialect, t.orgId, { ...filter, from: recentSince }) },
          { total: n, recent },
          `${label}: metrics total and recent`,
        );
        for (const counts of [c.byChannel, c.byStatus, c.byType]) {
          for (const v of Object.values(counts)) assert.equal(typeof v, 'number', label);
          assert.equal(
            Object.values(counts).reduce((a, b) => a + b, 0),
            n,
            label,
          );
        }
        assert.equal(c.byChannel.web, rows.filter((r) => r.channel === 'web').length, label);

        const buckets = [...(await figuresByTime(db, dialect, t.orgId, filter, 20 * 60_000))].map(([bucket, b]) => ({
          bucket,
          total: b.sums.n,
          ...b,
        }));
        for (const b of buckets) {
          assert.equal(typeof b.bucket, 'number', label);
          assert.equal(b.bucket % (20 * 60_000), 0, label);
          assert.equal(typeof b.total, 'number', label);
          for (const v of [...Object.values(b.byChannel), ...Object.values(b.byStatus)])
            assert.equal(typeof v, 'number', label);
        }
        assert.equal(
          buckets.reduce((sum, b) => sum + b.total, 0),
          n,
          `${label}: buckets`,
        );
      }
    });

    test('a keyset page continues exactly where the previous one ended, in every sort order', async () => {
      const { db } = t.store;
      for (const field of SORT_FIELDS)
        for (const desc of [false, true])
          for (const [label, filter] of [FILTERS[0], FILTERS[2], FILTERS[7]]) {
            const sort = { field, desc };
            const all = (await listSessions(db, dialect, page({ filter, sort }))).map((r) => r.id);
            const walked: string[] = [];
            let after: Keyset | undefined;
            for (;;) {
              const rows = await listSessions(db, dialect, page({ filter, sort, limit: 2, after }));
              walked.push(...rows.map((r) => r.id));
              if (rows.length < 2) break;
              after = keysetOf(rows[rows.length - 1], field);
              assert.equal(typeof after.pk, 'number');
              assert.ok(after.value === null || typeof after.value === 'number');
            }
            assert.deepEqual(walked, all, `${field} ${desc ? 'desc' : 'asc'}, ${label}`);
            const offset = await listSessions(db, dialect, page({ filter, sort, limit: 2, offset: 2 }));
            assert.deepEqual(
              offset.map((r) => r.id),
              all.slice(2, 4),
              `offset, ${field} ${desc ? 'desc' : 'asc'}, ${label}`,
            );
          }
    });

    test('the CSV page has the same sessions with only its columns, as numbers and text', async () => {
      const { db } = t.store;
      const sort = { field: 'durationSeconds', desc: false } as const;
      const full = await listSessions(db, dialect, page({ sort }));
      const csv = await listCsvRows(db, dialect, page({ sort }));
      assert.deepEqual(
        csv.map((r) => r.id),
        full.map((r) => r.id),
      );
      for (const r of csv) {
        assert.equal(typeof r.metadata, 'string');
        for (const v of [r.pk, r.started_at, r.message_count]) assert.equal(typeof v, 'number');
        for (const v of [r.ended_at, r.duration_ms, r.first_response_ms, r.avg_response_ms, r.max_response_ms])
          assert.ok(v === null || typeof v === 'number');
        for (const v of [r.turns, r.handoffs, r.errors, r.interruptions, r.input_tokens, r.output_tokens, r.cost_nanos])
          assert.equal(typeof v, 'number', 'bigint columns as numbers (PostgreSQL)');
        assert.ok(!('search_text' in r));
      }
    });

    test('rows become the API objects the HTTP API returns', async () => {
      const { db } = t.store;
      const row = await findSession(db, t.orgId, 'st-2');
      assert.ok(row);
      const res = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/st-2');
      // The detail adds the transcript's first page and the review's scores with their authors and notes.
      const { messages, events, transcript, scoreDetails, notes, ...detail } = res.json();
      assert.deepEqual(sessionRowToApi(row), detail);
      assert.deepEqual([scoreDetails, notes], [[], []]);
      assert.deepEqual(transcript, { hasMore: false, nextCursor: null, eventCount: events.length });
      assert.deepEqual(
        (await sessionMessages(db, row)).map((m) => messageRowToApi(m, 'st-2')),
        messages,
      );
      assert.equal(sessionRowToApi(row).durationSeconds, 30 * 60);

      const figures = await figuresByAgent(db, t.store.dialect, t.orgId, {});
      const agents = (await listAgents(db, t.orgId))
        .map((r) => agentRowToApi(r, figures.get(r.id) ?? emptyFigures()))
        .sort((a, b) => b.sessionCount - a.sessionCount || (a.id < b.id ? -1 : 1));
      const listed = (await call(t.app, t.adminKey, 'GET', '/api/v1/agents')).json().data;
      assert.deepEqual(agents, listed);
      assert.deepEqual(agents.map((a) => [a.id, a.sessionCount]).sort(), [
        ['billing-bot', 2],
        ['support-bot', 5],
      ]);
    });
  });
}
