/**
 * The §8 data set, generated once with the demo generator and cached under bench/data/: a SQLite
 * file, and a PostgreSQL data directory with the data set in database `bench`. Both are keyed by
 * the generator's parameters and a hash of the generator's own source, so a change to what the
 * generator writes makes a new data set. Schema changes do not: a cached data set is migrated
 * forward here before anything reads it (as an upgrade in the field would, then vacuumed and
 * analyzed like a fresh one), and its .json records the migrations it has, so neither the
 * server nor the raw driver ever reads a data set older than the schema.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { generateDemoData } from '../packages/server/src/demo/generate.js';
import { openStore } from '../packages/server/src/store/db.js';
import { migrate } from '../packages/server/src/store/migrate.js';

export const ROOT = resolve(import.meta.dirname, '..');
/** SWITCHBOARD_BENCH_DATA moves the cache (the smoke test uses a temp folder). */
export const DATA_DIR = process.env.SWITCHBOARD_BENCH_DATA ?? join(ROOT, 'bench', 'data');

export interface DatasetParams {
  sessions: number;
  messagesPerSession: number;
  agents: number;
  days: number;
  seed: string;
  /** Fixed, so the cache is reusable; the spawned server runs with idle timeout 0 so nothing ages. */
  now: number;
  /** false: session rows without messages and events (the generator's `transcripts` option). */
  transcripts?: boolean;
}

const BENCH_NOW = Date.parse('2026-01-01T00:00:00.000Z');

export function datasetParams(sessions: number): DatasetParams {
  return { sessions, messagesPerSession: 5, agents: 50, days: 90, seed: 'bench', now: BENCH_NOW };
}

const HOUR_MS = 3_600_000;

/**
 * `--rows-only`: the alerts benchmark's data set — the same generator, session rows without
 * transcripts over the last `days` days, ending at the hour it was generated, so that a live
 * server's alert windows (which end at the wall clock) hold the data set's newest sessions. A
 * million took 32 minutes on the shared 2-core machine, against hours for the full data set. Its key leaves the clock out: a cached one is
 * used for ROWS_ONLY_FRESH_MS after it was generated, then generated again in its place.
 */
export function rowsOnlyParams(sessions: number, days = 30): DatasetParams {
  const now = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  return { sessions, messagesPerSession: 5, agents: 50, days, seed: 'bench', now, transcripts: false };
}

const ROWS_ONLY_FRESH_MS = 6 * HOUR_MS;

/** A cached data set that is still what its params ask for (a rows-only one goes stale). */
function fresh(meta: string, p: DatasetParams) {
  if (!existsSync(meta)) return false;
  if (p.transcripts !== false) return true;
  return p.now - (JSON.parse(readFileSync(meta, 'utf8')) as DatasetInfo).params.now < ROWS_ONLY_FRESH_MS;
}

function datasetKey(p: DatasetParams): string {
  const generator = ['generate.ts', 'conversation.ts', 'catalog.ts', 'random.ts']
    .map((f) => readFileSync(join(ROOT, 'packages/server/src/demo', f)))
    .reduce((h, b) => h.update(b), createHash('sha256'))
    .digest('hex')
    .slice(0, 10);
  const clock = p.transcripts === false ? 'rows' : p.now;
  return `${p.sessions}s-${p.messagesPerSession}m-${p.agents}a-${p.days}d-${p.seed}-${clock}-${generator}`;
}

export interface DatasetInfo {
  key: string;
  params: DatasetParams;
  sessions: number;
  messages: number;
  events: number;
  generatedInMs: number;
  cached: boolean;
  /** Migrations applied to the cached data set after it was generated. */
  migrations?: string[];
}

const log = (m: string) => process.stderr.write(`${m}\n`);

