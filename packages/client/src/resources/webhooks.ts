import { filtersToQuery } from '@switchboard/contracts';
import type { RequestOptions, Transport } from '../http.js';
import { paginate } from '../pagination.js';
import type {
  CreateWebhookBody,
  UpdateWebhookBody,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookWithSecret,
} from '../types.js';

/** Which deliveries of an endpoint's log to read. */
export interface DeliveryFilters {
  status?: WebhookDelivery['status'];
}

/** One page of the delivery log: the filters, a page size (1–100, 20) and where to start. */
export interface DeliveryPageQuery extends DeliveryFilters {
  limit?: number;
  offset?: number;
  /** From `pagination.nextCursor`; replaces `offset`. */
  cursor?: string;
}

const path = (id: string, rest = '') => `/webhooks/${encodeURIComponent(id)}${rest}`;

/** `sb.webhooks`: endpoints that receive live events, signed the Standard Webhooks way (scope `admin`). */
export class WebhooksApi {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * Registers an endpoint. Keep the returned `secret` for `verifyWebhook`; it is shown only here
   * and on rotation.
   *
   * @example
   * const hook = await sb.webhooks.create({
   *   url: 'https://example.com/switchboard',
   *   events: ['session.ended'],
   *   filters: { status: ['failed'], channel: ['phone'] },
   * });
   * saveSecret(hook.secret);
   */
  create(body: CreateWebhookBody, options: RequestOptions = {}): Promise<WebhookWithSecret> {
    return this.transport.request('POST', '/webhooks', { body }, options);
  }

  /**
   * Every endpoint, without secrets.
   *
   * @example
   * const disabled = (await sb.webhooks.list()).filter((w) => !w.enabled);
   */
  async list(options: RequestOptions = {}): Promise<Webhook[]> {
    const { data } = await this.transport.request<{ data: Webhook[] }>('GET', '/webhooks', {}, options);
    return data;
  }

  /**
   * One endpoint.
   *
   * @example
   * const hook = await sb.webhooks.get(id);
   * if (hook.disabledReason) console.warn(hook.disabledReason);
   */
  get(id: string, options: RequestOptions = {}): Promise<Webhook> {
    return this.transport.request('GET', path(id), {}, options);
  }

  /**
   * Changes an endpoint; `enabled: true` re-enables one Switchboard disabled.
   *
   * @example
   * await sb.webhooks.update(id, { enabled: true });
   */
  update(id: string, body: UpdateWebhookBody, options: RequestOptions = {}): Promise<Webhook> {
    return this.transport.request('PATCH', path(id), { body }, options);
  }

  /**
   * Deletes an endpoint.
   *
   * @example
   * await sb.webhooks.delete(id);
   */
  async delete(id: string, options: RequestOptions = {}): Promise<void> {
    await this.transport.request('DELETE', path(id), {}, options);
  }

  /**
   * A new signing secret; the old one keeps signing too for 24 hours.
   *
   * @example
   * const { secret } = await sb.webhooks.rotateSecret(id);
   */
  rotateSecret(id: string, options: RequestOptions = {}): Promise<WebhookWithSecret> {
    return this.transport.request('POST', path(id, '/rotate-secret'), {}, options);
  }

  /**
   * Sends a `webhook.test` event to the endpoint now.
   *
   * @example
   * const delivery = await sb.webhooks.sendTest(id);
   */
  sendTest(id: string, options: RequestOptions = {}): Promise<WebhookDelivery> {
    return this.transport.request('POST', path(id, '/test'), {}, options);
  }

  /**
   * The whole delivery log, newest first, fetched page by page with the API's cursor as you
   * iterate (100 per request). The request options apply to every page's request.
   *
   * @example
   * for await (const d of sb.webhooks.deliveries(id, { status: 'failed' })) {
   *   console.log(d.eventType, d.lastResponseStatus, d.lastError);
   * }
   */
  deliveries(
    id: string,
    filters: DeliveryFilters & { pageSize?: number } = {},
    options: RequestOptions = {},
  ): AsyncGenerator<WebhookDelivery, void, undefined> {
    const { pageSize = 100, ...rest } = filters;
    return paginate((cursor) => this.deliveriesPage(id, { ...rest, limit: pageSize, cursor }, options));
  }

  /**
   * One page of the delivery log, newest first, each with every attempt's response code, and
   * the `nextCursor` to continue from.
   *
   * @example
   * const { data, pagination } = await sb.webhooks.deliveriesPage(id, { status: 'failed', limit: 20 });
   */
  deliveriesPage(
    id: string,
    query: DeliveryPageQuery = {},
    options: RequestOptions = {},
  ): Promise<WebhookDeliveryList> {
    return this.transport.request('GET', path(id, '/deliveries'), { query: filtersToQuery(query) }, options);
  }

  /**
   * Delivers again, with the same `webhook-id` (receivers deduplicate on it).
   *
   * @example
   * await sb.webhooks.retryDelivery(id, deliveryId);
   */
  retryDelivery(id: string, deliveryId: string, options: RequestOptions = {}): Promise<WebhookDelivery> {
    return this.transport.request('POST', path(id, `/deliveries/${encodeURIComponent(deliveryId)}/retry`), {}, options);
  }
}
