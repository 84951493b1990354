/**
 * Review (src/routes/review.ts, services/review.ts, store/review.ts): tags, scores, notes and the
 * reviewed mark with their scopes, their filters on every read that takes the shared filters,
 * their events on the outbox, tag counts, the metrics' score means, saved views, bulk jobs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Job, Metrics, Note, SavedView, Session, SessionDetail, SessionList } from '@switchboard/contracts';
import { readOutbox } from '../../src/store/outbox.js';
import { connectSse } from '../sse.js';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, session, setup } from '../helpers.js';

for (const dialect of DIALECTS) {
  describe(`review (${dialect})`, () => {
    let t: TestContext;
    let reviewKey: string;
    let ingestKey: string;
    let readKey: string;
    const api = (method: string, url: string, body?: unknown, key = reviewKey) =>
      call(t.app, key, method as 'GET', `/api/v1${url}`, body);
    const ids = (res: { json(): { data: Array<{ id: string }> } }) =>
      res
        .json()
        .data.map((s) => s.id)
        .sort();

    before(async () => {
      t = await setup(dialect, { jobs: { backgroundJobs: { pollMs: 50, batchSize: 7 } } });
      reviewKey = await t.key(['review', 'read']);
      ingestKey = await t.key(['ingest']);
      readKey = await t.key(['read']);
      const base = Date.now() - 60_000;
      for (let i = 0; i < 30; i++) {
        const res = await call(
          t.app,
          ingestKey,
          'POST',
          '/api/v1/sessions',
          session({
            id: `r-${String(i).padStart(2, '0')}`,
            status: i % 3 === 0 ? 'failed' : 'active',
            startedAt: new Date(base + i * 1000).toISOString(),
          }),
        );
        assert.equal(res.statusCode, 201, res.body);
      }
    });
    after(() => t.close());

    test('scopes: review writes, ingest only tags, read nothing, admin everything', async () => {
      // An ingest key may tag (and the tags fold to lower case, each once).
      const tagged = await api('PATCH', '/sessions/r-00/tags', { tags: ['Refund', 'refund', 'vip'] }, ingestKey);
      assert.equal(tagged.statusCode, 200, tagged.body);
      assertShape(Session, tagged.json());
      assert.deepEqual(tagged.json().tags, ['refund', 'vip']);
      // …but not score, note or review.
      assertProblem(await api('PUT', '/sessions/r-00/scores/quality', { value: 4 }, ingestKey), 403);
      assertProblem(await api('POST', '/sessions/r-00/notes', { body: 'x' }, ingestKey), 403);
      assertProblem(await api('POST', '/sessions/r-00/review', undefined, ingestKey), 403);
      assertProblem(await api('POST', '/sessions/bulk', { filters: '', action: { review: true } }, ingestKey), 403);
      // A review key cannot ingest or administer.
      assertProblem(await api('POST', '/sessions', session({ id: 'nope' })), 403);
      assertProblem(await api('PATCH', '/sessions/r-00', { metadata: { a: 1 } }), 403);
      assertProblem(await api('GET', '/keys'), 403);
      // A read key reads tags and views but writes none.
      assert.equal((await api('GET', '/tags', undefined, readKey)).statusCode, 200);
      assertProblem(await api('PATCH', '/sessions/r-00/tags', { addTags: ['x'] }, readKey), 403);
      // Admin implies review.
      const adminOnly = await t.key(['admin']);
      assert.equal((await api('PUT', '/sessions/r-29/scores/quality', { value: 2 }, adminOnly)).statusCode, 200);
    });

    test('tags: add, remove, limits, bad input', async () => {
      const add = await api('PATCH', '/sessions/r-01/tags', { addTags: ['billing', 'vip'] });
      assert.deepEqual(add.json().tags, ['billing', 'vip']);
      const rm = await api('PATCH', '/sessions/r-01/tags', { removeTags: ['VIP'], addTags: ['escalated'] });
      assert.deepEqual(rm.json().tags, ['billing', 'escalated']);
      assertProblem(await api('PATCH', '/sessions/r-01/tags', { addTags: ['no spaces'] }), 400);
      assertProblem(await api('PATCH', '/sessions/r-01/tags', {}), 400);
      const many = Array.from({ length: 19 }, (_, i) => `t${i}`);
      assertProblem(await api('PATCH', '/sessions/r-01/tags', { addTags: many }), 422);
      assertProblem(await api('PATCH', '/sessions/nowhere/tags', { addTags: ['a'] }), 404);
      const detail = (await api('GET', '/sessions/r-01', undefined, readKey)).json();
      assert.deepEqual(detail.tags, ['billing', 'escalated']);
    });

    test('tag, score, reviewed and problems filters on list, metrics, export; GET /tags', async () => {
      await api('PATCH', '/sessions/r-02/tags', { tags: ['billing'] });
      await api('PUT', '/sessions/r-03/scores/quality', { value: 5, comment: 'great' });
      await api('PUT', '/sessions/r-04/scores/quality', { value: 3 });
      await api('PUT', '/sessions/r-04/scores/resolved', { value: true });
      await api('PUT', '/sessions/r-05/scores/resolved', { value: 'partly' });
      assert.equal((await api('POST', '/sessions/r-06/review')).statusCode, 200);

      const list = async (q: string) => {
        const res = await api('GET', `/sessions?limit=500&${q}`, undefined, readKey);
        assert.equal(res.statusCode, 200, res.body);
        assertShape(SessionList, res.json());
        return ids(res);
      };
      assert.deepEqual(await list('tag=billing'), ['r-01', 'r-02']);
      assert.deepEqual(await list('tag=billing,refund'), ['r-00', 'r-01', 'r-02']);
      assert.deepEqual(await list('tag=BILLING&status=active'), ['r-01', 'r-02']);
      assert.deepEqual(await list('score.quality[gte]=4'), ['r-03']);
      assert.deepEqual(await list('score.quality[gte]=2'), ['r-03', 'r-04', 'r-29']);
      assert.deepEqual(await list('score.quality=3'), ['r-04']);
      assert.deepEqual(await list('score.resolved=true'), ['r-04']);
      assert.deepEqual(await list('score.resolved=partly'), ['r-05']);
      assert.deepEqual(await list('reviewed=true'), ['r-06']);
      assert.equal((await list('reviewed=false')).length, 29);
      // Failed (every third) or with errors, not reviewed.
      assert.deepEqual(
        await list('problems=true&reviewed=false'),
        [0, 3, 9, 12, 15, 18, 21, 24, 27].map((i) => `r-${String(i).padStart(2, '0')}`),
      );
      const total = (await api('GET', '/sessions?tag=billing&limit=1', undefined, readKey)).json().pagination.total;
      assert.equal(total, 2);

      for (const bad of [
        'tag=a%20b',
        'score.Quality=1',
        'score.quality[gt]=1',
        'score.quality[gte]=x',
        'reviewed=maybe',
      ])
        assertProblem(await api('GET', `/sessions?${bad}`, undefined, readKey), 400);

      const m = await api('GET', '/sessions/metrics?tag=billing,refund', undefined, readKey);
      assertShape(Metrics, m.json());
      assert.equal(m.json().totalSessions, 3);
      assert.deepEqual(m.json().scores, {});
      const all = (await api('GET', '/sessions/metrics', undefined, readKey)).json();
      assert.deepEqual(all.scores.quality, { mean: (5 + 3 + 2) / 3, count: 3 });
      assert.equal(all.scores.resolved, undefined, 'non-numeric scores have no mean');
      const some = (await api('GET', '/sessions/metrics?score.quality[gte]=3', undefined, readKey)).json();
      assert.deepEqual(some.scores.quality, { mean: 4, count: 2 });

      const tags = (await api('GET', '/tags', undefined, readKey)).json().data;
      assert.deepEqual(tags.slice(0, 2), [
        { tag: 'billing', count: 2 },
        { tag: 'escalated', count: 1 },
      ]);

      const csv = await api('GET', '/sessions/export?format=csv&tag=billing', undefined, readKey);
      assert.equal(csv.statusCode, 200, csv.body);
      const lines = csv.body.trim().split('\r\n');
      assert.equal(lines.length, 3);
      assert.match(lines[0], /,source,tags,scores,reviewed_at,reviewed_by$/);
      const nd = await api('GET', '/sessions/export?format=ndjson&score.quality[gte]=5', undefined, readKey);
      const rows = nd.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        rows.map((r) => [r.id, r.scores]),
        [['r-03', { quality: 5 }]],
      );
    });

    test('scores and notes in the detail; notes stay text; events', async () => {
      const before = (await readOutbox(t.store.db, t.orgId, 0, 100_000)).length;
      const s = await api('PUT', '/sessions/r-07/scores/csat', { value: 4, comment: 'ok' });
      assert.equal(s.statusCode, 200, s.body);
      assert.deepEqual(s.json().scores, { csat: 4 });
      assertProblem(await api('PUT', '/sessions/r-07/scores/Bad-Name', { value: 1 }), 400);
      assertProblem(await api('PUT', '/sessions/r-07/scores/csat', { value: 'x'.repeat(65) }), 400);
      const evil = '<img src=x onerror="alert(1)">';
      const n = await api('POST', '/sessions/r-07/notes', { body: evil });
      assert.equal(n.statusCode, 201, n.body);
      assertShape(Note, n.json());
      assert.equal(n.json().body, evil);
      assertProblem(await api('POST', '/sessions/r-07/notes', { body: '' }), 400);
      const d = await api('GET', '/sessions/r-07', undefined, readKey);
      assertShape(SessionDetail, d.json());
      assert.equal(d.json().notes[0].body, evil);
      assert.equal(d.json().notes[0].author.type, 'key');
      assert.match(d.json().notes[0].author.name, /review/);
      assert.equal(d.json().scoreDetails[0].comment, 'ok');
      assert.equal(d.json().scoreDetails[0].name, 'csat');

      const events = (await readOutbox(t.store.db, t.orgId, 0, 100_000)).slice(before);
      assert.deepEqual(
        events.map((e) => e.type),
        ['session.updated', 'note.created'],
      );
      assert.equal(JSON.parse(String(events[1].payload)).body, evil);

      // Only its author or an admin deletes a note.
      const other = await t.key(['review']);
      assertProblem(await api('DELETE', `/sessions/r-07/notes/${n.json().id}`, undefined, other), 403);
      assert.equal((await api('DELETE', `/sessions/r-07/notes/${n.json().id}`)).statusCode, 204);
      assertProblem(await api('DELETE', `/sessions/r-07/notes/${n.json().id}`), 404);
    });

    test('reviewed mark: who and when, idempotent, cleared', async () => {
      const first = await api('POST', '/sessions/r-08/review');
      assert.ok(first.json().reviewedAt);
      assert.equal(first.json().reviewedBy.type, 'key');
      const n = (await readOutbox(t.store.db, t.orgId, 0, 100_000)).length;
      const again = await api('POST', '/sessions/r-08/review');
      assert.equal(again.json().reviewedAt, first.json().reviewedAt);
      assert.equal((await readOutbox(t.store.db, t.orgId, 0, 100_000)).length, n, 'no event for no change');
      const cleared = await api('DELETE', '/sessions/r-08/review');
      assert.equal(cleared.json().reviewedAt, null);
      assert.equal(cleared.json().reviewedBy, null);
    });

    test('saved views: Needs review out of the box, create, change, delete', async () => {
      const list = await api('GET', '/views', undefined, readKey);
      assert.equal(list.statusCode, 200);
      const needs = list.json().data.find((v: SavedView) => v.name === 'Needs review');
      assert.ok(needs, list.body);
      assert.equal(needs.query, 'problems=true&reviewed=false');
      const made = await api('POST', '/views', { name: 'Billing', query: '?tag=billing', columns: ['status'] });
      assert.equal(made.statusCode, 201, made.body);
      assertShape(SavedView, made.json());
      assert.equal(made.json().query, 'tag=billing');
      const changed = await api('PATCH', `/views/${made.json().id}`, { name: 'Billing (all)', columns: null });
      assert.equal(changed.json().name, 'Billing (all)');
      assert.equal(changed.json().columns, null);
      assertProblem(await api('POST', '/views', { name: 'x', query: 'a' }, readKey), 403);
      assert.equal((await api('DELETE', `/views/${made.json().id}`)).statusCode, 204);
      assertProblem(await api('GET', `/views/${made.json().id}`, undefined, readKey), 404);
    });

    test('bulk: exactly the sessions that matched, in batches, with events and counts', async () => {
      assertProblem(await api('POST', '/sessions/bulk', { filters: 'status=nope', action: { review: true } }), 400, [
        'filters/status',
      ]);
      assertProblem(await api('POST', '/sessions/bulk', { filters: '', action: {} }), 400);
      const before = (await readOutbox(t.store.db, t.orgId, 0, 100_000)).length;
      const res = await api('POST', '/sessions/bulk', { filters: 'status=active', action: { addTags: ['Batch'] } });
      assert.equal(res.statusCode, 202, res.body);
      // A session that starts matching after the job was created is not in it.
      await call(t.app, ingestKey, 'POST', '/api/v1/sessions', session({ id: 'late-active' }));
      const job = await waitForJob(res.json().jobId);
      assert.equal(job.status, 'succeeded');
      assert.equal(job.total, 20);
      assert.equal(job.done, 20);
      assert.equal(job.failed, 0);
      const tagged = await api('GET', '/sessions?tag=batch&limit=500', undefined, readKey);
      assert.equal(tagged.json().pagination.total, 20);
      assert.ok(!ids(tagged).includes('late-active'));
      const events = (await readOutbox(t.store.db, t.orgId, 0, 100_000)).slice(before);
      assert.equal(events.filter((e) => e.type === 'session.updated').length, 20);
      // One tag alone pages through its index: cursor and offset pages agree with the whole list.
      const whole = (await api('GET', '/sessions?tag=batch&limit=500', undefined, readKey))
        .json()
        .data.map((x: { id: string }) => x.id);
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const pg: { data: Array<{ id: string }>; pagination: { total: number; nextCursor: string | null } } = (
          await api('GET', `/sessions?tag=batch&limit=7${cursor ? `&cursor=${cursor}` : ''}`, undefined, readKey)
        ).json();
        assert.equal(pg.pagination.total, 20);
        paged.push(...pg.data.map((x) => x.id));
        cursor = pg.pagination.nextCursor;
      } while (cursor);
      assert.deepEqual(paged, whole);
      const second = (await api('GET', '/sessions?tag=batch&limit=7&offset=7', undefined, readKey)).json();
      assert.deepEqual(
        second.data.map((x: { id: string }) => x.id),
        whole.slice(7, 14),
      );
      const asc = (await api('GET', '/sessions?tag=batch&limit=500&sort=startedAt', undefined, readKey)).json();
      assert.deepEqual(
        asc.data.map((x: { id: string }) => x.id),
        [...whole].reverse(),
      );

      const rev = await api('POST', '/sessions/bulk', {
        filters: 'tag=batch',
        action: { review: true, removeTags: ['batch'] },
      });
      const j2 = await waitForJob(rev.json().jobId);
      assert.equal(j2.done, 20);
      assert.equal((await api('GET', '/sessions?tag=batch', undefined, readKey)).json().pagination.total, 0);
      assert.ok(
        (await api('GET', '/sessions?reviewed=true&limit=500', undefined, readKey)).json().pagination.total >= 20,
      );
      assertProblem(await api('GET', '/jobs/nowhere'), 404);
    });

    test('live stream: filtered by tag and reviewed, with session.updated and note.created', async () => {
      const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const sse = await connectSse(`${base}/api/v1/stream?tag=live-x&reviewed=false`, {
        authorization: `Bearer ${readKey}`,
      });
      try {
        assert.equal(sse.status, 200);
        // Not matching yet (no tag), then matching: only the second change is on this stream.
        await call(t.app, ingestKey, 'POST', '/api/v1/sessions', session({ id: 'r-10-live' }));
        await api('PUT', '/sessions/r-10-live/scores/quality', { value: 1 });
        await api('PATCH', '/sessions/r-10-live/tags', { addTags: ['live-x'] });
        await api('POST', '/sessions/r-10-live/notes', { body: 'live note' });
        await api('POST', '/sessions/r-10-live/review');
        await api('POST', '/sessions/r-10-live/notes', { body: 'after review: filtered out' });
        const [tagged, note] = await sse.waitFor(2);
        assert.equal(tagged.event, 'session.updated');
        assert.deepEqual(JSON.parse(tagged.data).data.tags, ['live-x']);
        assert.equal(note.event, 'note.created');
        assert.equal(JSON.parse(note.data).data.body, 'live note');
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(sse.events.length, 2, sse.events.map((e) => e.event).join());
      } finally {
        sse.close();
      }
    });

    async function waitForJob(id: string): Promise<Job> {
      for (;;) {
        const res = await api('GET', `/jobs/${id}`);
        assert.equal(res.statusCode, 200, res.body);
        assertShape(Job, res.json());
        if (res.json().status === 'succeeded' || res.json().status === 'failed') return res.json();
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
}
