/**
 * Rate limits: a token bucket per API key and route class, whose capacity is the whole
 * per-minute quota (a burst of the full quota passes, then it refills evenly). The buckets live
 * in store/rate-limits.ts. Requests that fail authentication never reach this hook, so they spend
 * no key's quota.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../lib/errors.js';
import { bucketsFor } from '../store/rate-limits.js';

type RateClass = 'read' | 'ingest' | 'export';

/** Requests a minute per key; 0 turns a class's limit off. */
export type RateQuotas = Record<RateClass, number>;
const DEFAULT_QUOTAS: RateQuotas = { read: 1200, ingest: 6000, export: 10 };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which quota a route spends; by default the one of its scope (admin routes spend `read`). */
    rateLimit?: RateClass;
  }
}

export const rateLimitPlugin = fp(
  async (app: FastifyInstance, opts: { quotas?: Partial<RateQuotas> }) => {
    const quotas: RateQuotas = { ...DEFAULT_QUOTAS, ...opts.quotas };
    const buckets = bucketsFor(app.store);

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
  { name: 'rate-limit', dependencies: ['store', 'auth'] },
);
