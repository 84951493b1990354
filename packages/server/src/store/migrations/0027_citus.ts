/**
 * 0027, one schema for PostgreSQL and Citus (docs/ARCHITECTURE.md, "Citus"): every row of an
 * organization's sessions can be found by its organization, so Citus can keep them on one shard
 * group, and on a Citus coordinator the organization-scoped tables are distributed by org_id.
 *
 * Every store:
 * - messages and session_events carry their session's org_id (backfilled), written by ingest.
 * - session_scores has a unique key with org_id, the one its upsert names.
 * PostgreSQL (plain and Citus):
 * - the unique keys of sessions, messages, events, notes and scores include org_id (last, so
 *   every lookup by the old key still uses them); Citus needs the distribution column in each.
 * - the triggers that found a session's side rows by session pk alone name its org_id too, so
 *   on Citus they touch only the shard group the session is on.
 * Citus only (`pg_extension` has citus):
 * - organizations becomes a reference table (a copy on every node);
 * - the session tables and their side tables are distributed by org_id, co-located with
 *   sessions; every other table (keys, users, webhooks, jobs, the outbox, the audit log, rate
 *   limits) stays on the coordinator, as a Citus local table where it references organizations.
 * - triggers on distributed tables are allowed for this database (citus.enable_unsafe_triggers):
 *   each one writes rows of its own session's organization, which Citus keeps on the same node.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import type { MigrationDb, MigrationLog } from './columns.js';

/** Distributed by org_id, co-located with sessions: the rows of one organization's sessions. */
export const DISTRIBUTED_TABLES = [
  'sessions',
  'session_ids',
  'messages',
  'session_events',
  'transcript_docs',
  'session_search',
  'session_metadata',
  'session_tags',
  'session_notes',
  'session_scores',
  'session_counts',
  'session_tag_counts',
  'session_days',
  'session_figures',
  'session_first_responses',
  'session_metadata_counts',
  'session_metadata_figures',
  'metadata_first_responses',
  'day_first_responses',
  'agent_day_first_responses',
  'agent_first_responses',
  'agents',
  'idempotency_keys',
];

export const REFERENCE_TABLES = ['organizations'];

/** Tables of an organization's sessions that later migrations add, distributed as they are created. */
export const LATER_DISTRIBUTED_TABLES = ['session_tag_days', 'session_review_counts', 'session_tag_set_counts'];

/**
 * On a Citus coordinator, distributes a table a later migration creates by org_id, co-located with
 * sessions, as this migration does for the tables that existed before it; elsewhere does nothing.
 */
export async function distributeWithSessions(db: MigrationDb, dialect: DialectName, table: string) {
  if (dialect !== 'postgres') return;
  const citus = await sql`SELECT 1 FROM pg_extension WHERE extname = 'citus'`.execute(db);
  if (citus.rows.length === 0) return;
  await sql`SELECT create_distributed_table(${table}, 'org_id', colocate_with => 'sessions')`.execute(db);
}

