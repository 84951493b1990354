/**
 * DATABASE_READ_URL (docs/DEPLOY.md): the read API reads from a PostgreSQL hot standby while
 * writes, auth, rate limits and the live stream stay on the primary. Proven with a real
 * streaming replica whose replay is paused: what the read API shows stops at the replica's
 * state, while ingest and the stream carry on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { type Cluster, findPgBin, startCluster, startReplica } from '../../../../scripts/pg-cluster.mjs';
import { generateKey } from '../../src/lib/keys.js';
import { loadConfig } from '../../src/config.js';
import { type Proc, api, serve, until } from '../security/proc.js';
import { connectSse } from '../sse.js';

const HAVE_PG = findPgBin() !== null;
if (!HAVE_PG) console.warn('!!! SKIPPING the read-replica test: no PostgreSQL binaries in /usr/lib/postgresql.');
/**
 * On the Citus store the test would only repeat its PostgreSQL run: it starts a plain primary and
 * standby of its own. A standby of a Citus coordinator is no read replica of the data either (the
 * shards live on the workers, each with standbys of its own), so DATABASE_READ_URL is a
 * PostgreSQL-only setting (docs/DEPLOY.md).
 */
const ON_CITUS = process.env.SWITCHBOARD_TEST_STORE === 'citus';
if (ON_CITUS)
  console.warn(
    '!!! SKIPPING the read-replica test on Citus: DATABASE_READ_URL is a PostgreSQL-only setting (a coordinator standby holds no shards); it runs on the postgres store.',
  );

const dbUrl = (c: Cluster, name: string) => Object.assign(new URL(c.url), { pathname: `/${name}` }).toString();

describe('a read replica for the read API', {
  skip:
    (!HAVE_PG && 'needs PostgreSQL') || (ON_CITUS && 'PostgreSQL only: a Citus coordinator standby holds no shards'),
}, () => {
  let primary: Cluster;
  let replica: Cluster;
  let proc: Proc;
  let standby: pg.Client;
  let standbyOpen = false;
  const key = generateKey();

  before(async () => {
    primary = (await startCluster()) as Cluster;
    replica = (await startReplica(primary)) as Cluster;
    const admin = new pg.Client({ connectionString: primary.url });
    await admin.connect();
    await admin.query('CREATE DATABASE sb_replicated');
    await admin.end();
    standby = new pg.Client({ connectionString: dbUrl(replica, 'postgres') });
    await standby.connect();
    standbyOpen = true;
    // The standby has the new database once it has replayed its creation.
    await until(
      'the database on the standby',
      async () => (await standby.query(`SELECT 1 FROM pg_database WHERE datname = 'sb_replicated'`)).rowCount === 1,
      60_000,
    );
    proc = await serve({
      DATABASE_URL: dbUrl(primary, 'sb_replicated'),
      DATABASE_READ_URL: dbUrl(replica, 'sb_replicated'),
      SWITCHBOARD_ADMIN_KEY: key,
    });
  });

  after(async () => {
    await proc?.stop();
    if (standbyOpen) await standby.end();
    replica?.stop();
    primary?.stop();
  });

  const session = (id: string) => ({ id, agent: { id: 'bot' }, channel: 'phone', type: 'voice' });
  const total = async () => (await api(proc.url, key, 'GET', '/api/v1/sessions')).json?.pagination?.total;

  test('reads come from the replica; writes and the live stream from the primary', async () => {
    assert.equal((await api(proc.url, key, 'POST', '/api/v1/sessions', session('r-1'))).status, 201);
    await until('r-1 replicated', async () => (await total()) === 1, 60_000);

    await standby.query('SELECT pg_wal_replay_pause()');
    try {
      const stream = await connectSse(`${proc.url}/api/v1/stream`, { authorization: `Bearer ${key}` });
      assert.equal((await api(proc.url, key, 'POST', '/api/v1/sessions', session('r-2'))).status, 201);
      // Idempotent create is a write: it reads the primary, which has r-2.
      assert.equal((await api(proc.url, key, 'POST', '/api/v1/sessions', session('r-2'))).status, 200);
      const [started] = await stream.waitFor(1);
      assert.equal(JSON.parse(started.data).data.id, 'r-2', 'the stream reads the primary’s outbox');
      stream.close();
      // The read API answers from the paused replica: r-2 is not there yet.
      assert.equal(await total(), 1);
      assert.equal((await api(proc.url, key, 'GET', '/api/v1/sessions/r-2')).status, 404);
      assert.equal((await api(proc.url, key, 'GET', '/api/v1/sessions/metrics')).json.totalSessions, 1);
    } finally {
      await standby.query('SELECT pg_wal_replay_resume()');
    }
    await until('r-2 replicated', async () => (await total()) === 2, 60_000);
    assert.equal((await api(proc.url, key, 'GET', '/api/v1/sessions/r-2')).status, 200);
  });

  test('readiness covers the replica; reads without it are 503 with Retry-After', async () => {
    assert.equal((await fetch(`${proc.url}/readyz`)).status, 200);
    await standby.end();
    standbyOpen = false;
    replica.stop();
    await until('readyz 503', async () => (await fetch(`${proc.url}/readyz`)).status === 503, 60_000);
    const res = await fetch(`${proc.url}/readyz`);
    assert.match(String(res.headers.get('content-type')), /^application\/problem\+json/);
    assert.equal(res.headers.get('retry-after'), '2');
    assert.match((await res.json()).detail, /read replica is unreachable/);
    // Reads fail as unavailable (come back later), not as a server bug; ingest does not need the
    // replica at all.
    const read = await api(proc.url, key, 'GET', '/api/v1/sessions');
    assert.equal(read.status, 503, read.text);
    assert.equal(read.json.type.endsWith('/database-unavailable'), true);
    assert.equal(read.headers.get('retry-after'), '2');
    assert.doesNotMatch(read.text, /ECONNREFUSED|terminated|127\.0\.0\.1/);
    assert.equal((await api(proc.url, key, 'POST', '/api/v1/sessions', session('r-3'))).status, 201);
  });

  test('DATABASE_READ_URL must be a PostgreSQL replica of a PostgreSQL primary', () => {
    assert.throws(
      () => loadConfig({}, { DATABASE_URL: 'sqlite:./x.db', DATABASE_READ_URL: 'postgres://h/db' }),
      /DATABASE_READ_URL must be a postgres:\/\/ replica/,
    );
    assert.throws(
      () => loadConfig({}, { DATABASE_URL: 'postgres://h/db', DATABASE_READ_URL: 'mysql://h/db' }),
      /DATABASE_READ_URL must be a postgres:\/\/ replica/,
    );
    assert.equal(
      loadConfig({}, { DATABASE_URL: 'postgres://h/db', DATABASE_READ_URL: 'postgres://r/db' }).databaseReadUrl,
      'postgres://r/db',
    );
  });
});
