import type { Kysely } from 'kysely';
import { uuidv7 } from '../lib/ids.js';
import { insertView, NEEDS_REVIEW_VIEW } from './review.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export async function findOrgByName(db: Db, name: string) {
  return db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function createOrg(db: Db, name: string, now = Date.now()) {
  const row = { id: uuidv7(now), name, created_at: now };
  await db.insertInto('organizations').values(row).execute();
  await insertView(db, { id: uuidv7(now), org_id: row.id, ...NEEDS_REVIEW_VIEW, columns: null, now });
  return row;
}

export async function listOrgs(db: Db) {
  return db.selectFrom('organizations').selectAll().orderBy('created_at').execute();
}
