/**
 * Tags set where sessions are written (routes/sessions.ts, services/ingest.ts, services/tags.ts):
 * at create (`POST /sessions`, the `/ingest` batch's `session` items) and by `PATCH /sessions/:id`
 * and the batch's `session.update` items, folded and limited as `PATCH /sessions/:id/tags` does,
 * one `session.updated` per change and none without one, the scopes of each field, and
 * `GET /tags` counting exactly what the sessions hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IngestBatchResult, Session } from '@switchboard/contracts';
import { type CompiledQuery, type QueryExecutor, sql } from 'kysely';
import { readOutbox } from '../../src/store/outbox.js';
import { assertTagRowsExact } from '../figures.js';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, session, setup } from '../helpers.js';

for (const dialect of DIALECTS) {
  describe(`session tags at create and update (${dialect})`, () => {
    let t: TestContext;
    let ingestKey: string;
    let reviewKey: string;
    let readKey: string;
    const api = (method: string, url: string, body?: unknown, key = ingestKey) =>
      call(t.app, key, method as 'GET', `/api/v1${url}`, body);
    const outboxLength = async () => (await readOutbox(t.store.db, t.orgId, 0, 1_000_000)).length;
    const eventsSince = async (n: number) =>
      (await readOutbox(t.store.db, t.orgId, 0, 1_000_000)).slice(n).map((e) => ({
        type: e.type,
        tags: e.type.startsWith('session.') ? (JSON.parse(String(e.payload)) as Session).tags : undefined,
      }));
    const tagsOf = async (id: string) => (await api('GET', `/sessions/${id}`, undefined, readKey)).json().tags;

    /** `GET /tags` equals the tags counted from the sessions' own rows. */
    async function assertCountsExact() {
      const rows = await sql<{
        tags: string;
      }>`SELECT CAST(tags AS TEXT) AS tags FROM sessions WHERE org_id = ${t.orgId}`.execute(t.store.db);
      const expected = new Map<string, number>();
      for (const r of rows.rows)
        for (const tag of JSON.parse(r.tags) as string[]) expected.set(tag, (expected.get(tag) ?? 0) + 1);
      const got = (await api('GET', '/tags', undefined, readKey)).json().data as Array<{ tag: string; count: number }>;
      assert.deepEqual(Object.fromEntries(got.map((g) => [g.tag, g.count])), Object.fromEntries([...expected].sort()));
    }

    before(async () => {
      t = await setup(dialect);
      ingestKey = await t.key(['ingest']);
      reviewKey = await t.key(['review', 'read']);
      readKey = await t.key(['read']);
    });
    after(() => t.close());

    test('POST /sessions: tags folded to lower case, each once; bad and too many refused', async () => {
      const before = await outboxLength();
      const res = await api('POST', '/sessions', session({ id: 'c-1', tags: ['Refund', 'refund', 'VIP', 'lang:de'] }));
      assert.equal(res.statusCode, 201, res.body);
      assertShape(Session, res.json());
      assert.deepEqual(res.json().tags, ['refund', 'vip', 'lang:de']);
      assert.deepEqual(await tagsOf('c-1'), ['refund', 'vip', 'lang:de']);
      // The same create again (tags in another case) is the same create: 200, nothing new.
      const again = await api('POST', '/sessions', session({ id: 'c-1', tags: ['REFUND', 'vip', 'Lang:DE'] }));
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual(again.json().tags, ['refund', 'vip', 'lang:de']);
      assertProblem(await api('POST', '/sessions', session({ id: 'c-1', tags: ['other'] })), 409);
      // No tags and an empty list are one and the same create.
      assert.equal((await api('POST', '/sessions', session({ id: 'c-2' }))).statusCode, 201);
      const empty = await api('POST', '/sessions', session({ id: 'c-2', tags: [] }));
      assert.equal(empty.statusCode, 200, empty.body);
      assert.deepEqual(empty.json().tags, []);
      assert.deepEqual(
        (await eventsSince(before)).map((e) => e.type),
        ['session.started', 'session.started'],
      );
      assert.deepEqual((await eventsSince(before))[0].tags, ['refund', 'vip', 'lang:de']);

      assertProblem(await api('POST', '/sessions', session({ tags: ['no spaces'] })), 400, ['/tags/0']);
      assertProblem(await api('POST', '/sessions', session({ tags: ['-first'] })), 400, ['/tags/0']);
      assertProblem(await api('POST', '/sessions', session({ tags: ['x'.repeat(41)] })), 400, ['/tags/0']);
      const many = Array.from({ length: 21 }, (_, i) => `t${i}`);
      assertProblem(await api('POST', '/sessions', session({ tags: many })), 400, ['/tags']);
      // Twenty, the most a session holds, are taken.
      const twenty = await api('POST', '/sessions', session({ id: 'c-20', tags: many.slice(0, 20) }));
      assert.equal(twenty.statusCode, 201, twenty.body);
      await assertCountsExact();
    });

    test('PATCH /sessions/:id: tags replace, addTags and removeTags change; one event per change', async () => {
      await api('POST', '/sessions', session({ id: 'p-1', tags: ['a'] }));
      const before = await outboxLength();
      const replaced = await api('PATCH', '/sessions/p-1', { tags: ['B', 'c'] });
      assert.equal(replaced.statusCode, 200, replaced.body);
      assertShape(Session, replaced.json());
      assert.deepEqual(replaced.json().tags, ['b', 'c']);
      const changed = await api('PATCH', '/sessions/p-1', { addTags: ['D', 'b'], removeTags: ['C'] });
      assert.deepEqual(changed.json().tags, ['b', 'd']);
      // Tags with metadata: one change, one event.
      const both = await api('PATCH', '/sessions/p-1', { addTags: ['e'], metadata: { intent: 'refund' } });
      assert.deepEqual(both.json().tags, ['b', 'd', 'e']);
      assert.equal(both.json().metadata.intent, 'refund');
      // Nothing changes, nothing is told.
      const same = await api('PATCH', '/sessions/p-1', { tags: ['b', 'd', 'e'], removeTags: ['zzz'] });
      assert.equal(same.statusCode, 200, same.body);
      assert.deepEqual(same.json().tags, ['b', 'd', 'e']);
      const events = await eventsSince(before);
      assert.deepEqual(
        events.map((e) => e.type),
        ['session.updated', 'session.updated', 'session.updated'],
      );
      assert.deepEqual(
        events.map((e) => e.tags),
        [
          ['b', 'c'],
          ['b', 'd'],
          ['b', 'd', 'e'],
        ],
      );
      // Ending with tags: one session.updated and the ending.
      const before2 = await outboxLength();
      const ended = await api('PATCH', '/sessions/p-1', { status: 'completed', removeTags: ['e'] });
      assert.deepEqual(ended.json().tags, ['b', 'd']);
      assert.deepEqual(
        (await eventsSince(before2)).map((e) => e.type),
        ['event.created', 'session.updated', 'session.ended'],
      );

      const full = Array.from({ length: 19 }, (_, i) => `f${i}`);
      assert.equal((await api('PATCH', '/sessions/p-1', { tags: [...full, 'x'] })).statusCode, 200);
      const over = assertProblem(await api('PATCH', '/sessions/p-1', { addTags: ['y'] }), 422);
      assert.match(over.detail, /at most 20/);
      assertProblem(await api('PATCH', '/sessions/p-1', { addTags: ['not ok'] }), 400, ['/addTags/0']);
      assertProblem(await api('PATCH', '/sessions/nowhere', { addTags: ['a'] }), 404);
      assert.equal((await tagsOf('p-1')).length, 20);
      await assertCountsExact();
    });

    test('a change of tags alone is not activity; other fields are', async () => {
      await api('POST', '/sessions', session({ id: 'idle-1' }));
      const activity = async () =>
        Number(
          (
            await t.store.db
              .selectFrom('sessions')
              .select('last_activity_at')
              .where('org_id', '=', t.orgId)
              .where('id', '=', 'idle-1')
              .executeTakeFirstOrThrow()
          ).last_activity_at,
        );
      const at = await activity();
      await t.store.db
        .updateTable('sessions')
        .set({ last_activity_at: at - 60_000 })
        .where('org_id', '=', t.orgId)
        .where('id', '=', 'idle-1')
        .execute();
      await api('PATCH', '/sessions/idle-1', { addTags: ['looked-at'] }, reviewKey);
      assert.equal(await activity(), at - 60_000);
      await api('PATCH', '/sessions/idle-1', { metadata: { step: 2 } });
      assert.ok((await activity()) >= at);
    });

    test('scopes: ingest changes anything, review only the tags, read nothing', async () => {
      await api('POST', '/sessions', session({ id: 's-1' }));
      const tagged = await api('PATCH', '/sessions/s-1', { addTags: ['Reviewed-Later'] }, reviewKey);
      assert.equal(tagged.statusCode, 200, tagged.body);
      assert.deepEqual(tagged.json().tags, ['reviewed-later']);
      const mixed = assertProblem(
        await api('PATCH', '/sessions/s-1', { addTags: ['x'], status: 'failed' }, reviewKey),
        403,
      );
      assert.match(mixed.detail, /status needs the ingest scope/);
      assertProblem(await api('PATCH', '/sessions/s-1', { metadata: { a: 1 } }, reviewKey), 403);
      assertProblem(await api('PATCH', '/sessions/s-1', {}, reviewKey), 403);
      assertProblem(await api('PATCH', '/sessions/s-1', { addTags: ['x'] }, readKey), 403);
      // Creating stays an ingest write, tags or not.
      assertProblem(await api('POST', '/sessions', session({ tags: ['x'] }), reviewKey), 403);
      assertProblem(
        await api(
          'POST',
          '/ingest',
          { batch: [{ type: 'session.update', body: { id: 's-1', addTags: ['x'] } }] },
          reviewKey,
        ),
        403,
      );
      // A session was refused whole: its tags and status are as they were.
      const s = (await api('GET', '/sessions/s-1', undefined, readKey)).json();
      assert.deepEqual(s.tags, ['reviewed-later']);
      assert.equal(s.status, 'active');
      // An admin key (every scope) changes anything.
      const admin = await api('PATCH', '/sessions/s-1', { addTags: ['y'], metadata: { a: 1 } }, t.adminKey);
      assert.equal(admin.statusCode, 200, admin.body);
      assert.deepEqual(admin.json().tags, ['reviewed-later', 'y']);
    });

    test('POST /ingest: session and session.update items with tags, each on its own, in order', async () => {
      const before = await outboxLength();
      const batch = [
        { type: 'session', body: session({ id: 'b-1', tags: ['Batch', 'one'] }) },
        { type: 'session', body: session({ id: 'b-2' }) },
        { type: 'message', body: { sessionId: 'b-1', sender: 'user', content: 'hi' } },
        { type: 'session.update', body: { id: 'b-1', addTags: ['two'], removeTags: ['one'] } },
        { type: 'session.update', body: { id: 'b-2', tags: ['Fresh'] } },
        { type: 'session.update', body: { id: 'b-1', addTags: ['BATCH'] } },
        { type: 'session.update', body: { id: 'b-1', tags: ['three'], status: 'completed' } },
        { type: 'session.update', body: { id: 'b-2', addTags: Array.from({ length: 20 }, (_, i) => `m${i}`) } },
        { type: 'session.update', body: { id: 'b-2', addTags: ['Bad Tag'] } },
        { type: 'session', body: session({ id: 'b-3', tags: ['x'.repeat(41)] }) },
        { type: 'session.update', body: { id: 'nowhere', addTags: ['a'] } },
        { type: 'session', body: session({ id: 'b-1', tags: ['batch', 'one'] }) },
      ];
      const res = await api('POST', '/ingest', { batch });
      assert.equal(res.statusCode, 207, res.body);
      assertShape(IngestBatchResult, res.json());
      assert.deepEqual(
        res.json().results.map((r: { status: number }) => r.status),
        [201, 201, 201, 200, 200, 200, 200, 422, 400, 400, 404, 200],
      );
      assert.deepEqual(await tagsOf('b-1'), ['three']);
      assert.deepEqual(await tagsOf('b-2'), ['fresh']);
      const events = await eventsSince(before);
      assert.deepEqual(
        events.filter((e) => e.type === 'session.updated').map((e) => e.tags),
        [['batch', 'two'], ['fresh'], ['three']],
        'one session.updated per change; the repeated add of a held tag told no one',
      );
      await assertCountsExact();

      // The same batch again: every create answers 200, the updates find what they set.
      const again = await api('POST', '/ingest', {
        batch: [
          { type: 'session', body: session({ id: 'b-4', tags: ['again'] }) },
          { type: 'session', body: session({ id: 'b-4', tags: ['AGAIN'] }) },
          { type: 'session.update', body: { id: 'b-4', removeTags: ['again'] } },
          { type: 'session.update', body: { id: 'b-4', addTags: ['again'] } },
        ],
      });
      assert.deepEqual(
        again.json().results.map((r: { status: number }) => r.status),
        [201, 200, 200, 200],
      );
      assert.deepEqual(await tagsOf('b-4'), ['again']);
      await assertCountsExact();
    });

    test('a batch writes a tagged session it creates once: its row and its tag rows in their final state', async () => {
      // Every statement the server runs, seen on its way to the driver (on the executors'
      // prototype: a transaction's executor is another object).
      const executor = Object.getPrototypeOf(t.store.db.getExecutor()) as QueryExecutor;
      const run = executor.executeQuery;
      const seen: string[] = [];
      executor.executeQuery = function (this: QueryExecutor, q: CompiledQuery) {
        seen.push(q.sql);
        return run.call(this, q);
      } as typeof executor.executeQuery;
      let res: Awaited<ReturnType<typeof api>>;
      try {
        res = await api('POST', '/ingest', {
          batch: [
            ...['wo-1', 'wo-2', 'wo-3'].flatMap((id, i) => [
              { type: 'session', body: session({ id, ...(i < 2 ? { tags: ['Once', `w${i}`] } : {}) }) },
              { type: 'message', body: { sessionId: id, sender: 'user', content: 'hi' } },
            ]),
            { type: 'session.update', body: { id: 'wo-2', removeTags: ['once'] } },
            { type: 'session.update', body: { id: 'wo-3', addTags: ['late'] } },
            ...['wo-1', 'wo-2', 'wo-3'].map((id) => ({ type: 'session.update', body: { id, status: 'completed' } })),
          ],
        });
      } finally {
        executor.executeQuery = run;
      }
      assert.ok(res.statusCode < 300, res.body);
      assert.ok(
        res.json().results.every((r: { status: number }) => r.status < 300),
        res.body,
      );
      const writes = (table: string) =>
        seen.filter((q) => new RegExp(`^\\s*(insert into|update|delete from) "?${table}"?\\s`, 'i').test(q));
      // Before, a tagged create left the batch's single insert: inserted at once, then updated at
      // the end of the batch, and each tag row's copy of its status moved with it.
      assert.equal(writes('sessions').length, 1, writes('sessions').join('\n'));
      assert.match(writes('sessions')[0], /^insert/i);
      assert.deepEqual(
        writes('session_tags').map((q) => q.trim().split(/\s/)[0].toLowerCase()),
        writes('session_tags').map(() => 'insert'),
      );
      assert.deepEqual(await tagsOf('wo-1'), ['once', 'w0']);
      assert.deepEqual(await tagsOf('wo-2'), ['w1']);
      assert.deepEqual(await tagsOf('wo-3'), ['late']);
      await assertTagRowsExact(t, 'a batch of tagged creates');
      await assertCountsExact();
      for (const [q, ids] of [
        ['tag=once&status=completed', ['wo-1']],
        ['tag=late', ['wo-3']],
        ['tag=w1&status=active', []],
      ] as const)
        assert.deepEqual(
          (await api('GET', `/sessions?${q}`, undefined, readKey)).json().data.map((s: Session) => s.id),
          ids,
          q,
        );
    });

    test('a tag or score with other filters: the same sessions, in order, page by page, as filtering all', async () => {
      const base = Date.parse('2026-01-01T00:00:00Z');
      const batch = Array.from({ length: 120 }, (_, i) => ({
        type: 'session',
        body: session({
          id: `w-${i}`,
          channel: i % 3 ? 'web' : 'phone',
          status: i % 4 ? 'completed' : 'failed',
          // Some share a start time: the keyset's tie-break by pk is exercised.
          startedAt: new Date(base + Math.floor(i / 2) * 60_000).toISOString(),
          ...(i % 2 ? { tags: ['walk'] } : {}),
        }),
      }));
      const res = await api('POST', '/ingest', { batch });
      assert.ok(
        res.json().results.every((r: { status: number }) => r.status === 201),
        res.body,
      );
      for (const i of [1, 5, 9, 13, 17, 40, 41, 77]) {
        const r = await api('PUT', `/sessions/w-${i}/scores/q`, { value: i % 2 ? 5 : 3 }, t.adminKey);
        assert.equal(r.statusCode, 200, r.body);
      }
      const all = (
        await api('GET', '/sessions?limit=500&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z', undefined, readKey)
      ).json().data as Session[];
      const cases: Array<[string, (s: Session) => boolean]> = [
        ['tag=walk&status=failed', (s) => s.tags.includes('walk') && s.status === 'failed'],
        ['tag=walk&channel=phone', (s) => s.tags.includes('walk') && s.channel === 'phone'],
        ['tag=walk&from=2026-01-01T00:20:00Z', (s) => s.tags.includes('walk') && s.startedAt >= '2026-01-01T00:20:00'],
        ['tag=walk&score.q=5', (s) => s.tags.includes('walk') && s.scores.q === 5],
        ['score.q=5&channel=web', (s) => s.scores.q === 5 && s.channel === 'web'],
      ];
      for (const [q, keep] of cases) {
        const expected = all.filter(keep).map((s) => s.id);
        const got: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await api(
            'GET',
            `/sessions?${q}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
            undefined,
            readKey,
          );
          assert.equal(page.statusCode, 200, page.body);
          got.push(...page.json().data.map((s: Session) => s.id));
          assert.equal(page.json().pagination.total, expected.length, q);
          cursor = page.json().pagination.nextCursor ?? undefined;
        } while (cursor);
        assert.deepEqual(got, expected, q);
        const second = await api('GET', `/sessions?${q}&limit=3&offset=3`, undefined, readKey);
        assert.deepEqual(
          second.json().data.map((s: Session) => s.id),
          expected.slice(3, 6),
          `${q} by offset`,
        );
      }
    });

    test('the tag filter finds sessions tagged at create and by PATCH', async () => {
      await api('POST', '/sessions', session({ id: 'f-1', tags: ['needle'] }));
      await api('POST', '/sessions', session({ id: 'f-2' }));
      await api('PATCH', '/sessions/f-2', { addTags: ['Needle'] }, reviewKey);
      await api('POST', '/sessions', session({ id: 'f-3', tags: ['needle'] }));
      await api('PATCH', '/sessions/f-3', { removeTags: ['needle'] });
      const list = await api('GET', '/sessions?tag=needle', undefined, readKey);
      assert.deepEqual(
        list
          .json()
          .data.map((s: { id: string }) => s.id)
          .sort(),
        ['f-1', 'f-2'],
      );
    });
  });
}
