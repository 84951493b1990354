/**
 * Organizations never see each other: the same session ids in two organizations,
 * every route with an id is 404 across them, and no aggregate counts the other's rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AgentList, Metrics } from '@switchboard/contracts';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, seed, session, setup } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`tenancy (${dialect})`, () => {
    let t: TestContext;
    let a: string;
    let b: string;
    before(async () => {
      t = await setup(dialect);
      a = t.adminKey;
      b = (await t.otherOrg('other')).key;
      const now = Date.now();
      // The same ids in both; org A has 3 sessions, org B 2 (plus one only it has).
      const items = (agent: string, ids: string[], channel: string) =>
        ids.flatMap((id, i) => [
          {
            type: 'session',
            body: session({
              id,
              agent: { id: agent },
              channel,
              startedAt: new Date(now - (i + 1) * 60_000).toISOString(),
              metadata: { org: agent },
            }),
          },
          { type: 'message', body: { sessionId: id, sender: 'user', content: `secret words of ${agent}` } },
        ]);
      await seed(t.app, a, items('agent-a', ['shared-1', 'shared-2', 'only-a'], 'web'));
      await seed(t.app, b, items('agent-b', ['shared-1', 'shared-2', 'only-b'], 'phone'));
    });
    after(() => t.close());

    test('both organizations created the same ids without noticing', async () => {
      const da = (await call(t.app, a, 'GET', '/api/v1/sessions/shared-1')).json();
      const db = (await call(t.app, b, 'GET', '/api/v1/sessions/shared-1')).json();
      assert.equal(da.agent.id, 'agent-a');
      assert.equal(db.agent.id, 'agent-b');
      assert.equal(da.messages[0].content, 'secret words of agent-a');
    });

    test('every route with an id is 404 across organizations, and changes nothing', async () => {
      for (const [key, id] of [
        [a, 'only-b'],
        [b, 'only-a'],
      ]) {
        assertProblem(await call(t.app, key, 'GET', `/api/v1/sessions/${id}`), 404);
        assertProblem(await call(t.app, key, 'PATCH', `/api/v1/sessions/${id}`, { status: 'failed' }), 404);
        assertProblem(
          await call(t.app, key, 'POST', `/api/v1/sessions/${id}/messages`, {
            messages: [{ sender: 'user', content: 'x' }],
          }),
          404,
        );
        assertProblem(
          await call(t.app, key, 'POST', `/api/v1/sessions/${id}/events`, { events: [{ type: 'error' }] }),
          404,
        );
        const res = await call(t.app, key, 'POST', '/api/v1/ingest', {
          batch: [
            { type: 'message', body: { sessionId: id, sender: 'user', content: 'x' } },
            { type: 'event', body: { sessionId: id, type: 'error' } },
            { type: 'session.update', body: { id, status: 'failed' } },
          ],
        });
        assert.deepEqual(
          res.json().results.map((r: { status: number }) => r.status),
          [404, 404, 404],
        );
      }
      // The 404 is the same as for an id that exists nowhere: nothing reveals the other org.
      const cross = (await call(t.app, a, 'GET', '/api/v1/sessions/only-b')).json();
      const none = (await call(t.app, a, 'GET', '/api/v1/sessions/nowhere')).json();
      assert.deepEqual(
        { ...cross, instance: undefined, requestId: undefined },
        { ...none, instance: undefined, requestId: undefined },
      );
      const ob = (await call(t.app, b, 'GET', '/api/v1/sessions/only-b')).json();
      assert.equal(ob.status, 'active');
      assert.equal(ob.messageCount, 1);
      assert.deepEqual(ob.events, []);
      // A key id from the other org.
      const keyId = (await call(t.app, b, 'GET', '/api/v1/auth/me')).json().key.id;
      assertProblem(await call(t.app, a, 'DELETE', `/api/v1/keys/${keyId}`), 404);
    });

    test('writes to a shared id touch only the caller’s session', async () => {
      await call(t.app, a, 'PATCH', '/api/v1/sessions/shared-2', { status: 'completed', metadata: { touched: 'a' } });
      const sb = (await call(t.app, b, 'GET', '/api/v1/sessions/shared-2')).json();
      assert.equal(sb.status, 'active');
      assert.deepEqual(sb.metadata, { org: 'agent-b' });
      // Creating the other org's id with other fields is no conflict.
      assert.equal(
        (await call(t.app, a, 'POST', '/api/v1/sessions', session({ id: 'only-b', channel: 'sip' }))).statusCode,
        201,
      );
      assert.equal((await call(t.app, b, 'GET', '/api/v1/sessions/only-b')).json().channel, 'phone');
    });

    test('list, metrics, timeseries, export and agents never count the other organization', async () => {
      for (const [key, agent, channel] of [
        [a, 'agent-a', 'web'],
        [b, 'agent-b', 'phone'],
      ]) {
        const list = (await call(t.app, key, 'GET', '/api/v1/sessions?limit=500')).json();
        assert.ok(
          list.data.every((s: { id: string; agent: { id: string } }) => s.agent.id === agent || s.id === 'only-b'),
          agent,
        );
        const ids = new Set(list.data.map((s: { id: string }) => s.id));
        assert.equal(list.pagination.total, list.data.length);
        // Filters and search that would match the other org's rows find nothing of them.
        const other = agent === 'agent-a' ? 'agent-b' : 'agent-a';
        for (const q of [`search=${other}`, `agentId=${other}`, `metadata.org=${other}`, `transcript=${other}`]) {
          const r = (await call(t.app, key, 'GET', `/api/v1/sessions?${q}`)).json();
          assert.equal(r.pagination.total, 0, q);
        }
        const m = (await call(t.app, key, 'GET', '/api/v1/sessions/metrics')).json();
        assertShape(Metrics, m);
        assert.equal(m.totalSessions, ids.size);
        assert.equal(m.byChannel[channel], list.data.filter((s: { channel: string }) => s.channel === channel).length);
        const ts = (await call(t.app, key, 'GET', '/api/v1/sessions/timeseries')).json();
        assert.equal(
          ts.buckets.reduce((n: number, x: { total: number }) => n + x.total, 0),
          ids.size,
        );
        const csv = (await call(t.app, key, 'GET', '/api/v1/sessions/export')).body.trim().split('\r\n').slice(1);
        assert.equal(csv.length, ids.size);
        assert.ok(csv.every((line) => !line.includes(other)));
        const json = (await call(t.app, key, 'GET', '/api/v1/sessions/export?format=json')).json();
        assert.ok(
          json.every((s: { messages: Array<{ content: string }> }) =>
            s.messages.every((x) => !x.content.includes(other)),
          ),
        );
        const agents = (await call(t.app, key, 'GET', '/api/v1/agents')).json();
        assertShape(AgentList, agents);
        assert.ok(agents.data.every((x: { id: string }) => x.id !== other));
        const keys = (await call(t.app, key, 'GET', '/api/v1/keys')).json();
        assert.equal(keys.data.length, 1);
      }
    });

    test('outbox rows belong to the organization whose change they record', async () => {
      const rows = await t.store.db.selectFrom('outbox').select(['org_id', 'session_id', 'payload']).execute();
      const orgs = new Set(rows.map((r) => r.org_id));
      assert.equal(orgs.size, 2);
      for (const r of rows.filter((r) => r.org_id === t.orgId)) assert.ok(!r.payload.includes('agent-b'));
    });
  });
}
