/**
 * Webhook subscriptions and their delivery log (docs/WEBHOOKS.md), thin over the webhook
 * service; admin scope only. Sending is the worker's job (services/webhooks/worker.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CreateWebhookBody,
  UpdateWebhookBody,
  WEBHOOK_TEST_EVENT,
  Webhook,
  WebhookDeliveriesQuery,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookDeliveryParams,
  WebhookIdParams,
  WebhookList,
  WebhookWithSecret,
} from '@switchboard/contracts';
import { problemResponses } from '../lib/problem.js';
import { authOf } from '../plugins/auth.js';

const admin = { scope: 'admin' as const };
const tags = ['Webhooks'];

export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { webhooks } = app.services;

  app.post(
    '/webhooks',
    {
      config: { ...admin, secretFields: ['secret'] },
      schema: {
        tags,
        summary: 'Create a webhook',
        description:
          "The signing secret is in this response only (and in rotate-secret's). Events that happened before the webhook existed are not delivered.",
        body: CreateWebhookBody,
        response: { 201: WebhookWithSecret, ...problemResponses(400, 401, 403) },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return webhooks.create(authOf(req).orgId, req.body);
    },
  );

  app.get(
    '/webhooks',
    {
      config: admin,
      schema: { tags, summary: 'List webhooks', response: { 200: WebhookList, ...problemResponses(401, 403) } },
    },
    async (req) => webhooks.list(authOf(req).orgId),
  );

  app.get(
    '/webhooks/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Get a webhook',
        params: WebhookIdParams,
        response: { 200: Webhook, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => webhooks.get(authOf(req).orgId, req.params.id),
  );

  app.patch(
    '/webhooks/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change a webhook',
        description: 'Re-enabling an endpoint clears `disabledReason` and sends what is still pending.',
        params: WebhookIdParams,
        body: UpdateWebhookBody,
        response: { 200: Webhook, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => webhooks.update(authOf(req).orgId, req.params.id, req.body),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Delete a webhook',
        description: 'Deletes the webhook with its delivery log; nothing more is sent to it.',
        params: WebhookIdParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...problemResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await webhooks.remove(authOf(req).orgId, req.params.id);
      reply.code(204);
    },
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      config: { ...admin, secretFields: ['secret'] },
      schema: {
        tags,
        summary: 'Rotate the signing secret',
        description:
          'Returns the new secret; the previous secret also signs for 24 hours, so every delivery carries two signatures until then.',
        params: WebhookIdParams,
        response: { 200: WebhookWithSecret, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => webhooks.rotateSecret(authOf(req).orgId, req.params.id),
  );

  app.post(
    '/webhooks/:id/test',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Send a test event',
        description: `Queues a \`${WEBHOOK_TEST_EVENT}\` event through the normal delivery path (signing, retries, log), whatever the webhook's event list and filters.`,
        params: WebhookIdParams,
        response: { 202: WebhookDelivery, ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      reply.code(202);
      return webhooks.sendTest(authOf(req).orgId, req.params.id);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: admin,
      schema: {
        tags,
        summary: 'List deliveries',
        description: 'Newest first, each with its attempts and their response codes. Page with `cursor` (or `offset`).',
        params: WebhookIdParams,
        querystring: WebhookDeliveriesQuery,
        response: { 200: WebhookDeliveryList, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => webhooks.deliveries(authOf(req).orgId, req.params.id, req.query),
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/retry',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Retry a delivery',
        description:
          'Sends the delivery again now with the same `webhook-id` and body, and restarts its retry schedule.',
        params: WebhookDeliveryParams,
        response: { 202: WebhookDelivery, ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      reply.code(202);
      return webhooks.retryDelivery(authOf(req).orgId, req.params.id, req.params.deliveryId);
    },
  );
};
