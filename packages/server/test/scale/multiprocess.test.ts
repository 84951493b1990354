/**
 * Scale-out (docs/DEPLOY.md): three `switchboard serve` processes on three ports against one
 * PostgreSQL database, as a load balancer would spread them. Live events cross processes over
 * LISTEN/NOTIFY, Last-Event-ID replay works on whichever process a client reconnects to, webhook
 * attempts are claimed once (SKIP LOCKED), counters, metrics and exports stay exact under
 * concurrent writers, rate limits are shared, and killing one process mid-load loses nothing
 * acknowledged.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { generateKey } from '../../src/lib/keys.js';
import { openStore } from '../../src/store/db.js';
import { createApiKey } from '../../src/store/keys.js';
import { createOrg } from '../../src/store/orgs.js';
import { DIALECTS, freshDatabaseUrl } from '../helpers.js';
import { type Proc, api, receiver, serve, until } from '../security/proc.js';
import { type SseClient, connectSse } from '../sse.js';

const PG = DIALECTS.includes('postgres');
if (!PG) console.warn('!!! SKIPPING the multi-process suite: it needs PostgreSQL (run it with `npm test`).');

const STATUSES = ['completed', 'failed', 'cancelled'] as const;
const CHANNELS = ['web', 'phone', 'telegram', 'whatsapp', 'mobile_sdk', 'sip'] as const;

interface Acked {
  sessions: Set<string>;
  /** session id → acknowledged message ids */
  messages: Map<string, Set<string>>;
  /** requests answered after the kill, by the processes still alive */
  afterKill: number;
}

/**
 * One agent: each round reports a whole conversation in one batch (start, messages, an event, the
 * end) to the next process in turn. A request whose process died is sent again, unchanged, to the
 * next one: client ids make the retry safe (the session is idempotent, messages are duplicates).
 */
async function agent(
  n: number,
  procs: () => Proc[],
  key: string,
  acked: Acked,
  stop: { now: boolean; killedAt?: number },
) {
  for (let round = 0; !stop.now; round++) {
    const sid = `p${n}-r${round}-${Date.now().toString(36)}`;
    const batch: Array<{ type: string; body: Record<string, unknown> }> = [
      {
        type: 'session',
        body: {
          id: sid,
          agent: { id: `agent-${n % 4}`, name: `Agent ${n % 4}` },
          channel: CHANNELS[(n + round) % CHANNELS.length],
          type: round % 2 ? 'voice' : 'chat',
        },
      },
    ];
    for (let i = 0; i < 8; i++)
      batch.push({
        type: 'message',
        body: { sessionId: sid, id: `${sid}-m${i}`, sender: i % 2 ? 'agent' : 'user', content: `message ${i}` },
      });
    batch.push({ type: 'event', body: { sessionId: sid, id: `${sid}-e0`, type: 'agent_handoff', data: { n } } });
    batch.push({ type: 'session.update', body: { id: sid, status: STATUSES[(n + round) % STATUSES.length] } });
    for (let attempt = 0; attempt < 6 && !stop.now; attempt++) {
      const live = procs();
      const target = live[(n + round + attempt) % live.length];
      try {
        const res = await api(target.url, key, 'POST', '/api/v1/ingest', { batch });
        assert.equal(res.status, 207, res.text);
        const results = res.json.results as Array<{ index: number; status: number }>;
        const refused = results.filter((r) => r.status >= 300);
        assert.deepEqual(refused, [], 'no item of a batch is refused');
        acked.sessions.add(sid);
        acked.messages.set(sid, new Set(batch.filter((b) => b.type === 'message').map((b) => String(b.body.id))));
        if (stop.killedAt !== undefined && Date.now() > stop.killedAt) acked.afterKill++;
        break;
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        // The process died under this request: never acknowledged, so it goes to another one.
      }
    }
  }
}

/** Lets the load run for at least `ms` and until `enough()` (at most 60 s on a crowded machine). */
async function loadFor(ms: number, enough: () => boolean) {
  const began = Date.now();
  while (Date.now() - began < ms || (!enough() && Date.now() - began < 60_000))
    await new Promise((r) => setTimeout(r, 100));
}

