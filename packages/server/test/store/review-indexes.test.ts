/**
 * The "Needs review" view and score ranges by index (0028; store/filters.ts `needsReview`,
 * `scoreRangeLed`, store/sessions/page.ts): the total and every page of `problems=true&reviewed=false`
 * (alone and with enum, source and time conditions) and of `score.<name>[gte]=x` (alone, with row
 * conditions and with a second score) equal a brute-force filter of every session — as created,
 * after reviews are marked and cleared, statuses change and error events arrive. The count of
 * "Needs review" reads sessions_needs_review on both stores (its plan says so), and a score with
 * more distinct values than the page walks one by one still pages exactly. A tag with a score
 * (`tagScoreTotal`), from either side, totals and pages exactly too — also after tags change on
 * scored sessions, whose score rows carry the tag list (0036).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Session } from '@switchboard/contracts';
import { CompiledQuery, sql } from 'kysely';
import { needsReview, sessionFilterWhere } from '../../src/store/filters.js';
import { assertReviewCountsExact, assertScoreRowsExact, assertTagRowsExact } from '../figures.js';
import { CITUS, DIALECTS, type TestContext, call, rng, seed, session, setup } from '../helpers.js';

const NOW = Date.now();
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
/**
 * `hot` on a third of the sessions, `cold` on a few of them and others, `rare` on three,
 * `unscored` on those without a `q` score (as created).
 */
const TAGS_OF = (i: number) => [
  ...(i % 3 === 0 ? ['hot'] : []),
  ...(i % 4 === 3 ? ['unscored'] : []),
  ...(i % 11 === 0 ? ['cold'] : []),
  ...(i % 67 === 1 ? ['rare'] : []),
];

