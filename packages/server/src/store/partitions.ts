/**
 * Monthly partitions of sessions, messages and events on PostgreSQL (migration 0006). A session
 * and its transcript share one month (messages and events are partitioned by their session's
 * started_at), so a month is created together and dropped together. On SQLite every function
 * here is a no-op or a plain query: one file, no partitions to manage.
 */
import { type Kysely, sql } from 'kysely';
import type { Store } from './db.js';
import type { Database } from './schema.js';

/** The tables partitioned by month, each with its partition key. */
export const PARTITIONED = [
  { table: 'sessions', key: 'started_at' },
  { table: 'messages', key: 'session_started_at' },
  { table: 'session_events', key: 'session_started_at' },
  // The metadata filter's side table (0007), by its session's started_at.
  { table: 'session_metadata', key: 'started_at' },
  // The transcript's word documents (0009), by their session's started_at.
  { table: 'transcript_docs', key: 'session_started_at' },
  // search's narrow copy of the sessions (0010).
  { table: 'session_search', key: 'started_at' },
] as const;

/** Serializes partition DDL across processes (the outbox and session_counts use 7245012). */
const PARTITION_DDL_LOCK = 7245013;

/** A calendar month in UTC: `year` as in ISO 8601, `month` 0–11. */
export interface Month {
  year: number;
  month: number;
}

/** Start of a UTC month in epoch ms. Not Date.UTC: it maps years 0–99 to 1900–1999. */
export function monthStart({ year, month }: Month): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 1);
  return d.getTime();
}

export function monthOf(ms: number): Month {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() };
}

export const addMonths = (m: Month, n: number): Month => monthOf(monthStart({ year: m.year, month: m.month + n }));

/** `p2026_11`; a year before 0 (an offset date-time near 0000-01-01) becomes `pm0001_12`. */
export function monthSuffix({ year, month }: Month): string {
  const y = year < 0 ? `m${String(-year).padStart(4, '0')}` : String(year).padStart(4, '0');
  return `p${y}_${String(month + 1).padStart(2, '0')}`;
}

/** Months known to exist, per store: a write checks here before it asks the database. */
const known = new WeakMap<Store, Set<string>>();
const knownOf = (store: Store) => {
  let s = known.get(store);
  if (!s) {
    s = new Set();
    known.set(store, s);
  }
  return s;
};
const loaded = new WeakMap<Store, Promise<void>>();

/**
 * Makes sure the months of these times have their partitions. A month this process has seen
 * costs nothing; a new one is created in its own short transaction, never inside a caller's:
 * creating a partition locks the parent table, which must not wait behind (or hold up) ingest.
 */
export async function ensureMonths(store: Store, times: Iterable<number>): Promise<void> {
  if (store.dialect !== 'postgres') return;
  const cache = knownOf(store);
  // What exists already is read once per process, so a restart does not take DDL locks again.
  let load = loaded.get(store);
  if (!load) {
    load = listMonths(store.db).then((months) => {
      for (const m of months) cache.add(monthSuffix(m));
    });
    load.catch(() => loaded.delete(store));
    loaded.set(store, load);
  }
  await load;
  const wanted = new Map<string, Month>();
  for (const t of times) {
    if (!Number.isFinite(t)) continue;
    const m = monthOf(t);
    const suffix = monthSuffix(m);
    if (!cache.has(suffix)) wanted.set(suffix, m);
  }
  for (const m of wanted.values()) await createMonth(store, m);
}

/** Creates one month's partitions of every partitioned table (idempotent, safe across processes). */
export async function createMonth(store: Store, m: Month): Promise<void> {
  if (store.dialect !== 'postgres') return;
  for (let attempt = 1; ; attempt++) {
    try {
      await store.db.transaction().execute(async (trx) => {
        // IF NOT EXISTS alone is not race-safe: two creators can both pass the check.
        await sql`SELECT pg_advisory_xact_lock(${sql.lit(PARTITION_DDL_LOCK)})`.execute(trx);
        // On Citus a new partition of a distributed table that references a reference table
        // (organizations) must be created over one connection per node; elsewhere a setting
        // nothing reads.
        await sql`SELECT set_config('citus.multi_shard_modify_mode', 'sequential', true)`.execute(trx);
        await createMonthIn(trx, m);
      });
      break;
    } catch (err) {
      // On Citus the DDL locks the shards of the whole co-located group on every worker; a write
      // holding one of them while it waits for this transaction's advisory lock is a distributed
      // deadlock, and Citus cancels one side (40P01). The DDL is idempotent: try again.
      if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
    }
  }
  knownOf(store).add(monthSuffix(m));
}

/** The DDL of one month, in the caller's transaction (the migration's, or createMonth's). */
// biome-ignore lint/suspicious/noExplicitAny: also runs in migrations, on tables Database does not describe yet.
export async function createMonthIn(db: Kysely<any>, m: Month): Promise<void> {
  const suffix = monthSuffix(m);
  const from = sql.lit(monthStart(m));
  const to = sql.lit(monthStart(addMonths(m, 1)));
  // Migrations before 0007 make months too, when later tables do not exist yet.
  const { rows } = await sql<{ name: string }>`SELECT relname AS name FROM pg_class
    WHERE relnamespace = current_schema()::regnamespace AND relkind = 'p'`.execute(db);
  const parents = new Set(rows.map((r) => r.name));
  for (const { table } of PARTITIONED)
    if (parents.has(table)) {
      await sql`CREATE TABLE IF NOT EXISTS ${sql.id(`${table}_${suffix}`)} PARTITION OF ${sql.id(table)}
        FOR VALUES FROM (${from}) TO (${to})`.execute(db);
      // Its replica identity (0031): a partition does not take its parent's.
      if (table === 'transcript_docs')
        await sql`ALTER TABLE ${sql.id(`${table}_${suffix}`)} REPLICA IDENTITY FULL`.execute(db);
    }
}

/**
 * The row's partition-key value when PostgreSQL refused a row for want of a partition
 * (SQLSTATE 23514, "no partition of relation … found for row"), else undefined. The value comes
 * from the error's detail: "Partition key of the failing row contains (started_at) = (…)."
 */
export function missingPartitionTime(err: unknown): number | undefined {
  const e = err as { code?: string; message?: string; detail?: string };
  if (e?.code !== '23514' || !/no partition of relation/.test(e.message ?? '')) return undefined;
  const value = /\)\s*=\s*\((-?\d+)\)/.exec(e.detail ?? '')?.[1];
  return value === undefined ? undefined : Number(value);
}

/** Forgets a month (it was dropped): the next write to it creates it again. */
export function forgetMonth(store: Store, m: Month) {
  knownOf(store).delete(monthSuffix(m));
}

/** Every month that has a sessions partition, oldest first (PostgreSQL only). */
export async function listMonths(db: Kysely<Database>): Promise<Array<Month & { name: string }>> {
  const { rows } = await sql<{ name: string }>`SELECT c.relname AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = 'sessions' AND p.relnamespace = current_schema()::regnamespace`.execute(db);
  const out: Array<Month & { name: string }> = [];
  for (const { name } of rows) {
    const m = /^sessions_p(m?)(\d{4})_(\d{2})$/.exec(name);
    if (!m) continue;
    out.push({ name, year: (m[1] ? -1 : 1) * Number(m[2]), month: Number(m[3]) - 1 });
  }
  return out.sort((a, b) => monthStart(a) - monthStart(b));
}
