/**
 * A throwaway Citus cluster, as scripts/pg-cluster.mjs makes a PostgreSQL one: a coordinator and
 * two workers, each a cluster of its own on a free port with the Citus library preloaded. Its
 * `postgres` database is ready for Citus (the extension on every node, the workers added); a new
 * database is made ready by `createCitusDatabase`, which the tests call for each database they
 * make. Nothing distributes a table here: Switchboard's migrations do that when they find Citus.
 */
import pg from 'pg';
import { ensureCitus } from './citus-build.mjs';
import { startCluster } from './pg-cluster.mjs';

const SETTINGS = [
  "shared_preload_libraries='citus'",
  // Citus commits a transaction that wrote on several nodes with two-phase commit.
  'max_prepared_transactions=300',
  // Small machines: one connection per shard group and node, not a pool per shard.
  'citus.max_adaptive_executor_pool_size=4',
  // Four shards per distributed table, not Citus's 32: every test database distributes some
  // twenty partitioned tables, and each shard is a table of its own on a worker.
  'citus.shard_count=4',
  // The rebalancer (citus_rebalance_start) moves a shard group without blocking its writes by
  // logical replication: the worker it leaves publishes the shards' changes, the one it joins
  // subscribes. Publishing needs wal_level=logical; every node may be either.
  'wal_level=logical',
];

async function query(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * `query`, tried again when two databases are made Citus ones at once (test files run two at a
 * time, and a file may set up two databases together): citus_add_node writes the workers' shared
 * catalogs and fails with "tuple concurrently updated" when another database does the same. It
 * rolls back whole, so trying again is safe.
 */
async function queryRetrying(url, text) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await query(url, text);
    } catch (err) {
      if (attempt >= 5 || !/concurrently updated|marked as essential|deadlock/.test(String(err?.message))) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

function inDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Makes database `name` a Citus database on every node: creates it on the workers (the coordinator
 * has it already unless `create`), the extension everywhere, then tells the coordinator where it
 * and its workers are.
 */
export async function createCitusDatabase(coordinator, workers, name, { create = false } = {}) {
  if (create) await query(coordinator.url, `CREATE DATABASE ${name}`);
  for (const w of workers) {
    if (name !== 'postgres') await query(w.url, `CREATE DATABASE ${name}`);
    await queryRetrying(inDatabase(w.url, name), 'CREATE EXTENSION IF NOT EXISTS citus');
  }
  const url = inDatabase(coordinator.url, name);
  await queryRetrying(url, 'CREATE EXTENSION IF NOT EXISTS citus');
  await queryRetrying(url, `SELECT citus_set_coordinator_host('127.0.0.1', ${coordinator.port})`);
  for (const w of workers) await queryRetrying(url, `SELECT citus_add_node('127.0.0.1', ${w.port})`);
  return url;
}

/** Drops database `name` on the coordinator and on every worker. */
export async function dropCitusDatabase(coordinator, workers, name) {
  for (const node of [coordinator, ...workers])
    await query(node.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
}

/** Starts one more node with the Citus library, not yet part of any database (a test adds it). */
export async function startCitusNode({ log = () => {}, settings = [] } = {}) {
  return startCluster({ log, settings: [...SETTINGS, ...settings] });
}

/**
 * Adds a worker to database `name` of a running cluster, as an operator would add a machine: starts
 * one more node, makes `name` a Citus database there and `citus_add_node`s it from the coordinator.
 * It holds no shard until a rebalance (`citus_rebalance_start`) moves some to it. Returns the node;
 * `stop()` it after the database is dropped.
 */
export async function addCitusWorker(coordinator, name, { log = () => {}, settings = [] } = {}) {
  const node = await startCitusNode({ log, settings });
  if (!node) throw new Error('no PostgreSQL binaries');
  try {
    if (name !== 'postgres') await query(node.url, `CREATE DATABASE ${name}`);
    await query(inDatabase(node.url, name), 'CREATE EXTENSION IF NOT EXISTS citus');
    await query(inDatabase(coordinator.url, name), `SELECT citus_add_node('127.0.0.1', ${node.port})`);
    return node;
  } catch (err) {
    node.stop();
    throw err;
  }
}

/**
 * Builds Citus first when it is missing (scripts/citus-build.mjs); null when it cannot be built or
 * PostgreSQL is not installed. `settings` are more `-c name=value` for every node (the benchmark's).
 */
export async function startCitusCluster({ log = () => {}, workers: count = 2, settings = [] } = {}) {
  if (!ensureCitus({ log })) return null;
  const nodes = [];
  try {
    for (let i = 0; i <= count; i++) {
      const node = await startCluster({ log: () => {}, settings: [...SETTINGS, ...settings] });
      if (!node) throw new Error('no PostgreSQL binaries');
      nodes.push(node);
    }
    const [coordinator, ...workers] = nodes;
    await createCitusDatabase(coordinator, workers, 'postgres');
    log(
      `Citus test cluster: coordinator 127.0.0.1:${coordinator.port}, workers ${workers.map((w) => `127.0.0.1:${w.port}`).join(', ')}`,
    );
    return {
      url: coordinator.url,
      port: coordinator.port,
      dir: coordinator.dir,
      coordinator,
      workers,
      stop() {
        for (const n of nodes) n.stop();
      },
    };
  } catch (err) {
    for (const n of nodes) n.stop();
    throw err;
  }
}
