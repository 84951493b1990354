/** The ingest half of src/routes/sessions.ts: create, messages, events, PATCH. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AppendEventsResult,
  AppendMessagesResult,
  LIMITS,
  RESERVED_IDS,
  Session,
  SessionDetail,
} from '@switchboard/contracts';
import { IngestService } from '../../src/services/ingest.js';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, session, setup } from '../helpers.js';

let n = 0;
const uid = (p = 's') => `${p}-${Date.now().toString(36)}-${++n}`;

for (const dialect of DIALECTS) {
  describe(`session ingest routes (${dialect})`, () => {
    let t: TestContext;
    let ingestKey: string;
    before(async () => {
      t = await setup(dialect);
      ingestKey = await t.key(['ingest']);
    });
    after(() => t.close());

    const post = (url: string, body: unknown, key = t.adminKey) => call(t.app, key, 'POST', `/api/v1${url}`, body);
    const patch = (id: string, body: unknown, key = t.adminKey) =>
      call(t.app, key, 'PATCH', `/api/v1/sessions/${encodeURIComponent(id)}`, body);
    const detail = async (id: string) => {
      const res = await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${encodeURIComponent(id)}`);
      assert.equal(res.statusCode, 200, res.body);
      assertShape(SessionDetail, res.json());
      return res.json();
    };
    const create = async (over: Record<string, unknown> = {}) => {
      const res = await post('/sessions', session({ id: uid(), ...over }));
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    };
    const messages = (id: string, list: unknown[]) =>
      post(`/sessions/${encodeURIComponent(id)}/messages`, { messages: list });
    const events = (id: string, list: unknown[]) =>
      post(`/sessions/${encodeURIComponent(id)}/events`, { events: list });

    // ─── POST /sessions ─────────────────────────────────────────────────────────────────────

    describe('POST /sessions', () => {
      test('creates a session with a server-made UUIDv7 id and the contract shape', async () => {
        const before = Date.now();
        const res = await post(
          '/sessions',
          session({ metadata: { plan: 'pro', seats: 3, trial: false, note: null } }),
          ingestKey,
        );
        assert.equal(res.statusCode, 201, res.body);
        const s = res.json();
        assertShape(Session, s);
        assert.match(s.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(res.headers.location, `/api/v1/sessions/${s.id}`);
        assert.deepEqual(
          { ...s, startedAt: undefined, lastActivityAt: undefined, id: undefined },
          {
            agent: { id: 'support-bot', name: 'Support Bot' },
            channel: 'web',
            type: 'chat',
            status: 'active',
            endedAt: null,
            durationSeconds: null,
            messageCount: 0,
            endedReason: null,
            metadata: { plan: 'pro', seats: 3, trial: false, note: null },
            stats: {
              turns: 0,
              userMessages: 0,
              agentMessages: 0,
              firstResponseMs: null,
              avgResponseMs: null,
              maxResponseMs: null,
              handoffs: 0,
              errors: 0,
              interruptions: 0,
              inputTokens: 0,
              outputTokens: 0,
              costUsd: 0,
              redactions: 0,
            },
            source: 'api',
            tags: [],
            scores: {},
            reviewedAt: null,
            reviewedBy: null,
            startedAt: undefined,
            lastActivityAt: undefined,
            id: undefined,
          },
        );
        assert.ok(Date.parse(s.startedAt) >= before - 5 && Date.parse(s.startedAt) <= Date.now() + 5);
        assert.match(s.startedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      });

      test('the agent name defaults to its id', async () => {
        const s = await create({ agent: { id: `nameless-${uid()}` } });
        assert.equal(s.agent.name, s.agent.id);
      });

      test('same id and same body → 200 with the stored session; other fields → 409', async () => {
        const id = uid();
        const body = session({ id, startedAt: '2026-01-02T03:04:05.000Z', metadata: { a: 1, b: 'x' } }) as Record<
          string,
          unknown
        >;
        const first = await post('/sessions', body);
        assert.equal(first.statusCode, 201);
        // The same fields in another key order are the same body.
        const again = await post('/sessions', {
          metadata: { b: 'x', a: 1 },
          type: 'chat',
          channel: 'web',
          agent: body.agent,
          startedAt: body.startedAt,
          id,
        });
        assert.equal(again.statusCode, 200, again.body);
        assertShape(Session, again.json());
        assert.deepEqual(again.json(), first.json());
        assert.equal(again.headers.location, undefined);
        assertProblem(await post('/sessions', { ...body, channel: 'phone' }), 409);
        assertProblem(await post('/sessions', { ...body, metadata: { a: 2, b: 'x' } }), 409);
        const list = await call(t.app, t.adminKey, 'GET', `/api/v1/sessions?search=${id}`);
        assert.equal(list.json().pagination.total, 1);
      });

      test('two creates of one id racing: one 201, one 200, one row', async () => {
        const id = uid();
        const body = session({ id });
        const [a, b] = await Promise.all([post('/sessions', body), post('/sessions', body)]);
        assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 201]);
        assert.equal(a.json().id, b.json().id);
      });

      test('client ids: the allowed alphabet is accepted, anything else is 400', async () => {
        for (const id of ['a', 'A.b_c:d-9', 'x'.repeat(128)]) {
          const res = await post('/sessions', session({ id: `${id}` }));
          assert.ok([200, 201].includes(res.statusCode), `${id}: ${res.body}`);
          assert.equal(res.json().id, id);
        }
        for (const id of ['', 'has space', 'slash/y', 'x'.repeat(129), 'ünï'])
          assertProblem(await post('/sessions', session({ id })), 400, ['/id']);
      });

      test('reserved words are refused as session ids and as agent ids', async () => {
        for (const word of RESERVED_IDS) {
          assertProblem(await post('/sessions', session({ id: word })), 400, ['/id']);
        }
        assertProblem(await post('/sessions', session({ id: 'metrics', agent: { id: 'export' } })), 400, [
          '/id',
          '/agent/id',
        ]);
      });

      test('every bad field is listed in one 400', async () => {
        const res = await post('/sessions', {
          id: 'bad id',
          agent: { name: '' },
          channel: 'fax',
          type: 'hologram',
          status: 'paused',
          startedAt: 'yesterday',
          extra: 1,
        });
        assertProblem(res, 400, [
          '/id',
          '/agent/id',
          '/agent/name',
          '/channel',
          '/type',
          '/status',
          '/startedAt',
          '/extra',
        ]);
        const p = res.json();
        for (const e of p.errors) assert.ok(e.message.length > 0);
      });

      test('a body that is not an object, not JSON or empty is a 400 problem', async () => {
        assertProblem(await post('/sessions', []), 400);
        assertProblem(await post('/sessions', '{"agent":'), 400);
        assertProblem(
          (await t.app.inject({
            method: 'POST',
            url: '/api/v1/sessions',
            headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
            payload: '',
          })) as never,
          400,
        );
      });

      test('NUL characters are refused on both databases', async () => {
        assertProblem(await post('/sessions', session({ metadata: { k: 'a\u0000b' } })), 400, ['/metadata/k']);
      });

      test('a session created already ended (importer extension) has endedAt and duration', async () => {
        const s = await create({
          status: 'completed',
          startedAt: '2026-01-01T10:00:00.000Z',
          endedAt: '2026-01-01T10:01:30.500Z',
          endedReason: 'user_hangup',
        });
        assert.equal(s.status, 'completed');
        assert.equal(s.durationSeconds, 90.5);
        assert.equal(s.endedReason, 'user_hangup');
        assertProblem(await post('/sessions', session({ endedAt: '2026-01-01T10:00:00.000Z' })), 400, ['/endedAt']);
        assertProblem(
          await post(
            '/sessions',
            session({ status: 'failed', startedAt: '2026-01-01T10:00:00.000Z', endedAt: '2026-01-01T09:00:00.000Z' }),
          ),
          400,
          ['/endedAt'],
        );
      });

      describe('metadata limits', () => {
        test('64 keys are fine, 65 are not', async () => {
          const md = (k: number) => Object.fromEntries(Array.from({ length: k }, (_, i) => [`k${i}`, i]));
          await create({ metadata: md(LIMITS.metadataKeys) });
          assertProblem(await post('/sessions', session({ metadata: md(LIMITS.metadataKeys + 1) })), 400, [
            '/metadata',
          ]);
        });

        test('a key of 64 characters is fine, 65 or empty is not', async () => {
          await create({ metadata: { ['k'.repeat(64)]: 1 } });
          const res = await post('/sessions', session({ metadata: { ['k'.repeat(65)]: 1 } }));
          assertProblem(res, 400);
          assert.ok(res.json().errors.every((e: { path: string }) => e.path.startsWith('/metadata')));
          assertProblem(await post('/sessions', session({ metadata: { '': 1 } })), 400);
        });

        test('a string value of 1024 characters is fine, 1025 is not; nested values are refused', async () => {
          await create({ metadata: { v: 'x'.repeat(1024) } });
          assertProblem(await post('/sessions', session({ metadata: { v: 'x'.repeat(1025) } })), 400, ['/metadata/v']);
          assertProblem(await post('/sessions', session({ metadata: { v: { nested: 1 } } })), 400, ['/metadata/v']);
          assertProblem(await post('/sessions', session({ metadata: { v: [1] } })), 400, ['/metadata/v']);
        });

        test('more than 16 KiB in all is refused even when every key and value is within its own limit', async () => {
          // 20 values of 1000 characters: ~20 KiB.
          const md = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, 'v'.repeat(1000)]));
          assertProblem(await post('/sessions', session({ metadata: md })), 400, ['/metadata']);
          const ok = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`key${i}`, 'v'.repeat(1000)]));
          await create({ metadata: ok });
        });
      });
    });

    // ─── messages and events ────────────────────────────────────────────────────────────────

    describe('POST /sessions/:id/messages', () => {
      test('appends with gap-free seq across requests, and counts them on the session', async () => {
        const s = await create();
        const r1 = await messages(s.id, [
          { sender: 'user', content: 'hello' },
          { sender: 'agent', content: 'hi, how can I help?', metadata: { latencyMs: 120 } },
        ]);
        assert.equal(r1.statusCode, 201, r1.body);
        assertShape(AppendMessagesResult, r1.json());
        assert.equal(r1.json().accepted, 2);
        assert.equal(r1.json().duplicates, 0);
        assert.deepEqual(
          r1.json().messages.map((m: { seq: number }) => m.seq),
          [1, 2],
        );
        const r2 = await post(
          `/sessions/${s.id}/messages`,
          { messages: [{ sender: 'user', content: 'x', timestamp: '2026-01-01T00:00:00Z' }] },
          ingestKey,
        );
        assert.equal(r2.statusCode, 201);
        const m = r2.json().messages[0];
        assert.equal(m.seq, 3);
        assert.equal(m.sessionId, s.id);
        assert.equal(m.timestamp, '2026-01-01T00:00:00.000Z');
        const d = await detail(s.id);
        assert.equal(d.messageCount, 3);
        assert.deepEqual(
          d.messages.map((x: { seq: number }) => x.seq),
          [1, 2, 3],
        );
        assert.deepEqual(
          d.messages.map((x: { content: string }) => x.content),
          ['hello', 'hi, how can I help?', 'x'],
        );
        assert.deepEqual(d.messages[1].metadata, { latencyMs: 120 });
      });

      test('concurrent appends to one session still get gap-free, unique seq', async () => {
        const s = await create();
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            messages(s.id, [
              { sender: 'user', content: `a${i}` },
              { sender: 'agent', content: `b${i}` },
            ]),
          ),
        );
        for (const r of results) assert.equal(r.statusCode, 201, r.body);
        const d = await detail(s.id);
        assert.deepEqual(
          d.messages.map((m: { seq: number }) => m.seq),
          Array.from({ length: 16 }, (_, i) => i + 1),
        );
        assert.equal(d.messageCount, 16);
      });

      test('a message whose id is stored is a duplicate: counted, not stored again — also within one request', async () => {
        const s = await create();
        const first = await messages(s.id, [
          { id: 'm1', sender: 'user', content: 'one' },
          { id: 'm2', sender: 'agent', content: 'two' },
        ]);
        assert.equal(first.json().accepted, 2);
        const again = await messages(s.id, [
          { id: 'm2', sender: 'agent', content: 'two (retry with other text)' },
          { id: 'm3', sender: 'user', content: 'three' },
          { id: 'm3', sender: 'user', content: 'three again' },
          { sender: 'agent', content: 'four' },
        ]);
        assert.equal(again.statusCode, 201);
        const body = again.json();
        assertShape(AppendMessagesResult, body);
        assert.equal(body.accepted, 2);
        assert.equal(body.duplicates, 2);
        // `messages` lists every input in order, as stored: a duplicate shows the stored message.
        assert.deepEqual(
          body.messages.map((m: { id: string; seq: number; content: string }) => [m.id, m.seq, m.content]).slice(0, 3),
          [
            ['m2', 2, 'two'],
            ['m3', 3, 'three'],
            ['m3', 3, 'three'],
          ],
        );
        assert.equal(body.messages[3].seq, 4);
        const d = await detail(s.id);
        assert.equal(d.messageCount, 4);
        assert.deepEqual(
          d.messages.map((m: { seq: number }) => m.seq),
          [1, 2, 3, 4],
        );
        const allDup = await messages(s.id, [{ id: 'm1', sender: 'user', content: 'one' }]);
        assert.equal(allDup.statusCode, 201);
        assert.deepEqual([allDup.json().accepted, allDup.json().duplicates], [0, 1]);
      });

      test('the same message id in two sessions is two messages', async () => {
        const a = await create();
        const b = await create();
        assert.equal((await messages(a.id, [{ id: 'shared', sender: 'user', content: 'a' }])).json().accepted, 1);
        assert.equal((await messages(b.id, [{ id: 'shared', sender: 'user', content: 'b' }])).json().accepted, 1);
      });

      test('late delivery to an ended session is accepted and does not reopen it', async () => {
        const s = await create();
        const ended = await patch(s.id, { status: 'completed' });
        assert.equal(ended.statusCode, 200);
        const late = await messages(s.id, [{ sender: 'agent', content: 'goodbye' }]);
        assert.equal(late.statusCode, 201, late.body);
        const lateEvent = await events(s.id, [{ type: 'disconnected' }]);
        assert.equal(lateEvent.statusCode, 201, lateEvent.body);
        const d = await detail(s.id);
        assert.equal(d.status, 'completed');
        assert.equal(d.endedAt, ended.json().endedAt);
        assert.equal(d.durationSeconds, ended.json().durationSeconds);
        assert.equal(d.messageCount, 1);
      });

      test('1–500 messages per request', async () => {
        const s = await create();
        assertProblem(await messages(s.id, []), 400, ['/messages']);
        const many = Array.from({ length: 500 }, (_, i) => ({ sender: i % 2 ? 'agent' : 'user', content: `m${i}` }));
        const ok = await messages(s.id, many);
        assert.equal(ok.statusCode, 201);
        assert.equal(ok.json().accepted, 500);
        assert.equal(ok.json().messages[499].seq, 500);
        assertProblem(await messages(s.id, [...many, many[0]]), 400, ['/messages']);
        assertProblem(await post(`/sessions/${s.id}/messages`, {}), 400, ['/messages']);
      });

      test('content is limited to 32 KiB of UTF-8 bytes, not characters', async () => {
        const s = await create();
        const ok = await messages(s.id, [{ sender: 'user', content: 'x'.repeat(LIMITS.messageContentBytes) }]);
        assert.equal(ok.statusCode, 201);
        // 16,385 two-byte characters: fewer than 32 Ki characters, more than 32 KiB.
        const res = await messages(s.id, [
          { sender: 'user', content: 'fine' },
          { sender: 'user', content: 'é'.repeat(LIMITS.messageContentBytes / 2 + 1) },
        ]);
        assertProblem(res, 400, ['/messages/1/content']);
        assert.equal((await detail(s.id)).messageCount, 1, 'nothing of a refused request is stored');
      });

      test('bad message fields are all listed', async () => {
        const s = await create();
        const res = await messages(s.id, [
          { sender: 'robot', content: 1 },
          { sender: 'user', content: 'x', timestamp: 'now', metadata: { k: { a: 1 } } },
          { sender: 'user' },
          { sender: 'user', content: 'x', extra: true },
        ]);
        assertProblem(res, 400, [
          '/messages/0/sender',
          '/messages/0/content',
          '/messages/1/timestamp',
          '/messages/1/metadata/k',
          '/messages/2/content',
          '/messages/3/extra',
        ]);
      });

      test('checks beyond the schema (bytes, reserved ids) list every bad item too', async () => {
        const s = await create();
        const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, 'v'.repeat(1000)]));
        const res = await messages(s.id, [
          { sender: 'user', content: 'é'.repeat(20_000) },
          { sender: 'user', content: 'ok' },
          { sender: 'user', content: 'x', metadata: big },
          { id: 'stream', sender: 'agent', content: 'y' },
        ]);
        assertProblem(res, 400, ['/messages/0/content', '/messages/2/metadata', '/messages/3/id']);
      });

      test('message metadata follows the session metadata rules', async () => {
        const s = await create();
        const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, 'v'.repeat(1000)]));
        assertProblem(await messages(s.id, [{ sender: 'user', content: 'x', metadata: big }]), 400, [
          '/messages/0/metadata',
        ]);
        const keys = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i]));
        assertProblem(await messages(s.id, [{ sender: 'user', content: 'x', metadata: keys }]), 400, [
          '/messages/0/metadata',
        ]);
      });

      test('an unknown session is 404', async () => {
        assertProblem(await messages('no-such-session', [{ sender: 'user', content: 'x' }]), 404);
      });
    });

    describe('POST /sessions/:id/events', () => {
      test('appends with gap-free seq, duplicates by id skipped and counted', async () => {
        const s = await create();
        const r1 = await events(s.id, [
          { id: 'e1', type: 'connection_established', data: { ip: '203.0.113.9' } },
          { type: 'my.custom_event', timestamp: '2026-03-01T12:00:00.000+02:00' },
        ]);
        assert.equal(r1.statusCode, 201, r1.body);
        assertShape(AppendEventsResult, r1.json());
        assert.deepEqual(
          r1.json().events.map((e: { seq: number }) => e.seq),
          [1, 2],
        );
        assert.equal(r1.json().events[1].timestamp, '2026-03-01T10:00:00.000Z');
        assert.deepEqual(r1.json().events[1].data, {});
        const r2 = await events(s.id, [
          { id: 'e1', type: 'error' },
          { id: 'e2', type: 'agent_handoff', data: { to: 'human' } },
          { id: 'e2', type: 'agent_handoff' },
        ]);
        assert.equal(r2.json().accepted, 1);
        assert.equal(r2.json().duplicates, 2);
        assert.equal(r2.json().events[0].type, 'connection_established');
        const d = await detail(s.id);
        assert.deepEqual(
          d.events.map((e: { seq: number; type: string }) => [e.seq, e.type]),
          [
            [1, 'connection_established'],
            [2, 'my.custom_event'],
            [3, 'agent_handoff'],
          ],
        );
        assert.deepEqual(d.events[0].data, { ip: '203.0.113.9' });
      });

      test('event types must match the pattern; 1–500 per request', async () => {
        const s = await create();
        assertProblem(await events(s.id, [{ type: 'Bad-Type' }, { type: '' }, { type: `a${'b'.repeat(64)}` }]), 400, [
          '/events/0/type',
          '/events/1/type',
          '/events/2/type',
        ]);
        assertProblem(await events(s.id, []), 400, ['/events']);
        const many = Array.from({ length: 500 }, () => ({ type: 'tick' }));
        assert.equal((await events(s.id, many)).statusCode, 201);
        assertProblem(await events(s.id, [...many, { type: 'tick' }]), 400, ['/events']);
      });

      test('data must be an object of at most 16 KiB and at most 32 levels deep', async () => {
        const s = await create();
        assert.equal((await events(s.id, [{ type: 'x', data: { blob: 'y'.repeat(16 * 1024 - 20) } }])).statusCode, 201);
        assertProblem(await events(s.id, [{ type: 'x', data: { blob: 'y'.repeat(16 * 1024) } }]), 400, [
          '/events/0/data',
        ]);
        let deep: Record<string, unknown> = {};
        for (let i = 0; i < 34; i++) deep = { d: deep }; // past 32 levels, within the body's 40
        assertProblem(await events(s.id, [{ type: 'ok' }, { type: 'x', data: deep }]), 400, ['/events/1/data']);
        let fine: Record<string, unknown> = {};
        for (let i = 0; i < 31; i++) fine = { d: fine };
        assert.equal((await events(s.id, [{ type: 'x', data: fine }])).statusCode, 201);
        assertProblem(await events(s.id, [{ type: 'x', data: [1, 2] }]), 400, ['/events/0/data']);
        assertProblem(await events(s.id, [{ type: 'x', data: 'text' }]), 400, ['/events/0/data']);
      });

      test('an unknown session is 404', async () => {
        assertProblem(await events('no-such-session', [{ type: 'error' }]), 404);
      });
    });

    // ─── PATCH ──────────────────────────────────────────────────────────────────────────────

    describe('PATCH /sessions/:id', () => {
      test('active → terminal ends the session and records status_changed {from, to}', async () => {
        const s = await create({ startedAt: new Date(Date.now() - 65_000).toISOString() });
        const res = await patch(s.id, { status: 'failed', endedReason: 'agent_error' }, ingestKey);
        assert.equal(res.statusCode, 200, res.body);
        const e = res.json();
        assertShape(Session, e);
        assert.equal(e.status, 'failed');
        assert.equal(e.endedReason, 'agent_error');
        assert.ok(e.endedAt);
        assert.ok(e.durationSeconds >= 65 && e.durationSeconds < 75, String(e.durationSeconds));
        const d = await detail(s.id);
        const changes = d.events.filter((x: { type: string }) => x.type === 'status_changed');
        assert.equal(changes.length, 1);
        assert.deepEqual(changes[0].data, { from: 'active', to: 'failed' });
      });

      test('the same terminal status again is 200 and records nothing; another status is 422', async () => {
        const s = await create();
        assert.equal((await patch(s.id, { status: 'completed' })).statusCode, 200);
        const again = await patch(s.id, { status: 'completed' });
        assert.equal(again.statusCode, 200, again.body);
        assertShape(Session, again.json());
        assert.equal(again.json().status, 'completed');
        for (const status of ['active', 'failed', 'cancelled']) assertProblem(await patch(s.id, { status }), 422);
        const d = await detail(s.id);
        assert.equal(d.status, 'completed');
        assert.equal(d.events.filter((x: { type: string }) => x.type === 'status_changed').length, 1);
      });

      test('writers ending one session at once record one ending (other processes, the idle sweep)', async () => {
        // On PostgreSQL these run on separate connections, as several processes would.
        const s = await create();
        const results = await Promise.all(
          ['completed', 'failed', 'completed', 'cancelled', 'completed', 'failed'].map((status) =>
            patch(s.id, { status }),
          ),
        );
        const d = await detail(s.id);
        assert.equal(d.events.filter((x: { type: string }) => x.type === 'status_changed').length, 1);
        for (const r of results) assert.equal(r.statusCode, r.json().status === d.status ? 200 : 422, r.body);
        assert.ok(results.some((r) => r.statusCode === 200));

        // The idle sweep of another process decided on a stale read: under the row lock it sees
        // that the agent ended the session meanwhile, and leaves it alone.
        const idle = await create();
        const ingest = new IngestService(t.store);
        const [byAgent, bySweep] = await Promise.all([
          patch(idle.id, { status: 'completed' }),
          ingest.endIdle(t.orgId, idle.id, Date.now() + 60_000),
        ]);
        const after = await detail(idle.id);
        assert.equal(after.events.filter((x: { type: string }) => x.type === 'status_changed').length, 1);
        assert.equal(after.status, bySweep ? 'failed' : 'completed');
        assert.equal(byAgent.statusCode, bySweep ? 422 : 200);
        // A session that heard from its agent after the cut-off is not idle.
        const busy = await create();
        assert.equal(await ingest.endIdle(t.orgId, busy.id, Date.now() - 60_000), null);
        assert.equal((await detail(busy.id)).status, 'active');
      });

      test('endedAt is taken as given and must not be before startedAt', async () => {
        const s = await create({ startedAt: '2026-02-01T10:00:00.000Z' });
        const bad = await patch(s.id, { status: 'completed', endedAt: '2026-02-01T09:59:59.999Z' });
        assertProblem(bad, 422, ['/endedAt']);
        assert.equal((await detail(s.id)).status, 'active', 'a refused PATCH changes nothing');
        const ok = await patch(s.id, { status: 'completed', endedAt: '2026-02-01T10:02:00.000Z' });
        assert.equal(ok.statusCode, 200);
        assert.equal(ok.json().endedAt, '2026-02-01T10:02:00.000Z');
        assert.equal(ok.json().durationSeconds, 120);
      });

      test('endedAt or endedReason without ending the session is refused', async () => {
        const s = await create();
        assertProblem(await patch(s.id, { endedReason: 'user_hangup' }), 422);
        assertProblem(await patch(s.id, { endedAt: new Date().toISOString() }), 422);
      });

      test('endedReason is at most 64 characters', async () => {
        const s = await create();
        assertProblem(await patch(s.id, { status: 'cancelled', endedReason: 'r'.repeat(65) }), 400, ['/endedReason']);
        const ok = await patch(s.id, { status: 'cancelled', endedReason: 'r'.repeat(64) });
        assert.equal(ok.json().endedReason, 'r'.repeat(64));
      });

      test('metadata merges; a null value deletes the key', async () => {
        const s = await create({ metadata: { plan: 'pro', userId: 'u_1', keep: true } });
        const res = await patch(s.id, { metadata: { plan: 'enterprise', userId: null, added: 7 } });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json().metadata, { plan: 'enterprise', keep: true, added: 7 });
        assert.deepEqual((await detail(s.id)).metadata, { plan: 'enterprise', keep: true, added: 7 });
        // Deleting a key that is not there is fine.
        assert.equal((await patch(s.id, { metadata: { missing: null } })).statusCode, 200);
      });

      test('metadata may still change after the session ended', async () => {
        const s = await create();
        await patch(s.id, { status: 'completed' });
        const res = await patch(s.id, { metadata: { csat: 5 } });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json().metadata, { csat: 5 });
        assert.equal(res.json().status, 'completed');
      });

      test('a merge that would pass 64 keys or 16 KiB is refused and changes nothing', async () => {
        const s = await create({ metadata: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`a${i}`, i])) });
        const res = await patch(s.id, {
          metadata: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`b${i}`, i])),
        });
        assert.ok([400, 422].includes(res.statusCode), res.body);
        assertProblem(res, res.statusCode, ['/metadata']);
        assert.equal(Object.keys((await detail(s.id)).metadata).length, 60);
        const t2 = await create({
          metadata: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, 'v'.repeat(1000)])),
        });
        const big = await patch(t2.id, {
          metadata: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`b${i}`, 'v'.repeat(1000)])),
        });
        assert.ok([400, 422].includes(big.statusCode), big.body);
      });

      test('agent rename changes the agent name everywhere', async () => {
        const agentId = `renamed-${uid()}`;
        const a = await create({ agent: { id: agentId, name: 'Old Name' } });
        const b = await create({ agent: { id: agentId, name: 'Old Name' } });
        const res = await patch(a.id, { agent: { name: 'New Name' } });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json().agent, { id: agentId, name: 'New Name' });
        assert.equal((await detail(b.id)).agent.name, 'New Name');
        assertProblem(await patch(a.id, { agent: { name: '' } }), 400, ['/agent/name']);
        assertProblem(await patch(a.id, { agent: { id: 'x', name: 'y' } }), 400, ['/agent/id']);
      });

      test('bad fields are listed; an unknown session is 404', async () => {
        const s = await create();
        assertProblem(await patch(s.id, { status: 'paused', endedAt: 'later', extra: 1 }), 400, [
          '/status',
          '/endedAt',
          '/extra',
        ]);
        assertProblem(await patch('no-such-session', { status: 'completed' }), 404);
      });
    });

    // ─── auth ───────────────────────────────────────────────────────────────────────────────

    test('ingest routes need the ingest scope (403) and a key (401)', async () => {
      const readKey = await t.key(['read']);
      const s = await create();
      const attempts: Array<[string, string, unknown]> = [
        ['POST', '/api/v1/sessions', session()],
        ['POST', `/api/v1/sessions/${s.id}/messages`, { messages: [{ sender: 'user', content: 'x' }] }],
        ['POST', `/api/v1/sessions/${s.id}/events`, { events: [{ type: 'error' }] }],
        ['PATCH', `/api/v1/sessions/${s.id}`, { status: 'completed' }],
      ];
      for (const [method, url, body] of attempts) {
        assertProblem(await call(t.app, readKey, method as 'POST', url, body), 403);
        const res = assertProblem(await call(t.app, null, method as 'POST', url, body), 401);
        assert.ok(res);
      }
      assert.equal((await detail(s.id)).status, 'active');
    });
  });
}
