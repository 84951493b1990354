/**
 * Rate limits: a token bucket per API key and route class, whose capacity is the whole
 * per-minute quota (a burst of the full quota passes, then it refills evenly). The buckets live
 * in store/rate-limits.ts. Requests that fail authentication never reach this hook, so they spend
 * no key's quota. Sign-in, which comes before any key is known, spends buckets of its own
 * (routes/auth.ts, through `app.rateLimiter`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../lib/errors.js';
import { type BucketStore, bucketsFor } from '../store/rate-limits.js';

type RateClass = 'read' | 'ingest' | 'export';

/** Requests a minute per key (`login`: sign-in attempts per client address and per key); 0 turns a limit off. */
export type RateQuotas = Record<RateClass | 'login', number>;
const DEFAULT_QUOTAS: RateQuotas = { read: 1200, ingest: 6000, export: 10, login: 20 };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which quota a route spends; by default the one of its scope (admin routes spend `read`). */
    rateLimit?: RateClass;
  }
  interface FastifyInstance {
    rateLimiter: RateLimiter;
  }
}

export class RateLimiter {
  constructor(
    readonly quotas: RateQuotas,
    private readonly buckets: BucketStore,
  ) {}

  /**
   * Spends one request of `cls` from the bucket `subject` and describes the bucket in the
   * response's headers (the fullest bucket a request spent never hides a nearly empty one). Past
   * the quota, a 429 whose detail is `refusal(quota, seconds to wait)`.
   */
  async spend(
    reply: FastifyReply,
    cls: keyof RateQuotas,
    subject: string,
    refusal: (quota: number, retryAfterSeconds: number) => string,
  ) {
    const quota = this.quotas[cls];
    if (!quota) return;
    const now = Date.now();
    const take = await this.buckets.take(`${subject}:${cls}`, quota, quota / 60, now);
    const shown = reply.getHeader('x-ratelimit-remaining');
    if (shown === undefined || take.remaining <= Number(shown))
      reply.headers({
        'x-ratelimit-limit': String(quota),
        'x-ratelimit-remaining': String(take.remaining),
        'x-ratelimit-reset': String(Math.ceil(now / 1000) + take.resetSeconds),
        // draft-ietf-httpapi-ratelimit-headers: a named policy and its current state.
        'ratelimit-policy': `"${cls}";q=${quota};w=60`,
        ratelimit: `"${cls}";r=${take.remaining};t=${take.resetSeconds}`,
      });
    if (!take.allowed)
      throw new ApiError(429, 'rate-limited', refusal(quota, take.retryAfterSeconds), undefined, {
        'retry-after': String(take.retryAfterSeconds),
      });
  }
}

export const rateLimitPlugin = fp(
  async (app: FastifyInstance, opts: { quotas?: Partial<RateQuotas> }) => {
    const limiter = new RateLimiter({ ...DEFAULT_QUOTAS, ...opts.quotas }, bucketsFor(app.store));
    app.decorate('rateLimiter', limiter);

    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const auth = req.auth;
      if (!auth) return;
      const cfg = req.routeOptions.config;
      const cls: RateClass = cfg?.rateLimit ?? (cfg?.scope === 'ingest' ? 'ingest' : 'read');
      await limiter.spend(
        reply,
        cls,
        auth.keyId,
        (quota, retry) => `This API key has used its ${quota} ${cls} requests a minute; retry in ${retry} s.`,
      );
    });
  },
  { name: 'rate-limit', dependencies: ['store', 'auth'] },
);
