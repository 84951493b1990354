/** Operations (DESIGN §3.6): liveness, readiness and Prometheus metrics. */
import { Health } from '@switchboard/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    { schema: { tags: ['Operations'], summary: 'The process is up', response: { 200: Health } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['Operations'],
        summary: 'The database (and the read replica, if any) is reachable and the server is not shutting down',
        response: { 200: Health, 503: Health },
      },
    },
    async (_req, reply) => {
      if (app.lifecycle.closing) return reply.code(503).send({ status: 'shutting down' });
      try {
        await sql`SELECT 1`.execute(app.store.db);
      } catch {
        return reply.code(503).send({ status: 'database unreachable' });
      }
      try {
        if (app.readStore !== app.store) await sql`SELECT 1`.execute(app.readStore.db);
        return { status: 'ready' };
      } catch {
        return reply.code(503).send({ status: 'read replica unreachable' });
      }
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['Operations'], summary: 'Prometheus metrics', hide: false } },
    async (_req, reply) => {
      reply.type('text/plain; version=0.0.4; charset=utf-8');
      return app.telemetry.render();
    },
  );
};
