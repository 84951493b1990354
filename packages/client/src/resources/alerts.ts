import { filtersToQuery } from '@switchboard/contracts';
import type { RequestOptions, Transport } from '../http.js';
import type {
  Alert,
  AlertPreview,
  AlertPreviewBody,
  AlertTransition,
  CreateAlertBody,
  UpdateAlertBody,
} from '../types.js';

const path = (id: string, rest = '') => `/alerts/${encodeURIComponent(id)}${rest}`;

/** `sb.alerts`: rules that fire when a metric crosses a threshold (scope `read` to list, `admin` to change). */
export class AlertsApi {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * Creates a rule; it is evaluated from the next round (every 30 s by default).
   *
   * @example
   * await sb.alerts.create({
   *   name: 'Phone failures',
   *   filters: filtersToQuery({ channel: ['phone'] }).toString(),
   *   metric: 'failureRate', op: 'gt', threshold: 0.2, windowSeconds: 900,
   *   slackUrl: process.env.SLACK_WEBHOOK_URL,
   * });
   */
  create(body: CreateAlertBody, options: RequestOptions = {}): Promise<Alert> {
    return this.transport.request('POST', '/alerts', { body }, options);
  }

  /**
   * Every rule with its state.
   *
   * @example
   * const firing = (await sb.alerts.list()).filter((a) => a.state === 'firing');
   */
  async list(options: RequestOptions = {}): Promise<Alert[]> {
    const { data } = await this.transport.request<{ data: Alert[] }>('GET', '/alerts', {}, options);
    return data;
  }

  /** One rule. */
  get(id: string, options: RequestOptions = {}): Promise<Alert> {
    return this.transport.request('GET', path(id), {}, options);
  }

  /**
   * Changes a rule; `enabled: false` on a firing rule resolves it.
   *
   * @example
   * await sb.alerts.update(id, { threshold: 0.3 });
   */
  update(id: string, body: UpdateAlertBody, options: RequestOptions = {}): Promise<Alert> {
    return this.transport.request('PATCH', path(id), { body }, options);
  }

  /** Deletes a rule with its history. */
  async delete(id: string, options: RequestOptions = {}): Promise<void> {
    await this.transport.request('DELETE', path(id), {}, options);
  }

  /**
   * Every transition of a rule with the value seen, newest first (up to `limit`, 1–500, 100).
   *
   * @example
   * for (const t of await sb.alerts.history(id)) console.log(t.at, t.state, t.value);
   */
  async history(id: string, query: { limit?: number } = {}, options: RequestOptions = {}): Promise<AlertTransition[]> {
    const { data } = await this.transport.request<{ data: AlertTransition[] }>(
      'GET',
      path(id, '/history'),
      { query: filtersToQuery(query) },
      options,
    );
    return data;
  }

  /**
   * A metric now and at each hour of the last 24 h, as a rule would see it.
   *
   * @example
   * const { value } = await sb.alerts.preview({ metric: 'active', windowSeconds: 60 });
   */
  preview(body: AlertPreviewBody, options: RequestOptions = {}): Promise<AlertPreview> {
    return this.transport.request('POST', '/alerts/preview', { body }, options);
  }
}
