/**
 * Crash durability (a 2xx means committed). Several clients hammer a real server
 * process with batches and single requests, recording every acknowledgement; the process is
 * killed with SIGKILL mid-load and restarted on the same database. Every acknowledged session,
 * message and event must be there exactly once with gap-free seq, the live stream must replay
 * their events from the outbox, and a webhook registered before the crash must still receive them.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { generateKey } from '../../src/lib/keys.js';
import { connectSse } from '../sse.js';
import { DIALECTS, freshDatabaseUrl } from '../helpers.js';
import { api, receiver, serve, until } from './proc.js';

const CLIENTS = 6;
const LOAD_MS = 1500;

interface Acked {
  sessions: Set<string>;
  /** session id → acknowledged message ids */
  messages: Map<string, Set<string>>;
  events: Map<string, Set<string>>;
}

/** One client: loops until `stop`, alternating a big batch and single-item requests. */
async function client(n: number, base: string, key: string, acked: Acked, stop: { now: boolean }) {
  const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const note = (map: Map<string, Set<string>>, sid: string, id: string) => {
    const set = map.get(sid) ?? new Set<string>();
    map.set(sid, set);
    set.add(id);
  };
  for (let round = 0; !stop.now; round++) {
    const sid = `c${n}-r${round}`;
    try {
      if (round % 2 === 0) {
        const batch: Array<{ type: string; body: Record<string, unknown> }> = [
          { type: 'session', body: { id: sid, agent: { id: `agent-${n}` }, channel: 'web', type: 'chat' } },
        ];
        for (let i = 0; i < 60; i++)
          batch.push({
            type: 'message',
            body: {
              sessionId: sid,
              id: `${sid}-m${i}`,
              sender: i % 2 ? 'agent' : 'user',
              content: `message ${i} of ${sid}`,
            },
          });
        batch.push({ type: 'event', body: { sessionId: sid, id: `${sid}-e0`, type: 'agent_handoff', data: { n } } });
        const res = await fetch(`${base}/api/v1/ingest`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ batch }),
        });
        if (res.status !== 207) continue;
        const { results } = (await res.json()) as { results: Array<{ index: number; status: number }> };
        for (const r of results) {
          if (r.status >= 300) continue;
          const item = batch[r.index];
          if (item.type === 'session') acked.sessions.add(sid);
          else note(item.type === 'message' ? acked.messages : acked.events, sid, String(item.body.id));
        }
      } else {
        const created = await fetch(`${base}/api/v1/sessions`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ id: sid, agent: { id: `agent-${n}` }, channel: 'phone', type: 'voice' }),
        });
        if (created.status !== 201) continue;
        acked.sessions.add(sid);
        for (let k = 0; k < 3 && !stop.now; k++) {
          const messages = Array.from({ length: 5 }, (_, i) => ({
            id: `${sid}-s${k}-${i}`,
            sender: 'user',
            content: `single ${k}.${i}`,
          }));
          const res = await fetch(`${base}/api/v1/sessions/${sid}/messages`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ messages }),
          });
          if (res.status === 201) for (const m of messages) note(acked.messages, sid, m.id);
        }
        const ev = await fetch(`${base}/api/v1/sessions/${sid}/events`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ events: [{ id: `${sid}-e0`, type: 'error', data: { k: 1 } }] }),
        });
        if (ev.status === 201) note(acked.events, sid, `${sid}-e0`);
      }
    } catch {
      // The connection died with the process: that request was never acknowledged.
      if (stop.now) return;
    }
  }
}

