/**
 * Webhook subscriptions and their delivery log (DESIGN §3.3). Sending is the worker's job
 * (services/webhooks); these routes only queue work and call `onEnqueue` so it starts at once.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CreateWebhookBody,
  Problem,
  type ProblemFieldError,
  UpdateWebhookBody,
  WEBHOOK_TEST_EVENT,
  WebhookDeliveriesQuery,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookDeliveryParams,
  WebhookIdParams,
  WebhookList,
  WebhookWithSecret,
  Webhook,
} from '@switchboard/contracts';
import type { Updateable } from 'kysely';
import { uuidv7 } from '../lib/ids.js';
import { ApiError, badRequest, notFound } from '../lib/errors.js';
import { authOf } from '../plugins/auth.js';
import type { WebhooksTable } from '../store/schema.js';
import { envelopeBody } from '../services/webhooks/dispatcher.js';
import { sealSecret } from '../lib/secret-box.js';
import { generateSecret } from '../services/webhooks/signature.js';
import { urlProblem } from '../services/webhooks/ssrf.js';
import {
  attemptsOf,
  countDeliveries,
  currentOutboxSeq,
  deleteWebhook,
  deliveryRowToApi,
  findDelivery,
  findWebhook,
  insertDeliveries,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  requeueDelivery,
  updateWebhook,
  webhookRowToApi,
} from '../store/webhooks.js';

export interface WebhookRouteOptions {
  /** SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: accept URLs that resolve to internal addresses. */
  allowPrivate?: boolean;
  /** Called after a delivery is queued by a route, so the worker sends it without waiting. */
  onEnqueue?: () => void;
}

/** Rotated-out secrets keep signing this long, so receivers can switch without losing events. */
export const SECRET_GRACE_MS = 24 * 3600 * 1000;

const GRACE_NOTE = 'the previous secret also signs for 24 hours';

// Delivery cursors are opaque to clients: base64url JSON of the last id and the row offset.
const encodeCursor = (id: string, n: number) => Buffer.from(JSON.stringify({ id, n })).toString('base64url');
function decodeCursor(text: string): { id: string; n: number } {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { id: unknown; n: unknown };
    if (typeof c.id === 'string' && Number.isInteger(c.n)) return c as { id: string; n: number };
  } catch {}
  throw badRequest([
    { path: 'cursor', message: 'is not a cursor this server issued (take nextCursor from the previous page)' },
  ]);
}

