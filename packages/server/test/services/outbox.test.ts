/**
 * The outbox, which feeds the live stream and the webhooks: every change others must hear about
 * writes its row in the same transaction, in order; a refused request writes none.
 * src/services/ingest.ts, src/store/outbox.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Message, Session, SessionEvent } from '@switchboard/contracts';
import { DIALECTS, type TestContext, assertShape, call, session, setup } from '../helpers.js';

for (const dialect of DIALECTS) {
  describe(`outbox (${dialect})`, () => {
    let t: TestContext;
    let seen = 0;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    /** Outbox rows written since the last call, in sequence order. */
    const fresh = async () => {
      const rows = await t.store.db.selectFrom('outbox').selectAll().where('seq', '>', seen).orderBy('seq').execute();
      if (rows.length) seen = Number(rows.at(-1)?.seq);
      return rows.map((r) => ({
        seq: Number(r.seq),
        type: r.type,
        sessionId: r.session_id,
        org: r.org_id,
        data: JSON.parse(r.payload),
      }));
    };
    const types = async () => (await fresh()).map((r) => r.type);
    const post = (url: string, body: unknown) => call(t.app, t.adminKey, 'POST', `/api/v1${url}`, body);
    const patch = (id: string, body: unknown) => call(t.app, t.adminKey, 'PATCH', `/api/v1/sessions/${id}`, body);

    test('a session’s life, in order, each row with its payload', async () => {
      await fresh();
      const created = (await post('/sessions', session({ id: 'ob-1' }))).json();
      let rows = await fresh();
      assert.deepEqual(
        rows.map((r) => r.type),
        ['session.started'],
      );
      assert.equal(rows[0].sessionId, 'ob-1');
      assert.equal(rows[0].org, t.orgId);
      assertShape(Session, rows[0].data);
      assert.deepEqual(rows[0].data, created);

      await post('/sessions/ob-1/messages', {
        messages: [
          { id: 'm1', sender: 'user', content: 'one' },
          { sender: 'agent', content: 'two' },
        ],
      });
      rows = await fresh();
      assert.deepEqual(
        rows.map((r) => r.type),
        ['message.created', 'message.created'],
      );
      for (const r of rows) assertShape(Message, r.data);
      assert.deepEqual(
        rows.map((r) => [r.data.seq, r.data.content, r.data.sessionId]),
        [
          [1, 'one', 'ob-1'],
          [2, 'two', 'ob-1'],
        ],
      );

      await post('/sessions/ob-1/events', { events: [{ type: 'agent_handoff', data: { to: 'human' } }] });
      rows = await fresh();
      assert.deepEqual(
        rows.map((r) => r.type),
        ['event.created'],
      );
      assertShape(SessionEvent, rows[0].data);
      assert.deepEqual(rows[0].data.data, { to: 'human' });

      await patch('ob-1', { metadata: { plan: 'pro' } });
      rows = await fresh();
      assert.deepEqual(
        rows.map((r) => r.type),
        ['session.updated'],
      );
      assert.deepEqual(rows[0].data.metadata, { plan: 'pro' });

      await patch('ob-1', { agent: { name: 'Renamed Bot' } });
      rows = await fresh();
      assert.deepEqual(
        rows.map((r) => r.type),
        ['session.updated'],
      );
      assert.equal(rows[0].data.agent.name, 'Renamed Bot');

      await patch('ob-1', { status: 'completed', endedReason: 'resolved' });
      rows = await fresh();
      assert.deepEqual(
        rows.map((r) => r.type),
        ['event.created', 'session.ended'],
      );
      assert.equal(rows[0].data.type, 'status_changed');
      assert.deepEqual(rows[0].data.data, { from: 'active', to: 'completed' });
      assert.equal(rows[1].data.status, 'completed');
      assert.equal(rows[1].data.endedReason, 'resolved');

      // Late delivery is news too; the session stays ended.
      await post('/sessions/ob-1/messages', { messages: [{ sender: 'agent', content: 'late' }] });
      assert.deepEqual(await types(), ['message.created']);
    });

    test('ending and changing metadata at once: the status_changed event, session.updated, then session.ended', async () => {
      await post('/sessions', session({ id: 'ob-2' }));
      await fresh();
      await patch('ob-2', { status: 'failed', metadata: { why: 'crash' } });
      assert.deepEqual(await types(), ['event.created', 'session.updated', 'session.ended']);
    });

    test('a session created already ended: session.started then session.ended', async () => {
      await fresh();
      await post('/sessions', session({ id: 'ob-3', status: 'cancelled' }));
      assert.deepEqual(await types(), ['session.started', 'session.ended']);
    });

    test('sequence numbers only grow', async () => {
      const all = await t.store.db.selectFrom('outbox').select('seq').orderBy('seq').execute();
      const seqs = all.map((r) => Number(r.seq));
      assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]));
    });

    test('requests that change nothing or are refused write no outbox row', async () => {
      await post('/sessions', session({ id: 'ob-4', metadata: { a: 1 } }));
      await post('/sessions/ob-4/messages', { messages: [{ id: 'dup', sender: 'user', content: 'x' }] });
      await fresh();
      const nothing: Array<Promise<{ statusCode: number }>> = [
        post('/sessions', session({ id: 'ob-4', metadata: { a: 1 } })), // 200 replay of the create
        post('/sessions', session({ id: 'ob-4', channel: 'sip' })), // 409
        post('/sessions', session({ channel: 'fax' })), // 400
        post('/sessions/ob-4/messages', { messages: [{ id: 'dup', sender: 'user', content: 'x' }] }), // all duplicates
        post('/sessions/ob-4/messages', {
          messages: [
            { sender: 'user', content: 'ok' },
            { sender: 'user', content: 'é'.repeat(20_000) },
          ],
        }), // 400
        post('/sessions/nope/messages', { messages: [{ sender: 'user', content: 'x' }] }), // 404
        post('/sessions/nope/events', { events: [{ type: 'error' }] }), // 404
        patch('ob-4', { metadata: { a: 1 } }), // no change
        patch('ob-4', { status: 'active' }), // no change
        patch('ob-4', { status: 'completed', endedAt: '2000-01-01T00:00:00Z' }), // 422
        patch('ob-4', { endedReason: 'x' }), // 422
      ];
      for (const p of nothing) await p;
      assert.deepEqual(await types(), []);
      await patch('ob-4', { status: 'completed' });
      await fresh();
      assert.equal((await patch('ob-4', { status: 'completed' })).statusCode, 200);
      assert.equal((await patch('ob-4', { status: 'failed' })).statusCode, 422);
      assert.deepEqual(await types(), [], 'repeating or contradicting a terminal status is no news');
    });

    test('POST /ingest: rows in item order, none from refused items', async () => {
      await fresh();
      const res = await post('/ingest', {
        batch: [
          { type: 'session', body: session({ id: 'ob-5' }) },
          { type: 'message', body: { sessionId: 'ob-5', sender: 'user', content: 'a' } },
          { type: 'session', body: session({ id: 'ob-5', channel: 'phone' }) },
          { type: 'message', body: { sessionId: 'ob-5', sender: 'robot', content: 'a' } },
          { type: 'session.update', body: { id: 'ob-5', status: 'completed', endedAt: '2000-01-01T00:00:00Z' } },
          { type: 'event', body: { sessionId: 'ob-5', type: 'disconnected' } },
          { type: 'message', body: { sessionId: 'nope', sender: 'user', content: 'a' } },
          { type: 'session.update', body: { id: 'ob-5', status: 'completed' } },
        ],
      });
      assert.deepEqual(
        res.json().results.map((r: { status: number }) => r.status),
        [201, 201, 409, 400, 422, 201, 404, 200],
      );
      const rows = await fresh();
      assert.deepEqual(
        rows.map((r) => r.type),
        ['session.started', 'message.created', 'event.created', 'event.created', 'session.ended'],
      );
      assert.equal(rows[2].data.type, 'disconnected');
      assert.equal(rows[3].data.type, 'status_changed');
    });
  });
}
