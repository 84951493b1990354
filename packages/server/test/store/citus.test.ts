/**
 * Switchboard on Citus (migration 0027, docs/ARCHITECTURE.md "Citus"): the migrations distribute
 * every organization-scoped session table by org_id, co-located with sessions, and make
 * organizations a reference table; one organization's sessions, messages, events and side rows
 * then sit on one shard group, on one worker. Asked of Citus itself (pg_dist_partition, the shard
 * of an org_id, its placement) and of the workers' shards. Runs on the Citus store only
 * (`node scripts/test.mjs --citus`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  DISTRIBUTED_TABLES,
  LATER_DISTRIBUTED_TABLES,
  REFERENCE_TABLES,
} from '../../src/store/migrations/0027_citus.js';
import { CITUS, type TestContext, call, seed, session, setup } from '../helpers.js';

if (!CITUS && !process.env.SWITCHBOARD_QUIET_SKIP)
  console.warn('!!! SKIPPING the Citus test: not on the Citus store (run it with `node scripts/test.mjs --citus`).');

/** The tables whose rows this test writes for each organization. */
const WRITTEN = [
  'sessions',
  'session_ids',
  'messages',
  'session_events',
  'transcript_docs',
  'session_search',
  'session_metadata',
  'session_tags',
  'session_notes',
  'session_scores',
  'session_counts',
  'session_tag_counts',
  'session_tag_days',
  'agents',
];

describe('one organization on one shard group (Citus)', { skip: !CITUS }, () => {
  let t: TestContext;
  let db: pg.Client;
  const orgs: Array<{ orgId: string; key: string }> = [];

  before(async () => {
    t = await setup('postgres');
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    orgs.push({ orgId: t.orgId, key: t.adminKey });
    for (let i = 0; i < 5; i++) orgs.push(await t.otherOrg());
    for (const [n, o] of orgs.entries()) {
      const batch = [];
      for (let s = 0; s < 4; s++) {
        const id = `c-${n}-${s}`;
        batch.push({
          type: 'session',
          body: session({ id, agent: { id: `agent-${n}`, name: 'Agent' }, metadata: { plan: `p${s}` } }),
        });
        batch.push({ type: 'message', body: { sessionId: id, sender: 'user', content: `hello ${n} ${s}` } });
        batch.push({ type: 'message', body: { sessionId: id, sender: 'agent', content: `hi ${n} ${s}` } });
        batch.push({ type: 'event', body: { sessionId: id, type: 'connection_established' } });
      }
      await seed(t.app, o.key, batch);
      const api = (method: 'PATCH' | 'PUT' | 'POST', url: string, body: unknown) =>
        call(t.app, o.key, method, `/api/v1${url}`, body);
      assert.equal((await api('PATCH', `/sessions/c-${n}-0/tags`, { tags: ['vip'] })).statusCode, 200);
      assert.equal((await api('PUT', `/sessions/c-${n}-0/scores/quality`, { value: 4 })).statusCode, 200);
      assert.equal((await api('POST', `/sessions/c-${n}-0/notes`, { body: 'a note' })).statusCode, 201);
    }
  });
  after(async () => {
    await db?.end();
    await t?.close();
  });

  test('the session tables are distributed by org_id, co-located; organizations is a reference table', async () => {
    const { rows } = await db.query<{ table: string; method: string; column: string | null; colocation: number }>(
      `SELECT logicalrelid::regclass::text AS table, partmethod AS method,
         column_to_column_name(logicalrelid, partkey) AS column, colocationid AS colocation
       FROM pg_dist_partition`,
    );
    const by = new Map(rows.map((r) => [r.table, r]));
    const colocation = by.get('sessions')?.colocation;
    assert.ok(colocation !== undefined, 'sessions is not distributed');
    for (const table of [...DISTRIBUTED_TABLES, ...LATER_DISTRIBUTED_TABLES]) {
      const r = by.get(table);
      assert.ok(r, `${table} is not a Citus table`);
      assert.equal(r.method, 'h', `${table} is not hash-distributed`);
      assert.equal(r.column, 'org_id', `${table} is not distributed by org_id`);
      assert.equal(r.colocation, colocation, `${table} is not co-located with sessions`);
    }
    for (const table of REFERENCE_TABLES) assert.equal(by.get(table)?.method, 'n', `${table} is not a reference table`);
  });

  test("each organization's rows are in the shards of one shard group, on one worker, and nowhere else", async () => {
    const workers = new Map<number, pg.Client>();
    try {
      for (const w of CITUS?.workers ?? []) {
        const u = new URL(w.url);
        u.pathname = new URL(t.databaseUrl).pathname;
        const c = new pg.Client({ connectionString: u.toString() });
        await c.connect();
        workers.set(w.port, c);
      }
      const ports = new Set<number>();
      for (const { orgId } of orgs) {
        // The shard of the org in every table, its hash range and where it is placed.
        const shards = [];
        for (const table of [...DISTRIBUTED_TABLES, ...LATER_DISTRIBUTED_TABLES]) {
          const { rows } = await db.query<{ shard: string; min: string; port: number }>(
            `SELECT s.shardid AS shard, s.shardminvalue AS min, n.nodeport AS port
             FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid)
             WHERE s.shardid = get_shard_id_for_distribution_column($1::regclass, $2::text)`,
            [table, orgId],
          );
          assert.equal(rows.length, 1, `${table}: one placement of the org's shard`);
          shards.push({ table, ...rows[0] });
        }
        assert.equal(new Set(shards.map((s) => s.min)).size, 1, `${orgId}: one hash range in every table`);
        assert.equal(new Set(shards.map((s) => s.port)).size, 1, `${orgId}: every shard on one node`);
        const port = shards[0].port;
        ports.add(port);
        const home = workers.get(port);
        assert.ok(home, `${orgId}'s shard group is on a worker, not the coordinator`);
        for (const table of WRITTEN) {
          const shard: string | undefined = shards.find((s) => s.table === table)?.shard;
          const there: pg.QueryResult<{ n: number }> = await home.query(
            `SELECT count(*)::int AS n FROM ${table}_${shard} WHERE org_id = $1`,
            [orgId],
          );
          const all: pg.QueryResult<{ n: number }> = await db.query(
            `SELECT count(*)::int AS n FROM ${table} WHERE org_id = $1`,
            [orgId],
          );
          assert.ok(all.rows[0].n > 0, `${table}: the org has rows`);
          assert.equal(there.rows[0].n, all.rows[0].n, `${table}: every row of ${orgId} in shard ${shard}`);
          // No shard of the table on any other worker holds a row of the org.
          for (const [otherPort, other] of workers) {
            if (otherPort === port) continue;
            const { rows } = await other.query<{ name: string }>(
              `SELECT shard_name AS name FROM citus_shards WHERE table_name = $1::regclass`,
              [table],
            );
            for (const { name } of rows) {
              const exists = await other.query('SELECT to_regclass($1) AS r', [name]);
              if (!exists.rows[0].r) continue;
              const n = await other.query(`SELECT count(*)::int AS n FROM ${name} WHERE org_id = $1`, [orgId]);
              assert.equal(n.rows[0].n, 0, `${table}: a row of ${orgId} on worker ${otherPort}`);
            }
          }
        }
      }
      // Six organizations over 32 shard groups and two workers: both workers hold some.
      assert.ok(ports.size >= 1);
    } finally {
      for (const c of workers.values()) await c.end();
    }
  });
});
