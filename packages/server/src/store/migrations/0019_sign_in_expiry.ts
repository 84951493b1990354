/**
 * 0019, indexes for dashboard sign-ins (store/keys.ts): `expires_at` for the sweep that deletes
 * expired sign-ins every few minutes (services/expiry.ts), which would otherwise read the whole
 * table each time; `key_id` for revoking a key, which deletes that key's sign-ins at once.
 */
import { sql } from 'kysely';
import type { MigrationDb } from './columns.js';

export async function up(db: MigrationDb) {
  await sql`CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at)`.execute(db);
  await sql`CREATE INDEX dashboard_sessions_key ON dashboard_sessions (key_id)`.execute(db);
}
