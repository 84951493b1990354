/** API keys of an organization, as the admin routes show them. */
import type { ApiKeyList, CreateKeyBody, CreatedApiKey } from '@switchboard/contracts';
import { notFound } from '../lib/errors.js';
import type { Store } from '../store/db.js';
import { apiKeyRowToApi, createApiKey, listApiKeys, revokeApiKey } from '../store/keys.js';

export class KeyService {
  constructor(private readonly store: Store) {}

  /** The key itself is in this answer only: the store keeps just its SHA-256. */
  async create(orgId: string, body: CreateKeyBody): Promise<CreatedApiKey> {
    const { row, key } = await createApiKey(this.store.db, orgId, body.name, body.scopes);
    const { lastUsedAt: _l, revokedAt: _r, ...shown } = apiKeyRowToApi(row);
    return { ...shown, key };
  }

  async list(orgId: string): Promise<ApiKeyList> {
    return { data: (await listApiKeys(this.store.db, orgId)).map(apiKeyRowToApi) };
  }

  /** The key fails from the next request on, and dashboard sign-ins made with it end. */
  async revoke(orgId: string, id: string): Promise<void> {
    if (!(await revokeApiKey(this.store.db, orgId, id))) throw notFound('API key');
  }
}
