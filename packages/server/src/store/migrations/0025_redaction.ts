/**
 * 0025, redaction (docs/REDACTION.md): each organization's own settings (which detectors, which
 * custom patterns; without a row the server's default applies), and each session's count of the
 * replacements made in what it received (`stats.redactions`).
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { columnTypes, type MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const { big, json } = columnTypes(dialect);
  // A constant default: a metadata-only change on PostgreSQL, reaching every monthly partition.
  await sql`ALTER TABLE sessions ADD COLUMN redactions integer NOT NULL DEFAULT 0`.execute(db);
  await db.schema
    .createTable('redaction_settings')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('organizations.id'))
    .addColumn('detectors', json, (c) => c.notNull())
    .addColumn('custom', json, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .execute();
}