// Both dialects at once: most of the time is spent waiting for the dead process's lease.
describe('crash durability: SIGKILL under load', { concurrency: true }, () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  for (const dialect of DIALECTS) {
    test(`${dialect}: every acknowledged write survives, exactly once, and its events are still delivered`, async () => {
      const db = await freshDatabaseUrl(dialect);
      cleanups.push(db.drop);
      const hooks = await receiver();
      cleanups.push(hooks.close);
      const key = generateKey();
      const env = {
        DATABASE_URL: db.url,
        SWITCHBOARD_ADMIN_KEY: key,
        SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
        SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1',
        SWITCHBOARD_RATE_LIMIT_INGEST: '0',
        SWITCHBOARD_RATE_LIMIT_READ: '0',
        SWITCHBOARD_WEBHOOK_TIMEOUT: '1',
      };

      const p1 = await serve(env);
      cleanups.push(() => p1.stop());
      // One delivery per session keeps the webhook side quick; the stream covers every event.
      const hook = await api(p1.url, key, 'POST', '/api/v1/webhooks', { url: hooks.url, events: ['session.started'] });
      assert.equal(hook.status, 201, hook.text);

      const acked: Acked = { sessions: new Set(), messages: new Map(), events: new Map() };
      const stop = { now: false };
      const clients = Array.from({ length: CLIENTS }, (_, n) => client(n, p1.url, key, acked, stop));
      // Load for LOAD_MS at least, and until every client has a session acknowledged (a loaded
      // machine may need longer to get there).
      const began = Date.now();
      while (Date.now() - began < LOAD_MS || (acked.sessions.size < CLIENTS && Date.now() - began < 60_000))
        await new Promise((r) => setTimeout(r, 50));
      p1.child.kill('SIGKILL');
      stop.now = true;
      await Promise.all(clients);
      assert.equal((await p1.exited).signal, 'SIGKILL');
      const ackedMessages = [...acked.messages.values()].reduce((n, s) => n + s.size, 0);
      assert.ok(acked.sessions.size >= CLIENTS, `too little load before the kill: ${acked.sessions.size} sessions`);

      const p2 = await serve(env);
      cleanups.push(() => p2.stop());

      // 1. Every acknowledged session, message and event is stored exactly once, seq gap-free.
      for (const sid of acked.sessions) {
        const res = await api(p2.url, key, 'GET', `/api/v1/sessions/${sid}`);
        assert.equal(res.status, 200, `acknowledged session ${sid} is missing`);
        const s = res.json as {
          messageCount: number;
          messages: Array<{ id: string; seq: number }>;
          events: Array<{ id: string; seq: number }>;
        };
        assert.equal(s.messageCount, s.messages.length, sid);
        assert.deepEqual(
          s.messages.map((m) => m.seq),
          s.messages.map((_, i) => i + 1),
          `${sid}: message seq has gaps`,
        );
        assert.deepEqual(
          s.events.map((e) => e.seq),
          s.events.map((_, i) => i + 1),
          `${sid}: event seq has gaps`,
        );
        const ids = s.messages.map((m) => m.id);
        assert.equal(new Set(ids).size, ids.length, `${sid}: a message is stored twice`);
        for (const id of acked.messages.get(sid) ?? [])
          assert.ok(ids.includes(id), `acknowledged message ${id} is missing`);
        const eids = s.events.map((e) => e.id);
        for (const id of acked.events.get(sid) ?? [])
          assert.ok(eids.includes(id), `acknowledged event ${id} is missing`);
      }

      // 2. The outbox still has every acknowledged write: a replay from 0 carries them, once each.
      const sse = await connectSse(`${p2.url}/api/v1/stream`, { authorization: `Bearer ${key}`, 'last-event-id': '0' });
      try {
        assert.equal(sse.status, 200);
        const seenMessages = new Map<string, number>();
        const seenSessions = new Set<string>();
        let read = 0;
        await until(
          'the replay to carry every acknowledged message',
          () => {
            for (; read < sse.events.length; read++) {
              const e = JSON.parse(sse.events[read].data) as { type: string; data: { id: string } };
              if (e.type === 'message.created') seenMessages.set(e.data.id, (seenMessages.get(e.data.id) ?? 0) + 1);
              if (e.type === 'session.started') seenSessions.add(e.data.id);
            }
            return [...acked.messages.values()].every((set) => [...set].every((id) => seenMessages.has(id)));
          },
          30_000,
        );
        for (const sid of acked.sessions) assert.ok(seenSessions.has(sid), `no session.started for ${sid}`);
        for (const [id, n] of seenMessages) assert.equal(n, 1, `message.created for ${id} replayed ${n} times`);
        const ids = sse.events.map((e) => Number(e.id));
        assert.deepEqual(
          ids,
          [...ids].sort((a, b) => a - b),
          'event ids only grow',
        );
      } finally {
        sse.close();
      }

      // 3. The webhook registered before the crash gets session.started for every acknowledged session.
      await until(
        'webhook deliveries for every acknowledged session',
        () => {
          const got = new Set(hooks.got.map((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id));
          return [...acked.sessions].every((sid) => got.has(sid));
        },
        // A delivery in flight at the kill is leased to the dead process until its lease runs out
        // (webhook timeout, 1 s here, + 30 s): it goes out again after that, with the same id.
        45_000,
      );
      console.log(
        `# ${dialect}: ${acked.sessions.size} sessions, ${ackedMessages} messages acknowledged before SIGKILL; all present after restart`,
      );
    });
  }
});
