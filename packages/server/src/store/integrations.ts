/**
 * Every query on integrations and their request log. Rows become API objects only in
 * `integrationRowToApi` and `requestRowToApi` at the bottom.
 */
import type { Integration, IntegrationRequest } from '@switchboard/contracts';
import type { Kysely, Selectable } from 'kysely';
import { iso, isoOrNull } from '../lib/time.js';
import type { Database, IntegrationRequestsTable, IntegrationsTable } from './schema.js';

type Db = Kysely<Database>;
export type IntegrationRow = Selectable<IntegrationsTable>;
type RequestRow = Selectable<IntegrationRequestsTable>;

/** How many requests each integration's log keeps. */
export const REQUEST_LOG_SIZE = 100;

export async function insertIntegration(db: Db, row: IntegrationRow) {
  await db.insertInto('integrations').values(row).execute();
}

export async function listIntegrations(db: Db, orgId: string) {
  return db.selectFrom('integrations').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').execute();
}

export async function findIntegration(db: Db, orgId: string, id: string) {
  return db.selectFrom('integrations').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** By id alone: the public endpoint, which learns the organization from the integration. */
export async function findIntegrationById(db: Db, id: string) {
  return db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deleteIntegration(db: Db, orgId: string, id: string) {
  return db.transaction().execute(async (trx) => {
    const found = await findIntegration(trx, orgId, id);
    if (!found) return false;
    await trx.deleteFrom('integration_requests').where('integration_id', '=', id).execute();
    await trx.deleteFrom('integrations').where('id', '=', id).execute();
    return true;
  });
}

/** Logs one request and keeps only the newest REQUEST_LOG_SIZE. */
export async function recordIntegrationRequest(db: Db, row: Omit<RequestRow, 'pk'>) {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('integration_requests').values(row).execute();
    await trx
      .updateTable('integrations')
      .set({ last_request_at: row.at })
      .where('id', '=', row.integration_id)
      .execute();
    const cutoff = await trx
      .selectFrom('integration_requests')
      .select('pk')
      .where('integration_id', '=', row.integration_id)
      .orderBy('pk', 'desc')
      .offset(REQUEST_LOG_SIZE)
      .limit(1)
      .executeTakeFirst();
    if (cutoff)
      await trx
        .deleteFrom('integration_requests')
        .where('integration_id', '=', row.integration_id)
        .where('pk', '<=', cutoff.pk)
        .execute();
  });
}

export async function listIntegrationRequests(db: Db, integrationId: string) {
  return db
    .selectFrom('integration_requests')
    .selectAll()
    .where('integration_id', '=', integrationId)
    .orderBy('pk', 'desc')
    .limit(REQUEST_LOG_SIZE)
    .execute();
}

export function integrationRowToApi(row: IntegrationRow): Integration {
  return {
    id: row.id,
    provider: row.provider,
    name: row.name,
    url: `/api/integrations/${row.id}`,
    agentId: row.agent_id,
    createdAt: iso(row.created_at),
    lastRequestAt: isoOrNull(row.last_request_at),
  };
}

export function requestRowToApi(row: RequestRow): IntegrationRequest {
  return {
    at: iso(row.at),
    eventType: row.event_type,
    accepted: row.accepted === 1,
    status: row.status,
    reason: row.reason,
  };
}
