/**
 * Operations: liveness and readiness, outside `/api/v1` and without auth, and Prometheus metrics
 * behind their own token: they count every organization's requests together.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Health } from '@switchboard/contracts';
import { ApiError, notFound } from '../lib/errors.js';
import { problemResponses } from '../lib/problem.js';
import { isReachable } from '../store/health.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** While the database is away, a load balancer should send traffic elsewhere and come back. */
const notReady = (what: string) =>
  new ApiError(503, 'not-ready', `The ${what} is unreachable; try again shortly.`, undefined, { 'retry-after': '2' });

export const healthRoutes: FastifyPluginAsyncTypebox<{ metricsToken?: string }> = async (app, opts) => {
  const token = opts.metricsToken ? digest(opts.metricsToken) : undefined;
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['Operations'],
        summary: 'The process is up',
        response: { 200: Health, ...problemResponses(503) },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['Operations'],
        summary: 'The database (and the read replica, if any) is reachable and the server is not shutting down',
        description:
          'Otherwise a 503 problem document with Retry-After: `not-ready` naming what is unreachable, or `shutting-down` (every request gets that one while the server shuts down).',
        response: { 200: Health, ...problemResponses(503) },
      },
    },
    async () => {
      if (!(await isReachable(app.store))) throw notReady('database');
      if (app.readStore !== app.store && !(await isReachable(app.readStore))) throw notReady('read replica');
      return { status: 'ready' };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Prometheus metrics',
        description:
          'Needs `Authorization: Bearer <SWITCHBOARD_METRICS_TOKEN>`; answers 404 when no token is configured. Not an API key: the figures cover every organization.',
        response: {
          200: { description: 'The Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...problemResponses(401, 404, 503),
        },
      },
    },
    async (req, reply) => {
      if (!token) throw notFound('Route');
      const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (given === undefined || !timingSafeEqual(digest(given), token))
        throw new ApiError(
          401,
          'unauthorized',
          'GET /metrics needs "Authorization: Bearer <SWITCHBOARD_METRICS_TOKEN>".',
          undefined,
          { 'www-authenticate': 'Bearer realm="metrics"' },
        );
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(app.telemetry.render());
    },
  );
};