export async function up(db: MigrationDb, dialect: DialectName, log: MigrationLog) {
  const pg = dialect === 'postgres';
  for (const table of ['messages', 'session_events']) {
    if (pg) {
      await sql`ALTER TABLE ${sql.id(table)} ADD COLUMN org_id text`.execute(db);
      await sql`UPDATE ${sql.id(table)} t SET org_id = s.org_id FROM sessions s
        WHERE s.pk = t.session_pk AND s.started_at = t.session_started_at`.execute(db);
      await sql`ALTER TABLE ${sql.id(table)} ALTER COLUMN org_id SET NOT NULL`.execute(db);
    } else {
      await sql`ALTER TABLE ${sql.id(table)} ADD COLUMN org_id text NOT NULL DEFAULT ''`.execute(db);
      await sql`UPDATE ${sql.id(table)} SET org_id =
        (SELECT s.org_id FROM sessions s WHERE s.pk = ${sql.id(table)}.session_pk)`.execute(db);
    }
  }
  if (!pg) {
    await sql`CREATE UNIQUE INDEX session_scores_org ON session_scores (org_id, session_pk, name)`.execute(db);
    return;
  }

  // Unique keys with org_id, last.
  await sql`ALTER TABLE sessions DROP CONSTRAINT sessions_pkey, ADD CONSTRAINT sessions_pkey PRIMARY KEY (pk, started_at, org_id)`.execute(
    db,
  );
  await sql`ALTER TABLE messages DROP CONSTRAINT messages_pkey, DROP CONSTRAINT messages_session_id,
    DROP CONSTRAINT messages_session_seq,
    ADD CONSTRAINT messages_pkey PRIMARY KEY (pk, session_started_at, org_id),
    ADD CONSTRAINT messages_session_id UNIQUE (session_pk, session_started_at, id, org_id),
    ADD CONSTRAINT messages_session_seq UNIQUE (session_pk, session_started_at, seq, org_id)`.execute(db);
  await sql`ALTER TABLE session_events DROP CONSTRAINT session_events_pkey, DROP CONSTRAINT events_session_id,
    DROP CONSTRAINT events_session_seq,
    ADD CONSTRAINT session_events_pkey PRIMARY KEY (pk, session_started_at, org_id),
    ADD CONSTRAINT events_session_id UNIQUE (session_pk, session_started_at, id, org_id),
    ADD CONSTRAINT events_session_seq UNIQUE (session_pk, session_started_at, seq, org_id)`.execute(db);
  await sql`ALTER TABLE session_notes DROP CONSTRAINT session_notes_pkey,
    ADD CONSTRAINT session_notes_pkey PRIMARY KEY (id, org_id)`.execute(db);
  await sql`ALTER TABLE session_scores DROP CONSTRAINT session_scores_pk,
    ADD CONSTRAINT session_scores_pk PRIMARY KEY (session_pk, name, org_id)`.execute(db);

  // Triggers that find a session's side rows by its org_id too.
  await sql`CREATE OR REPLACE FUNCTION sb_session_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND OLD.uncounted = 1) THEN
        INSERT INTO session_search (org_id, session_pk, started_at, channel, status, type, search_text)
          VALUES (NEW.org_id, NEW.pk, NEW.started_at, NEW.channel, NEW.status, NEW.type, NEW.search_text);
      ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM session_search WHERE org_id = OLD.org_id AND session_pk = OLD.pk AND started_at = OLD.started_at;
      ELSE
        UPDATE session_search SET channel = NEW.channel, status = NEW.status, type = NEW.type,
          search_text = NEW.search_text WHERE org_id = NEW.org_id AND session_pk = NEW.pk AND started_at = NEW.started_at;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE OR REPLACE FUNCTION sb_session_tags_copy() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE session_tags SET agent_id = NEW.agent_id, channel = NEW.channel, status = NEW.status,
      type = NEW.type WHERE org_id = NEW.org_id AND session_pk = NEW.pk AND started_at = NEW.started_at;
    RETURN NULL; END $$`.execute(db);
  await sql`CREATE OR REPLACE FUNCTION sb_transcript_docs_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
    INSERT INTO transcript_docs (org_id, session_pk, session_started_at, tsv)
      SELECT org_id, session_pk, session_started_at, to_tsvector('simple', string_agg(content, ' ' ORDER BY seq))
      FROM new_messages GROUP BY org_id, session_pk, session_started_at;
    RETURN NULL; END $$`.execute(db);
  await sql`CREATE OR REPLACE FUNCTION sb_transcript_docs_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
    DELETE FROM transcript_docs d USING (SELECT DISTINCT org_id, session_pk, session_started_at FROM old_messages) o
      WHERE d.org_id = o.org_id AND d.session_pk = o.session_pk AND d.session_started_at = o.session_started_at;
    RETURN NULL; END $$`.execute(db);

  // The first-response bucket's `ln()` only for a value it is taken of (64 ms or more): Citus
  // evaluates a function of constants before the CASE around it chooses, and the trigger's OLD
  // and NEW are constants there, so a first response of 0 ms was ln(0), an error. Same buckets.
  const { rows: fns } = await sql<{ def: string }>`SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p
    WHERE p.proname IN ('sb_day_first_responses', 'sb_session_first_responses', 'sb_session_metadata_figures')
      AND p.pronamespace = current_schema()::regnamespace`.execute(db);
  for (const { def } of fns) {
    const safe = def.replace(/ln\((\w+\.first_response_ms)::float8 \/ 64\.0\)/g, 'ln(greatest($1, 64)::float8 / 64.0)');
    if (safe !== def) await sql.raw(safe).execute(db);
  }

  const citus = await sql`SELECT 1 FROM pg_extension WHERE extname = 'citus'`.execute(db);
  if (citus.rows.length === 0) return;
  log('0027: Citus found, distributing the organization-scoped tables by org_id');
  // Every later connection may change the triggers of distributed tables (a new month's
  // partition copies them); this transaction may now.
  await sql`SELECT set_config('citus.enable_unsafe_triggers', 'on', true)`.execute(db);
  await sql`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET citus.enable_unsafe_triggers = on', current_database()); END $$`.execute(
    db,
  );
  // DDL and data moves in one transaction go over one connection per node.
  await sql`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`.execute(db);
  // A statement trigger's transition table cannot feed a distributed insert: on Citus the
  // transcript documents are kept by row triggers, one document per message (search reads every
  // document of a session, so one per statement or one per message find the same sessions).
  await sql`DROP TRIGGER transcript_docs_insert ON messages`.execute(db);
  await sql`DROP TRIGGER transcript_docs_delete ON messages`.execute(db);
  await sql`CREATE FUNCTION sb_transcript_docs_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO transcript_docs (org_id, session_pk, session_started_at, tsv)
          VALUES (NEW.org_id, NEW.session_pk, NEW.session_started_at, to_tsvector('simple', NEW.content));
      ELSE
        DELETE FROM transcript_docs WHERE org_id = OLD.org_id AND session_pk = OLD.session_pk
          AND session_started_at = OLD.session_started_at;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER transcript_docs_insert AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION sb_transcript_docs_row()`.execute(
    db,
  );
  await sql`CREATE TRIGGER transcript_docs_delete AFTER DELETE ON messages FOR EACH ROW EXECUTE FUNCTION sb_transcript_docs_row()`.execute(
    db,
  );
  // Distributing a table copies its rows into the shards: with the triggers on, each copied
  // session would add its side rows and counts again (and reach tables not yet distributed).
  // The side tables are copied as they are; the triggers come back on once every table is.
  for (const table of DISTRIBUTED_TABLES) await sql`ALTER TABLE ${sql.id(table)} DISABLE TRIGGER USER`.execute(db);
  for (const table of REFERENCE_TABLES) await sql`SELECT create_reference_table(${table})`.execute(db);
  for (const [i, table] of DISTRIBUTED_TABLES.entries()) {
    await sql`SELECT create_distributed_table(${table}, 'org_id', colocate_with => ${i === 0 ? 'default' : 'sessions'})`.execute(
      db,
    );
  }
  for (const table of DISTRIBUTED_TABLES) await sql`ALTER TABLE ${sql.id(table)} ENABLE TRIGGER USER`.execute(db);
}
