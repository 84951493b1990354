/** `Idempotency-Key` on every POST: src/plugins/idempotency.ts. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Session } from '@switchboard/contracts';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, session, setup } from '../helpers.js';

let n = 0;
const ikey = () => `idem-${Date.now()}-${++n}`;

for (const dialect of DIALECTS) {
  describe(`Idempotency-Key (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    const post = (url: string, body: unknown, key: string, auth = t.adminKey) =>
      call(t.app, auth, 'POST', `/api/v1${url}`, body, { 'idempotency-key': key });
    const total = async (params: string, auth = t.adminKey) =>
      (await call(t.app, auth, 'GET', `/api/v1/sessions?${params}`)).json().pagination.total;

    test('the same key and body returns the first response again and writes nothing', async () => {
      const key = ikey();
      const agent = { id: `idem-agent-${n}` };
      const first = await post('/sessions', session({ agent }), key);
      assert.equal(first.statusCode, 201);
      assertShape(Session, first.json());
      const again = await post('/sessions', session({ agent }), key);
      assert.equal(again.statusCode, 201);
      assert.equal(again.body, first.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.match(String(again.headers['content-type']), /^application\/json/);
      assert.equal(await total(`agentId=${agent.id}`), 1, 'a server-made id was not made twice');

      const id = first.json().id;
      const mKey = ikey();
      const body = { messages: [{ sender: 'user', content: 'once' }] };
      const m1 = await post(`/sessions/${id}/messages`, body, mKey);
      const m2 = await post(`/sessions/${id}/messages`, body, mKey);
      assert.equal(m1.statusCode, 201);
      assert.equal(m2.body, m1.body);
      const d = (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${id}`)).json();
      assert.equal(d.messageCount, 1);

      const bKey = ikey();
      const batch = { batch: [{ type: 'message', body: { sessionId: id, sender: 'agent', content: 'batched' } }] };
      const b1 = await post('/ingest', batch, bKey);
      const b2 = await post('/ingest', batch, bKey);
      assert.equal(b1.statusCode, 207);
      assert.equal(b2.statusCode, 207);
      assert.equal(b2.body, b1.body);
      assert.equal((await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${id}`)).json().messageCount, 2);
    });

    test('a secret shown once is never kept for replays', async () => {
      const key = ikey();
      const first = await post('/keys', { name: 'ci', scopes: ['read'] }, key);
      assert.equal(first.statusCode, 201);
      const secret = first.json().key as string;
      const again = await post('/keys', { name: 'ci', scopes: ['read'] }, key);
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.json().id, first.json().id, 'no second key was made');
      assert.equal(again.json().key, null);
      const rows = await t.store.db.selectFrom('idempotency_keys').select('response_body').execute();
      assert.ok(
        rows.every((r) => !String(r.response_body).includes(secret)),
        'the key is not stored',
      );
      // The key itself still works.
      assert.equal((await call(t.app, secret, 'GET', '/api/v1/sessions')).statusCode, 200);
    });

    test('an error response is replayed too', async () => {
      const key = ikey();
      const bad = await post('/sessions', session({ channel: 'fax' }), key);
      assertProblem(bad, 400);
      const again = await post('/sessions', session({ channel: 'fax' }), key);
      assertProblem(again, 400);
      // The same document, each with the id of the request it answers.
      const { requestId: first, ...badRest } = bad.json();
      const { requestId: second, ...againRest } = again.json();
      assert.deepEqual(againRest, badRest);
      assert.equal(first, bad.headers['x-request-id']);
      assert.equal(second, again.headers['x-request-id']);
    });

    test('the same key with another body, or on another route, is 422', async () => {
      const key = ikey();
      assert.equal((await post('/sessions', session({ metadata: { a: 1 } }), key)).statusCode, 201);
      assertProblem(await post('/sessions', session({ metadata: { a: 2 } }), key), 422);
      assertProblem(await post('/ingest', { batch: [{ type: 'session', body: session() }] }, key), 422);
      // The same fields in another order are the same body.
      assert.equal(
        (
          await post(
            '/sessions',
            { metadata: { a: 1 }, type: 'chat', channel: 'web', agent: { name: 'Support Bot', id: 'support-bot' } },
            key,
          )
        ).statusCode,
        201,
      );
    });

    test('the key is 1–255 characters, else 400', async () => {
      assertProblem(await post('/sessions', session(), ''), 400, ['Idempotency-Key']);
      assertProblem(await post('/sessions', session(), 'k'.repeat(256)), 400, ['Idempotency-Key']);
      assert.equal((await post('/sessions', session(), 'k'.repeat(255))).statusCode, 201);
    });

    test('keys are scoped to the organization', async () => {
      const other = await t.otherOrg();
      const key = ikey();
      const mine = await post('/sessions', session({ id: 'same-in-both' }), key);
      const theirs = await post('/sessions', session({ id: 'same-in-both' }), key, other.key);
      assert.equal(mine.statusCode, 201);
      assert.equal(theirs.statusCode, 201, 'not a replay of the other organization’s response');
      assert.equal(theirs.headers['idempotent-replayed'], undefined);
      // Another body under the same key in the other organization is no conflict either.
      assert.equal((await post('/sessions', session({ id: 'other-body' }), ikey(), other.key)).statusCode, 201);
      const k2 = ikey();
      assert.equal((await post('/sessions', session({ id: 'x-1' }), k2)).statusCode, 201);
      assert.equal((await post('/sessions', session({ id: 'x-2' }), k2, other.key)).statusCode, 201);
    });

    test('while the first request is still running, a repeat is 409', async () => {
      const key = ikey();
      const agent = { id: `concurrent-${n}` };
      // A request in flight: its claim is there, its response not yet.
      const claim = await post('/sessions', session({ agent }), key);
      assert.equal(claim.statusCode, 201);
      await t.store.db
        .updateTable('idempotency_keys')
        .set({ state: 'running', response_body: null, response_status: null, created_at: Date.now() })
        .where('key', '=', key)
        .execute();
      assertProblem(await post('/sessions', session({ agent }), key), 409);
      // Truly concurrent duplicates: one runs, the others are 409 or a replay; one session in all.
      const k2 = ikey();
      const agent2 = { id: `concurrent-b-${n}` };
      const results = await Promise.all(
        Array.from({ length: 5 }, () => post('/sessions', session({ agent: agent2 }), k2)),
      );
      const codes = results.map((r) => r.statusCode);
      assert.ok(
        codes.every((c) => c === 201 || c === 409),
        String(codes),
      );
      assert.ok(codes.includes(201));
      assert.equal(await total(`agentId=${agent2.id}`), 1);
    });

    test('GET ignores the header; without a key nothing is stored', async () => {
      const res = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions', undefined, { 'idempotency-key': '' });
      assert.equal(res.statusCode, 200);
      const before = await t.store.db
        .selectFrom('idempotency_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session());
      const after = await t.store.db
        .selectFrom('idempotency_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(before.n));
    });
  });
}
