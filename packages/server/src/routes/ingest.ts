import { IngestBatchBody, IngestBatchResult, Problem } from '@switchboard/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authOf } from '../plugins/auth.js';

export const ingestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/ingest',
    {
      config: { scope: 'ingest' },
      schema: {
        tags: ['Ingest'],
        summary: 'Ingest a batch',
        description:
          'Up to 1,000 items (`session`, `message`, `event`, `session.update`), ≤ 5 MiB. Each item is applied or refused on its own, in order, with the status the single-item route would give; one commit for the whole batch.',
        body: IngestBatchBody,
        response: {
          207: IngestBatchResult,
          400: Problem,
          401: Problem,
          403: Problem,
          413: Problem,
          415: Problem,
        },
      },
    },
    async (req, reply) => {
      reply.code(207);
      return app.services.batch.run(authOf(req).orgId, req.body.batch);
    },
  );
};
