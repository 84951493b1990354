/**
 * Webhook subscriptions and their delivery log, as the API shows them. Sending is the worker's
 * job (worker.ts); this service only queues work and tells its `onQueued` listeners, so the
 * worker starts on it at once instead of at its next poll.
 */
import {
  type CreateWebhookBody,
  type ProblemFieldError,
  type UpdateWebhookBody,
  WEBHOOK_TEST_EVENT,
  type Webhook,
  type WebhookDeliveriesQuery,
  type WebhookDelivery,
  type WebhookDeliveryList,
  type WebhookList,
  type WebhookWithSecret,
} from '@switchboard/contracts';
import type { Filled } from '../../lib/ajv.js';
import { ApiError, badRequest, notFound } from '../../lib/errors.js';
import { uuidv7 } from '../../lib/ids.js';
import { pageOf, pageStart } from '../../lib/page.js';
import { sealSecret } from '../../lib/secret-box.js';
import type { Store } from '../../store/db.js';
import type { WebhookRow, WebhookUpdate } from '../../store/schema.js';
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
  pendingDelivery,
  requeueDelivery,
  updateWebhook,
  webhookRowToApi,
} from '../../store/webhooks.js';
import { envelopeBody } from './dispatcher.js';
import { generateSecret } from './signature.js';
import { urlProblem } from './ssrf.js';

export interface WebhookServiceOptions {
  /** SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: accept URLs that resolve to internal addresses. */
  allowPrivate?: boolean;
}

/** Rotated-out secrets keep signing this long, so receivers can switch without losing events. */
const SECRET_GRACE_MS = 24 * 3600 * 1000;

const disabled = (what: string) =>
  new ApiError(409, 'webhook-disabled', `The webhook is disabled; enable it before ${what}.`);

