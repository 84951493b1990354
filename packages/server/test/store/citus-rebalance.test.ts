/**
 * Adding a worker and rebalancing while ingest runs loses nothing (issue 21; docs/DEPLOY.md,
 * "Past one database: Citus"). A real `switchboard serve` on a Citus coordinator with two workers
 * takes batches and single requests from several organizations without pause; a third worker joins
 * (scripts/citus-cluster.mjs addCitusWorker) and `citus_rebalance_start` moves shard groups to it
 * by logical replication while the writes go on. Then: every acknowledged session, message and
 * event is stored exactly once, the counters and metrics are exact, each organization's outbox is
 * gapless and in the order its writes were acknowledged, shards sit on the new worker, and every
 * organization is still on one shard group. Runs on the Citus store only
 * (`node scripts/test.mjs --citus`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { addCitusWorker, createCitusDatabase, startCitusCluster } from '../../../../scripts/citus-cluster.mjs';
import { generateKey } from '../../src/lib/keys.js';
import { type Store, openStore } from '../../src/store/db.js';
import { createApiKey } from '../../src/store/keys.js';
import { DISTRIBUTED_TABLES, LATER_DISTRIBUTED_TABLES } from '../../src/store/migrations/0027_citus.js';
import { createOrg } from '../../src/store/orgs.js';
import { SCOPES } from '@switchboard/contracts';
import { CITUS } from '../helpers.js';
import { type Proc, api, serve, until } from '../security/proc.js';

if (!CITUS && !process.env.SWITCHBOARD_QUIET_SKIP)
  console.warn(
    '!!! SKIPPING the Citus rebalance test: not on the Citus store (run it with `node scripts/test.mjs --citus`).',
  );

/** Room for the rebalance's background tasks and logical replication workers (docs/DEPLOY.md). */
const WORKER_SLOTS = 'max_worker_processes=32';
const CHANNELS = ['web', 'phone', 'telegram', 'whatsapp'] as const;
const ENDINGS = ['completed', 'failed', 'cancelled'] as const;

/** What one organization's writer was told was stored, in the order it was told. */
interface Acked {
  orgId: string;
  key: string;
  sessions: string[];
  channel: Map<string, string>;
  status: Map<string, string>;
  messages: string[];
  /** session id → its acknowledged message ids */
  bySession: Map<string, string[]>;
  events: string[];
  /** Requests answered 2xx, and when. */
  answered: number[];
  /** Requests that failed (5xx or no answer) and were sent again. */
  retried: Array<{ at: number; what: string }>;
}

/**
 * Sends a request until it is answered with `ok` (at most 10 times). A refused request is sent again
 * unchanged: client ids make that safe (a session is idempotent, a message a duplicate).
 */
async function send(a: Acked, base: string, method: string, path: string, body: unknown, ok: number[]) {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await api(base, a.key, method, path, body);
      if (ok.includes(res.status)) {
        a.answered.push(Date.now());
        return res;
      }
      assert.ok(res.status >= 500 && attempt < 10, `${method} ${path}: ${res.status} ${res.text}`);
      a.retried.push({ at: Date.now(), what: `${method} ${path}: ${res.status} ${res.text.slice(0, 200)}` });
    } catch (err) {
      if (err instanceof assert.AssertionError || attempt >= 10) throw err;
      a.retried.push({ at: Date.now(), what: `${method} ${path}: ${(err as Error).message}` });
    }
  }
}

/**
 * One organization's agent: even rounds report a whole conversation in one batch, odd rounds the
 * same shape as single requests (start, messages, an event, the end), until `stop.now`.
 */
async function writer(n: number, a: Acked, base: string, stop: { now: boolean }) {
  for (let round = 0; !stop.now; round++) {
    const sid = `o${n}-r${round}`;
    const channel = CHANNELS[(n + round) % CHANNELS.length];
    const status = ENDINGS[(n + round) % ENDINGS.length];
    const messages = Array.from({ length: 1 + ((n + round) % 4) }, (_, i) => ({
      id: `${sid}-m${i}`,
      sender: i % 2 ? 'agent' : 'user',
      content: `message ${i} of ${sid}`,
    }));
    const event = { id: `${sid}-e0`, type: 'agent_handoff', data: { round } };
    const start = { id: sid, agent: { id: `agent-${n}`, name: `Agent ${n}` }, channel, type: 'chat' };
    if (round % 2 === 0) {
      const batch = [
        { type: 'session', body: start },
        ...messages.map((m) => ({ type: 'message', body: { sessionId: sid, ...m } })),
        { type: 'event', body: { sessionId: sid, ...event } },
        { type: 'session.update', body: { id: sid, status } },
      ];
      const res = await send(a, base, 'POST', '/api/v1/ingest', { batch }, [207]);
      const refused = (res.json.results as Array<{ status: number }>).filter((r) => r.status >= 300);
      assert.deepEqual(refused, [], `no item of ${sid}'s batch is refused`);
    } else {
      await send(a, base, 'POST', '/api/v1/sessions', start, [200, 201]);
      for (const m of messages)
        await send(a, base, 'POST', `/api/v1/sessions/${sid}/messages`, { messages: [m] }, [201]);
      await send(a, base, 'POST', `/api/v1/sessions/${sid}/events`, { events: [event] }, [201]);
      await send(a, base, 'PATCH', `/api/v1/sessions/${sid}`, { status }, [200]);
    }
    a.sessions.push(sid);
    a.channel.set(sid, channel);
    a.status.set(sid, status);
    a.messages.push(...messages.map((m) => m.id));
    a.bySession.set(
      sid,
      messages.map((m) => m.id),
    );
    a.events.push(event.id);
  }
}

