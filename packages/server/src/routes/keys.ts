/** API keys: create (the key is shown once), list and revoke; admin scope only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiKeyList, CreateKeyBody, CreatedApiKey, KeyIdParams } from '@switchboard/contracts';
import { problemResponses } from '../lib/problem.js';
import { authOf } from '../plugins/auth.js';

const admin = { scope: 'admin' as const };
const tags = ['Admin'];

export const keyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { keys } = app.services;

  app.post(
    '/keys',
    {
      config: { ...admin, secretFields: ['key'] },
      schema: {
        tags,
        summary: 'Create an API key',
        description: 'The key itself is in this response only; Switchboard stores just its SHA-256.',
        body: CreateKeyBody,
        response: { 201: CreatedApiKey, ...problemResponses(400, 401, 403) },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return keys.create(authOf(req).orgId, req.body);
    },
  );

  app.get(
    '/keys',
    {
      config: admin,
      schema: { tags, summary: 'List API keys', response: { 200: ApiKeyList, ...problemResponses(401, 403) } },
    },
    async (req) => keys.list(authOf(req).orgId),
  );

  app.delete(
    '/keys/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Revoke an API key',
        description: 'The key fails with 401 from the next request on; dashboard sign-ins made with it end too.',
        params: KeyIdParams,
        response: { 204: { type: 'null', description: 'Revoked' }, ...problemResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await keys.revoke(authOf(req).orgId, req.params.id);
      reply.code(204);
    },
  );
};
