/**
 * Migration 0006 and SWITCHBOARD_RETENTION_MONTHS: sessions of any month land in that month's
 * partitions (PostgreSQL), ids stay unique across months, and retention removes exactly the old
 * months, leaving every counter exact (src/store/partitions.ts, src/services/retention.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Session, SessionDetail } from '@switchboard/contracts';
import { sql } from 'kysely';
import { ConfigError, loadConfig } from '../../src/config.js';
import { generateDemoData } from '../../src/demo/generate.js';
import { RetentionJob } from '../../src/services/retention.js';
import { assertCountersExact } from '../figures.js';
import { openStore } from '../../src/store/db.js';
import { addMonths, listMonths, monthOf, monthStart, monthSuffix } from '../../src/store/partitions.js';
import { CITUS, DIALECTS, type TestContext, assertShape, call, session, setup } from '../helpers.js';

const silent = { info() {}, warn() {}, error() {} };
const NOW = Date.now();
/** The 10th of the month `k` months before this one, at 13:00 UTC. */
const monthsAgo = (k: number) => new Date(monthStart(addMonths(monthOf(NOW), -k)) + 9 * 86_400_000 + 13 * 3_600_000);

/** Where each test session starts, and how it is sent. Retention of 6 months keeps k ≤ 6. */
const PLAN = [
  { id: 'now', at: new Date(NOW - 60_000), via: 'single', kept: true },
  { id: 'k2', at: monthsAgo(2), via: 'single', kept: true },
  { id: 'k6', at: monthsAgo(6), via: 'batch', kept: true },
  { id: 'k7', at: monthsAgo(7), via: 'batch', kept: false },
  { id: 'k30', at: monthsAgo(30), via: 'single', kept: false },
  { id: 'y2019', at: new Date('2019-03-15T08:00:00.000Z'), via: 'batch', kept: false },
  // 2000-01-01T00:30Z: the month is the UTC one, not the one the offset is written in.
  { id: 'y2000', at: '1999-12-31T23:30:00.000-01:00', via: 'single', kept: false },
] as const;
const utc = (at: Date | string) => (typeof at === 'string' ? new Date(Date.parse(at)) : at);

