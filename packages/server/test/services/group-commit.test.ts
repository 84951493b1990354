/**
 * Group commit (services/transactions.ts) for SQLite's single-item writes: concurrent requests
 * share commits, each is still applied or refused on its own, and what each was told is what is
 * stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, session, setup, type TestContext } from '../helpers.js';

describe('group commit of single-item writes (sqlite)', () => {
  let t: TestContext;
  before(async () => {
    t = await setup('sqlite');
  });
  after(() => t?.close());

  test('concurrent requests share commits; a refused one takes nothing with it', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `gc-${i}`);
    for (const id of ids) {
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id }));
      assert.equal(res.statusCode, 201, res.body);
    }
    // gc-0 is ended first, so the PATCHes below that try to reopen it must be refused.
    await call(t.app, t.adminKey, 'PATCH', '/api/v1/sessions/gc-0', { status: 'completed' });
    let commits = 0;
    const count = () => commits++;
    t.store.outbox.on('committed', count);
    try {
      const requests = [];
      for (let round = 0; round < 4; round++)
        for (const id of ids) {
          requests.push(
            call(t.app, t.adminKey, 'POST', `/api/v1/sessions/${id}/messages`, {
              messages: [{ id: `${id}-m${round}`, sender: round % 2 ? 'agent' : 'user', content: `r${round}` }],
            }).then((r) => ({ kind: 'message', status: r.statusCode })),
          );
          if (id === 'gc-0' || id === 'gc-nowhere')
            requests.push(
              call(t.app, t.adminKey, 'PATCH', `/api/v1/sessions/${id}`, { status: 'active' }).then((r) => ({
                kind: 'reopen',
                status: r.statusCode,
              })),
            );
        }
      requests.push(
        call(t.app, t.adminKey, 'POST', '/api/v1/sessions/gc-nowhere/messages', {
          messages: [{ sender: 'user', content: 'x' }],
        }).then((r) => ({ kind: 'unknown', status: r.statusCode })),
      );
      const answers = await Promise.all(requests);
      assert.deepEqual(
        answers.filter((a) => a.kind === 'message').map((a) => a.status),
        Array(160).fill(201),
      );
      assert.deepEqual(
        answers.filter((a) => a.kind !== 'message').map((a) => a.status),
        [422, 422, 422, 422, 404],
      );
      assert.ok(commits < answers.length, `${answers.length} requests took ${commits} commits`);
    } finally {
      t.store.outbox.off('committed', count);
    }
    for (const id of ids) {
      const s = (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${id}`)).json();
      assert.equal(s.messageCount, 4, id);
      assert.deepEqual(
        s.messages.map((m: { seq: number }) => m.seq),
        [1, 2, 3, 4],
        `${id}: gap-free sequence numbers`,
      );
      assert.equal(s.stats.userMessages + s.stats.agentMessages, 4);
    }
    assert.equal((await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/gc-0')).json().status, 'completed');
    const outbox = await t.store.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('type', '=', 'message.created')
      .executeTakeFirstOrThrow();
    assert.equal(Number(outbox.n), 160);
  });
});
