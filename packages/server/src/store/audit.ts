/** The audit log (0023): who did what and when, newest first, paged by id (a UUIDv7, so time order). */
import type { AuditEntry } from '@switchboard/contracts';
import type { Kysely } from 'kysely';
import { uuidv7 } from '../lib/ids.js';
import { iso } from '../lib/time.js';
import type { AuditLogTable, AuditRow, Database } from './schema.js';

type Db = Kysely<Database>;

export async function insertAudit(db: Db, entry: Omit<AuditLogTable, 'id'>) {
  await db
    .insertInto('audit_log')
    .values({ ...entry, id: uuidv7(entry.at) })
    .execute();
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  from?: number;
  to?: number;
  /** Entries older than this id. */
  before?: string;
  limit: number;
}

export async function listAudit(db: Db, orgId: string, f: AuditFilter) {
  let q = db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId);
  if (f.actor !== undefined) {
    const actor = f.actor;
    q = q.where((eb) => eb.or([eb('actor_id', '=', actor), eb('actor_name', '=', actor)]));
  }
  if (f.action !== undefined) {
    const action = f.action;
    q = action.includes('.')
      ? q.where('action', '=', action)
      : q.where((eb) => eb.or([eb('action', '=', action), eb('action', 'like', `${action.replace(/[%_\\]/g, '')}.%`)]));
  }
  if (f.from !== undefined) q = q.where('at', '>=', f.from);
  if (f.to !== undefined) q = q.where('at', '<', f.to);
  if (f.before !== undefined) q = q.where('id', '<', f.before);
  return q
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
}

/** Deletes up to `limit` entries older than `before`; returns how many. */
export async function deleteAuditBefore(db: Db, before: number, limit: number): Promise<number> {
  const r = await db
    .deleteFrom('audit_log')
    .where('id', 'in', (eb) => eb.selectFrom('audit_log').select('id').where('at', '<', before).limit(limit))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

export function auditRowToApi(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: iso(Number(row.at)),
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    action: row.action,
    target: row.target,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : {},
  };
}
