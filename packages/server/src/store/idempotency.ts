import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** How long an Idempotency-Key is remembered: a repeat after this runs the request again. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

export async function findIdempotencyKey(db: Db, orgId: string, key: string) {
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .executeTakeFirst();
}

/** Claims the key; false when another request already holds it. */
export async function claimIdempotencyKey(db: Db, orgId: string, key: string, requestHash: string, now: number) {
  const res = await db
    .insertInto('idempotency_keys')
    .values({ org_id: orgId, key, request_hash: requestHash, state: 'running', created_at: now })
    .onConflict((oc) => oc.columns(['org_id', 'key']).doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function completeIdempotencyKey(
  db: Db,
  orgId: string,
  key: string,
  response: { status: number; body: string; type: string },
) {
  await db
    .updateTable('idempotency_keys')
    .set({
      state: 'done',
      response_status: response.status,
      response_body: response.body,
      response_type: response.type,
    })
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .execute();
}

export async function releaseIdempotencyKey(db: Db, orgId: string, key: string) {
  await db.deleteFrom('idempotency_keys').where('org_id', '=', orgId).where('key', '=', key).execute();
}

export async function expireIdempotencyKeys(db: Db, before: number) {
  await db.deleteFrom('idempotency_keys').where('created_at', '<', before).execute();
}
