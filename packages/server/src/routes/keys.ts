import { ApiKeyList, CreateKeyBody, CreatedApiKey, KeyIdParams, Problem } from '@switchboard/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { notFound } from '../lib/errors.js';
import { authOf } from '../plugins/auth.js';
import { apiKeyRowToApi, createApiKey, listApiKeys, revokeApiKey } from '../store/keys.js';

export const keyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.store;
  const admin = { scope: 'admin' as const };

  app.post(
    '/keys',
    {
      config: { ...admin, secretFields: ['key'] },
      schema: {
        tags: ['Admin'],
        summary: 'Create an API key',
        description: 'The key itself is in this response only; Switchboard stores just its SHA-256.',
        body: CreateKeyBody,
        response: { 201: CreatedApiKey, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (req, reply) => {
      const { row, key } = await createApiKey(db, authOf(req).orgId, req.body.name, req.body.scopes);
      const { lastUsedAt: _l, revokedAt: _r, ...shown } = apiKeyRowToApi(row);
      reply.code(201);
      return { ...shown, key };
    },
  );

  app.get(
    '/keys',
    {
      config: admin,
      schema: { tags: ['Admin'], summary: 'List API keys', response: { 200: ApiKeyList, 401: Problem, 403: Problem } },
    },
    async (req) => ({ data: (await listApiKeys(db, authOf(req).orgId)).map(apiKeyRowToApi) }),
  );

  app.delete(
    '/keys/:id',
    {
      config: admin,
      schema: {
        tags: ['Admin'],
        summary: 'Revoke an API key',
        description: 'The key fails with 401 from the next request on; dashboard sign-ins made with it end too.',
        params: KeyIdParams,
        response: { 204: { type: 'null', description: 'Revoked' }, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      if (!(await revokeApiKey(db, authOf(req).orgId, req.params.id))) throw notFound('API key');
      reply.code(204);
    },
  );
};
