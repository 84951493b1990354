import type { RequestOptions, Transport } from '../http.js';
import type { ApiKey, CreatedApiKey, Scope } from '../types.js';

/** `sb.keys`: API keys of your organization (scope `admin`). */
export class KeysApi {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * Creates a key. Its secret (`key`) is in this response only; store it now.
   *
   * @example
   * const { key } = await sb.keys.create({ name: 'support-bot production', scopes: ['ingest'] });
   */
  create(body: { name: string; scopes: Scope[] }, options: RequestOptions = {}): Promise<CreatedApiKey> {
    return this.transport.request('POST', '/keys', { body }, options);
  }

  /**
   * Every key, revoked ones included, without secrets.
   *
   * @example
   * const unused = (await sb.keys.list()).filter((k) => !k.lastUsedAt && !k.revokedAt);
   */
  async list(options: RequestOptions = {}): Promise<ApiKey[]> {
    const { data } = await this.transport.request<{ data: ApiKey[] }>('GET', '/keys', {}, options);
    return data;
  }

  /**
   * Revokes a key: it fails with 401 from the next request on.
   *
   * @example
   * await sb.keys.revoke('key_01J…');
   */
  async revoke(id: string, options: RequestOptions = {}): Promise<void> {
    await this.transport.request('DELETE', `/keys/${encodeURIComponent(id)}`, {}, options);
  }
}
