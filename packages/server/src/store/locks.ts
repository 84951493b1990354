/**
 * PostgreSQL advisory locks that let several Switchboard processes share one database. Ids in
 * use: 7245012 outbox order and counters (transaction-scoped, outbox.ts and the 0004 triggers),
 * 7245013 partition DDL (partitions.ts), 7245014 retention (retention.ts), 7245015 first-start
 * bootstrap, 7245016 the idle sweep, 7245017 the alert evaluator, 7245022 the background jobs
 * (services/jobs/runner.ts).
 */
import { sql } from 'kysely';
import type { Store } from './db.js';

export const IDLE_SWEEP_LOCK = 7245016;
export const JOBS_LOCK = 7245022;
export const ALERT_LOCK = 7245017;
const BOOTSTRAP_LOCK = 7245015;

/**
 * Runs `fn` in one transaction that processes take in turns (on PostgreSQL, a transaction-scoped
 * advisory lock; SQLite has one process): the first start's organization and admin key are made
 * once however many processes start together.
 */
export function inBootstrapTransaction<T>(store: Store, fn: (trx: Store) => Promise<T>): Promise<T> {
  return store.db.transaction().execute(async (trx) => {
    if (store.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`.execute(trx);
    return fn({ ...store, db: trx });
  });
}

/**
 * Runs `fn` only if no other process holds `lock`, and returns its result; returns undefined
 * when another process has it. The lock is held on one pooled connection for the duration (`fn`
 * may use others) and released with it, also when the process dies. SQLite has one process.
 */
export async function withTryLock<T>(store: Store, lock: number, fn: () => Promise<T>): Promise<T | undefined> {
  if (store.dialect !== 'postgres') return fn();
  return store.db.connection().execute(async (conn) => {
    const { rows } = await sql<{ got: boolean }>`SELECT pg_try_advisory_lock(${lock}) AS got`.execute(conn);
    if (!rows[0]?.got) return undefined;
    try {
      return await fn();
    } finally {
      await sql`SELECT pg_advisory_unlock(${lock})`.execute(conn);
    }
  });
}
