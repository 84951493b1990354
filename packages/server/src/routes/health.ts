/** Operations: liveness, readiness and Prometheus metrics, outside `/api/v1` and without auth. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Health } from '@switchboard/contracts';
import { problemResponses } from '../lib/problem.js';
import { isReachable } from '../store/health.js';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
        description: 'While the server shuts down, every request (this one too) gets a 503 problem document.',
        response: { 200: Health, 503: Health },
      },
    },
    async (_req, reply) => {
      if (!(await isReachable(app.store))) return reply.code(503).send({ status: 'database unreachable' });
      if (app.readStore !== app.store && !(await isReachable(app.readStore)))
        return reply.code(503).send({ status: 'read replica unreachable' });
      return { status: 'ready' };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Prometheus metrics',
        response: {
          200: { description: 'The Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...problemResponses(503),
        },
      },
    },
    async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(app.telemetry.render()),
  );
};
