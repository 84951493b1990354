/** `GET /agents` (DESIGN §3.2): src/routes/agents.ts. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AgentList } from '@switchboard/contracts';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, seed, session, setup } from '../helpers.js';

for (const dialect of DIALECTS) {
  describe(`GET /agents (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
      await seed(t.app, t.adminKey, [
        { type: 'session', body: session({ agent: { id: 'bot-a', name: 'Bot A' } }) },
        { type: 'session', body: session({ agent: { id: 'bot-a' } }) },
        { type: 'session', body: session({ agent: { id: 'bot-b' } }) },
        { type: 'session', body: session({ agent: { id: 'bot-a', name: 'Bot A v2' } }) },
      ]);
    });
    after(() => t.close());

    test('every agent with its latest name, session count and last-seen time', async () => {
      const res = await call(t.app, await t.key(['read']), 'GET', '/api/v1/agents');
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assertShape(AgentList, body);
      const byId = Object.fromEntries(body.data.map((a: { id: string }) => [a.id, a]));
      assert.deepEqual(Object.keys(byId).sort(), ['bot-a', 'bot-b']);
      assert.equal(byId['bot-a'].name, 'Bot A v2');
      assert.equal(byId['bot-a'].sessionCount, 3);
      assert.equal(byId['bot-b'].name, 'bot-b', 'an agent never named shows its id');
      assert.equal(byId['bot-b'].sessionCount, 1);
      assert.ok(Math.abs(Date.parse(byId['bot-a'].lastSeenAt) - Date.now()) < 60_000);
    });

    test('a repeated create is not a new session for the count', async () => {
      const body = session({ id: 'agent-repeat', agent: { id: 'bot-c' } });
      await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', body);
      assert.equal((await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', body)).statusCode, 200);
      const agents = (await call(t.app, t.adminKey, 'GET', '/api/v1/agents')).json().data;
      assert.equal(agents.find((a: { id: string }) => a.id === 'bot-c').sessionCount, 1);
    });

    test('needs the read scope', async () => {
      assertProblem(await call(t.app, await t.key(['ingest']), 'GET', '/api/v1/agents'), 403);
      assertProblem(await call(t.app, null, 'GET', '/api/v1/agents'), 401);
    });
  });
}
