/**
 * The tag filter's totals and pages from the tag rows (0026; store/sessions/counts.ts `tagTotal`,
 * store/sessions/page.ts): for one tag, several, and with agent, channel, status, type and time,
 * the total and every page equal a brute-force filter of all the sessions, and session_tags and
 * session_tag_counts equal the sessions' own tag lists — after creates, PATCHes of tags and of
 * status, `session.update` items, a bulk tag job and retention's deletes. A score condition alone
 * is counted from session_scores: its totals too.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import type { Session } from '@switchboard/contracts';
import { sql, type CompiledQuery } from 'kysely';
import { buildApp } from '../../src/app.js';
import { bootstrap } from '../../src/bootstrap.js';
import { generateKey } from '../../src/lib/keys.js';
import { openStore } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { RetentionJob } from '../../src/services/retention.js';
import { addMonths, monthOf, monthStart } from '../../src/store/partitions.js';
import { assertReviewCountsExact, assertScoreRowsExact, assertTagRowsExact } from '../figures.js';
import { DIALECTS, type TestContext, call, freshDatabaseUrl, rng, seed, session, setup } from '../helpers.js';

const silent = { info() {}, warn() {}, error() {} };
const NOW = Date.now();
const DAY = 86_400_000;
/** Retention of 6 months removes these (older than the 6th month before this one). */
const OLD = monthStart(addMonths(monthOf(NOW), -8)) + 5 * DAY;
// `to_do` and `toxdo`: `_` is LIKE's wildcard, and the several-tag total tests lists with LIKE (0034).
const TAGS = ['red', 'green', 'blue', 'rare', 'to_do', 'toxdo'];
const iso = (ms: number) => new Date(ms).toISOString();

