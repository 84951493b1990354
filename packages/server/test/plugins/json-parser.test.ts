/**
 * Request bodies (src/plugins/json-parser.ts): nesting deeper than any route needs is refused
 * before anything walks the body (the idempotency hash recursed on it and overflowed the stack),
 * lone surrogate escapes are refused like invalid UTF-8 instead of being stored as `a���b`, and a
 * body announced in another charset than UTF-8 is a 415.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jsonTextDepth, MAX_BODY_DEPTH } from '../../src/plugins/json-parser.js';
import { DIALECTS, type TestContext, assertProblem, call, session, setup } from '../helpers.js';

/** `[[[…]]]` nested `depth` deep: from ~3,000 levels (6 KB) it overflowed the stack behind `Idempotency-Key`. */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

test('jsonTextDepth reads nesting from the text, skipping strings and escaped quotes', () => {
  assert.equal(jsonTextDepth('{"a":[1,{"b":[]}]}', 100), 4);
  assert.equal(jsonTextDepth('{"a":"[[[[{{{{\\"[[[["}', 100), 1);
  assert.equal(jsonTextDepth('["\\\\",[["x"]]]', 100), 3);
  assert.equal(jsonTextDepth('7', 100), 0);
  // It stops as soon as the limit is passed.
  assert.equal(jsonTextDepth(nested(1_000_000), 10), 11);
});

for (const dialect of DIALECTS) {
  describe(`request bodies (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    const post = (url: string, body: string, headers: Record<string, string> = {}) =>
      call(t.app, t.adminKey, 'POST', `/api/v1${url}`, body, headers);
    const count = async (table: 'sessions' | 'messages' | 'session_events') =>
      Number(
        (
          await t.store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    let sessionId: string;

    before(async () => {
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'deep-target' }));
      assert.equal(res.statusCode, 201, res.body);
      sessionId = res.json().id;
    });

    test('deep JSON with an Idempotency-Key is a 400 on /events and /ingest, not a 500', async () => {
      const events = await count('session_events');
      for (const depth of [2950, 10_000, 100_000]) {
        const deep = nested(depth);
        const headers = { 'idempotency-key': `deep-${depth}-${dialect}` };
        const onEvents = await post(
          `/sessions/${sessionId}/events`,
          `{"events":[{"type":"custom","data":{"x":${deep}}}]}`,
          headers,
        );
        assertProblem(onEvents, 400, ['/']);
        assert.match(onEvents.json().errors[0].message, new RegExp(`at most ${MAX_BODY_DEPTH} levels`));
        const onIngest = await post(
          '/ingest',
          `{"batch":[{"type":"event","body":{"sessionId":"${sessionId}","type":"custom","data":{"x":${deep}}}}]}`,
          headers,
        );
        assertProblem(onIngest, 400, ['/']);
        // A bare deep array as the whole body too.
        assertProblem(await post('/ingest', deep, headers), 400, ['/']);
      }
      assert.equal(await count('session_events'), events, 'nothing stored');
      // The key was never claimed: it works for a good request afterwards.
      const ok = await post(
        `/sessions/${sessionId}/events`,
        JSON.stringify({ events: [{ type: 'custom', data: { x: [[[1]]] } }] }),
        { 'idempotency-key': `deep-2950-${dialect}` },
      );
      assert.equal(ok.statusCode, 201, ok.body);
    });

    test('event data at the deepest allowed nesting passes the parser and gets its own check', async () => {
      let data: unknown = 1;
      for (let i = 0; i < 33; i++) data = { d: data };
      const res = await post(`/sessions/${sessionId}/events`, JSON.stringify({ events: [{ type: 'custom', data }] }), {
        'idempotency-key': `deep-33-${dialect}`,
      });
      assertProblem(res, 400, ['/events/0/data']);
    });

    test('lone surrogates in message content and agent names are a 400, like invalid UTF-8', async () => {
      const messages = await count('messages');
      const sessions = await count('sessions');
      const bad = [
        [
          `/sessions/${sessionId}/messages`,
          '{"messages":[{"sender":"user","content":"a\\ud800b"}]}',
          '/messages/0/content',
        ],
        [
          `/sessions/${sessionId}/messages`,
          '{"messages":[{"sender":"user","content":"a\\udc00b"}]}',
          '/messages/0/content',
        ],
        [
          `/sessions/${sessionId}/messages`,
          '{"messages":[{"sender":"user","content":"\\udbff"}]}',
          '/messages/0/content',
        ],
        [
          '/sessions',
          '{"id":"lone-1","agent":{"id":"a","name":"bot \\uD800"},"channel":"web","type":"chat"}',
          '/agent/name',
        ],
        [
          '/ingest',
          `{"batch":[{"type":"message","body":{"sessionId":"${sessionId}","sender":"agent","content":"x\\ude00"}}]}`,
          '/batch/0/body/content',
        ],
        [
          '/ingest',
          '{"batch":[{"type":"session","body":{"id":"lone-2","agent":{"id":"a","name":"\\ud83d"},"channel":"web","type":"chat"}}]}',
          '/batch/0/body/agent/name',
        ],
      ] as const;
      for (const [url, body, path] of bad) {
        const res = await post(url, body);
        const p = assertProblem(res, 400, [path]);
        assert.equal(p.detail, 'The body is not valid UTF-8.');
      }
      assert.equal(await count('messages'), messages, 'no message stored');
      assert.equal(await count('sessions'), sessions, 'no session stored');

      // A surrogate pair written as escapes is a real character: accepted and read back intact.
      const ok = await post(
        '/sessions',
        '{"id":"pair-1","agent":{"id":"a","name":"bot \\ud83d\\ude00"},"channel":"web","type":"chat"}',
      );
      assert.equal(ok.statusCode, 201, ok.body);
      const m = await post(
        '/sessions/pair-1/messages',
        '{"messages":[{"sender":"user","content":"a\\ud83d\\ude00b"}]}',
      );
      assert.equal(m.statusCode, 201, m.body);
      const got = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/pair-1');
      assert.equal(got.json().agent.name, 'bot 😀');
      assert.equal(got.json().messages[0].content, 'a😀b');
      // Text that only looks like an escape (an escaped backslash) is ordinary text.
      const literal = await post('/sessions/pair-1/messages', '{"messages":[{"sender":"user","content":"\\\\ud800"}]}');
      assert.equal(literal.statusCode, 201, literal.body);
    });

    test('a body in another charset than UTF-8 is a 415; UTF-8 however spelled is accepted', async () => {
      const body = JSON.stringify({ messages: [{ sender: 'user', content: 'caf\u00e9' }] });
      for (const type of [
        'application/json; charset=iso-8859-1',
        'application/json; charset=latin1',
        'application/json;charset="utf-16"',
        'application/json; charset=windows-1252',
      ]) {
        const res = await post(`/sessions/${sessionId}/messages`, body, { 'content-type': type });
        assertProblem(res, 415);
        assert.equal(res.json().type, 'https://switchboard.dev/problems/unsupported-media-type');
      }
      for (const type of ['application/json', 'application/json; charset=utf-8', 'application/json; charset="UTF-8"'])
        assert.equal((await post(`/sessions/${sessionId}/messages`, body, { 'content-type': type })).statusCode, 201);
    });
  });
}
