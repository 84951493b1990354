/**
 * 0021, sessions from platforms without code (docs/INTEGRATIONS.md): each session's `source`
 * (`api`, `otlp`, `vapi`, `retell`; every session before this came through the API), the Vapi
 * and Retell integrations with their sealed secrets, and the log of the last requests each one
 * received (accepted or refused and why), which the Integrations page shows while setting up.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { columnTypes, type MigrationDb, pkColumn } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const { big } = columnTypes(dialect);
  // A constant default: on PostgreSQL a metadata-only change, however many sessions there are
  // (and it reaches every monthly partition of a partitioned table).
  await sql`ALTER TABLE sessions ADD COLUMN source text NOT NULL DEFAULT 'api'`.execute(db);
  // The OTLP inactivity sweep looks for active sessions of one source gone quiet.
  await sql`CREATE INDEX sessions_source_idle ON sessions (source, status, last_activity_at)`.execute(db);

  await db.schema
    .createTable('integrations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('last_request_at', big)
    .execute();
  await db.schema.createIndex('integrations_org').on('integrations').columns(['org_id', 'created_at']).execute();

  await pkColumn(db, dialect, 'integration_requests', 'pk')
    .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
    .addColumn('at', big, (c) => c.notNull())
    .addColumn('event_type', 'text')
    .addColumn('accepted', 'integer', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();
  await db.schema
    .createIndex('integration_requests_list')
    .on('integration_requests')
    .columns(['integration_id', 'pk'])
    .execute();
}