for (const dialect of DIALECTS) {
  describe(`tag filter totals and pages from the tag rows (${dialect})`, () => {
    let t: TestContext;
    let reviewKey: string;
    const api = (method: string, url: string, body?: unknown, key = t.adminKey) =>
      call(t.app, key, method as 'GET', `/api/v1${url}`, body);

    before(async () => {
      // Every filter paged in both orders, four times over: more reads than a minute's quota.
      t = await setup(dialect, {
        jobs: { backgroundJobs: { pollMs: 20, batchSize: 7 } },
        rateLimits: { read: 100_000 },
      });
      reviewKey = await t.key(['review', 'read']);
      const r = rng(26);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
      await seed(
        t.app,
        t.adminKey,
        Array.from({ length: 240 }, (_, i) => {
          const share: Record<string, number> = { rare: 0.04, toxdo: 0.15 };
          const tags = TAGS.filter((tag) => r() < (share[tag] ?? 0.35));
          // A few months back for most, some old enough for retention; some share a start time.
          const at = i % 20 === 0 ? OLD + i * 60_000 : NOW - 2 * DAY - Math.floor(i / 2) * 3 * 3_600_000;
          return {
            type: 'session',
            body: session({
              id: `tc-${i}`,
              agent: { id: pick(['a0', 'a1', 'a2']) },
              channel: pick(['web', 'phone', 'sip']),
              type: pick(['chat', 'voice']),
              status: pick(['active', 'completed', 'failed']),
              startedAt: iso(at),
              ...(tags.length ? { tags } : {}),
            }),
          };
        }),
      );
      for (let i = 0; i < 240; i += 3) {
        const res = await api('PUT', `/sessions/tc-${i}/scores/q`, { value: (i % 5) + 1 });
        assert.equal(res.statusCode, 200, res.body);
      }
      // Another organization's tags and scores count for it alone.
      const other = await t.otherOrg();
      await seed(
        t.app,
        other.key,
        Array.from({ length: 5 }, (_, i) => ({
          type: 'session',
          body: session({ id: `tc-${i}`, tags: ['red', 'rare'] }),
        })),
      );
      await call(t.app, other.key, 'PUT', '/api/v1/sessions/tc-0/scores/q', { value: 5 });
    });
    after(() => t.close());

    const FILTERS = [
      'tag=red',
      'tag=rare',
      'tag=nosuch',
      'tag=red,blue',
      'tag=red,green,blue,rare',
      'tag=red,nosuch',
      'tag=to_do,toxdo',
      'tag=toxdo,blue,to_do&status=failed,completed',
      'tag=green,red,blue&agentId=a2&channel=web,sip',
      'tag=red&status=failed',
      // Conditions no session of a tag meets: that tag is not walked (tagSizes).
      'tag=red&agentId=a9',
      'tag=red,rare&agentId=a9,a1&channel=web',
      'tag=red,blue&channel=phone&type=voice',
      'tag=green&agentId=a1,a2',
      'tag=blue&agentId=a0&status=completed,failed',
      `tag=green&from=${iso(NOW - 20 * DAY)}&to=${iso(NOW - 5 * DAY)}`,
      `tag=red,rare&from=${iso(NOW - 12 * DAY)}`,
      `tag=red,green&status=active&to=${iso(NOW - 9 * DAY)}`,
      // Whole days from session_tag_days and the edge days from the index (0028), or no whole day.
      `tag=blue&channel=web,phone&from=${iso(NOW - 30 * DAY)}`,
      `tag=red&status=completed,failed&from=${iso(NOW - 11 * DAY - 7 * 3_600_000)}&to=${iso(NOW - 3 * DAY + 5 * 3_600_000)}`,
      `tag=green&from=${iso(NOW - 4 * DAY)}&to=${iso(NOW - 4 * DAY + 9 * 3_600_000)}`,
      `tag=green,blue&type=voice&to=${iso(NOW - 6 * DAY - 3_600_000)}`,
    ];

    /** Every filter: the total and each page (by cursor, both orders, and by offset) as filtering all. */
    async function assertFiltersExact(label: string) {
      const res = await api('GET', '/sessions?limit=500');
      const all = res.json().data as Session[];
      assert.equal(res.json().pagination.total, all.length);
      for (const q of FILTERS) {
        const p = new URLSearchParams(q);
        const tags = (p.get('tag') ?? '').split(',');
        const within = (key: string, value: string) => !p.get(key) || p.get(key)?.split(',').includes(value);
        const expected = all
          .filter(
            (s) =>
              s.tags.some((tag) => tags.includes(tag)) &&
              within('status', s.status) &&
              within('channel', s.channel) &&
              within('type', s.type) &&
              within('agentId', s.agent.id) &&
              (!p.get('from') || Date.parse(s.startedAt) >= Date.parse(p.get('from') as string)) &&
              (!p.get('to') || Date.parse(s.startedAt) < Date.parse(p.get('to') as string)),
          )
          .map((s) => s.id);
        for (const [sort, ids] of [
          ['-startedAt', expected],
          ['startedAt', [...expected].reverse()],
        ] as const) {
          // Ties in start time are broken by pk, which ascends with the id's creation order here.
          const got: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await api('GET', `/sessions?${q}&sort=${sort}&limit=9${cursor ? `&cursor=${cursor}` : ''}`);
            assert.equal(page.statusCode, 200, page.body);
            assert.equal(page.json().pagination.total, expected.length, `${label}: total of ${q}`);
            got.push(...page.json().data.map((s: Session) => s.id));
            cursor = page.json().pagination.nextCursor ?? undefined;
          } while (cursor);
          assert.deepEqual(got, ids, `${label}: ${q} sorted ${sort}, page by page`);
        }
        const offset = await api('GET', `/sessions?${q}&limit=4&offset=5`);
        assert.deepEqual(
          offset.json().data.map((s: Session) => s.id),
          expected.slice(5, 9),
          `${label}: ${q} by offset`,
        );
      }
      for (const [q, keep] of [
        ['score.q=5', (s: Session) => s.scores.q === 5],
        ['score.q%5Bgte%5D=3', (s: Session) => Number(s.scores.q) >= 3],
        ['score.q%5Bgte%5D=2.5', (s: Session) => Number(s.scores.q) >= 2.5],
      ] as const) {
        const expected = all.filter(keep).map((s) => s.id);
        const page = (await api('GET', `/sessions?${q}&limit=9`)).json();
        assert.equal(page.pagination.total, expected.length, `${label}: total of ${q}`);
        assert.deepEqual(
          page.data.map((s: Session) => s.id),
          expected.slice(0, 9),
          `${label}: ${q}`,
        );
      }
      const counts = new Map<string, number>();
      for (const s of all) for (const tag of s.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
      const listed = (await api('GET', '/tags')).json().data as Array<{ tag: string; count: number }>;
      assert.deepEqual(
        Object.fromEntries(listed.map((l) => [l.tag, l.count])),
        Object.fromEntries([...counts].sort()),
        `${label}: GET /tags`,
      );
      await assertTagRowsExact(t, label);
    }

    test('a tag whose sessions none meet the conditions: the counters say so once, and no tag row is read', async () => {
      // Every statement the server runs, seen on its way to the driver.
      const executor = t.store.db.getExecutor();
      const run = executor.executeQuery.bind(executor);
      const seen: string[] = [];
      executor.executeQuery = ((q: CompiledQuery) => {
        seen.push(q.sql);
        return run(q);
      }) as typeof executor.executeQuery;
      try {
        for (const q of [
          'tag=red&agentId=a9',
          'tag=red,blue&agentId=a9&status=failed',
          `tag=red&agentId=a9&from=${iso(NOW - 20 * DAY)}`,
        ]) {
          seen.length = 0;
          const res = await api('GET', `/sessions?${q}&limit=5`);
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(res.json().pagination.total, 0, q);
          assert.deepEqual(res.json().data, [], q);
          const reads = (table: string) => seen.filter((sql) => new RegExp(`"${table}"|\\b${table}\\b`).test(sql));
          assert.equal(
            reads('session_tag_counts').length,
            1,
            `${q}: the tags' sizes read ${reads('session_tag_counts').length} times`,
          );
          assert.deepEqual(reads('session_tags'), [], `${q}: no tag row read`);
        }
      } finally {
        executor.executeQuery = run;
      }
    });

    test('as created', async () => {
      await assertFiltersExact('created');
    });

    test('after PATCHes of tags and of status, and session.update items with both', async () => {
      // Terminal statuses are final: the status changes are those of active sessions.
      const active = ((await api('GET', '/sessions?status=active&limit=500')).json().data as Session[]).map(
        (s) => s.id,
      );
      assert.ok(active.length >= 40, `${active.length} active`);
      for (let i = 1; i < 240; i += 9) {
        const res = await api(
          'PATCH',
          `/sessions/tc-${i}`,
          { addTags: ['Red', 'rare'], removeTags: ['blue'] },
          reviewKey,
        );
        assert.equal(res.statusCode, 200, res.body);
      }
      for (const [k, id] of active.slice(0, 20).entries()) {
        const res = await api('PATCH', `/sessions/${id}`, { status: k % 2 ? 'failed' : 'completed' });
        assert.equal(res.statusCode, 200, res.body);
      }
      for (let i = 3; i < 240; i += 11) {
        const res = await api('PATCH', `/sessions/tc-${i}`, { tags: ['green'] });
        assert.equal(res.statusCode, 200, res.body);
      }
      const batch: Array<{ type: string; body: Record<string, unknown> }> = active.slice(20, 40).map((id, k) => ({
        type: 'session.update',
        body: {
          id,
          status: 'failed',
          ...(k % 2 ? { addTags: ['blue'] } : { removeTags: ['red', 'green'] }),
        },
      }));
      // The same session twice in one batch: its second change sees the first.
      batch.push({ type: 'session.update', body: { id: active[40] ?? active[39], addTags: ['red'] } });
      batch.push({ type: 'session.update', body: { id: active[40] ?? active[39], removeTags: ['red'] } });
      await seed(t.app, t.adminKey, batch);
      await assertFiltersExact('patched');
    });

    test('after a bulk tag job', async () => {
      const res = await api('POST', '/sessions/bulk', {
        filters: 'tag=red&status=failed',
        action: { addTags: ['triaged', 'blue'], removeTags: ['red'] },
      });
      assert.equal(res.statusCode, 202, res.body);
      const { jobId } = res.json();
      for (;;) {
        const job = (await api('GET', `/jobs/${jobId}`)).json();
        if (job.status === 'succeeded') break;
        assert.notEqual(job.status, 'failed', JSON.stringify(job));
        await new Promise((r) => setTimeout(r, 20));
      }
      FILTERS.push('tag=triaged', 'tag=triaged,red&channel=web');
      await assertFiltersExact('bulk');
    });

    test("after retention's deletes", async () => {
      const before = (await api('GET', '/sessions?limit=1')).json().pagination.total;
      const removed = await new RetentionJob(t.store, 6, silent).run(NOW);
      assert.equal(removed.sessions, 12);
      assert.equal((await api('GET', '/sessions?limit=1')).json().pagination.total, before - 12);
      await assertFiltersExact('retention');
    });
  });

  test(`0026 to 0036 upgrade: tag and score rows written before them get their sessions' columns, lists, counts and days (${dialect})`, async () => {
    const db = await freshDatabaseUrl(dialect);
    const store = openStore(db.url);
    try {
      await migrate(store, '0025_redaction');
      const adminKey = generateKey();
      const { orgId } = await bootstrap(store, { adminKey, dataDir: tmpdir() });
      const app = await buildApp({ store, webDir: '/nonexistent' });
      await app.ready();
      // Untagged through today's routes; the tags as 0022's schema held them, written here.
      await seed(
        app,
        adminKey,
        ['web', 'phone', 'sip', 'web'].map((channel, i) => ({
          type: 'session',
          body: session({ id: `u-${i}`, channel, status: i % 2 ? 'failed' : 'completed' }),
        })),
      );
      await app.close();
      const rows = await store.db.selectFrom('sessions').select(['pk', 'started_at', 'id']).execute();
      for (const r of rows) {
        const tags = r.id === 'u-0' ? ['a'] : ['a', 'b'];
        await sql`UPDATE sessions SET tags = ${JSON.stringify(tags)} WHERE pk = ${r.pk}`.execute(store.db);
        for (const tag of tags)
          await sql`INSERT INTO session_tags (org_id, tag, started_at, session_pk)
            VALUES (${orgId}, ${tag}, ${r.started_at}, ${r.pk})`.execute(store.db);
        // Scores as 0022 held them: 0035 copies the sessions' columns, 0036 their tag lists.
        if (r.id !== 'u-3') {
          const value = r.id === 'u-2' ? 3 : 5;
          await sql`UPDATE sessions SET scores = ${JSON.stringify({ q: value })} WHERE pk = ${r.pk}`.execute(store.db);
          await sql`INSERT INTO session_scores (org_id, session_pk, started_at, name, value, value_text, value_num,
              author, updated_at)
            VALUES (${orgId}, ${r.pk}, ${r.started_at}, 'q', ${String(value)}, ${String(value)}, ${value},
              ${JSON.stringify({ type: 'key', id: 'k', name: 'k' })}, ${Date.now()})`.execute(store.db);
        }
      }
      // 0028 fills session_tag_days from the rows 0026 completed; 0029 counts the failed sessions.
      assert.deepEqual(await migrate(store), [
        '0026_tag_counts',
        '0027_citus',
        '0028_review_indexes',
        '0029_review_counts',
        '0030_transcript_org',
        '0031_replica_identity',
        '0032_batch_rollups',
        '0033_tag_review_columns',
        '0034_tag_sets',
        '0035_score_columns',
        '0036_score_tag_sets',
      ]);
      await assertTagRowsExact({ store, orgId } as TestContext, 'upgraded');
      await assertScoreRowsExact({ store, orgId } as TestContext, 'upgraded');
      await assertReviewCountsExact({ store, orgId } as TestContext, 'upgraded');
      assert.equal(
        Number(
          (
            await store.db
              .selectFrom('session_review_counts')
              .select((eb) => eb.fn.sum<number>('n').as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
        2,
      );
      const after = await buildApp({ store, webDir: '/nonexistent' });
      await after.ready();
      const total = async (q: string) =>
        (await call(after, adminKey, 'GET', `/api/v1/sessions?${q}`)).json().pagination.total;
      assert.deepEqual(
        [await total('tag=a'), await total('tag=b&status=failed'), await total('tag=a,b&channel=web')],
        [4, 2, 2],
      );
      assert.deepEqual([await total('tag=a&score.q=5'), await total('tag=b&score.q%5Bgte%5D=4')], [2, 1]);
      await after.close();
    } finally {
      await store.close();
      await db.drop();
    }
  });
}