export async function fill(url: string, p: DatasetParams): Promise<Omit<DatasetInfo, 'key' | 'params' | 'cached'>> {
  const store = openStore(url);
  try {
    await migrate(store);
    // A data set that a crash would lose is simply generated again: no fsync per chunk here.
    // The server that is measured opens the file with its own settings (WAL, synchronous=FULL).
    if (store.dialect === 'sqlite') await sql`PRAGMA synchronous = OFF`.execute(store.db);
    // Each session's triggers update a dozen rollup tables and indexes all over the file: with the
    // server's 64 MiB page cache, a million sessions read ~500 MB/s back from the OS and slowed to
    // a few hundred sessions a second past 150,000 (measured). The generator's own connection
    // keeps 2 GiB.
    if (store.dialect === 'sqlite') await sql`PRAGMA cache_size = -2097152`.execute(store.db);
    const s = await generateDemoData(store, {
      sessions: p.sessions,
      days: p.days,
      seed: p.seed,
      agents: p.agents,
      messagesPerSession: p.messagesPerSession,
      now: p.now,
      transcripts: p.transcripts,
      chunkSize: 5_000,
      onProgress: (x) => {
        if (x.done % 50_000 < 5_000 || x.done === x.total)
          log(`  generated ${x.done}/${x.total} sessions, ${x.messages} messages (${Math.round(x.rate)}/s)`);
      },
    });
    return { sessions: s.sessions, messages: s.messages, events: s.events, generatedInMs: s.elapsedMs };
  } finally {
    await store.close();
  }
}

/**
 * Brings a cached data set to the current schema. A migration that backfills a new table or
 * index (0007: session_metadata, the trigram index) leaves statistics and, on PostgreSQL, the
 * visibility map behind; they are refreshed as after generation.
 */
async function upgrade(url: string, meta: string, info: DatasetInfo): Promise<DatasetInfo> {
  const store = openStore(url);
  let applied: string[];
  try {
    applied = await migrate(store);
  } finally {
    await store.close();
  }
  if (applied.length === 0) return info;
  log(`  migrated the cached data set ${info.key} forward: ${applied.join(', ')}`);
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    execFileSync(
      process.execPath,
      [
        '-e',
        `const D=require('better-sqlite3');const d=new D(${JSON.stringify(file)});d.exec('ANALYZE');d.pragma('wal_checkpoint(TRUNCATE)');d.close()`,
      ],
      { cwd: join(ROOT, 'packages/server') },
    );
  } else await pgExec(url, 'VACUUM (ANALYZE)');
  const upgraded = { ...info, migrations: [...(info.migrations ?? []), ...applied] };
  writeFileSync(meta, JSON.stringify({ ...upgraded, cached: undefined }, null, 2));
  return upgraded;
}

