import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { OutboxEnvelope } from '@switchboard/contracts';
import { DIALECTS, type TestContext, assertShape, call, session, setup } from '../helpers.js';
import { connectSse } from '../sse.js';

for (const dialect of DIALECTS) {
  describe(`GET /api/v1/stream (${dialect})`, () => {
    let t: TestContext;
    let base: string;
    let auth: Record<string, string>;
    before(async () => {
      t = await setup(dialect, { stream: { heartbeatMs: 200, maxBufferBytes: 64 * 1024, drainTimeoutMs: 2000 } });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const addr = t.app.server.address() as { port: number };
      base = `http://127.0.0.1:${addr.port}/api/v1`;
      auth = { authorization: `Bearer ${t.adminKey}` };
    });
    after(() => t.close());

    test('every kind of event arrives as soon as it commits, in commit order, with monotonic ids', async () => {
      const sse = await connectSse(`${base}/stream`, auth);
      assert.equal(sse.status, 200);
      try {
        // When each request was sent: an event is timed from its own request, so five requests
        // in a row on a crowded machine do not add up against the last one.
        const sent: number[] = [];
        const send = (...args: Parameters<typeof call>) => {
          sent.push(Date.now());
          return call(...args);
        };
        await send(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'live-1', metadata: { plan: 'pro' } }));
        await send(t.app, t.adminKey, 'POST', '/api/v1/sessions/live-1/messages', {
          messages: [{ sender: 'user', content: 'hello' }],
        });
        await send(t.app, t.adminKey, 'POST', '/api/v1/sessions/live-1/events', {
          events: [{ type: 'agent_handoff' }],
        });
        await send(t.app, t.adminKey, 'PATCH', '/api/v1/sessions/live-1', { metadata: { plan: 'team' } });
        await send(t.app, t.adminKey, 'PATCH', '/api/v1/sessions/live-1', { status: 'completed' });
        const events = await sse.waitFor(6, 3000);
        assert.deepEqual(
          events.map((e) => e.event),
          ['session.started', 'message.created', 'event.created', 'session.updated', 'event.created', 'session.ended'],
        );
        // Delivery is immediate (a NOTIFY or an in-process wake-up, not a poll); the bound leaves room
        // for a loaded CI machine, where one test process can wait a second for the CPU.
        // The request each event came from (the last PATCH ends the session: two events).
        const from = [0, 1, 2, 3, 4, 4];
        for (const [i, e] of events.entries())
          assert.ok(e.at - sent[from[i]] < 2500, `${e.event} arrived ${e.at - sent[from[i]]} ms after its request`);
        const ids = events.map((e) => Number(e.id));
        assert.deepEqual(
          ids,
          [...ids].sort((a, b) => a - b),
        );
        assert.equal(new Set(ids).size, ids.length);
        for (const e of events) {
          const env = JSON.parse(e.data);
          assertShape(OutboxEnvelope, env, e.event);
          assert.equal(env.id, e.id);
          assert.equal(env.type, e.event);
          assert.equal(env.data.sessionId ?? env.data.id, 'live-1');
        }
        const ended = JSON.parse(events[5].data).data;
        assert.equal(ended.status, 'completed');
        assert.deepEqual(JSON.parse(events[4].data).data.data, { from: 'active', to: 'completed' });
      } finally {
        sse.close();
      }
    });

    test('Last-Event-ID replays exactly the missed events, in order, none twice, then continues live', async () => {
      await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'replay-1' }));
      const first = await connectSse(`${base}/stream`, auth);
      const msg = (i: number) => ({
        type: 'message',
        body: { sessionId: 'replay-1', sender: 'user', content: `m${i}` },
      });
      await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', { batch: [msg(0), msg(1), msg(2)] });
      const seen = await first.waitFor(3);
      first.close();
      const lastSeen = seen[2].id as string;

      // Missed while disconnected: 700 events (more than one replay page).
      const missed = Array.from({ length: 700 }, (_, i) => msg(100 + i));
      await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', { batch: missed });

      // Reconnect while more ingest keeps arriving: the union must be gap-free and duplicate-free.
      const again = await connectSse(`${base}/stream`, { ...auth, 'last-event-id': lastSeen });
      const during = (async () => {
        for (let i = 0; i < 5; i++)
          await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', { batch: [msg(1000 + i * 2), msg(1001 + i * 2)] });
      })();
      await during;
      const events = await again.waitFor(710, 10_000);
      again.close();
      const contents = events.map((e) => JSON.parse(e.data).data.content);
      assert.deepEqual(contents, [
        ...Array.from({ length: 700 }, (_, i) => `m${100 + i}`),
        ...Array.from({ length: 10 }, (_, i) => `m${1000 + i}`),
      ]);
      const ids = events.map((e) => Number(e.id));
      assert.equal(ids[0], Number(lastSeen) + 1);
      for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1] + 1, 'ids are consecutive: no gap');

      // The lastEventId query parameter works the same for clients that cannot set headers.
      const viaQuery = await connectSse(`${base}/stream?lastEventId=${ids[ids.length - 3]}`, auth);
      const tail = await viaQuery.waitFor(2);
      viaQuery.close();
      assert.deepEqual(
        tail.map((e) => Number(e.id)),
        ids.slice(-2),
      );
    });

    test('filters narrow the stream and another organization never shows up', async () => {
      const other = await t.otherOrg();
      const phoneOnly = await connectSse(`${base}/stream?channel=phone&metadata.tier=gold`, auth);
      const otherSse = await connectSse(`${base}/stream`, { authorization: `Bearer ${other.key}` });
      try {
        await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'f-web', channel: 'web' }));
        await call(
          t.app,
          t.adminKey,
          'POST',
          '/api/v1/sessions',
          session({ id: 'f-phone', channel: 'phone', type: 'voice', metadata: { tier: 'gold' } }),
        );
        await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/f-web/messages', {
          messages: [{ sender: 'user', content: 'web' }],
        });
        await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/f-phone/messages', {
          messages: [{ sender: 'user', content: 'phone' }],
        });
        await call(t.app, other.key, 'POST', '/api/v1/sessions', session({ id: 'f-other' }));
        const got = await phoneOnly.waitFor(2);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(phoneOnly.events.length, 2);
        assert.deepEqual(
          got.map((e) => [e.event, JSON.parse(e.data).data.sessionId ?? JSON.parse(e.data).data.id]),
          [
            ['session.started', 'f-phone'],
            ['message.created', 'f-phone'],
          ],
        );
        const others = await otherSse.waitFor(1);
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(otherSse.events.length, 1);
        assert.equal(JSON.parse(others[0].data).data.id, 'f-other');
      } finally {
        phoneOnly.close();
        otherSse.close();
      }
    });

    test('a new stream is told where it joined, so a reconnect before any event misses nothing', async () => {
      const port = (t.app.server.address() as { port: number }).port;
      const head = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let buf = '';
        socket.on('data', (d) => {
          buf += d;
          if (buf.includes(': connected')) {
            socket.destroy();
            resolve(buf);
          }
        });
        socket.on('error', reject);
        socket.write(`GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.adminKey}\r\n\r\n`);
      });
      const joined = /\nid: (\d+)\n/.exec(head);
      assert.ok(joined, head);
      // Something happens while the client is away; resuming from the joined id delivers it.
      await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'joined-1' }));
      const resumed = await connectSse(`${base}/stream`, { ...auth, 'last-event-id': joined[1] });
      const [first] = await resumed.waitFor(1);
      resumed.close();
      assert.equal(JSON.parse(first.data).data.id, 'joined-1');
    });

    test('a heartbeat comment keeps idle streams open', async () => {
      const sse = await connectSse(`${base}/stream`, auth);
      await new Promise((r) => setTimeout(r, 500));
      sse.close();
      assert.ok(sse.comments.includes('heartbeat'), `comments: ${sse.comments.join(', ')}`);
      assert.equal(sse.retry, 3000);
    });

    test('auth and bad input', async () => {
      assert.equal((await connectSse(`${base}/stream`)).status, 401);
      const ingestOnly = await t.key(['ingest']);
      assert.equal((await connectSse(`${base}/stream`, { authorization: `Bearer ${ingestOnly}` })).status, 403);
      assert.equal((await connectSse(`${base}/stream?transcript=hello`, auth)).status, 400);
      assert.equal((await connectSse(`${base}/stream?channel=fax`, auth)).status, 400);
      assert.equal((await connectSse(`${base}/stream`, { ...auth, 'last-event-id': 'abc' })).status, 400);
      // The dashboard's cookie works too (EventSource cannot set headers).
      const login = await call(t.app, null, 'POST', '/api/v1/auth/login', { key: t.adminKey });
      const cookie = String(login.headers['set-cookie']).split(';')[0];
      const viaCookie = await connectSse(`${base}/stream`, { cookie });
      assert.equal(viaCookie.status, 200);
      viaCookie.close();
    });

    test('a client that stops reading is dropped; the server does not buffer for it', async () => {
      await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'slow-1' }));
      const port = (t.app.server.address() as { port: number }).port;
      // Earlier tests' clients may still be closing.
      for (let i = 0; i < 100 && t.app.streams.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
      const before = t.app.streams.size;
      const socket = connect(port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(`GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.adminKey}\r\n\r\n`);
      // Read the response head, then never read again.
      await new Promise((r) => socket.once('data', r));
      socket.pause();
      assert.equal(t.app.streams.size, before + 1);
      const big = 'x'.repeat(8000);
      let dropped = false;
      for (let round = 0; round < 40 && !dropped; round++) {
        const batch = Array.from({ length: 100 }, () => ({
          type: 'message',
          body: { sessionId: 'slow-1', sender: 'agent', content: big },
        }));
        await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', { batch });
        await new Promise((r) => setTimeout(r, 50));
        dropped = t.app.streams.size === before;
      }
      socket.destroy();
      assert.ok(dropped, 'the stalled client should have been dropped');
    });

    test('shutdown ends open streams with a retry hint', async () => {
      const extra = await setup(dialect);
      await extra.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (extra.app.server.address() as { port: number }).port;
      const sse = await connectSse(`http://127.0.0.1:${port}/api/v1/stream`, {
        authorization: `Bearer ${extra.adminKey}`,
      });
      const started = Date.now();
      await extra.close();
      await sse.ended;
      assert.ok(Date.now() - started < 5000);
      assert.equal(sse.retry, 2000);
      assert.ok(sse.comments.includes('server shutting down'));
    });
  });
}