describe('adding a worker and rebalancing while ingest runs (Citus)', {
  skip: !CITUS && 'needs the Citus store',
}, () => {
  let cluster: Awaited<ReturnType<typeof startCitusCluster>>;
  const dbName = 'sb_rebalance';
  let url: string;
  let proc: Proc;
  let store: Store;
  let sql: pg.Client;
  let added: Awaited<ReturnType<typeof addCitusWorker>> | undefined;
  const orgs: Acked[] = [];
  const stop = { now: false };
  let writers: Promise<unknown>;
  /** The first error of a writer: every wait below gives up on it at once. */
  let failed: unknown;
  const window: { start?: number; end?: number } = {};

  /** The shard group (its hash range's low end) and node port of each org's rows in every distributed table. */
  async function homes(orgId: string) {
    const out: Array<{ table: string; shard: string; min: string; port: number }> = [];
    for (const table of [...DISTRIBUTED_TABLES, ...LATER_DISTRIBUTED_TABLES]) {
      const { rows } = await sql.query<{ shard: string; min: string; port: number }>(
        `SELECT s.shardid::text AS shard, s.shardminvalue AS min, n.nodeport AS port
         FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid)
         WHERE s.shardid = get_shard_id_for_distribution_column($1::regclass, $2::text)`,
        [table, orgId],
      );
      assert.equal(rows.length, 1, `${table}: one placement of ${orgId}'s shard`);
      out.push({ table, ...rows[0] });
    }
    return out;
  }

  before(async () => {
    // A cluster of its own, not the one the other test files share: a rebalance runs as background
    // tasks, which need free background worker slots on the coordinator beside one Citus
    // maintenance daemon per database. On the shared cluster the databases of the files running
    // beside this one took PostgreSQL's 8, and the rebalance waited for a slot until it timed out.
    cluster = await startCitusCluster({ settings: [WORKER_SLOTS] });
    assert.ok(cluster, 'a Citus cluster');
    url = await createCitusDatabase(cluster.coordinator, cluster.workers, dbName, { create: true });
    const adminKey = generateKey();
    proc = await serve({
      DATABASE_URL: url,
      SWITCHBOARD_ADMIN_KEY: adminKey,
      SWITCHBOARD_RATE_LIMIT_INGEST: '0',
      SWITCHBOARD_RATE_LIMIT_READ: '0',
    });
    sql = new pg.Client({ connectionString: url });
    await sql.connect();
    store = openStore(url);
    // Organizations until every shard group of the sessions holds one, so whichever group the
    // rebalancer moves, writes are going to it while it moves.
    const groups = Number(
      (await sql.query(`SELECT count(*)::int AS n FROM pg_dist_shard WHERE logicalrelid = 'sessions'::regclass`))
        .rows[0].n,
    );
    const covered = new Set<string>();
    while (covered.size < groups || orgs.length < 6) {
      assert.ok(orgs.length < 64, 'organizations spread over every shard group');
      const org = await createOrg(store.db, `rebalance-${orgs.length}`);
      const { key } = await createApiKey(store.db, org.id, 'admin', SCOPES);
      const [home] = await homes(org.id);
      covered.add(home.min);
      orgs.push({
        orgId: org.id,
        key,
        sessions: [],
        channel: new Map(),
        status: new Map(),
        messages: [],
        bySession: new Map(),
        events: [],
        answered: [],
        retried: [],
      });
    }
  });

  after(async () => {
    stop.now = true;
    await writers?.catch(() => {});
    await proc?.stop();
    await sql?.end();
    await store?.close();
    added?.stop();
    cluster?.stop();
  });

  test('a third worker joins and takes shards while ingest runs; nothing acknowledged is lost', async () => {
    const coordinator = cluster?.coordinator;
    assert.ok(coordinator);
    writers = Promise.all(orgs.map((a, n) => writer(n, a, proc.url, stop)));
    writers.catch((err) => {
      failed ??= err;
    });
    const answered = () => {
      if (failed) throw failed;
      return orgs.reduce((s, a) => s + a.answered.length, 0);
    };
    await until('the writers to be under way', () => answered() >= 50, 120_000);

    added = await addCitusWorker(coordinator, dbName, { settings: [WORKER_SLOTS] });
    const onNew = async () =>
      Number(
        (
          await sql.query(`SELECT count(*)::int AS n FROM citus_shards WHERE nodeport = $1`, [
            (added as { port: number }).port,
          ])
        ).rows[0].n,
      );
    assert.equal(await onNew(), 0, 'a new worker holds no shard before the rebalance');
    const before = new Map<string, string>();
    for (const a of orgs) before.set(a.orgId, (await homes(a.orgId))[0].shard);

    window.start = Date.now();
    const job = (await sql.query(`SELECT citus_rebalance_start() AS id`)).rows[0].id;
    assert.ok(job, 'the rebalancer planned moves');
    const tasks = async () =>
      (
        await sql.query(
          'SELECT task_id, status::text, pid, message, left(command, 80) AS command FROM pg_dist_background_task WHERE job_id = $1',
          [job],
        )
      ).rows;
    const done = await until(
      'the rebalance to finish',
      async () => {
        answered();
        const { rows } = await sql.query<{ state: string }>(
          'SELECT state::text FROM citus_rebalance_status() WHERE job_id = $1',
          [job],
        );
        return rows[0] && ['finished', 'failed', 'cancelled'].includes(rows[0].state) && rows[0].state;
      },
      300_000,
    ).catch(async (err) => {
      // A move that never starts waits for a background worker slot: say what held them.
      const workers = await sql.query(
        'SELECT backend_type, datname FROM pg_stat_activity WHERE backend_type NOT IN ($1, $2) ORDER BY 1',
        ['client backend', 'walsender'],
      );
      throw new Error(
        `${(err as Error).message}; tasks ${JSON.stringify(await tasks())}; background workers ${JSON.stringify(workers.rows)}`,
      );
    });
    window.end = Date.now();
    if (done !== 'finished') {
      assert.fail(`the rebalance ${done}: ${JSON.stringify(await tasks())}`);
    }
    // Some writes were acknowledged while shards were moving, and writing goes on after it.
    const during = orgs.reduce(
      (s, a) => s + a.answered.filter((t) => t > (window.start as number) && t < (window.end as number)).length,
      0,
    );
    assert.ok(during > 0, 'writes were acknowledged during the rebalance');
    const afterward = answered();
    await until('writes after the rebalance', () => answered() >= afterward + 50, 120_000);
    stop.now = true;
    await writers;
    console.log(
      `rebalance: ${Math.round(((window.end as number) - (window.start as number)) / 100) / 10} s, ${during} requests answered during it, ${answered()} in all, ${orgs.reduce((s, a) => s + a.retried.length, 0)} sent again`,
    );

    // A named restore point on every node, the three workers included (docs/DEPLOY.md, "Backups"):
    // what a restore of all nodes to one consistent moment names.
    const point = await sql.query<{ lsn: string }>("SELECT citus_create_restore_point('after-rebalance')::text AS lsn");
    assert.match(point.rows[0].lsn, /^[0-9A-F]+\/[0-9A-F]+$/, 'a restore point across the cluster');

    // Shards moved: the new worker holds placements, and each shard has exactly one.
    assert.ok((await onNew()) > 0, 'shards moved to the new worker');
    const { rows: doubled } = await sql.query(
      'SELECT shardid FROM pg_dist_placement GROUP BY shardid HAVING count(*) > 1 AND shardid IN (SELECT shardid FROM pg_dist_shard WHERE logicalrelid::text NOT IN ($1))',
      ['organizations'],
    );
    assert.deepEqual(doubled, [], 'every distributed shard has one placement');

    // Each organization is still on one shard group, on one node; some now on the new worker.
    const moved: string[] = [];
    for (const a of orgs) {
      const h = await homes(a.orgId);
      assert.equal(new Set(h.map((x) => x.min)).size, 1, `${a.orgId}: one hash range in every table`);
      assert.equal(new Set(h.map((x) => x.port)).size, 1, `${a.orgId}: every shard on one node`);
      assert.equal(h[0].shard, before.get(a.orgId), `${a.orgId}: the same shard, perhaps on another node`);
      if (h[0].port === added.port) moved.push(a.orgId);
    }
    assert.ok(moved.length > 0, 'some organization written to during the rebalance now lives on the new worker');
    // Its rows are in its shards there, all of them.
    const there = new pg.Client({
      connectionString: (() => {
        const u = new URL(added.url);
        u.pathname = `/${dbName}`;
        return u.toString();
      })(),
    });
    await there.connect();
    try {
      for (const orgId of moved)
        for (const { table, shard } of await homes(orgId)) {
          if (!['sessions', 'messages', 'session_events', 'session_counts'].includes(table)) continue;
          const local = await there.query(`SELECT count(*)::int AS n FROM ${table}_${shard} WHERE org_id = $1`, [
            orgId,
          ]);
          const all = await sql.query(`SELECT count(*)::int AS n FROM ${table} WHERE org_id = $1`, [orgId]);
          assert.ok(all.rows[0].n > 0, `${table}: ${orgId} has rows`);
          assert.equal(local.rows[0].n, all.rows[0].n, `${table}: every row of ${orgId} on the new worker`);
        }
    } finally {
      await there.end();
    }

    for (const a of orgs) {
      // Sessions, messages and events: each acknowledged one stored exactly once, nothing else.
      const sessions = await sql.query<{ id: string; channel: string; status: string; message_count: number }>(
        'SELECT id, channel, status, message_count FROM sessions WHERE org_id = $1 ORDER BY id',
        [a.orgId],
      );
      assert.deepEqual(
        sessions.rows.map((r) => r.id),
        [...a.sessions].sort(),
        `${a.orgId}: sessions`,
      );
      for (const r of sessions.rows) {
        assert.equal(r.channel, a.channel.get(r.id), `${r.id}: channel`);
        assert.equal(r.status, a.status.get(r.id), `${r.id}: status`);
        assert.equal(Number(r.message_count), a.bySession.get(r.id)?.length, `${r.id}: message count`);
      }
      const messages = await sql.query<{ id: string }>('SELECT id FROM messages WHERE org_id = $1 ORDER BY id', [
        a.orgId,
      ]);
      assert.deepEqual(
        messages.rows.map((r) => r.id),
        [...a.messages].sort(),
        `${a.orgId}: messages`,
      );
      const events = await sql.query<{ id: string }>(
        `SELECT id FROM session_events WHERE org_id = $1 AND type = 'agent_handoff' ORDER BY id`,
        [a.orgId],
      );
      assert.deepEqual(
        events.rows.map((r) => r.id),
        [...a.events].sort(),
        `${a.orgId}: events`,
      );

      // The counters the dashboard reads are exact.
      const m = await api(proc.url, a.key, 'GET', '/api/v1/sessions/metrics');
      assert.equal(m.status, 200, m.text);
      assert.equal(m.json.totalSessions, a.sessions.length, `${a.orgId}: totalSessions`);
      for (const s of ENDINGS)
        assert.equal(
          m.json.byStatus[s],
          [...a.status.values()].filter((x) => x === s).length,
          `${a.orgId}: byStatus.${s}`,
        );
      for (const c of CHANNELS)
        assert.equal(
          m.json.byChannel[c],
          [...a.channel.values()].filter((x) => x === c).length,
          `${a.orgId}: byChannel.${c}`,
        );

      // The outbox: numbered 1..N without a gap, and in the order the writes were acknowledged.
      const outbox = await sql.query<{ seq: string; type: string; session_id: string; payload: string }>(
        'SELECT org_seq::text AS seq, type, session_id, payload FROM outbox WHERE org_id = $1 ORDER BY org_seq',
        [a.orgId],
      );
      assert.deepEqual(
        outbox.rows.map((r) => Number(r.seq)),
        outbox.rows.map((_, i) => i + 1),
        `${a.orgId}: outbox ids without a gap`,
      );
      const of = (type: string) => outbox.rows.filter((r) => r.type === type);
      assert.deepEqual(
        of('session.started').map((r) => r.session_id),
        a.sessions,
        `${a.orgId}: session.started once each, in order`,
      );
      assert.deepEqual(
        of('message.created').map((r) => JSON.parse(r.payload).id),
        a.messages,
        `${a.orgId}: message.created once each, in order`,
      );
      assert.deepEqual(
        of('event.created')
          .map((r) => JSON.parse(r.payload))
          .filter((e) => e.type === 'agent_handoff')
          .map((e) => e.id),
        a.events,
        `${a.orgId}: event.created once each, in order`,
      );
      assert.deepEqual(
        of('session.ended').map((r) => r.session_id),
        a.sessions,
        `${a.orgId}: session.ended once each, in order`,
      );
    }
  });
});
