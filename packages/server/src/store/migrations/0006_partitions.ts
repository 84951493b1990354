/**
 * session_ids, the unpartitioned home of every session's id; on PostgreSQL, sessions, messages
 * and events partitioned by month.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { addMonths, createMonthIn, type Month, monthOf, monthStart, monthSuffix } from '../partitions.js';
import { columnTypes, type MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg, big } = columnTypes(dialect);
  // A session's id is unique in its organization. PostgreSQL cannot enforce that across
  // partitions (a unique index must contain the partition key), so this small unpartitioned
  // table carries it, written in the session's own transaction: a duplicate is still a
  // unique violation (23505) where IngestService expects one. SQLite gets it too, so both
  // databases run one insert and one lookup; reads by id go through it to (pk, started_at),
  // which on PostgreSQL names the one month to look in.
  await db.schema
    .createTable('session_ids')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('pk', big, (c) => c.notNull())
    .addColumn('started_at', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('session_ids_pk', ['org_id', 'id'])
    .execute();
  // Retention deletes a month's ids by range.
  await db.schema.createIndex('session_ids_started').on('session_ids').column('started_at').execute();
  await sql`INSERT INTO session_ids (org_id, id, pk, started_at) SELECT org_id, id, pk, started_at FROM sessions`.execute(
    db,
  );
  if (!pg) {
    // No partitions on SQLite, but the same column as PostgreSQL's partition key, so every
    // insert of a message or event is one query for both databases.
    for (const table of ['messages', 'session_events']) {
      await sql`ALTER TABLE ${sql.id(table)} ADD COLUMN session_started_at integer NOT NULL DEFAULT 0`.execute(db);
      await sql`UPDATE ${sql.id(table)} SET session_started_at =
              (SELECT s.started_at FROM sessions s WHERE s.pk = ${sql.id(table)}.session_pk)`.execute(db);
    }
    await sql`ANALYZE`.execute(db);
    return;
  }
  await partitionPostgres(db);
}

/**
 * 0006 on PostgreSQL: sessions partitioned by month of started_at; messages and events by month
 * of their session's started_at (copied into session_started_at), so a month of sessions and its
 * transcripts are one unit to drop. The tables are rebuilt and their rows copied; every index of
 * 0001–0005 comes back on the parent (and so on every partition) in the same column order, the
 * tsvector column and the session_counts triggers too.
 *
 * Foreign keys from messages and events to sessions are not recreated. A key to a partitioned
 * table costs a lookup through the partition tree per inserted row, and makes dropping a month
 * a detach with a scan of every remaining transcript for references. What they guarded is kept
 * by the store instead: a message or event is written only in the transaction that found and
 * row-locked its session, and retention removes a month's sessions, messages and events in one
 * transaction. The primary keys now include the partition key, as PostgreSQL requires; pk
 * values are kept (a plain sequence, set past the largest, replaces the identity column).
 */