/** The cached SQLite data set, generated when missing. Returns the file path. */
export async function sqliteDataset(p: DatasetParams): Promise<{ file: string; info: DatasetInfo }> {
  mkdirSync(DATA_DIR, { recursive: true });
  const key = datasetKey(p);
  const file = join(DATA_DIR, `sqlite-${key}.db`);
  const meta = `${file}.json`;
  if (existsSync(file) && fresh(meta, p))
    return {
      file,
      info: await upgrade(`sqlite:${file}`, meta, { ...JSON.parse(readFileSync(meta, 'utf8')), cached: true }),
    };
  const tmp = `${file}.tmp`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  log(`Generating the SQLite data set ${key} …`);
  const r = await fill(`sqlite:${tmp}`, p);
  execFileSync(
    process.execPath,
    [
      '-e',
      `const D=require('better-sqlite3');const d=new D(${JSON.stringify(tmp)});d.pragma('wal_checkpoint(TRUNCATE)');d.exec('ANALYZE');d.close()`,
    ],
    { cwd: join(ROOT, 'packages/server') },
  );
  renameSync(tmp, file);
  for (const f of [`${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  const info: DatasetInfo = { key, params: p, ...r, cached: false };
  writeFileSync(meta, JSON.stringify(info, null, 2));
  return { file, info };
}

// ─── PostgreSQL ──────────────────────────────────────────────────────────────────────────────

/** The newest installed PostgreSQL's bin folder (as scripts/pg-cluster.mjs finds it). */
function findPgBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : null;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface PgCluster {
  port: number;
  url(db: string): string;
  stop(): void;
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (initdb refuses root). */
function pgRun(bin: string, cmd: string, args: string[]) {
  const asRoot = process.getuid?.() === 0;
  return execFileSync(
    asRoot ? 'runuser' : join(bin, cmd),
    asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args,
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/**
 * A PostgreSQL cluster whose data directory lives in bench/data/pg, so the data sets (one
 * database each) survive between runs. Settings as scripts/pg-cluster.mjs: synchronous_commit
 * and fsync on.
 */
export async function startPgCluster(): Promise<PgCluster | null> {
  // An already running server (the test runner's throwaway cluster) instead of our own.
  const given = process.env.SWITCHBOARD_BENCH_PG_URL;
  if (given)
    return {
      port: Number(new URL(given).port),
      url: (db) => Object.assign(new URL(given), { pathname: `/${db}` }).toString(),
      stop() {},
    };
  const bin = findPgBin();
  if (!bin) return null;
  const dir = join(DATA_DIR, 'pg');
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  mkdirSync(dir, { recursive: true });
  if (asRoot) {
    // The server makes the folder of a SQLite file 0700 (store/db.ts); the cluster runs as
    // postgres, which must pass through it to reach its own folder (it lists nothing there).
    chmodSync(DATA_DIR, statSync(DATA_DIR).mode | 0o111);
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  if (!existsSync(join(data, 'PG_VERSION')))
    pgRun(bin, 'initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const pid = join(data, 'postmaster.pid');
  if (existsSync(pid)) {
    // Already running (another bench process, e.g. one generating a data set): share it, and
    // leave stopping it to whoever started it.
    const running = Number(readFileSync(pid, 'utf8').split('\n')[3]);
    const url = (db: string) => `postgres://postgres@127.0.0.1:${running}/${db}`;
    if (
      running &&
      (await pgExec(url('postgres'), 'SELECT 1').then(
        () => true,
        () => false,
      ))
    )
      return { port: running, url, stop() {} };
    try {
      pgRun(bin, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    } catch {
      rmSync(pid, { force: true });
    }
  }
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    '-c max_connections=300',
    '-c shared_buffers=512MB',
    '-c work_mem=32MB',
    '-c maintenance_work_mem=256MB',
    '-c synchronous_commit=on',
    '-c fsync=on',
    '-c max_wal_size=4GB',
  ].join(' ');
  pgRun(bin, 'pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '120', 'start']);
  return {
    port,
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    stop() {
      try {
        pgRun(bin, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } catch {}
    },
  };
}

async function pgExec(url: string, text: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

/** The cached PostgreSQL data set, one database per key, generated when missing. */
export async function pgDataset(cluster: PgCluster, p: DatasetParams): Promise<{ url: string; info: DatasetInfo }> {
  const key = datasetKey(p);
  const name = `ds_${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
  mkdirSync(join(DATA_DIR, 'pg'), { recursive: true });
  const meta = join(DATA_DIR, 'pg', `${name}.json`);
  const url = cluster.url(name);
  if (fresh(meta, p))
    return { url, info: await upgrade(url, meta, { ...JSON.parse(readFileSync(meta, 'utf8')), cached: true }) };
  await pgExec(cluster.url('postgres'), `DROP DATABASE IF EXISTS ${name}`);
  await pgExec(cluster.url('postgres'), `CREATE DATABASE ${name}`);
  log(`Generating the PostgreSQL data set ${key} …`);
  // As with SQLite: the generator's own connection skips the commit flush; the measured server
  // uses the cluster's synchronous_commit=on.
  const r = await fill(`${url}?options=-c%20synchronous_commit%3Doff`, p);
  await pgExec(url, 'VACUUM (ANALYZE)');
  const info: DatasetInfo = { key, params: p, ...r, cached: false };
  writeFileSync(meta, JSON.stringify(info, null, 2));
  return { url, info };
}

/** A fresh, empty database for the ingest rows (dropped first if a previous run left it). */
export async function pgFreshDb(cluster: PgCluster, name: string): Promise<string> {
  await pgExec(cluster.url('postgres'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await pgExec(cluster.url('postgres'), `CREATE DATABASE ${name}`);
  return cluster.url(name);
}

/** A writable copy of a data set's database (its URL given), made from it as a template. */
export async function pgCopyDb(cluster: PgCluster, url: string, name: string): Promise<string> {
  const from = new URL(url).pathname.slice(1);
  await pgExec(cluster.url('postgres'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await pgExec(cluster.url('postgres'), `CREATE DATABASE ${name} TEMPLATE ${from}`);
  return cluster.url(name);
}

export async function pgDropDb(cluster: PgCluster, name: string) {
  await pgExec(cluster.url('postgres'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
