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

type RateClass = 'read' | 'ingest' | 'export' | 'admin';

/** Requests a minute per key (`login`: sign-in attempts per client address and per key); 0 turns a limit off. */
export type RateQuotas = Record<RateClass | 'login', number>;
const DEFAULT_QUOTAS: RateQuotas = { read: 1200, ingest: 6000, export: 10, admin: 1200, login: 20 };
/** Every quota is per minute: the window of every policy. */
const WINDOW_SECONDS = 60;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which quota a route spends; by default the one of its scope (`read` for `any`). */
    rateLimit?: RateClass;
  }
  interface FastifyInstance {
    rateLimiter: RateLimiter;
  }
}

/** A policy a request spent from, as its response tells it. */
interface Spent {
  policy: string;
  quota: number;
  remaining: number;
  resetSeconds: number;
}
const SPENT = Symbol('rate-limits-spent');
type WithSpent = FastifyReply & { [SPENT]?: Spent[] };

export class RateLimiter {
  constructor(
    readonly quotas: RateQuotas,
    private readonly buckets: BucketStore,
  ) {}

  /**
   * Spends one request of `cls` from the bucket `subject` and describes it in the response's
   * headers, in the terms of draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy` names each
   * policy the request counted against with its quota `q` per window `w` (seconds), `RateLimit`
   * gives each one's remaining units `r` and `t`, the seconds until its quota is whole again (the
   * bucket refills evenly, so `t` is when all `q` are back, not when the next one is).
   * `X-RateLimit-*` describe the policy with the fewest left, so the fullest bucket a request spent
   * never hides a nearly empty one. Past the quota, a 429 whose `Retry-After` is the seconds until
   * one request is allowed again, and whose detail is `refusal(quota, those seconds)`.
   */
  async spend(
    reply: FastifyReply,
    cls: keyof RateQuotas,
    subject: string,
    refusal: (quota: number, retryAfterSeconds: number) => string,
    policy: string = cls,
  ) {
    const quota = this.quotas[cls];
    if (!quota) return;
    const now = Date.now();
    const take = await this.buckets.take(`${subject}:${cls}`, quota, quota / WINDOW_SECONDS, now);
    const withSpent = reply as WithSpent;
    const spent = withSpent[SPENT] ?? [];
    withSpent[SPENT] = spent;
    spent.push({ policy, quota, remaining: take.remaining, resetSeconds: take.resetSeconds });
    const least = spent.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    reply.headers({
      'ratelimit-policy': spent.map((s) => `"${s.policy}";q=${s.quota};w=${WINDOW_SECONDS}`).join(', '),
      ratelimit: spent.map((s) => `"${s.policy}";r=${s.remaining};t=${s.resetSeconds}`).join(', '),
      'x-ratelimit-limit': String(least.quota),
      'x-ratelimit-remaining': String(least.remaining),
      'x-ratelimit-reset': String(Math.ceil(now / 1000) + least.resetSeconds),
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
      const cls: RateClass =
        cfg?.rateLimit ?? (cfg?.scope === 'ingest' ? 'ingest' : cfg?.scope === 'admin' ? 'admin' : 'read');
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