for (const dialect of DIALECTS) {
  describe(`monthly partitions and retention (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    const post = (url: string, body: unknown) => call(t.app, t.adminKey, 'POST', `/api/v1${url}`, body);
    const get = (url: string) => call(t.app, t.adminKey, 'GET', `/api/v1${url}`);
    const body = (id: string, at: Date | string, agent = 'bot-a') =>
      session({
        id,
        agent: { id: agent, name: agent },
        startedAt: typeof at === 'string' ? at : at.toISOString(),
        metadata: { plan: id },
      });
    const messages = (sessionId: string) =>
      ['first words', 'second words', `unique${sessionId.replace(/[^a-z0-9]/g, '')} words`].map((content) => ({
        sender: 'user',
        content,
      }));

    /** Everything counters should say, counted afresh from the sessions themselves. */
    const fresh = async (orgId = t.orgId) => {
      const db = t.store.db;
      const total = Number(
        (
          await db
            .selectFrom('sessions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('org_id', '=', orgId)
            .executeTakeFirstOrThrow()
        ).n,
      );
      const byStatus = await db
        .selectFrom('sessions')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('org_id', '=', orgId)
        .groupBy('status')
        .execute();
      const byAgent = await db
        .selectFrom('sessions')
        .select(['agent_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('org_id', '=', orgId)
        .groupBy('agent_id')
        .execute();
      const counts = await db
        .selectFrom('session_counts')
        .select(['status', (eb) => eb.fn.sum<number>('n').as('n')])
        .where('org_id', '=', orgId)
        .groupBy('status')
        .execute();
      return {
        total,
        byStatus: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
        byAgent: Object.fromEntries(byAgent.map((r) => [r.agent_id, Number(r.n)])),
        counters: Object.fromEntries(counts.filter((r) => Number(r.n) > 0).map((r) => [r.status, Number(r.n)])),
      };
    };

    /** The API's totals, metrics and agents agree with a fresh count. */
    const assertExact = async () => {
      const f = await fresh();
      assert.deepEqual(f.counters, f.byStatus, 'session_counts = a GROUP BY of sessions');
      await assertCountersExact(t, 'session figures');
      const list = (await get('/sessions?limit=1')).json();
      assert.equal(list.pagination.total, f.total);
      const metrics = (await get('/sessions/metrics')).json();
      assert.equal(metrics.totalSessions, f.total);
      for (const [status, n] of Object.entries(metrics.byStatus)) assert.equal(n, f.byStatus[status] ?? 0, status);
      const agents = (await get('/agents')).json().data as Array<{ id: string; sessionCount: number }>;
      for (const a of agents) assert.equal(a.sessionCount, f.byAgent[a.id] ?? 0, `agent ${a.id}`);
      const ids = await t.store.db
        .selectFrom('session_ids')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', t.orgId)
        .execute();
      assert.equal(Number(ids[0].n), f.total, 'one session_ids row per session');
      // Every test session has one metadata key (plan = its id): one session_metadata row each,
      // counters equal to a GROUP BY of those rows, and the metadata filter finds exactly the
      // sessions that are left.
      const { rows: side } = await sql<{ value: string; status: string; n: number }>`SELECT m.value, m.status,
        count(*) AS n FROM session_metadata m WHERE m.org_id = ${t.orgId} GROUP BY m.value, m.status`.execute(
        t.store.db,
      );
      assert.equal(
        side.reduce((sum, r) => sum + Number(r.n), 0),
        f.total,
        'one session_metadata row per session',
      );
      const { rows: counted } = await sql<{ value: string; status: string; n: number }>`SELECT value, status,
        sum(n) AS n FROM session_metadata_counts WHERE org_id = ${t.orgId} GROUP BY value, status
        HAVING sum(n) <> 0`.execute(t.store.db);
      const norm = (rows: Array<{ value: string; status: string; n: number }>) =>
        rows.map((r) => `${r.value}/${r.status}=${Number(r.n)}`).sort();
      assert.deepEqual(norm(counted), norm(side), 'session_metadata_counts = a GROUP BY of session_metadata');
      for (const p of PLAN) {
        const kept = side.some((r) => r.value === p.id);
        assert.equal((await get(`/sessions?metadata.plan=${p.id}`)).json().pagination.total, kept ? 1 : 0, p.id);
        assert.equal((await get(`/sessions/metrics?metadata.plan=${p.id}`)).json().totalSessions, kept ? 1 : 0, p.id);
      }
      if (dialect === 'sqlite')
        // Raises when the full-text index and the messages table disagree.
        await sql`INSERT INTO transcript_fts(transcript_fts) VALUES ('integrity-check')`.execute(t.store.db);
      return f;
    };

    test('sessions of any month are ingested, singly and in batches, each into its month', async () => {
      for (const s of PLAN.filter((p) => p.via === 'single')) {
        const res = await post('/sessions', body(s.id, s.at, s.id === 'k30' ? 'bot-b' : 'bot-a'));
        assert.equal(res.statusCode, 201, res.body);
        assertShape(Session, res.json());
        assert.equal(res.json().startedAt, utc(s.at).toISOString());
        assert.equal((await post(`/sessions/${s.id}/messages`, { messages: messages(s.id) })).statusCode, 201);
        const ev = await post(`/sessions/${s.id}/events`, { events: [{ type: 'connection_established' }] });
        assert.equal(ev.statusCode, 201);
        const end = await call(t.app, t.adminKey, 'PATCH', `/api/v1/sessions/${s.id}`, { status: 'completed' });
        assert.equal(end.statusCode, 200, end.body);
      }
      const batch = PLAN.filter((p) => p.via === 'batch').flatMap((s) => [
        { type: 'session', body: body(s.id, s.at, 'bot-b') },
        ...messages(s.id).map((m) => ({ type: 'message', body: { ...m, sessionId: s.id } })),
        { type: 'event', body: { type: 'connection_established', sessionId: s.id } },
        { type: 'session.update', body: { id: s.id, status: 'failed' } },
      ]);
      const res = await post('/ingest', { batch });
      assert.equal(res.statusCode, 207, res.body);
      for (const r of res.json().results) assert.ok(r.status < 300, JSON.stringify(r));

      for (const s of PLAN) {
        const d = (await get(`/sessions/${s.id}`)).json();
        assertShape(SessionDetail, d);
        assert.equal(d.messages.length, 3, s.id);
        assert.equal(d.events.length, 2, s.id); // connection_established + status_changed
      }
      await assertExact();

      if (dialect === 'postgres') {
        const months = (await listMonths(t.store.db)).map(monthSuffix);
        for (const s of PLAN) assert.ok(months.includes(monthSuffix(monthOf(utc(s.at).getTime()))), s.id);
        assert.ok(months.includes('p2000_01') && months.includes('p2019_03'));
        // Each session and its transcript sit in the partition of the session's UTC month.
        for (const table of ['sessions', 'messages', 'session_events'] as const) {
          const key = table === 'sessions' ? sql`x.pk` : sql`x.session_pk`;
          const { rows } = await sql<{ part: string; id: string }>`SELECT DISTINCT x.tableoid::regclass::text AS part,
            s.id FROM ${sql.table(table)} x JOIN sessions s ON s.pk = ${key} AND s.org_id = x.org_id`.execute(
            t.store.db,
          );
          for (const s of PLAN) {
            // On Citus the row is read on a worker, from the month's partition of a shard
            // (`sessions_p2000_01_102044`): the month is the name without the shard's number.
            const parts = rows.filter((r) => r.id === s.id).map((r) => (CITUS ? r.part.replace(/_\d+$/, '') : r.part));
            assert.deepEqual(parts, [`${table}_${monthSuffix(monthOf(utc(s.at).getTime()))}`], `${table} ${s.id}`);
          }
        }
        // session_metadata too, by the session's started_at.
        const { rows: meta } = await sql<{ part: string; value: string }>`SELECT DISTINCT
          m.tableoid::regclass::text AS part, m.value FROM session_metadata m`.execute(t.store.db);
        for (const s of PLAN)
          assert.deepEqual(
            meta.filter((r) => r.value === s.id).map((r) => (CITUS ? r.part.replace(/_\d+$/, '') : r.part)),
            [`session_metadata_${monthSuffix(monthOf(utc(s.at).getTime()))}`],
            `session_metadata ${s.id}`,
          );
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_inherits i
          JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'sessions'`.execute(t.store.db);
        assert.ok(rows[0].n >= new Set(PLAN.map((s) => monthSuffix(monthOf(utc(s.at).getTime())))).size);
      }
    });

    test('the demo generator writes into months that had no partition', async () => {
      const org = (await t.otherOrg()).orgId;
      const s = await generateDemoData(t.store, {
        sessions: 40,
        days: 40,
        now: Date.parse('2016-02-20T00:00:00Z'),
        seed: 'partitions',
        orgId: org,
      });
      assert.equal(s.sessions, 40);
      assert.equal((await fresh(org)).total, 40);
      if (dialect === 'postgres') {
        const months = (await listMonths(t.store.db)).map(monthSuffix);
        assert.ok(months.includes('p2016_01') && months.includes('p2016_02'), months.join());
      }
    });

    test('an id is unique in its organization across months: repeated, refused, raced', async () => {
      const k30 = PLAN.find((p) => p.id === 'k30') as (typeof PLAN)[number];
      const again = await post('/sessions', body('k30', k30.at, 'bot-b'));
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.json().id, 'k30');
      // The same id in another month is another body: a conflict, not a second session.
      assert.equal((await post('/sessions', body('k30', new Date(NOW), 'bot-b'))).statusCode, 409);
      const batch = await post('/ingest', {
        batch: [
          { type: 'session', body: body('y2019', new Date('2019-03-15T08:00:00.000Z'), 'bot-b') },
          { type: 'session', body: body('y2019', new Date(NOW - 1000), 'bot-b') },
          { type: 'session', body: body('k7', monthsAgo(1), 'bot-b') },
        ],
      });
      assert.deepEqual(
        batch.json().results.map((r: { status: number }) => r.status),
        [200, 409, 409],
      );
      // Two creates of one new id in different months at once: exactly one session.
      const raced = await Promise.all([
        post('/sessions', body('raced', monthsAgo(40))),
        post('/sessions', body('raced', monthsAgo(3))),
      ]);
      assert.deepEqual(raced.map((r) => r.statusCode).sort(), [201, 409]);
      const rows = await t.store.db.selectFrom('sessions').select('pk').where('id', '=', 'raced').execute();
      assert.equal(rows.length, 1);
      await assertExact();
    });

    test('retention 0 removes nothing', async () => {
      const before = await fresh();
      const r = await new RetentionJob(t.store, 0, silent).run();
      assert.equal(r.sessions, 0);
      assert.equal(r.cutoff, null);
      assert.deepEqual(await fresh(), before);
    });

    test('retention removes exactly the months that ended before the window, and counters stay exact', async () => {
      // Review rows (0022) go with their sessions: k7's tag, score and note; k6's stay.
      for (const id of ['k7', 'k6']) {
        assert.equal(
          (await call(t.app, t.adminKey, 'PATCH', `/api/v1/sessions/${id}/tags`, { tags: ['old'] })).statusCode,
          200,
        );
        await call(t.app, t.adminKey, 'PUT', `/api/v1/sessions/${id}/scores/quality`, { value: 3 });
        await call(t.app, t.adminKey, 'POST', `/api/v1/sessions/${id}/notes`, { body: 'n' });
      }
      const before = await assertExact();
      const cutoff = monthStart(addMonths(monthOf(NOW), -6));
      const doomed = await t.store.db
        .selectFrom('sessions')
        .select(['pk', 'org_id', 'id', 'message_count', 'event_count'])
        .where('started_at', '<', cutoff)
        .execute();
      const kept = await t.store.db.selectFrom('sessions').select('id').where('started_at', '>=', cutoff).execute();
      assert.ok(doomed.length >= 4 && kept.length >= 3);

      // Two jobs at once, as two processes would run them on PostgreSQL: only one does the work.
      // (SQLite has one server process, so there the two share it.)
      const other = dialect === 'postgres' ? openStore(t.databaseUrl) : t.store;
      let results: Awaited<ReturnType<RetentionJob['run']>>[];
      try {
        results = await Promise.all([
          new RetentionJob(t.store, 6, silent).run(NOW),
          new RetentionJob(other, 6, silent).run(NOW),
        ]);
        if (dialect === 'postgres') {
          // `other` never saw these months: its next retention run must find nothing to do.
          assert.equal((await new RetentionJob(other, 6, silent).run(NOW)).sessions, 0);
        }
      } finally {
        if (other !== t.store) await other.close();
      }
      const removed = results.reduce((sum, r) => sum + r.sessions, 0);
      assert.equal(removed, doomed.length);
      assert.equal(
        results.reduce((sum, r) => sum + r.messages, 0),
        doomed.reduce((sum, r) => sum + Number(r.message_count), 0),
      );
      assert.equal(
        results.reduce((sum, r) => sum + r.events, 0),
        doomed.reduce((sum, r) => sum + Number(r.event_count), 0),
      );

      const after = await assertExact();
      assert.equal(after.total, before.total - doomed.filter((r) => r.org_id === t.orgId).length);
      const pks = doomed.map((r) => Number(r.pk));
      for (const table of ['messages', 'session_events', 'session_tags', 'session_scores', 'session_notes'] as const) {
        const left = await t.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('session_pk', 'in', pks)
          .executeTakeFirstOrThrow();
        assert.equal(Number(left.n), 0, table);
      }
      for (const s of doomed.filter((r) => r.org_id === t.orgId))
        assert.equal((await get(`/sessions/${s.id}`)).statusCode, 404, s.id);
      for (const s of kept) {
        const d = (await get(`/sessions/${s.id}`)).json();
        assert.equal(d.id, s.id);
      }
      for (const s of PLAN.filter((p) => p.kept)) assert.equal((await get(`/sessions/${s.id}`)).statusCode, 200);
      assert.deepEqual((await get('/tags')).json().data, [{ tag: 'old', count: 1 }]);
      assert.equal((await get('/sessions/metrics')).json().scores.quality.count, 1);
      // Transcript search no longer finds the removed sessions' words.
      const hit = (await get('/sessions?transcript=uniquey2019')).json();
      assert.equal(hit.pagination.total, 0);
      assert.equal((await get('/sessions?transcript=uniquek6')).json().pagination.total, 1);

      if (dialect === 'postgres') {
        const months = await listMonths(t.store.db);
        assert.ok(
          months.every((m) => monthStart(addMonths(m, 1)) > cutoff),
          months.map(monthSuffix).join(),
        );
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class
          WHERE relname IN ('messages_p2019_03', 'session_events_p2019_03', 'sessions_p2019_03')`.execute(t.store.db);
        assert.equal(rows[0].n, 0);
      }

      // A removed id is free again, and a write to a dropped month makes the month anew (this
      // store still thinks the month exists when another process dropped it).
      const res = await post('/sessions', body('y2019', new Date('2019-03-15T08:00:00.000Z')));
      assert.equal(res.statusCode, 201, res.body);
      await assertExact();
      const third = openStore(t.databaseUrl);
      try {
        assert.equal((await new RetentionJob(third, 6, silent).run(NOW)).sessions, 1);
      } finally {
        await third.close();
      }
      const late = await post('/sessions', body('y2019-late', new Date('2019-03-20T08:00:00.000Z')));
      assert.equal(late.statusCode, 201, late.body);
      await assertExact();
      assert.equal((await new RetentionJob(t.store, 6, silent).run(NOW)).sessions, 1);
      await assertExact();
    });
  });
}

describe('SWITCHBOARD_RETENTION_MONTHS', () => {
  test('defaults to 0 (keep everything); a flag or the variable sets it; anything but whole months is refused', () => {
    assert.equal(loadConfig({}, {}).retentionMonths, 0);
    assert.equal(loadConfig({}, { SWITCHBOARD_RETENTION_MONTHS: '13' }).retentionMonths, 13);
    assert.equal(loadConfig({ 'retention-months': '2' }, { SWITCHBOARD_RETENTION_MONTHS: '13' }).retentionMonths, 2);
    for (const bad of ['-1', '1.5', 'twelve', '1e9'])
      assert.throws(
        () => loadConfig({}, { SWITCHBOARD_RETENTION_MONTHS: bad }),
        (err: Error) =>
          err instanceof ConfigError && /SWITCHBOARD_RETENTION_MONTHS must be a whole number/.test(err.message),
        bad,
      );
  });
});
