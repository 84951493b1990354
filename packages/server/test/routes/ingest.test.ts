/** `POST /ingest`: each item applied or refused on its own, in order. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IngestBatchResult, LIMITS, Problem } from '@switchboard/contracts';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, session, setup } from '../helpers.js';

type Result = {
  index: number;
  status: number;
  id?: string;
  error?: { status: number; errors?: Array<{ path: string }> };
};

for (const dialect of DIALECTS) {
  describe(`POST /ingest (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    const ingest = async (batch: unknown[], key = t.adminKey) => {
      const res = await call(t.app, key, 'POST', '/api/v1/ingest', { batch });
      assert.equal(res.statusCode, 207, res.body);
      const body = res.json();
      assertShape(IngestBatchResult, body);
      for (const r of body.results as Result[]) if (r.error) assertShape(Problem, r.error, `results[${r.index}].error`);
      return body.results as Result[];
    };
    const detail = async (id: string) => (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${id}`)).json();

    test('every item gets the status its single-item route would give, in order', async () => {
      const results = await ingest([
        { type: 'session', body: session({ id: 'b-1', metadata: { plan: 'pro' } }) },
        { type: 'session', body: session({ id: 'b-1', metadata: { plan: 'pro' } }) },
        { type: 'session', body: session({ id: 'b-1', channel: 'phone' }) },
        { type: 'message', body: { sessionId: 'b-1', id: 'm-1', sender: 'user', content: 'hi' } },
        { type: 'message', body: { sessionId: 'b-1', id: 'm-1', sender: 'user', content: 'hi' } },
        { type: 'message', body: { sessionId: 'b-1', sender: 'agent', content: 'hello' } },
        { type: 'event', body: { sessionId: 'b-1', type: 'connection_established' } },
        { type: 'message', body: { sessionId: 'nope', sender: 'user', content: 'x' } },
        { type: 'session.update', body: { id: 'b-1', status: 'completed', endedReason: 'done' } },
        { type: 'session.update', body: { id: 'b-1', status: 'failed' } },
        { type: 'session.update', body: { id: 'b-1', status: 'completed' } },
        { type: 'session.update', body: { id: 'nope', metadata: { a: 1 } } },
        { type: 'message', body: { sessionId: 'b-1', sender: 'agent', content: 'late' } },
        { type: 'session', body: session() },
      ]);
      assert.deepEqual(
        results.map((r) => [r.index, r.status]),
        [
          [0, 201],
          [1, 200],
          [2, 409],
          [3, 201],
          [4, 201],
          [5, 201],
          [6, 201],
          [7, 404],
          [8, 200],
          [9, 422],
          [10, 200],
          [11, 404],
          [12, 201],
          [13, 201],
        ],
      );
      assert.equal(results[0].id, 'b-1');
      assert.equal(results[3].id, 'm-1');
      assert.equal(results[4].id, 'm-1');
      assert.ok(results[5].id);
      assert.ok(results[13].id);
      for (const i of [2, 7, 9, 11]) assert.equal(results[i].error?.status, results[i].status);
      for (const i of [0, 1, 3, 8]) assert.equal(results[i].error, undefined);
      const d = await detail('b-1');
      assert.equal(d.status, 'completed');
      assert.equal(d.endedReason, 'done');
      assert.deepEqual(
        d.messages.map((m: { content: string; seq: number }) => [m.seq, m.content]),
        [
          [1, 'hi'],
          [2, 'hello'],
          [3, 'late'],
        ],
      );
      assert.deepEqual(
        d.events.map((e: { type: string }) => e.type),
        ['connection_established', 'status_changed'],
      );
    });

    test('a bad item is refused with a problem listing each of its fields; good items around it land', async () => {
      const results = await ingest([
        { type: 'session', body: session({ id: 'g-1' }) },
        { type: 'session', body: { id: 'bad id', agent: {}, channel: 'fax', type: 'chat', extra: 1 } },
        { type: 'message', body: { sessionId: 'g-1', sender: 'robot' } },
        {
          type: 'message',
          body: { sessionId: 'g-1', sender: 'user', content: 'é'.repeat(LIMITS.messageContentBytes / 2 + 1) },
        },
        { type: 'event', body: { sessionId: 'g-1', type: 'Bad', data: [] } },
        { type: 'session', body: session({ id: 'metrics' }) },
        { type: 'session.update', body: { status: 'done' } },
        { type: 'message', body: { sessionId: 'g-1', sender: 'user', content: 'good' } },
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        [201, 400, 400, 400, 400, 400, 400, 201],
      );
      const paths = (i: number) => (results[i].error?.errors ?? []).map((e) => e.path).sort();
      assert.deepEqual(
        paths(1),
        ['/batch/1/body/agent/id', '/batch/1/body/channel', '/batch/1/body/extra', '/batch/1/body/id'].sort(),
      );
      assert.deepEqual(paths(2), ['/batch/2/body/content', '/batch/2/body/sender']);
      assert.deepEqual(paths(3), ['/batch/3/body/content']);
      assert.deepEqual(paths(4), ['/batch/4/body/data', '/batch/4/body/type']);
      assert.deepEqual(paths(5), ['/batch/5/body/id']);
      assert.deepEqual(paths(6), ['/batch/6/body/id', '/batch/6/body/status']);
      const d = await detail('g-1');
      assert.deepEqual(
        d.messages.map((m: { content: string; seq: number }) => [m.seq, m.content]),
        [[1, 'good']],
      );
      assert.deepEqual(d.events, []);
    });

    test('nothing of a refused item is half-written', async () => {
      await ingest([
        { type: 'session', body: session({ id: 'h-1', startedAt: '2026-01-01T10:00:00.000Z', metadata: { k0: 'v' } }) },
      ]);
      const before = await detail('h-1');
      const many = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`n${i}`, i]));
      const results = await ingest([
        // Ends the session and changes metadata, but endedAt is before startedAt: refused whole.
        {
          type: 'session.update',
          body: {
            id: 'h-1',
            status: 'completed',
            endedAt: '2026-01-01T09:00:00.000Z',
            metadata: { k1: 'x' },
            agent: { name: 'Renamed' },
          },
        },
        // The merged metadata would have 65 keys.
        { type: 'session.update', body: { id: 'h-1', metadata: many, agent: { name: 'Renamed' } } },
        // A new agent and session whose id is then refused as a conflict.
        { type: 'session', body: session({ id: 'h-1', agent: { id: 'brand-new-agent' } }) },
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        [422, 422, 409],
      );
      const after = await detail('h-1');
      assert.deepEqual(after, before);
      const agents = (await call(t.app, t.adminKey, 'GET', '/api/v1/agents')).json().data;
      assert.equal(
        agents.some((a: { id: string }) => a.id === 'brand-new-agent'),
        false,
      );
      assert.equal(agents.find((a: { id: string }) => a.id === 'support-bot').name, 'Support Bot');
    });

    test('1–1000 items; the batch itself must be well-formed', async () => {
      assertProblem(await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', { batch: [] }), 400, ['/batch']);
      const item = { type: 'event', body: { sessionId: 'nope', type: 'tick' } };
      const max = await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', {
        batch: Array(LIMITS.itemsPerBatch).fill(item),
      });
      assert.equal(max.statusCode, 207);
      assert.equal(max.json().results.length, 1000);
      assertProblem(
        await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', { batch: Array(LIMITS.itemsPerBatch + 1).fill(item) }),
        400,
        ['/batch'],
      );
      assertProblem(
        await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', { batch: [{ type: 'sessions', body: {} }] }),
        400,
        ['/batch/0/type'],
      );
      assertProblem(await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', { batch: [{ type: 'session' }] }), 400, [
        '/batch/0/body',
      ]);
      assertProblem(await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', { items: [] }), 400, ['/batch', '/items']);
    });

    test('a body over 5 MiB is 413, before the batch is looked at', async () => {
      const pad = 'x'.repeat(LIMITS.bodyBytes);
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', {
        batch: [{ type: 'session', body: session({ id: 'big-1', metadata: { pad } }) }],
      });
      assertProblem(res, 413);
      assertProblem(await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/big-1'), 404);
    });

    test('a body that is not JSON is 415', async () => {
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', 'batch=1', { 'content-type': 'text/plain' });
      assertProblem(res, 415);
      const form = await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', 'a=b', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      assertProblem(form, 415);
    });

    test('needs the ingest scope (403) and a key (401)', async () => {
      const batch = [{ type: 'session', body: session({ id: 'scoped-1' }) }];
      assertProblem(await call(t.app, await t.key(['read', 'admin']), 'POST', '/api/v1/ingest', { batch }), 403);
      assertProblem(await call(t.app, null, 'POST', '/api/v1/ingest', { batch }), 401);
      assertProblem(await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/scoped-1'), 404);
      const res = await ingest(batch, await t.key(['ingest']));
      assert.equal(res[0].status, 201);
    });
  });
}
