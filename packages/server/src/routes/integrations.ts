/**
 * Integrations (docs/INTEGRATIONS.md): the admin API under `/api/v1/integrations`, and
 * `integrationInboxRoutes`, the public address each platform posts to (`/api/integrations/<id>`),
 * authenticated by the platform's own signature instead of an API key.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CreateIntegrationBody,
  Integration,
  IntegrationIdParams,
  IntegrationList,
  IntegrationReceipt,
  IntegrationRequestList,
  LIMITS,
} from '@switchboard/contracts';
import { clientNetwork } from '../lib/ip.js';
import { problemResponses } from '../lib/problem.js';
import { authOf } from '../plugins/auth.js';

const admin = { scope: 'admin' as const };
const tags = ['Integrations'];

export const integrationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { integrations } = app.services;

  app.post(
    '/integrations',
    {
      config: { ...admin, secretFields: ['secret'] },
      schema: {
        tags,
        summary: 'Create an integration',
        description:
          'An address for Vapi or Retell to post call events to. `url` is the path to paste into the platform after this server’s address. The secret is stored encrypted and never returned.',
        body: CreateIntegrationBody,
        response: { 201: Integration, ...problemResponses(400, 401, 403) },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return integrations.create(authOf(req).orgId, req.body);
    },
  );

  app.get(
    '/integrations',
    {
      config: admin,
      schema: { tags, summary: 'List integrations', response: { 200: IntegrationList, ...problemResponses(401, 403) } },
    },
    async (req) => integrations.list(authOf(req).orgId),
  );

  app.get(
    '/integrations/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Get an integration',
        params: IntegrationIdParams,
        response: { 200: Integration, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => integrations.get(authOf(req).orgId, req.params.id),
  );

  app.delete(
    '/integrations/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Delete an integration',
        description: 'Its address stops accepting requests (404); the sessions it made stay.',
        params: IntegrationIdParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...problemResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await integrations.remove(authOf(req).orgId, req.params.id);
      reply.code(204);
    },
  );

  app.get(
    '/integrations/:id/requests',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Recent requests of an integration',
        description:
          'The last 100 requests its address received, newest first: when, the event type, accepted or refused and why. For setting an integration up.',
        params: IntegrationIdParams,
        response: { 200: IntegrationRequestList, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => integrations.requests(authOf(req).orgId, req.params.id),
  );
};

export const integrationInboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // The signature covers the exact bytes: the body is kept as received, parsed after the check.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: LIMITS.bodyBytes }, (_req, body, done) =>
    done(null, { bytes: body }),
  );

  app.post(
    '/:id',
    {
      // No key to spend from: each client network spends the ingest quota of its own, before the
      // body is read, so a flood of forged or unknown-address posts costs one bucket update each.
      onRequest: async (req, reply) => {
        await app.rateLimiter.spend(
          reply,
          'ingest',
          `integration:addr:${clientNetwork(req.ip)}`,
          (quota, retry) =>
            `Too many requests to integration addresses from this network (${quota} a minute); retry in ${retry} s.`,
          'integration-address',
        );
      },
      schema: {
        tags,
        summary: 'Receive a platform’s call events',
        description:
          'Where Vapi (server URL) or Retell (webhook URL) posts. Authenticated by the platform’s own scheme against the integration’s secret — Vapi’s `x-vapi-secret` or `x-vapi-signature`, Retell’s `X-Retell-Signature` — not by an API key; a bad or missing signature is a 401 and stores nothing. Redelivered events change nothing. Each client network has the ingest quota a minute for these addresses (429 with Retry-After past it).',
        params: IntegrationIdParams,
        response: { 200: IntegrationReceipt, ...problemResponses(400, 401, 404, 413, 429) },
      },
    },
    async (req) => {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
      const receipt = await app.services.integrations.receive(req.params.id, {
        body: (req.body as { bytes?: Buffer } | undefined)?.bytes ?? Buffer.alloc(0),
        headers,
      });
      return receipt.body as IntegrationReceipt;
    },
  );
};
