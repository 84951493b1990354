/**
 * Where the rate-limit buckets live: on PostgreSQL in the database (one atomic function call per
 * request), so every process behind a load balancer shares them; on SQLite, which one process
 * serves, in memory. Each bucket holds a key's whole per-minute quota and refills evenly.
 */
import { sql } from 'kysely';
import type { Store } from './db.js';

export interface Take {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one token is available (for Retry-After when refused). */
  retryAfterSeconds: number;
}

export interface BucketStore {
  take(key: string, capacity: number, perSecond: number, now: number): Promise<Take>;
}

function outcome(tokensAfter: number, allowed: boolean, capacity: number, perSecond: number): Take {
  return {
    allowed,
    remaining: Math.max(0, Math.floor(tokensAfter)),
    resetSeconds: Math.ceil((capacity - tokensAfter) / perSecond),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokensAfter) / perSecond)),
  };
}

export class MemoryBuckets implements BucketStore {
  private buckets = new Map<string, { tokens: number; at: number }>();

  async take(key: string, capacity: number, perSecond: number, now: number): Promise<Take> {
    const b = this.buckets.get(key) ?? { tokens: capacity, at: now };
    const tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * perSecond);
    const allowed = tokens >= 1;
    const after = allowed ? tokens - 1 : tokens;
    this.buckets.set(key, { tokens: after, at: now });
    // A full bucket carries no information: forget it, so idle keys cost no memory.
    if (this.buckets.size > 10_000)
      for (const [k, v] of this.buckets) if (v.tokens >= capacity - 1) this.buckets.delete(k);
    return outcome(after, allowed, capacity, perSecond);
  }
}

/** Buckets in PostgreSQL: `sb_take_token` (migration 0003) refills and spends atomically. */
class PostgresBuckets implements BucketStore {
  constructor(private readonly store: Store) {}

  async take(key: string, capacity: number, perSecond: number, now: number): Promise<Take> {
    const r = await sql<{ allowed: boolean; tokens: number }>`
      SELECT allowed, tokens FROM sb_take_token(${key}, ${capacity}::float8, ${perSecond}::float8, ${now}::bigint)`.execute(
      this.store.db,
    );
    const row = r.rows[0];
    return outcome(Number(row.tokens), row.allowed, capacity, perSecond);
  }
}

/** The buckets for this store: shared in PostgreSQL, in this process's memory on SQLite. */
export const bucketsFor = (store: Store): BucketStore =>
  store.dialect === 'postgres' ? new PostgresBuckets(store) : new MemoryBuckets();

/**
 * Removes PostgreSQL buckets untouched since `before`. Every bucket refills from empty to full
 * within a minute, so one idle for longer is full and removing it changes nothing; without this,
 * sign-in attempts from ever new addresses would leave a row each for good. (SQLite's buckets
 * live in memory, which forgets full buckets by itself.)
 */
export async function deleteIdleBuckets(store: Store, before: number): Promise<number> {
  if (store.dialect !== 'postgres') return 0;
  const r = await sql`DELETE FROM rate_limit_buckets WHERE updated_at < ${before}`.execute(store.db);
  return Number(r.numAffectedRows ?? 0);
}
