/** `GET /agents`: src/routes/agents.ts. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AgentList, type CreateSessionBody } from '@switchboard/contracts';
import { IngestService } from '../../src/services/ingest.js';
import { type OutboxEntry, writeOutbox } from '../../src/store/outbox.js';
import { countStartedSessions } from '../../src/store/sessions/agents.js';
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

    test('an open transaction creating a session does not hold up other writes for that agent', {
      skip: dialect === 'sqlite' && 'SQLite has one writer at a time by design',
    }, async () => {
      // Agents' counters are added at commit, so a long batch no longer keeps its agents' rows
      // locked (it once cut PostgreSQL ingest to a tenth of the raw driver, see PERFORMANCE.md).
      await seed(t.app, t.adminKey, [{ type: 'session', body: session({ agent: { id: 'bot-lock' } }) }]);
      const trx = await t.store.db.startTransaction().execute();
      try {
        const sink: OutboxEntry[] = [];
        await new IngestService(t.store).createSessionIn(
          trx,
          t.orgId,
          session({ agent: { id: 'bot-lock' } }) as CreateSessionBody,
          Date.now(),
          sink,
        );
        const other = call(t.app, t.adminKey, 'POST', '/api/v1/ingest', {
          batch: [{ type: 'session', body: session({ agent: { id: 'bot-lock' } }) }],
        });
        const res = await Promise.race([other, new Promise<null>((r) => setTimeout(() => r(null), 5000).unref())]);
        assert.ok(res, 'the batch waited for the other transaction');
        assert.equal(res.statusCode, 207);
        await trx.commit().execute();
      } catch (err) {
        await trx.rollback().execute();
        throw err;
      }
      const agents = (await call(t.app, t.adminKey, 'GET', '/api/v1/agents')).json().data;
      // The open transaction wrote no outbox row (its sink was dropped), but its session is
      // stored: the agent table counts stored sessions (0012's counters), so all three.
      assert.equal(agents.find((a: { id: string }) => a.id === 'bot-lock').sessionCount, 3);
    });

    test('a batch aborted by a deadlock is run again and succeeds', {
      skip: dialect === 'sqlite' && 'SQLite has one writer at a time by design',
    }, async () => {
      await seed(t.app, t.adminKey, [{ type: 'session', body: session({ agent: { id: 'bot-dl', name: 'Old' } }) }]);
      // This transaction renames the agent (locking its row), then wants the outbox lock; the
      // batch takes the outbox lock first, then wants the row for its counter: a deadlock that
      // PostgreSQL breaks by aborting the batch, which started waiting first.
      const trx = await t.store.db.startTransaction().execute();
      const sink: OutboxEntry[] = [];
      await new IngestService(t.store).createSessionIn(
        trx,
        t.orgId,
        session({ agent: { id: 'bot-dl', name: 'New' } }) as CreateSessionBody,
        Date.now(),
        sink,
      );
      const batch = call(t.app, t.adminKey, 'POST', '/api/v1/ingest', {
        batch: [{ type: 'session', body: session({ agent: { id: 'bot-dl' } }) }],
      });
      await new Promise((r) => setTimeout(r, 300));
      await writeOutbox(trx, 'postgres', t.orgId, sink);
      await countStartedSessions(trx, 'postgres', t.orgId, sink);
      await trx.commit().execute();
      const res = await batch;
      assert.equal(res.statusCode, 207);
      assert.deepEqual(
        res.json().results.map((r: { status: number }) => r.status),
        [201],
      );
      const agent = (await call(t.app, t.adminKey, 'GET', '/api/v1/agents'))
        .json()
        .data.find((a: { id: string }) => a.id === 'bot-dl');
      assert.equal(agent.sessionCount, 3);
      assert.equal(agent.name, 'New');
    });

    test('needs the read scope', async () => {
      assertProblem(await call(t.app, await t.key(['ingest']), 'GET', '/api/v1/agents'), 403);
      assertProblem(await call(t.app, null, 'GET', '/api/v1/agents'), 401);
    });
  });
}
