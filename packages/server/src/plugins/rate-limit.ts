/**
 * Rate limits (DESIGN §3.5): a token bucket per API key and route class, whose capacity is the
 * whole per-minute quota (a burst of the full quota passes, then it refills evenly).
 *
 * On PostgreSQL the buckets live in the database (one atomic function call per request), so
 * every process behind a load balancer shares them; on SQLite, which one process serves, they
 * live in memory. Requests that fail authentication never reach this hook, so they spend no
 * key's quota.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'kysely';
import { ApiError } from '../lib/errors.js';
import type { Store } from '../store/db.js';

export type RateClass = 'read' | 'ingest' | 'export';

/** Requests a minute per key; 0 turns a class's limit off. */
export type RateQuotas = Record<RateClass, number>;
export const DEFAULT_QUOTAS: RateQuotas = { read: 1200, ingest: 6000, export: 10 };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which quota a route spends; by default the one of its scope (admin routes spend `read`). */
    rateLimit?: RateClass;
  }
}

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
export class PostgresBuckets implements BucketStore {
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

export const rateLimitPlugin = fp(
  async (app: FastifyInstance, opts: { store: Store; quotas?: Partial<RateQuotas> }) => {
    const quotas: RateQuotas = { ...DEFAULT_QUOTAS, ...opts.quotas };
    const buckets: BucketStore =
      opts.store.dialect === 'postgres' ? new PostgresBuckets(opts.store) : new MemoryBuckets();

    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const auth = req.auth;
      if (!auth) return;
      const cfg = req.routeOptions.config;
      const cls: RateClass = cfg?.rateLimit ?? (cfg?.scope === 'ingest' ? 'ingest' : 'read');
      const quota = quotas[cls];
      if (!quota) return;
      const perSecond = quota / 60;
      const now = Date.now();
      const take = await buckets.take(`${auth.keyId}:${cls}`, quota, perSecond, now);
      reply.headers({
        'x-ratelimit-limit': String(quota),
        'x-ratelimit-remaining': String(take.remaining),
        'x-ratelimit-reset': String(Math.ceil(now / 1000) + take.resetSeconds),
        // draft-ietf-httpapi-ratelimit-headers: a named policy and its current state.
        'ratelimit-policy': `"${cls}";q=${quota};w=60`,
        ratelimit: `"${cls}";r=${take.remaining};t=${take.resetSeconds}`,
      });
      if (!take.allowed)
        throw new ApiError(
          429,
          'rate-limited',
          `This API key has used its ${quota} ${cls} requests a minute; retry in ${take.retryAfterSeconds} s.`,
          undefined,
          { 'retry-after': String(take.retryAfterSeconds) },
        );
    });
  },
  { name: 'rate-limit', dependencies: ['auth'] },
);