for (const dialect of DIALECTS) {
  describe(`"Needs review" and score ranges by index (${dialect})`, () => {
    let t: TestContext;
    const api = (method: string, url: string, body?: unknown) =>
      call(t.app, t.adminKey, method as 'GET', `/api/v1${url}`, body);

    before(async () => {
      t = await setup(dialect);
      const r = rng(28);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
      await seed(
        t.app,
        t.adminKey,
        Array.from({ length: 200 }, (_, i) => ({
          type: 'session',
          body: session({
            id: `nr-${i}`,
            channel: pick(['web', 'phone', 'sip']),
            type: pick(['chat', 'voice']),
            status: pick(['active', 'active', 'completed', 'failed']),
            // Some share a start time: ties are broken by pk.
            startedAt: iso(NOW - 5 * HOUR - Math.floor(i / 3) * HOUR),
            ...(TAGS_OF(i).length ? { tags: TAGS_OF(i) } : {}),
          }),
        })),
      );
      // Errors on some sessions that did not fail.
      await seed(
        t.app,
        t.adminKey,
        Array.from({ length: 200 }, (_, i) => i)
          .filter((i) => i % 7 === 2)
          .map((i) => ({ type: 'event', body: { sessionId: `nr-${i}`, type: 'error', data: { code: 'X' } } })),
      );
      for (let i = 0; i < 200; i += 5) assert.equal((await api('POST', `/sessions/nr-${i}/review`)).statusCode, 200);
      // Scores: `q` of 1–5 on most sessions; `fine` with a value of its own on each of 60.
      for (let i = 0; i < 200; i++) {
        if (i % 4 !== 3) {
          const res = await api('PUT', `/sessions/nr-${i}/scores/q`, { value: (i % 5) + 1 });
          assert.equal(res.statusCode, 200, res.body);
        }
        if (i < 60) {
          const res = await api('PUT', `/sessions/nr-${i}/scores/fine`, { value: i / 4 });
          assert.equal(res.statusCode, 200, res.body);
        }
      }
      // Another organization's sessions count for it alone.
      const other = await t.otherOrg();
      await seed(
        t.app,
        other.key,
        Array.from({ length: 6 }, (_, i) => ({ type: 'session', body: session({ id: `nr-${i}`, status: 'failed' }) })),
      );
      await call(t.app, other.key, 'PUT', '/api/v1/sessions/nr-0/scores/q', { value: 5 });
    });
    after(() => t.close());

    const FILTERS: Array<[string, (s: Session) => boolean]> = [
      ['problems=true&reviewed=false', () => true],
      ['problems=true&reviewed=false&channel=phone,sip', (s) => s.channel !== 'web'],
      ['problems=true&reviewed=false&status=active&type=voice', (s) => s.status === 'active' && s.type === 'voice'],
      ['problems=true&reviewed=false&source=api', (s) => s.source === 'api'],
      [`problems=true&reviewed=false&from=${iso(NOW - 40 * HOUR)}`, (s) => Date.parse(s.startedAt) >= NOW - 40 * HOUR],
      ['score.q%5Bgte%5D=4', (s) => Number(s.scores.q) >= 4],
      ['score.q%5Bgte%5D=2.5&channel=web', (s) => Number(s.scores.q) >= 2.5 && s.channel === 'web'],
      ['score.q%5Bgte%5D=1&reviewed=true&status=failed', (s) => s.scores.q !== undefined && s.status === 'failed'],
      ['score.q%5Bgte%5D=3&score.fine%5Bgte%5D=5', (s) => Number(s.scores.q) >= 3 && Number(s.scores.fine) >= 5],
      // A score with what its rows carry (0035): counted and paged from session_scores alone.
      ['score.q=5&status=failed', (s) => s.scores.q === 5 && s.status === 'failed'],
      [
        `score.q=3&channel=web,sip&type=voice&from=${iso(NOW - 70 * HOUR)}`,
        (s) =>
          s.scores.q === 3 && s.channel !== 'phone' && s.type === 'voice' && Date.parse(s.startedAt) >= NOW - 70 * HOUR,
      ],
      [
        'score.q%5Bgte%5D=2&status=active,completed&channel=phone',
        (s) => Number(s.scores.q) >= 2 && ['active', 'completed'].includes(s.status) && s.channel === 'phone',
      ],
      ['score.q%5Bgte%5D=6', () => false],
      ['score.nosuch%5Bgte%5D=0', () => false],
      // More distinct values than are walked one by one: the matches are sorted instead.
      ['score.fine%5Bgte%5D=2', (s) => Number(s.scores.fine) >= 2],
      // A tag and a score: counted from session_tags and session_scores, whichever side is smaller.
      ['tag=hot&score.q=5', (s) => s.tags.includes('hot') && s.scores.q === 5],
      ['tag=rare&score.q%5Bgte%5D=1', (s) => s.tags.includes('rare') && s.scores.q !== undefined],
      ['tag=cold&score.fine%5Bgte%5D=0', (s) => s.tags.includes('cold') && s.scores.fine !== undefined],
      [
        'tag=hot,cold&score.q%5Bgte%5D=3&channel=web,sip',
        (s) => (s.tags.includes('hot') || s.tags.includes('cold')) && Number(s.scores.q) >= 3 && s.channel !== 'phone',
      ],
      [
        `tag=hot&score.q=2&status=active,failed&from=${iso(NOW - 50 * HOUR)}`,
        (s) =>
          s.tags.includes('hot') &&
          s.scores.q === 2 &&
          ['active', 'failed'].includes(s.status) &&
          Date.parse(s.startedAt) >= NOW - 50 * HOUR,
      ],
      ['tag=nosuch&score.q=5', () => false],
      // A score range with fewer rows than the tags: its walks test the tags on the lists the
      // score rows carry (0036).
      ['tag=hot&score.q%5Bgte%5D=4', (s) => s.tags.includes('hot') && Number(s.scores.q) >= 4],
      [
        'tag=hot,cold&score.q%5Bgte%5D=5&status=failed,active',
        (s) =>
          (s.tags.includes('hot') || s.tags.includes('cold')) &&
          s.scores.q === 5 &&
          ['failed', 'active'].includes(s.status),
      ],
      // A score with fewer rows than the tag and no session with both (as created): the walk that
      // sized them found none, and the page is empty without another. With a condition the score
      // rows carry that none of them meets, the same.
      ['tag=unscored&score.q=5', (s) => s.tags.includes('unscored') && s.scores.q === 5],
      ['tag=unscored&score.q%5Bgte%5D=4', (s) => s.tags.includes('unscored') && Number(s.scores.q) >= 4],
      ['tag=hot&score.q%5Bgte%5D=4&agentId=nosuch', () => false],
      // Tags with the review columns their rows carry (0033), alone, together and with the others.
      ['tag=hot&reviewed=false', (s) => s.tags.includes('hot') && s.reviewedAt === null],
      ['tag=cold&reviewed=true', (s) => s.tags.includes('cold') && s.reviewedAt !== null],
      [
        'tag=hot,cold&problems=true',
        (s) => (s.tags.includes('hot') || s.tags.includes('cold')) && (s.status === 'failed' || s.stats.errors > 0),
      ],
      [
        'tag=hot&problems=true&reviewed=false&channel=web,phone',
        (s) =>
          s.tags.includes('hot') &&
          (s.status === 'failed' || s.stats.errors > 0) &&
          s.reviewedAt === null &&
          s.channel !== 'sip',
      ],
      [
        `tag=hot,rare&source=api&problems=true&from=${iso(NOW - 60 * HOUR)}`,
        (s) =>
          (s.tags.includes('hot') || s.tags.includes('rare')) &&
          s.source === 'api' &&
          (s.status === 'failed' || s.stats.errors > 0) &&
          Date.parse(s.startedAt) >= NOW - 60 * HOUR,
      ],
      ['tag=hot&source=otlp', () => false],
    ];

    /** Each filter's total and every page (cursor, both orders; offset) as filtering every session. */
    async function assertExact(label: string) {
      await assertReviewCountsExact(t, label);
      await assertTagRowsExact(t, label);
      await assertScoreRowsExact(t, label);
      const res = await api('GET', '/sessions?limit=500');
      const all = res.json().data as Session[];
      assert.equal(all.length, 200);
      for (const [q, rest] of FILTERS) {
        const needs = q.startsWith('problems');
        const expected = all
          .filter(
            (s) =>
              rest(s) &&
              (!needs || (s.reviewedAt === null && (s.status === 'failed' || s.stats.errors > 0))) &&
              (!q.includes('reviewed=true') || s.reviewedAt !== null),
          )
          .map((s) => s.id);
        if (
          [
            'problems=true&reviewed=false',
            'score.q%5Bgte%5D=4',
            'tag=hot&score.q=5',
            'tag=hot&score.q%5Bgte%5D=4',
            'tag=hot&reviewed=false',
            'tag=hot,cold&problems=true',
          ].includes(q)
        )
          assert.ok(expected.length >= 8, `${label}: ${q} matches ${expected.length}`);
        for (const [sort, ids] of [
          ['-startedAt', expected],
          ['startedAt', [...expected].reverse()],
        ] as const) {
          const got: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await api('GET', `/sessions?${q}&sort=${sort}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
            assert.equal(page.statusCode, 200, `${q}: ${page.body}`);
            assert.equal(page.json().pagination.total, expected.length, `${label}: total of ${q}`);
            got.push(...page.json().data.map((s: Session) => s.id));
            cursor = page.json().pagination.nextCursor ?? undefined;
          } while (cursor);
          assert.deepEqual(got, ids, `${label}: ${q} sorted ${sort}, page by page`);
        }
        const offset = await api('GET', `/sessions?${q}&limit=4&offset=6`);
        assert.deepEqual(
          offset.json().data.map((s: Session) => s.id),
          expected.slice(6, 10),
          `${label}: ${q} by offset`,
        );
      }
    }

    test('as created', async () => {
      await assertExact('created');
    });

    test("a tag with a score: the page and its total share the walk that sizes the score's rows", async () => {
      // Every statement the server runs, seen on its way to the driver.
      const executor = t.store.db.getExecutor();
      const run = executor.executeQuery.bind(executor);
      const sizing: string[] = [];
      executor.executeQuery = ((q: CompiledQuery) => {
        if (q.sql.includes('AS hits')) sizing.push(q.sql);
        return run(q);
      }) as typeof executor.executeQuery;
      try {
        for (const q of ['tag=hot&score.q%5Bgte%5D=4', 'tag=hot&score.q=5', 'tag=unscored&score.q%5Bgte%5D=4']) {
          sizing.length = 0;
          const res = await api('GET', `/sessions?${q}&limit=5`);
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(sizing.length, 1, `${q}: the score's rows sized ${sizing.length} times`);
        }
      } finally {
        executor.executeQuery = run;
      }
    });

    test('after reviews marked and cleared, statuses changed and errors reported', async () => {
      for (let i = 1; i < 200; i += 6) assert.equal((await api('POST', `/sessions/nr-${i}/review`)).statusCode, 200);
      for (let i = 0; i < 200; i += 10) assert.equal((await api('DELETE', `/sessions/nr-${i}/review`)).statusCode, 200);
      const active = ((await api('GET', '/sessions?status=active&limit=500')).json().data as Session[]).map(
        (s) => s.id,
      );
      assert.ok(active.length >= 30, `${active.length} active`);
      for (const [k, id] of active.slice(0, 24).entries()) {
        const res = await api('PATCH', `/sessions/${id}`, { status: k % 2 ? 'failed' : 'completed' });
        assert.equal(res.statusCode, 200, res.body);
      }
      await seed(
        t.app,
        t.adminKey,
        active.slice(24, 30).map((id) => ({ type: 'event', body: { sessionId: id, type: 'error', data: {} } })),
      );
      for (let i = 4; i < 200; i += 13) {
        const res = await api('PATCH', `/sessions/nr-${i}`, { addTags: ['rare', 'cold'], removeTags: ['hot'] });
        assert.equal(res.statusCode, 200, res.body);
      }
      for (let i = 2; i < 200; i += 9) {
        const res = await api('PUT', `/sessions/nr-${i}/scores/q`, { value: 5 });
        assert.equal(res.statusCode, 200, res.body);
      }
      await assertExact('changed');
    });

    test('session_review_counts stay exact under concurrent batches, reviews and status changes', async () => {
      // Writers at once: batches that create failed sessions and report errors on others, review
      // marks set and cleared, statuses changed. On PostgreSQL each commits its counter changes
      // behind the same lock, whatever order they run in.
      const ids = ((await api('GET', '/sessions?limit=500')).json().data as Session[]).map((s) => s.id);
      const writers: Array<Promise<unknown>> = [];
      for (let w = 0; w < 4; w++)
        writers.push(
          seed(t.app, t.adminKey, [
            ...Array.from({ length: 15 }, (_, i) => ({
              type: 'session',
              body: session({ id: `nc-${w}-${i}`, status: i % 2 ? 'failed' : 'active', channel: 'phone' }),
            })),
            ...ids
              .slice(w * 20, w * 20 + 20)
              .map((id) => ({ type: 'event', body: { sessionId: id, type: 'error', data: {} } })),
          ]),
        );
      for (const [k, id] of ids.slice(100, 160).entries()) {
        writers.push(api('POST', `/sessions/${id}/review`));
        if (k % 3 === 0) writers.push(api('DELETE', `/sessions/${ids[(k * 7) % 200]}/review`));
        if (k % 4 === 0) writers.push(api('PATCH', `/sessions/${ids[(k * 11) % 200]}`, { status: 'failed' }));
      }
      await Promise.all(writers);
      await assertReviewCountsExact(t, 'concurrent');
      // The view's total alone and with channel, status and type: read from the counter rows.
      const all = (await api('GET', '/sessions?limit=500')).json().data as Session[];
      const needs = all.filter((s) => s.reviewedAt === null && (s.status === 'failed' || s.stats.errors > 0));
      assert.ok(needs.length >= 10, `${needs.length} need review`);
      for (const [q, keep] of [
        ['', () => true],
        ['&channel=phone', (s: Session) => s.channel === 'phone'],
        [
          '&status=active,failed&type=chat',
          (s: Session) => ['active', 'failed'].includes(s.status) && s.type === 'chat',
        ],
      ] as const) {
        const page = await api('GET', `/sessions?problems=true&reviewed=false${q}&limit=1`);
        assert.equal(page.json().pagination.total, needs.filter(keep).length, q);
      }
    });

    test('the total of "Needs review" reads sessions_needs_review', async () => {
      // The statement countSessions runs for the view, its condition as the filter writes it.
      const f = { problems: true, reviewed: false } as const;
      assert.ok(needsReview(f));
      const q = t.store.db
        .selectFrom('sessions as s')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where((eb) => sessionFilterWhere(eb, dialect, t.orgId, f, { rangeFirst: true }))
        .compile();
      const explain = (prefix: string) => CompiledQuery.raw(`${prefix} ${q.sql}`, [...q.parameters]);
      let plan: string[];
      let names = ['sessions_needs_review'];
      if (dialect === 'sqlite')
        plan = (await t.store.db.executeQuery<{ detail: string }>(explain('EXPLAIN QUERY PLAN'))).rows.map(
          (r) => r.detail,
        );
      else {
        // Each month's partition has its own copy of the index.
        const { rows } = await sql<{ name: string }>`SELECT c.relname AS name FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
          WHERE p.relname = 'sessions_needs_review'`.execute(t.store.db);
        names = rows.map((r) => r.name);
        assert.ok(names.length > 0, 'sessions_needs_review on the partitions');
        // On a table this small the planner reads it whole; with that off it must still find an
        // index whose condition implies the filter's.
        plan = await t.store.db.transaction().execute(async (trx) => {
          // On Citus the plan that matters is the worker's: the setting goes there with the query.
          if (CITUS) await sql`SET LOCAL citus.propagate_set_commands = 'local'`.execute(trx);
          await sql`SET LOCAL enable_seqscan = off`.execute(trx);
          const res = await trx.executeQuery<{ 'QUERY PLAN': string }>(explain('EXPLAIN'));
          return res.rows.map((r) => r['QUERY PLAN']);
        });
      }
      // Citus names a shard's index after the table's, shortened with a hash when that is too
      // long, then its shard id: the start of the name is what stays.
      const shown = (n: string) => (CITUS ? n.slice(0, 40) : n);
      assert.ok(
        plan.some((line) => names.some((n) => line.includes(shown(n)))),
        `plan:\n${plan.join('\n')}\nindexes: ${names.join(', ')}`,
      );
    });
  });
}
