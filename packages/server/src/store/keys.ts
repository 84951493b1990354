import type { ApiKey, Scope } from '@switchboard/contracts';
import type { Kysely } from 'kysely';
import { uuidv7 } from '../lib/ids.js';
import { generateKey, hashKey, keyPrefix } from '../lib/keys.js';
import { iso, isoOrNull } from '../lib/time.js';
import type { ApiKeyRow, Database } from './schema.js';

type Db = Kysely<Database>;

/** Stores only the SHA-256 of the key; the caller shows `key` once and forgets it. */
export async function createApiKey(
  db: Db,
  orgId: string,
  name: string,
  scopes: readonly Scope[],
  key = generateKey(),
  now = Date.now(),
) {
  const row: ApiKeyRow = {
    id: uuidv7(now),
    org_id: orgId,
    name,
    scopes: [...scopes].sort().join(','),
    prefix: keyPrefix(key),
    hash: hashKey(key),
    created_at: now,
    last_used_at: null,
    revoked_at: null,
  };
  await db.insertInto('api_keys').values(row).execute();
  return { row, key };
}

export async function findKeyByHash(db: Db, hash: string) {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('organizations as o', 'o.id', 'k.org_id')
    .selectAll('k')
    .select('o.name as org_name')
    .where('k.hash', '=', hash)
    .executeTakeFirst();
}

export async function listApiKeys(db: Db, orgId: string) {
  return db.selectFrom('api_keys').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').execute();
}

export async function countApiKeys(db: Db) {
  const r = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Revokes a key of this organization; false when there is no such key (or it is another org's). */
export async function revokeApiKey(db: Db, orgId: string, id: string, now = Date.now()) {
  const res = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) > 0) {
    await db.deleteFrom('dashboard_sessions').where('key_id', '=', id).execute();
    return true;
  }
  const exists = await db
    .selectFrom('api_keys')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return exists !== undefined;
}

/** Makes an existing key usable again with exactly these scopes (SWITCHBOARD_ADMIN_KEY on start). */
export async function restoreApiKey(db: Db, id: string, scopes: readonly Scope[]) {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: null, scopes: [...scopes].sort().join(',') })
    .where('id', '=', id)
    .execute();
}

export async function touchApiKey(db: Db, id: string, now: number) {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
}

export function apiKeyRowToApi(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes.split(',').filter(Boolean) as Scope[],
    prefix: row.prefix,
    createdAt: iso(row.created_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    revokedAt: isoOrNull(row.revoked_at),
  };
}

// ─── Dashboard sign-in sessions ──────────────────────────────────────────────────────────────

export async function createDashboardSession(db: Db, tokenHash: string, keyId: string, now: number, ttlMs: number) {
  await db
    .insertInto('dashboard_sessions')
    .values({ token_hash: tokenHash, key_id: keyId, created_at: now, expires_at: now + ttlMs })
    .execute();
}

export async function findDashboardSession(db: Db, tokenHash: string, now: number) {
  return db
    .selectFrom('dashboard_sessions as d')
    .innerJoin('api_keys as k', 'k.id', 'd.key_id')
    .innerJoin('organizations as o', 'o.id', 'k.org_id')
    .selectAll('k')
    .select('o.name as org_name')
    .where('d.token_hash', '=', tokenHash)
    .where('d.expires_at', '>', now)
    .executeTakeFirst();
}

export async function deleteDashboardSession(db: Db, tokenHash: string) {
  await db.deleteFrom('dashboard_sessions').where('token_hash', '=', tokenHash).execute();
}

/**
 * Deletes up to `limit` sign-ins that expired by `now` (a cookie past its expiry is refused
 * anyway); returns how many. Callers loop in small batches, so a backlog never holds SQLite's one
 * writer for long.
 */
export async function deleteExpiredDashboardSessions(db: Db, now: number, limit: number): Promise<number> {
  const r = await db
    .deleteFrom('dashboard_sessions')
    .where('token_hash', 'in', (eb) =>
      eb.selectFrom('dashboard_sessions').select('token_hash').where('expires_at', '<=', now).limit(limit),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
