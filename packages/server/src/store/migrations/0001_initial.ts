/**
 * The first schema: organizations, API keys, agents, sessions with their messages and events,
 * the outbox, idempotency keys and dashboard sign-ins, and the messages' full-text index.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { columnTypes, type MigrationDb, pkColumn } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg, big, json } = columnTypes(dialect);
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', big, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('last_used_at', big)
    .addColumn('revoked_at', big)
    .execute();
  await db.schema.createIndex('api_keys_org').on('api_keys').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('agents')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('search_name', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', big, (c) => c.notNull())
    .addColumn('last_seen_at', big, (c) => c.notNull())
    .addColumn('session_count', big, (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('agents_pk', ['org_id', 'id'])
    .execute();

  await pkColumn(db, dialect, 'sessions', 'pk')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', big, (c) => c.notNull())
    .addColumn('ended_at', big)
    .addColumn('duration_ms', big)
    .addColumn('message_count', big, (c) => c.notNull().defaultTo(0))
    .addColumn('event_count', big, (c) => c.notNull().defaultTo(0))
    .addColumn('ended_reason', 'text')
    .addColumn('last_activity_at', big, (c) => c.notNull())
    .addColumn('metadata', json, (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('create_hash', 'text', (c) => c.notNull())
    .addUniqueConstraint('sessions_org_id', ['org_id', 'id'])
    .execute();
  // One index per sort key, each led by org_id: every read is scoped to one organization.
  for (const [name, cols] of [
    ['sessions_started', ['org_id', 'started_at', 'pk']],
    ['sessions_ended', ['org_id', 'ended_at', 'pk']],
    ['sessions_duration', ['org_id', 'duration_ms', 'pk']],
    ['sessions_messages', ['org_id', 'message_count', 'pk']],
    ['sessions_status', ['org_id', 'status', 'started_at']],
    ['sessions_channel', ['org_id', 'channel', 'started_at']],
    ['sessions_agent', ['org_id', 'agent_id', 'started_at']],
    ['sessions_idle', ['status', 'last_activity_at']],
  ] as const) {
    await db.schema
      .createIndex(name)
      .on('sessions')
      .columns([...cols])
      .execute();
  }

  await pkColumn(db, dialect, 'messages', 'pk')
    .addColumn('session_pk', big, (c) => c.notNull().references('sessions.pk'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('seq', big, (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('timestamp', big, (c) => c.notNull())
    .addColumn('metadata', json, (c) => c.notNull())
    .addUniqueConstraint('messages_session_id', ['session_pk', 'id'])
    .addUniqueConstraint('messages_session_seq', ['session_pk', 'seq'])
    .execute();

  await pkColumn(db, dialect, 'session_events', 'pk')
    .addColumn('session_pk', big, (c) => c.notNull().references('sessions.pk'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('seq', big, (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('timestamp', big, (c) => c.notNull())
    .addColumn('data', json, (c) => c.notNull())
    .addUniqueConstraint('events_session_id', ['session_pk', 'id'])
    .addUniqueConstraint('events_session_seq', ['session_pk', 'seq'])
    .execute();

  if (pg) {
    await sql`ALTER TABLE messages ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED`.execute(
      db,
    );
    await sql`CREATE INDEX messages_tsv ON messages USING gin (tsv)`.execute(db);
  } else {
    await sql`CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='pk', tokenize='unicode61 remove_diacritics 2')`.execute(
      db,
    );
    await sql`CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts(rowid, content) VALUES (new.pk, new.content); END`.execute(db);
    await sql`CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.pk, old.content); END`.execute(
      db,
    );
  }

  // AUTOINCREMENT on SQLite: an outbox sequence number is never reused, even after deletes.
  await pkColumn(db, dialect, 'outbox', 'seq')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', big, (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('outbox_org_seq').on('outbox').columns(['org_id', 'seq']).execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('response_type', 'text')
    .addColumn('created_at', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['org_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_created').on('idempotency_keys').column('created_at').execute();

  await db.schema
    .createTable('dashboard_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id'))
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('expires_at', big, (c) => c.notNull())
    .execute();
}
