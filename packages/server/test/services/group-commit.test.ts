/**
 * Group commit (services/transactions.ts) for single-item writes, and on SQLite for batches too:
 * concurrent requests share commits, concurrent appends run as one append, each is still applied or refused on its own, and
 * what each was told is what is stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KyselyPlugin } from 'kysely';
import { GroupCommit } from '../../src/services/transactions.js';
import { call, DIALECTS, seed, session, setup, type TestContext } from '../helpers.js';

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

  test('concurrent batches share commits, each answered and stored as if alone', async () => {
    const batchOf = (b: number) => [
      { type: 'session', body: session({ id: `gb-${b}-a` }) },
      { type: 'session', body: session({ id: `gb-${b}-b` }) },
      { type: 'message', body: { sessionId: `gb-${b}-a`, sender: 'user', content: `hello ${b}` } },
      { type: 'message', body: { sessionId: `gb-${b}-nowhere`, sender: 'user', content: 'lost' } },
      { type: 'message', body: { sessionId: `gb-${b}-b`, sender: 'agent', content: `hi ${b}` } },
      { type: 'session.update', body: { id: `gb-${b}-a`, status: 'completed' } },
    ];
    let commits = 0;
    const count = () => commits++;
    t.store.outbox.on('committed', count);
    const before = t.app.services.ingest.commits;
    let answers: Array<{ statusCode: number; body: string }>;
    try {
      answers = await Promise.all(
        Array.from({ length: 8 }, (_, b) => call(t.app, t.adminKey, 'POST', '/api/v1/ingest', { batch: batchOf(b) })),
      );
    } finally {
      t.store.outbox.off('committed', count);
    }
    for (const res of answers) {
      assert.equal(res.statusCode, 207, res.body);
      assert.deepEqual(
        (JSON.parse(res.body) as { results: Array<{ status: number }> }).results.map((r) => r.status),
        [201, 201, 201, 404, 201, 200],
      );
    }
    assert.ok(commits < answers.length, `${answers.length} batches took ${commits} commits`);
    assert.equal(t.app.services.ingest.commits - before, commits, 'the stream and webhooks hear of each commit once');
    for (let b = 0; b < 8; b++) {
      const a = (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/gb-${b}-a`)).json();
      assert.equal(a.status, 'completed');
      assert.deepEqual(
        a.messages.map((m: { content: string; seq: number }) => [m.seq, m.content]),
        [[1, `hello ${b}`]],
      );
      const s = (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/gb-${b}-b`)).json();
      assert.equal(s.messageCount, 1);
    }
  });
});

for (const dialect of DIALECTS)
  describe(`concurrent single appends run as one append (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect, { sessionLimits: { maxMessages: 6, maxEvents: 6, maxBytes: 1_000_000 } });
    });
    after(() => t?.close());

    test('a few statements for many requests; each answered as if alone', async () => {
      const ids = Array.from({ length: 30 }, (_, i) => `tog-${i}`);
      await seed(t.app, t.adminKey, [
        ...[...ids, 'tog-full'].map((id) => ({ type: 'session', body: session({ id }) })),
        // One message already stored in tog-0 (sent again below: a duplicate), tog-full at its ceiling.
        { type: 'message', body: { sessionId: 'tog-0', id: 'tog-0-old', sender: 'user', content: 'hello' } },
        ...Array.from({ length: 6 }, (_, i) => ({
          type: 'message',
          body: { sessionId: 'tog-full', sender: 'user', content: `m${i}` },
        })),
      ]);
      const fullBefore = (await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/tog-full')).json();
      const { n: eventsBefore } = await t.store.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();

      // The inserts of messages the server sends from here on.
      let inserts = 0;
      const counter: KyselyPlugin = {
        transformQuery: (args) => {
          const node = args.node as { kind: string; into?: { table: { identifier: { name: string } } } };
          if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === 'messages') inserts++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      };
      const db = t.store.db;
      t.store.db = db.withPlugin(counter);
      type Answer = {
        accepted: number;
        duplicates: number;
        messages: Array<{ id: string }>;
        events: Array<{ type: string }>;
        type?: string;
      };
      type Sent = { what: string; id: string; status: number; body: Answer };
      const requests: Array<Promise<Sent>> = [];
      let answers: Sent[] = [];
      const send = (what: string, id: string, path: string, body: unknown) =>
        requests.push(
          call(t.app, t.adminKey, 'POST', `/api/v1/sessions/${id}/${path}`, body).then((r) => ({
            what,
            id,
            status: r.statusCode,
            body: r.json(),
          })),
        );
      try {
        for (let round = 0; round < 2; round++)
          for (const id of ids)
            send('message', id, 'messages', {
              messages: [
                { sender: round ? 'agent' : 'user', content: `${id} r${round}`, latencyMs: round ? 300 : undefined },
              ],
            });
        for (const id of ids.slice(0, 10)) send('event', id, 'events', { events: [{ type: 'custom', data: { id } }] });
        send('duplicate', 'tog-0', 'messages', { messages: [{ id: 'tog-0-old', sender: 'user', content: 'hello' }] });
        send('unknown', 'tog-nowhere', 'messages', { messages: [{ sender: 'user', content: 'x' }] });
        send('full', 'tog-full', 'messages', { messages: [{ sender: 'user', content: 'one too many' }] });
        answers = await Promise.all(requests);
      } finally {
        t.store.db = db;
      }
      const of = (what: string) => answers.filter((a) => a.what === what);
      assert.deepEqual(
        of('message').map((a) => [a.status, a.body.accepted, a.body.messages.length]),
        Array(60).fill([201, 1, 1]),
      );
      assert.deepEqual(
        of('event').map((a) => [a.status, a.body.accepted, a.body.events[0].type]),
        Array(10).fill([201, 1, 'custom']),
      );
      const [dup] = of('duplicate');
      assert.equal(dup.status, 201, JSON.stringify(dup.body));
      assert.deepEqual([dup.body.accepted, dup.body.duplicates, dup.body.messages[0].id], [0, 1, 'tog-0-old']);
      assert.equal(of('unknown')[0].status, 404);
      assert.equal(of('full')[0].status, 422);
      assert.match(of('full')[0].body.type ?? '', /session-limit$/);
      // Alone, each append is an insert of its messages (and the session's lookup, lock and update,
      // and the outbox's counter and rows): 60 inserts for these 60 messages. Together, one per
      // run of requests that arrived while a commit was under way.
      assert.ok(inserts <= 30, `60 messages took ${inserts} inserts`);

      for (const [i, id] of ids.entries()) {
        const s = (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${id}`)).json();
        const stored = id === 'tog-0' ? 3 : 2;
        assert.equal(s.messageCount, stored, id);
        assert.deepEqual(
          s.messages.map((m: { seq: number }) => m.seq),
          Array.from({ length: stored }, (_, k) => k + 1),
          `${id}: gap-free sequence numbers`,
        );
        // Each answer is what was stored: its id and seq.
        for (const a of of('message').filter((a) => a.id === id)) {
          const m = a.body.messages[0];
          assert.deepEqual(
            s.messages.find((x: { id: string }) => x.id === m.id),
            m,
            `${id}: the answer is the stored message`,
          );
        }
        assert.equal(s.events.length, i < 10 ? 1 : 0, id);
        assert.deepEqual(
          [s.stats.userMessages, s.stats.agentMessages],
          [stored - 1, 1],
          `${id}: the figures count each`,
        );
      }
      // The refused append changed nothing of its session, not even its activity time.
      const full = (await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/tog-full')).json();
      assert.deepEqual([full.messageCount, full.lastActivityAt], [fullBefore.messageCount, fullBefore.lastActivityAt]);
      // One event per stored item, and the organization's event ids without gaps.
      const events = await t.store.db
        .selectFrom('outbox')
        .select(['org_seq', 'type'])
        .where('org_id', '=', t.orgId)
        .orderBy('org_seq')
        .execute();
      assert.equal(events.length - Number(eventsBefore), 70);
      assert.deepEqual(
        events.map((e) => Number(e.org_seq)),
        events.map((_, i) => i + 1),
      );
    });
  });

describe('group commit: a run together that fails unexpectedly runs again one at a time (sqlite)', () => {
  let t: TestContext;
  before(async () => {
    t = await setup('sqlite');
  });
  after(() => t?.close());

  test('each job then stands alone: kept, or refused with its own error', async () => {
    const group = new GroupCommit(t.store);
    const runs: number[][] = [];
    const job = (n: number) =>
      group.run(
        async () => {
          if (n === 3) throw new Error('three alone');
          return n * 10;
        },
        {
          key: 'numbers',
          input: n,
          run: async (_trx, inputs: number[]) => {
            runs.push(inputs);
            if (inputs.includes(3)) throw new Error('together');
            return inputs.map((i) => ({ ok: true as const, value: i }));
          },
        },
      );
    // The first runs at once and alone; the rest queue behind it and run together.
    const settled = await Promise.allSettled([1, 2, 3, 4].map(job));
    assert.deepEqual(runs, [[2, 3, 4]]);
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      [10, 20, 'three alone', 40],
    );
    // Without a failure the run's own answers stand (a job that ran alone answers from its own fn).
    const again = await Promise.all([5, 6, 7].map(job));
    const together = new Set(runs[1]);
    assert.ok(together.size >= 2, `ran together: ${runs[1]}`);
    assert.deepEqual(
      again,
      [5, 6, 7].map((n) => (together.has(n) ? n : n * 10)),
    );
  });
});