export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRouteOptions> = async (app, opts) => {
  const { db } = app.store;
  const admin = { scope: 'admin' as const };
  const allowPrivate = opts.allowPrivate ?? false;
  const enqueued = () => opts.onEnqueue?.();
  const tags = ['Webhooks'];

  /** Every problem with a URL and an event list, as one 400. */
  async function check(body: { url?: string; events?: string[] }) {
    const errors: ProblemFieldError[] = [];
    if (body.events?.includes('*') && body.events.length > 1)
      errors.push({ path: '/events', message: 'must be ["*"] alone or a list of event types without "*"' });
    if (body.url !== undefined) {
      const problem = await urlProblem(body.url, allowPrivate);
      if (problem) errors.push({ path: '/url', message: problem });
    }
    if (errors.length) throw badRequest(errors);
  }

  async function ownWebhook(orgId: string, id: string) {
    const row = await findWebhook(db, orgId, id);
    if (!row) throw notFound('Webhook');
    return row;
  }

  app.post(
    '/webhooks',
    {
      config: { ...admin, secretFields: ['secret'] },
      schema: {
        tags,
        summary: 'Create a webhook',
        description: `The signing secret is in this response only (and in rotate-secret's). ${'Events that happened before the webhook existed are not delivered.'}`,
        body: CreateWebhookBody,
        response: { 201: WebhookWithSecret, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (req, reply) => {
      await check(req.body);
      const now = Date.now();
      const row = {
        id: uuidv7(now),
        org_id: authOf(req).orgId,
        url: req.body.url,
        events: req.body.events.join(','),
        description: req.body.description ?? '',
        filters: JSON.stringify(req.body.filters ?? {}),
        secret: generateSecret(),
        previous_secret: null,
        previous_secret_expires_at: null,
        enabled: 1,
        disabled_reason: null,
        after_seq: await currentOutboxSeq(db),
        created_at: now,
        updated_at: now,
        first_failure_at: null,
      };
      // Encrypted at rest when SWITCHBOARD_ENCRYPTION_KEY is set (lib/secret-box.ts); shown once here.
      await insertWebhook(db, { ...row, secret: sealSecret(row.secret) });
      reply.code(201);
      return { ...webhookRowToApi(row), secret: row.secret };
    },
  );

  app.get(
    '/webhooks',
    {
      config: admin,
      schema: { tags, summary: 'List webhooks', response: { 200: WebhookList, 401: Problem, 403: Problem } },
    },
    async (req) => ({ data: (await listWebhooks(db, authOf(req).orgId)).map(webhookRowToApi) }),
  );

  app.get(
    '/webhooks/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Get a webhook',
        params: WebhookIdParams,
        response: { 200: Webhook, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => webhookRowToApi(await ownWebhook(authOf(req).orgId, req.params.id)),
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
        response: { 200: Webhook, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const orgId = authOf(req).orgId;
      await ownWebhook(orgId, req.params.id);
      await check(req.body);
      const b = req.body;
      const patch: Updateable<WebhooksTable> = { updated_at: Date.now() };
      if (b.url !== undefined) patch.url = b.url;
      if (b.events !== undefined) patch.events = b.events.join(',');
      if (b.description !== undefined) patch.description = b.description;
      if (b.filters !== undefined) patch.filters = JSON.stringify(b.filters);
      if (b.enabled !== undefined) {
        patch.enabled = b.enabled ? 1 : 0;
        // A manual change of state ends any automatic one: the operator has looked at it.
        patch.disabled_reason = null;
        if (b.enabled) patch.first_failure_at = null;
      }
      const row = await updateWebhook(db, orgId, req.params.id, patch);
      if (!row) throw notFound('Webhook');
      if (b.enabled) enqueued();
      return webhookRowToApi(row);
    },
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
        response: { 204: { type: 'null', description: 'Deleted' }, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      if (!(await deleteWebhook(db, authOf(req).orgId, req.params.id))) throw notFound('Webhook');
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
        description: `Returns the new secret; ${GRACE_NOTE}, so every delivery carries two signatures until then.`,
        params: WebhookIdParams,
        response: { 200: WebhookWithSecret, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const orgId = authOf(req).orgId;
      const old = await ownWebhook(orgId, req.params.id);
      const now = Date.now();
      const secret = generateSecret();
      const row = await updateWebhook(db, orgId, old.id, {
        secret: sealSecret(secret),
        // Kept as stored (encrypted or not): the worker opens either form.
        previous_secret: old.secret,
        previous_secret_expires_at: now + SECRET_GRACE_MS,
        updated_at: now,
      });
      if (!row) throw notFound('Webhook');
      return { ...webhookRowToApi(row), secret };
    },
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
        response: { 202: WebhookDelivery, 401: Problem, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const orgId = authOf(req).orgId;
      const hook = await ownWebhook(orgId, req.params.id);
      if (Number(hook.enabled) !== 1)
        throw new ApiError(409, 'webhook-disabled', 'The webhook is disabled; enable it before sending a test event.');
      const now = Date.now();
      const eventId = `test_${uuidv7(now)}`;
      const data = JSON.stringify({ webhookId: hook.id, message: 'A test event from Switchboard.' });
      const row = {
        id: uuidv7(now),
        webhook_id: hook.id,
        org_id: orgId,
        event_id: eventId,
        event_seq: null,
        event_type: WEBHOOK_TEST_EVENT,
        payload: envelopeBody(eventId, WEBHOOK_TEST_EVENT, now, data),
        status: 'pending',
        attempts: 0,
        round_start: 0,
        next_attempt_at: now,
        claimed_until: null,
        claim_token: null,
        last_response_status: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      };
      await insertDeliveries(db, [row]);
      enqueued();
      reply.code(202);
      return deliveryRowToApi(row);
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
        response: { 200: WebhookDeliveryList, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const hook = await ownWebhook(authOf(req).orgId, req.params.id);
      const { status, limit = 20 } = req.query;
      let offset = req.query.offset ?? 0;
      let beforeId: string | undefined;
      if (req.query.cursor) {
        const c = decodeCursor(req.query.cursor);
        beforeId = c.id;
        offset = c.n;
      }
      const [rows, total] = await Promise.all([
        listDeliveries(db, hook.id, { status, limit, offset, beforeId }),
        countDeliveries(db, hook.id, status),
      ]);
      const attempts = await attemptsOf(
        db,
        rows.map((r) => r.id),
      );
      const hasMore = offset + rows.length < total;
      const last = rows.at(-1);
      return {
        data: rows.map((r) => deliveryRowToApi(r, attempts.get(r.id))),
        pagination: {
          total,
          limit,
          offset,
          hasMore,
          nextCursor: hasMore && last ? encodeCursor(last.id, offset + rows.length) : null,
        },
      };
    },
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
        response: { 202: WebhookDelivery, 401: Problem, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const hook = await ownWebhook(authOf(req).orgId, req.params.id);
      const found = await findDelivery(db, hook.id, req.params.deliveryId);
      if (!found) throw notFound('Delivery');
      if (found.status === 'pending' && found.claimed_until !== null && Number(found.claimed_until) > Date.now())
        throw new ApiError(409, 'delivery-in-flight', 'An attempt of this delivery is in progress; try again shortly.');
      if (Number(hook.enabled) !== 1)
        throw new ApiError(409, 'webhook-disabled', 'The webhook is disabled; enable it before retrying a delivery.');
      const row = await requeueDelivery(db, found.id, Date.now());
      enqueued();
      reply.code(202);
      return deliveryRowToApi(row, (await attemptsOf(db, [row.id])).get(row.id));
    },
  );
};