export class WebhookService {
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    private readonly opts: WebhookServiceOptions = {},
  ) {}

  /** Calls `listener` whenever a delivery is queued or an endpoint re-enabled. */
  onQueued(listener: () => void) {
    this.listeners.push(listener);
  }

  async create(orgId: string, body: CreateWebhookBody, now = Date.now()): Promise<WebhookWithSecret> {
    await this.check(body);
    const { description, filters } = body as Filled<CreateWebhookBody, 'description' | 'filters'>;
    const { db } = this.store;
    const secret = generateSecret();
    const row: WebhookRow = {
      id: uuidv7(now),
      org_id: orgId,
      url: body.url,
      events: body.events.join(','),
      description,
      filters: JSON.stringify(filters),
      // Encrypted at rest when SWITCHBOARD_ENCRYPTION_KEY is set (lib/secret-box.ts); shown once here.
      secret: sealSecret(secret),
      previous_secret: null,
      previous_secret_expires_at: null,
      enabled: 1,
      disabled_reason: null,
      after_seq: await currentOutboxSeq(db),
      created_at: now,
      updated_at: now,
      first_failure_at: null,
    };
    await insertWebhook(db, row);
    return { ...webhookRowToApi(row), secret };
  }

  async list(orgId: string): Promise<WebhookList> {
    return { data: (await listWebhooks(this.store.db, orgId)).map(webhookRowToApi) };
  }

  async get(orgId: string, id: string): Promise<Webhook> {
    return webhookRowToApi(await this.own(orgId, id));
  }

  /** Re-enabling an endpoint clears why it was disabled and wakes the worker for what is pending. */
  async update(orgId: string, id: string, body: UpdateWebhookBody, now = Date.now()): Promise<Webhook> {
    const current = await this.own(orgId, id);
    await this.check(body);
    const patch: WebhookUpdate = { updated_at: now };
    if (body.url !== undefined) patch.url = body.url;
    if (body.events !== undefined) patch.events = body.events.join(',');
    if (body.description !== undefined) patch.description = body.description;
    if (body.filters !== undefined) patch.filters = JSON.stringify(body.filters);
    if (body.enabled !== undefined) {
      patch.enabled = body.enabled ? 1 : 0;
      // A manual change of state ends any automatic one: the operator has looked at it.
      patch.disabled_reason = null;
      if (body.enabled) patch.first_failure_at = null;
    }
    // Paused hears nothing: a re-enabled endpoint hears only events after this moment, exactly,
    // however far the fan-out has got (it never advances while no endpoint is enabled).
    if (body.enabled && !current.enabled) patch.after_seq = await currentOutboxSeq(this.store.db);
    const row = await updateWebhook(this.store.db, orgId, id, patch);
    if (!row) throw notFound('Webhook');
    if (body.enabled) this.queued();
    return webhookRowToApi(row);
  }

  /** Deletes the webhook with its delivery log; nothing more is sent to it. */
  async remove(orgId: string, id: string): Promise<void> {
    if (!(await deleteWebhook(this.store.db, orgId, id))) throw notFound('Webhook');
  }

  /** A new secret; the old one keeps signing for SECRET_GRACE_MS, so deliveries carry both. */
  async rotateSecret(orgId: string, id: string, now = Date.now()): Promise<WebhookWithSecret> {
    const old = await this.own(orgId, id);
    const secret = generateSecret();
    const row = await updateWebhook(this.store.db, orgId, old.id, {
      secret: sealSecret(secret),
      // Kept as stored (encrypted or not): the worker opens either form.
      previous_secret: old.secret,
      previous_secret_expires_at: now + SECRET_GRACE_MS,
      updated_at: now,
    });
    if (!row) throw notFound('Webhook');
    return { ...webhookRowToApi(row), secret };
  }

  /** Queues a test ping through the normal delivery path, whatever the event list and filters. */
  async sendTest(orgId: string, id: string, now = Date.now()): Promise<WebhookDelivery> {
    const hook = await this.own(orgId, id);
    if (hook.enabled !== 1) throw disabled('sending a test event');
    const eventId = `test_${uuidv7(now)}`;
    const data = JSON.stringify({ webhookId: hook.id, message: 'A test event from Switchboard.' });
    const row = pendingDelivery({
      webhookId: hook.id,
      orgId,
      eventId,
      eventSeq: null,
      eventType: WEBHOOK_TEST_EVENT,
      payload: envelopeBody(eventId, WEBHOOK_TEST_EVENT, now, data),
      now,
    });
    await insertDeliveries(this.store.db, [row]);
    this.queued();
    return deliveryRowToApi(row);
  }

  /** Newest first, each with its attempts; paged by offset or by cursor. */
  async deliveries(orgId: string, id: string, query: WebhookDeliveriesQuery): Promise<WebhookDeliveryList> {
    const hook = await this.own(orgId, id);
    const { status, ...paging } = query as Filled<WebhookDeliveriesQuery, 'limit' | 'offset'>;
    // uuidv7 ids sort by creation time: the position after a row is its id.
    const start = pageStart(paging, (c) => (typeof c.id === 'string' ? c.id : undefined));
    const { db } = this.store;
    const [rows, total] = await Promise.all([
      listDeliveries(db, hook.id, { status, limit: start.limit, offset: start.offset, beforeId: start.after }),
      countDeliveries(db, hook.id, status),
    ]);
    const attempts = await attemptsOf(
      db,
      rows.map((r) => r.id),
    );
    return pageOf(
      rows,
      total,
      start,
      (r) => deliveryRowToApi(r, attempts.get(r.id)),
      (last) => ({ id: last.id }),
    );
  }

  /** Sends a delivery again now, with the same event id and body, and a fresh retry schedule. */
  async retryDelivery(orgId: string, id: string, deliveryId: string, now = Date.now()): Promise<WebhookDelivery> {
    const hook = await this.own(orgId, id);
    const { db } = this.store;
    const found = await findDelivery(db, hook.id, deliveryId);
    if (!found) throw notFound('Delivery');
    if (found.status === 'pending' && found.claimed_until !== null && found.claimed_until > now)
      throw new ApiError(409, 'delivery-in-flight', 'An attempt of this delivery is in progress; try again shortly.');
    if (hook.enabled !== 1) throw disabled('retrying a delivery');
    const row = await requeueDelivery(db, found.id, now);
    this.queued();
    return deliveryRowToApi(row, (await attemptsOf(db, [row.id])).get(row.id));
  }

  private queued() {
    for (const listener of this.listeners) listener();
  }

  private async own(orgId: string, id: string): Promise<WebhookRow> {
    const row = await findWebhook(this.store.db, orgId, id);
    if (!row) throw notFound('Webhook');
    return row;
  }

  /** Every problem with a URL and an event list, as one 400. */
  private async check(body: { url?: string; events?: string[] }) {
    const errors: ProblemFieldError[] = [];
    if (body.events?.includes('*') && body.events.length > 1)
      errors.push({ path: '/events', message: 'must be ["*"] alone or a list of event types without "*"' });
    if (body.url !== undefined) {
      const problem = await urlProblem(body.url, this.opts.allowPrivate ?? false);
      if (problem) errors.push({ path: '/url', message: problem });
    }
    if (errors.length) throw badRequest(errors);
  }
}