async function partitionPostgres(db: MigrationDb) {
  for (const t of ['sessions', 'messages', 'session_events'])
    await sql`ALTER TABLE ${sql.id(t)} RENAME TO ${sql.id(`${t}_0005`)}`.execute(db);
  await sql`CREATE TABLE sessions (
    pk bigint NOT NULL,
    org_id text NOT NULL REFERENCES organizations (id),
    id text NOT NULL,
    agent_id text NOT NULL,
    channel text NOT NULL,
    type text NOT NULL,
    status text NOT NULL,
    started_at bigint NOT NULL,
    ended_at bigint,
    duration_ms bigint,
    message_count bigint NOT NULL DEFAULT 0,
    event_count bigint NOT NULL DEFAULT 0,
    ended_reason text,
    last_activity_at bigint NOT NULL,
    metadata json NOT NULL,
    search_text text NOT NULL,
    create_hash text NOT NULL
  ) PARTITION BY RANGE (started_at)`.execute(db);
  await sql`CREATE TABLE messages (
    pk bigint NOT NULL,
    session_pk bigint NOT NULL,
    session_started_at bigint NOT NULL,
    id text NOT NULL,
    seq bigint NOT NULL,
    sender text NOT NULL,
    content text NOT NULL,
    timestamp bigint NOT NULL,
    metadata json NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED
  ) PARTITION BY RANGE (session_started_at)`.execute(db);
  await sql`CREATE TABLE session_events (
    pk bigint NOT NULL,
    session_pk bigint NOT NULL,
    session_started_at bigint NOT NULL,
    id text NOT NULL,
    seq bigint NOT NULL,
    type text NOT NULL,
    timestamp bigint NOT NULL,
    data json NOT NULL
  ) PARTITION BY RANGE (session_started_at)`.execute(db);

  // One partition per month that has sessions (distinct days keep the read small), plus this
  // month and the next, so the first writes after the upgrade find theirs.
  const { rows } = await sql<{ day: number }>`SELECT DISTINCT floor(started_at / 86400000.0)::bigint AS day
    FROM sessions_0005`.execute(db);
  const months = new Map<string, Month>();
  for (const t of [
    ...rows.map((r) => Number(r.day) * 86_400_000),
    Date.now(),
    monthStart(addMonths(monthOf(Date.now()), 1)),
  ]) {
    const m = monthOf(t);
    months.set(monthSuffix(m), m);
  }
  for (const m of months.values()) await createMonthIn(db, m);

  await sql`INSERT INTO sessions SELECT pk, org_id, id, agent_id, channel, type, status, started_at, ended_at,
    duration_ms, message_count, event_count, ended_reason, last_activity_at, metadata, search_text, create_hash
    FROM sessions_0005`.execute(db);
  await sql`INSERT INTO messages (pk, session_pk, session_started_at, id, seq, sender, content, timestamp, metadata)
    SELECT m.pk, m.session_pk, s.started_at, m.id, m.seq, m.sender, m.content, m.timestamp, m.metadata
    FROM messages_0005 m JOIN sessions_0005 s ON s.pk = m.session_pk`.execute(db);
  await sql`INSERT INTO session_events (pk, session_pk, session_started_at, id, seq, type, timestamp, data)
    SELECT e.pk, e.session_pk, s.started_at, e.id, e.seq, e.type, e.timestamp, e.data
    FROM session_events_0005 e JOIN sessions_0005 s ON s.pk = e.session_pk`.execute(db);
  // Dropping the old tables frees their index and constraint names (and their identity
  // sequences' names) for the new ones; their session_counts triggers go with them.
  await sql`DROP TABLE messages_0005, session_events_0005, sessions_0005`.execute(db);

  for (const t of ['sessions', 'messages', 'session_events']) {
    const seq = `${t}_pk_seq`;
    await sql`CREATE SEQUENCE ${sql.id(seq)} OWNED BY ${sql.id(t)}.pk`.execute(db);
    await sql`SELECT setval(${seq}, COALESCE((SELECT max(pk) FROM ${sql.id(t)}), 0) + 1, false)`.execute(db);
    await sql`ALTER TABLE ${sql.id(t)} ALTER COLUMN pk SET DEFAULT nextval(${sql.lit(seq)}::regclass)`.execute(db);
  }
  await sql`ALTER TABLE sessions ADD CONSTRAINT sessions_pkey PRIMARY KEY (pk, started_at)`.execute(db);
  await sql`ALTER TABLE messages ADD CONSTRAINT messages_pkey PRIMARY KEY (pk, session_started_at),
    ADD CONSTRAINT messages_session_id UNIQUE (session_pk, session_started_at, id),
    ADD CONSTRAINT messages_session_seq UNIQUE (session_pk, session_started_at, seq)`.execute(db);
  await sql`ALTER TABLE session_events ADD CONSTRAINT session_events_pkey PRIMARY KEY (pk, session_started_at),
    ADD CONSTRAINT events_session_id UNIQUE (session_pk, session_started_at, id),
    ADD CONSTRAINT events_session_seq UNIQUE (session_pk, session_started_at, seq)`.execute(db);
  // The index set of 0001, 0004 and 0005 in their final column orders, less (org_id, id),
  // whose uniqueness session_ids now keeps and whose lookups it now serves.
  for (const [name, cols] of [
    ['sessions_started', ['org_id', 'started_at', 'pk']],
    ['sessions_ended', ['org_id', 'ended_at', 'pk']],
    ['sessions_duration', ['org_id', 'duration_ms', 'pk']],
    ['sessions_messages', ['org_id', 'message_count', 'pk']],
    ['sessions_status', ['org_id', 'status', 'started_at', 'pk', 'channel', 'type', 'agent_id']],
    ['sessions_channel', ['org_id', 'channel', 'started_at', 'pk', 'status', 'type', 'agent_id']],
    ['sessions_agent', ['org_id', 'agent_id', 'started_at', 'pk', 'channel', 'status', 'type']],
    ['sessions_idle', ['status', 'last_activity_at']],
  ] as const)
    await db.schema
      .createIndex(name)
      .on('sessions')
      .columns([...cols])
      .execute();
  await sql`CREATE INDEX messages_tsv ON messages USING gin (tsv)`.execute(db);
  // 0004's triggers, on the partitioned table (PostgreSQL clones them onto every partition,
  // present and future). A dropped partition fires nothing: retention subtracts its counts.
  await sql`CREATE CONSTRAINT TRIGGER session_counts_insert AFTER INSERT ON sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_counts()`.execute(db);
  await sql`CREATE CONSTRAINT TRIGGER session_counts_update AFTER UPDATE OF org_id, channel, status, type ON sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.org_id, OLD.channel, OLD.status, OLD.type) IS DISTINCT FROM (NEW.org_id, NEW.channel, NEW.status, NEW.type))
    EXECUTE FUNCTION sb_session_counts()`.execute(db);
  await sql`CREATE CONSTRAINT TRIGGER session_counts_delete AFTER DELETE ON sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_counts()`.execute(db);
  await sql`ANALYZE`.execute(db);
}
