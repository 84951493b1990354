/**
 * 0031, a replica identity for every table of an organization's sessions (PostgreSQL; docs/DEPLOY.md,
 * "Adding a worker"). Logical replication must find the row an UPDATE or DELETE changed on the
 * receiving side, by the table's primary key or its REPLICA IDENTITY. Citus's rebalancer moves a
 * shard group to a new worker that way while writes go on (citus_rebalance_start, shard_transfer_mode
 * 'auto'), and refuses a group with a table that has neither; a plain PostgreSQL published to a
 * replica or an upgrade by logical replication needs the same. Three side tables had none:
 *
 * - session_search, one row per session: its key (session_pk, started_at) becomes the primary key,
 *   with org_id (Citus's distribution column, which every unique key there must hold), in place of
 *   the index on the same two columns.
 * - session_metadata, one row per session and metadata key (the keys of a JSON object, parsed
 *   before they are stored, are distinct): the primary key (session_pk, started_at, key, org_id).
 * - transcript_docs, one row per appending statement of a session, has no key: REPLICA IDENTITY
 *   FULL (the whole old row identifies it). Its rows are only inserted, and deleted with their
 *   session by retention, so the full-row match costs only those deletes during a move. PostgreSQL
 *   does not carry the setting to new partitions: partitions.ts sets it on each month it creates.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import type { MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  if (dialect !== 'postgres') return;
  await sql`ALTER TABLE session_search ADD PRIMARY KEY (session_pk, started_at, org_id)`.execute(db);
  await sql`DROP INDEX session_search_key`.execute(db);
  await sql`ALTER TABLE session_metadata ADD PRIMARY KEY (session_pk, started_at, key, org_id)`.execute(db);
  const { rows } = await sql<{ name: string }>`SELECT c.relname AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'transcript_docs'::regclass`.execute(db);
  for (const table of ['transcript_docs', ...rows.map((r) => r.name)])
    await sql`ALTER TABLE ${sql.id(table)} REPLICA IDENTITY FULL`.execute(db);
}
