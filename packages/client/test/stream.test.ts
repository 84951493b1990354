/**
 * The live stream through the SDK: a connection cut mid-way is resumed with Last-Event-ID after
 * the server's `retry:` hint, and the events on either side of the cut join up with no gap and
 * no repeat.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type StreamEvent, SwitchboardError } from '../src/index.js';
import { DIALECTS, type Served, client, serve, until } from './helpers.js';

/** A fetch whose /stream connections the test can cut, as a proxy or a flaky network would. */
function cuttable() {
  const connections: Array<{ controller: AbortController; headers: Headers; at: number }> = [];
  const fetchImpl = async (input: string, init?: RequestInit) => {
    if (!new URL(input).pathname.endsWith('/stream')) return fetch(input, init);
    const controller = new AbortController();
    init?.signal?.addEventListener('abort', () => controller.abort());
    connections.push({ controller, headers: new Headers(init?.headers), at: Date.now() });
    return fetch(input, { ...init, signal: controller.signal });
  };
  return { fetch: fetchImpl, connections, cut: () => connections.at(-1)?.controller.abort() };
}

for (const dialect of DIALECTS) {
  describe(`SDK live stream (${dialect})`, () => {
    let s: Served;
    before(async () => {
      s = await serve(dialect);
    });
    after(() => s.close());

    test('a cut connection resumes with Last-Event-ID after the retry hint: ids consecutive, none missed', async () => {
      const wire = cuttable();
      const reader = client(s, s.t.adminKey, { fetch: wire.fetch });
      const writer = client(s, s.t.adminKey);
      const ac = new AbortController();
      const got: StreamEvent[] = [];
      const reconnects: Array<{ lastEventId?: string; delayMs: number }> = [];
      const done = (async () => {
        for await (const ev of reader.sessions.stream(
          {},
          { signal: ac.signal, onReconnect: (r) => reconnects.push(r) },
        ))
          got.push(ev);
      })();
      await until('connected', () => wire.connections.length === 1);
      await new Promise((r) => setTimeout(r, 200));

      const session = await writer.sessions.start({ agent: 'live-bot', channel: 'web', type: 'chat' }, { wait: true });
      const say = async (from: number, n: number) => {
        for (let i = from; i < from + n; i++) session.message('user', `m${i}`);
        await writer.flush();
      };
      await say(0, 10);
      await until('the first 11 events', () => got.length >= 11);
      const beforeCut = got.at(-1)?.id as string;

      wire.cut();
      await say(10, 15); // while disconnected: must be replayed
      await until('the reconnect', () => wire.connections.length === 2, 8000);
      await say(25, 5); // after: live again
      await until('all 31 events', () => got.length >= 31, 8000);
      await writer.close();
      ac.abort();
      await done;

      const ids = got.map((e) => Number(e.id));
      assert.deepEqual(
        ids,
        Array.from({ length: ids.length }, (_, i) => ids[0] + i),
        'consecutive ids, no gap, no repeat',
      );
      assert.equal(got[0].type, 'session.started');
      const contents = got.flatMap((e) => (e.type === 'message.created' ? [e.data.content] : []));
      assert.deepEqual(
        contents,
        Array.from({ length: 30 }, (_, i) => `m${i}`),
      );
      assert.equal(wire.connections[1].headers.get('last-event-id'), beforeCut, 'resumed after the last event seen');
      assert.equal(wire.connections[0].headers.get('last-event-id'), null);
      assert.equal(reconnects[0].lastEventId, beforeCut);
      assert.equal(reconnects[0].delayMs, 3000, "the server's retry: hint");
      assert.ok(wire.connections[1].at - wire.connections[0].at >= 3000);
    });

    test('filters narrow the stream; lastEventId replays from a known point; break closes the connection', async () => {
      const writer = client(s, s.t.adminKey);
      const phone = await writer.sessions.start({ agent: 'ivr', channel: 'phone', type: 'voice' }, { wait: true });
      const web = await writer.sessions.start({ agent: 'web-bot', channel: 'web', type: 'chat' }, { wait: true });
      phone.message('user', 'hello from the phone');
      web.message('user', 'hello from the web');
      await phone.end('completed', { endedReason: 'user_hangup' });
      await writer.close();

      const reader = client(s, s.t.adminKey);
      const seen: StreamEvent[] = [];
      for await (const ev of reader.sessions.stream({ channel: 'phone' }, { lastEventId: '0' })) {
        seen.push(ev);
        if (ev.type === 'session.ended') break;
      }
      assert.ok(seen.length >= 3);
      for (const ev of seen) {
        const sessionId =
          ev.type === 'message.created' || ev.type === 'event.created'
            ? ev.data.sessionId
            : 'rule' in ev.data
              ? ev.data.rule.id
              : ev.data.id;
        assert.notEqual(sessionId, web.id, 'the web session is filtered out');
      }
      const ended = seen.at(-1);
      assert.ok(ended?.type === 'session.ended' && ended.data.endedReason === 'user_hangup');
      await until('the server to drop the closed stream', () => s.t.app.streams.size === 0, 3000);
    });

    test('a refused stream rejects at once instead of reconnecting', async () => {
      const reader = client(s, await s.t.key(['ingest']));
      await assert.rejects(
        async () => {
          for await (const _ of reader.sessions.stream()) break;
        },
        (err: unknown) => err instanceof SwitchboardError && err.status === 403,
      );
      const bad = client(s, s.t.adminKey);
      await assert.rejects(
        async () => {
          for await (const _ of bad.sessions.stream({ channel: 'pigeon' })) break;
        },
        (err: unknown) => err instanceof SwitchboardError && err.status === 400 && err.errors[0]?.path === 'channel',
      );
    });
  });
}
