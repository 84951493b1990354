import type { RequestOptions, Transport } from '../http.js';
import type { CreateIntegrationInput, Integration, IntegrationRequest } from '../types.js';

/** `sb.integrations`: addresses Vapi and Retell post their calls to (scope `admin`). */
export class IntegrationsApi {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * Creates an integration. Paste `url` (after the server's address) into the platform: Vapi's
   * server URL, or Retell's webhook URL. The secret is stored encrypted and never returned.
   *
   * @example
   * const retell = await sb.integrations.create({ provider: 'retell', name: 'Front desk', secret: process.env.RETELL_API_KEY! });
   * console.log(`https://switchboard.example.com${retell.url}`);
   */
  create(body: CreateIntegrationInput, options: RequestOptions = {}): Promise<Integration> {
    return this.transport.request('POST', '/integrations', { body }, options);
  }

  /**
   * Every integration of your organization, newest first.
   *
   * @example
   * const quiet = (await sb.integrations.list()).filter((i) => !i.lastRequestAt);
   */
  async list(options: RequestOptions = {}): Promise<Integration[]> {
    const { data } = await this.transport.request<{ data: Integration[] }>('GET', '/integrations', {}, options);
    return data;
  }

  /**
   * Deletes an integration: its address answers 404 from then on; its sessions stay.
   *
   * @example
   * await sb.integrations.delete('int_…');
   */
  async delete(id: string, options: RequestOptions = {}): Promise<void> {
    await this.transport.request('DELETE', `/integrations/${encodeURIComponent(id)}`, {}, options);
  }

  /**
   * The last 100 requests the integration's address received, newest first, accepted or
   * refused and why: what to look at while setting it up.
   *
   * @example
   * const refused = (await sb.integrations.requests('int_…')).filter((r) => !r.accepted);
   */
  async requests(id: string, options: RequestOptions = {}): Promise<IntegrationRequest[]> {
    const { data } = await this.transport.request<{ data: IntegrationRequest[] }>(
      'GET',
      `/integrations/${encodeURIComponent(id)}/requests`,
      {},
      options,
    );
    return data;
  }
}
