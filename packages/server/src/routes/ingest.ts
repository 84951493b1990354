/** `POST /ingest`: many writes in one request and one commit (services/batch.ts). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IngestBatchBody, IngestBatchResult } from '@switchboard/contracts';
import { problemResponses } from '../lib/problem.js';
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
        response: { 207: IngestBatchResult, ...problemResponses(400, 401, 403, 413, 415) },
      },
    },
    async (req, reply) => {
      reply.code(207);
      return app.services.batch.run(authOf(req).orgId, req.body.batch);
    },
  );
};