describe('three processes, one PostgreSQL', { skip: !PG && 'needs PostgreSQL' }, () => {
  let db: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let hooks: Awaited<ReturnType<typeof receiver>>;
  let procs: Proc[] = [];
  let key: string;
  let sql: pg.Client;
  let dataDir: string;
  const streams: SseClient[] = [];

  /** The event ids of an organization (default: `default`) after `id`, in order. */
  const outboxAfter = async (id: number, org = 'default') =>
    (
      await sql.query(
        `SELECT org_seq FROM outbox WHERE org_id = (SELECT id FROM organizations WHERE name = $2) AND org_seq > $1
        ORDER BY org_seq`,
        [id, org],
      )
    ).rows.map((r) => String(r.org_seq));
  const lastSeq = async (org = 'default') =>
    Number(
      (
        await sql.query(
          'SELECT coalesce(max(org_seq), 0) AS s FROM outbox WHERE org_id = (SELECT id FROM organizations WHERE name = $1)',
          [org],
        )
      ).rows[0].s,
    );

  before(async () => {
    db = await freshDatabaseUrl('postgres');
    hooks = await receiver();
    key = generateKey();
    dataDir = mkdtempSync(join(tmpdir(), 'sb-multi-'));
    const env = {
      DATABASE_URL: db.url,
      // One machine's data folder: the three share the generated key that encrypts webhook
      // secrets (made once, however many start at the same moment).
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_ADMIN_KEY: key,
      SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
      SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1',
      SWITCHBOARD_WEBHOOK_TIMEOUT: '2',
      SWITCHBOARD_RATE_LIMIT_INGEST: '0',
      SWITCHBOARD_RATE_LIMIT_READ: '0',
    };
    // All three at once on an empty database: migrations and the first-start bootstrap race.
    procs = await Promise.all([serve(env), serve(env), serve(env)]);
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });

  after(async () => {
    for (const s of streams) s.close();
    await Promise.all(procs.map((p) => p.stop()));
    await sql?.end();
    await hooks?.close();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const auth = () => ({ authorization: `Bearer ${key}` });
  const stream = async (p: Proc, lastEventId?: string) => {
    const s = await connectSse(`${p.url}/api/v1/stream`, {
      ...auth(),
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    });
    assert.equal(s.status, 200);
    streams.push(s);
    return s;
  };

  /** Creates a session through process `p` (201). */
  const startSession = async (p: Proc, id: string, channel: string, type: string) => {
    const res = await api(p.url, key, 'POST', '/api/v1/sessions', { id, agent: { id: id[0] }, channel, type });
    assert.equal(res.status, 201, res.text);
  };

  test('started at once, they migrate and make the organization and admin key exactly once', async () => {
    for (const p of procs) assert.equal((await fetch(`${p.url}/readyz`)).status, 200);
    const migrations = (await sql.query('SELECT name FROM switchboard_migrations')).rows.map((r) => r.name);
    assert.equal(new Set(migrations).size, migrations.length);
    assert.equal((await sql.query('SELECT count(*)::int AS n FROM organizations')).rows[0].n, 1);
    assert.equal((await sql.query('SELECT count(*)::int AS n FROM api_keys')).rows[0].n, 1);
    assert.deepEqual(readdirSync(dataDir), ['secret.key'], 'one encryption key, no leftovers');
    for (const p of procs) assert.equal((await api(p.url, key, 'GET', '/api/v1/keys')).status, 200);
  });

  test('a message ingested on one process reaches streams on the others within a second', async () => {
    const [a, b, c] = procs;
    const onB = await stream(b);
    const onC = await stream(c);
    await startSession(a, 'x-proc', 'web', 'chat');
    await onB.waitFor(1);
    await onC.waitFor(1);
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      // Spread over the 1 s poll, so a fan-out that only polled would show a median near 500 ms.
      await new Promise((r) => setTimeout(r, 37 + 91 * i));
      const before = [onB.events.length, onC.events.length];
      const res = await api(a.url, key, 'POST', '/api/v1/sessions/x-proc/messages', {
        messages: [{ id: `x-m${i}`, sender: 'user', content: `hello ${i}` }],
      });
      assert.equal(res.status, 201);
      // From the acknowledgement (the commit), so a slow HTTP round trip on a crowded CI machine
      // is not counted against the fan-out; the event may even arrive before it.
      const sent = Date.now();
      const [onBNow, onCNow] = await Promise.all([onB.waitFor(before[0] + 1, 1000), onC.waitFor(before[1] + 1, 1000)]);
      for (const e of [onBNow[before[0]], onCNow[before[1]]]) {
        assert.equal(e.event, 'message.created');
        assert.equal(JSON.parse(e.data).data.id, `x-m${i}`);
        latencies.push(Math.max(0, e.at - sent));
      }
    }
    latencies.sort((x, y) => x - y);
    const median = latencies[latencies.length >> 1];
    assert.ok((latencies.at(-1) as number) < 1000, `slowest ${latencies.at(-1)} ms`);
    // LISTEN/NOTIFY, not the poll: the median is a few milliseconds.
    assert.ok(median < 250, `median ${median} ms across processes: ${latencies.join(', ')}`);
    onB.close();
    onC.close();
  });

  test('a LISTEN connection that the database drops comes back by itself', async () => {
    const listeners = async () =>
      // This database's only: other suites' processes may be listening on the same cluster.
      (
        await sql.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = 'switchboard-listen' AND datname = current_database()`,
        )
      ).rows[0].n;
    assert.equal(await listeners(), 3, 'one listening connection per process');
    // A failover, a restart or an idle-connection reaper would do this.
    await sql.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'switchboard-listen' AND datname = current_database()`,
    );
    await until('every process listening again', async () => (await listeners()) === 3, 15_000);
    const [a, b] = procs;
    const onB = await stream(b);
    await startSession(a, 'z-proc', 'web', 'chat');
    await onB.waitFor(1, 3000);
    const latencies: number[] = [];
    for (let i = 0; i < 7; i++) {
      await new Promise((r) => setTimeout(r, 53 + 131 * i));
      const before = onB.events.length;
      const res = await api(a.url, key, 'POST', '/api/v1/sessions/z-proc/messages', {
        messages: [{ id: `z-m${i}`, sender: 'user', content: `again ${i}` }],
      });
      assert.equal(res.status, 201);
      const acked = Date.now();
      const got = await onB.waitFor(before + 1, 1000);
      latencies.push(Math.max(0, got[before].at - acked));
    }
    latencies.sort((x, y) => x - y);
    // Woken by NOTIFY again, not by the poll (whose median would be near 500 ms).
    assert.ok(latencies[3] < 250, `median ${latencies[3]} ms after the reconnect: ${latencies.join(', ')}`);
    onB.close();
  });

  test('Last-Event-ID replay works whichever process the client reconnects to', async () => {
    const [a, b, c] = procs;
    const first = await stream(a);
    await startSession(a, 'y-proc', 'sip', 'voice');
    const [started] = await first.waitFor(1);
    first.close();
    const lastId = started.id as string;
    // What the client misses while away, written through the other two processes.
    const res = await api(b.url, key, 'POST', '/api/v1/sessions/y-proc/messages', {
      messages: [1, 2, 3].map((i) => ({ id: `y-m${i}`, sender: 'agent', content: `reply ${i}` })),
    });
    assert.equal(res.status, 201);
    assert.equal(
      (await api(c.url, key, 'POST', '/api/v1/sessions/y-proc/events', { events: [{ type: 'disconnected' }] })).status,
      201,
    );
    assert.equal((await api(c.url, key, 'PATCH', '/api/v1/sessions/y-proc', { status: 'completed' })).status, 200);
    const missed = await outboxAfter(Number(lastId));
    const types = ['message.created', 'message.created', 'message.created', 'event.created', 'event.created'];
    assert.equal(missed.length, 6);
    for (const p of [c, b, a]) {
      const back = await stream(p, lastId);
      const got = await back.waitFor(missed.length);
      assert.deepEqual(
        got.map((e) => e.id),
        missed,
        `replay on ${p.url}`,
      );
      assert.deepEqual(
        got.map((e) => e.event),
        [...types, 'session.ended'],
      );
      // Nothing twice: the replay joined the live fan-out without repeating a row.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(back.events.length, missed.length);
      back.close();
    }
  });

  test('ingest through all three: streams, webhooks, metrics, exports and counters are exact', async () => {
    const hook = await api(procs[0].url, key, 'POST', '/api/v1/webhooks', { url: hooks.url, events: ['*'] });
    assert.equal(hook.status, 201, hook.text);
    const from = await lastSeq();
    const live = await Promise.all(procs.map((p) => stream(p)));
    const acked: Acked = { sessions: new Set(), messages: new Map(), afterKill: 0 };
    const stop = { now: false };
    const agents = Array.from({ length: 6 }, (_, n) => agent(n, () => procs, key, acked, stop));
    // At least 3 s and 30 conversations, however busy the machine is.
    await loadFor(3000, () => acked.sessions.size >= 30);
    stop.now = true;
    await Promise.all(agents);
    assert.ok(acked.sessions.size >= 30, `too little load: ${acked.sessions.size} sessions`);

    // Every stream, whichever process it is on, saw every event exactly once, in commit order.
    const expected = await outboxAfter(from);
    assert.equal(expected.length, acked.sessions.size * 12, 'start, 8 messages, 2 events and the end per session');
    for (const [i, s] of live.entries()) {
      await s.waitFor(expected.length, 10_000);
      assert.deepEqual(
        s.events.map((e) => e.id),
        expected,
        `stream on process ${i}`,
      );
    }

    // Webhooks: every event delivered once, by exactly one of the three processes.
    await until('every webhook delivery', () => hooks.got.length >= expected.length, 60_000);
    await new Promise((r) => setTimeout(r, 500));
    const ids = hooks.got.map((g) => String(g.headers['webhook-id']));
    assert.equal(ids.length, expected.length, 'no event delivered twice');
    assert.deepEqual([...new Set(ids)].sort(), [...expected].sort());
    const twice = await sql.query(
      'SELECT delivery_id FROM webhook_attempts GROUP BY delivery_id HAVING count(*) > 1 LIMIT 5',
    );
    assert.deepEqual(twice.rows, [], 'no delivery attempted twice');

    // Metrics and totals, asked of each process, agree with a count of the rows themselves.
    const truth = (await sql.query('SELECT status, count(*)::int AS n FROM sessions GROUP BY status')).rows;
    const total = truth.reduce((n, r) => n + r.n, 0);
    for (const p of procs) {
      const m = (await api(p.url, key, 'GET', '/api/v1/sessions/metrics')).json;
      assert.equal(m.totalSessions, total);
      for (const r of truth) assert.equal(m.byStatus[r.status], r.n, r.status);
      const list = (await api(p.url, key, 'GET', '/api/v1/sessions?limit=1')).json;
      assert.equal(list.pagination.total, total);
    }
    const agentsTruth = (await sql.query('SELECT agent_id, count(*)::int AS n FROM sessions GROUP BY agent_id')).rows;
    const listed = (await api(procs[1].url, key, 'GET', '/api/v1/agents')).json.data as Array<{
      id: string;
      sessionCount: number;
    }>;
    for (const r of agentsTruth)
      assert.equal(listed.find((a) => a.id === r.agent_id)?.sessionCount, r.n, `agent ${r.agent_id}`);

    // The export from any process holds every acknowledged session with its whole transcript.
    const res = await fetch(`${procs[2].url}/api/v1/sessions/export?format=ndjson`, { headers: auth() });
    const exported = new Map(
      (await res.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((s) => [s.id, s]),
    );
    assert.equal(exported.size, total);
    for (const sid of acked.sessions) {
      const s = exported.get(sid);
      assert.ok(s, sid);
      assert.equal(s.messageCount, 8);
      assert.deepEqual(
        s.messages.map((m: { id: string }) => m.id),
        [...(acked.messages.get(sid) as Set<string>)],
      );
      assert.notEqual(s.status, 'active');
    }
    for (const s of live) s.close();
  });

  test('two organizations writing through two processes at once: each one’s ids are 1, 2, 3 … and replay is exact', async () => {
    const [p0, p1, p2] = procs;
    // A second organization, made as `switchboard orgs create` and `keys create` make them.
    const store = openStore(db.url);
    let other: string;
    try {
      const org = await createOrg(store.db, 'second');
      other = (await createApiKey(store.db, org.id, 'admin', ['read', 'ingest', 'admin'])).key;
    } finally {
      await store.close();
    }
    const fromA = await lastSeq();
    const acked: Acked = { sessions: new Set(), messages: new Map(), afterKill: 0 };
    const ackedB: Acked = { sessions: new Set(), messages: new Map(), afterKill: 0 };
    const stop = { now: false };
    // A through processes 0 and 1, B through 1 and 2: both organizations commit concurrently on
    // every connection pool, so their transactions interleave in the shared sequence.
    const writers = [
      ...Array.from({ length: 3 }, (_, n) => agent(n, () => [p0, p1], key, acked, stop)),
      ...Array.from({ length: 3 }, (_, n) => agent(10 + n, () => [p1, p2], other, ackedB, stop)),
    ];
    await loadFor(2000, () => acked.sessions.size >= 10 && ackedB.sessions.size >= 10);
    stop.now = true;
    await Promise.all(writers);
    assert.ok(ackedB.sessions.size >= 10, `too little load: ${ackedB.sessions.size} sessions of B`);

    const ids = await outboxAfter(0, 'second');
    const m = ackedB.sessions.size * 12;
    assert.deepEqual(
      ids,
      Array.from({ length: m }, (_, i) => String(i + 1)),
      'B’s ids: exactly 1 … M, whatever A wrote in between',
    );
    const a = await outboxAfter(fromA);
    assert.deepEqual(
      a,
      Array.from({ length: acked.sessions.size * 12 }, (_, i) => String(fromA + i + 1)),
      'A’s ids go on without a gap',
    );
    // Shared positions interleave (the attack had something to see) …
    const shared = await sql.query(
      `SELECT count(DISTINCT org_id)::int AS orgs FROM outbox WHERE seq BETWEEN
        (SELECT min(seq) FROM outbox o JOIN organizations g ON g.id = o.org_id WHERE g.name = 'second') AND
        (SELECT max(seq) FROM outbox o JOIN organizations g ON g.id = o.org_id WHERE g.name = 'second')`,
    );
    assert.equal(shared.rows[0].orgs, 2);
    // … and a replay of B from any id, on any process, is exactly what came after it.
    for (const from of [0, 1, Math.floor(m / 3), m - 13, m - 1]) {
      const p = procs[from % 3];
      const s = await connectSse(`${p.url}/api/v1/stream`, {
        authorization: `Bearer ${other}`,
        'last-event-id': String(from),
      });
      streams.push(s);
      const got = await s.waitFor(m - from, 10_000);
      assert.deepEqual(
        got.map((e) => e.id),
        ids.slice(from),
        `replay of B after ${from} on ${p.url}`,
      );
      s.close();
    }
  });

  test('rate limits are one budget per key across the processes', async () => {
    const created = await api(procs[0].url, key, 'POST', '/api/v1/keys', { name: 'exporter', scopes: ['read'] });
    const exporter = created.json.key as string;
    const statuses: number[] = [];
    // The export quota (10 a minute) spent round-robin over the three processes.
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${procs[i % 3].url}/api/v1/sessions/export?format=csv&status=active`, {
        headers: { authorization: `Bearer ${exporter}` },
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [...Array(10).fill(200), 429, 429]);
  });

  test('one process killed mid-load: the others carry on and nothing acknowledged is lost', async () => {
    const from = await lastSeq();
    const onA = await stream(procs[0]);
    const acked: Acked = { sessions: new Set(), messages: new Map(), afterKill: 0 };
    const stop: { now: boolean; killedAt?: number } = { now: false };
    let alive = procs;
    const agents = Array.from({ length: 6 }, (_, n) => agent(n, () => alive, key, acked, stop));
    await loadFor(1500, () => acked.sessions.size >= 10);
    const victim = procs[2];
    victim.child.kill('SIGKILL');
    stop.killedAt = Date.now();
    alive = procs.slice(0, 2);
    await loadFor(2000, () => acked.afterKill >= 10);
    stop.now = true;
    await Promise.all(agents);
    assert.equal((await victim.exited).signal, 'SIGKILL');
    assert.ok(acked.afterKill >= 10, `the survivors answered only ${acked.afterKill} batches after the kill`);

    // Every acknowledged session and message is stored, exactly once.
    const rows = await sql.query(
      `SELECT s.id AS sid, m.id AS mid FROM sessions s JOIN messages m ON m.org_id = s.org_id AND m.session_pk = s.pk WHERE s.id = ANY($1)`,
      [[...acked.sessions]],
    );
    const stored = new Map<string, string[]>();
    for (const r of rows.rows) stored.set(r.sid, [...(stored.get(r.sid) ?? []), r.mid]);
    for (const sid of acked.sessions) {
      const ids = stored.get(sid) ?? [];
      assert.equal(new Set(ids).size, ids.length, `duplicates in ${sid}`);
      for (const mid of acked.messages.get(sid) as Set<string>) assert.ok(ids.includes(mid), `${mid} lost`);
    }
    const counted = await sql.query(
      `SELECT (SELECT sum(n)::int FROM session_counts) AS counters, (SELECT count(*)::int FROM sessions) AS rows`,
    );
    assert.equal(counted.rows[0].counters, counted.rows[0].rows);

    // The survivors' stream and webhooks still carry every event, including those the dead
    // process committed (its unfinished webhook leases run out and another process sends them).
    const expected = await outboxAfter(from);
    await onA.waitFor(expected.length, 10_000);
    assert.deepEqual(
      onA.events.map((e) => e.id),
      expected,
    );
    await until(
      'every event of the kill phase delivered',
      () => {
        const got = new Set(hooks.got.map((g) => String(g.headers['webhook-id'])));
        return expected.every((id) => got.has(id));
      },
      60_000,
    );
  });
});
