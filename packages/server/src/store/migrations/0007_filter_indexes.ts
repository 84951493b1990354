/** session_metadata and its counts for the metadata filter, and the indexes of `search`'s branches. */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { createMonthIn, listMonths } from '../partitions.js';
import { columnTypes, type MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg } = columnTypes(dialect);
  await sessionMetadata(db, pg);
  await searchIndexes(db, pg);
  await sql`ANALYZE`.execute(db);
}

/**
 * 0007, `metadata.<key>=value` (budget: a first page with its exact total in 25 ms at a
 * million sessions, docs/PERFORMANCE.md). One row per session and key, with the value as the filter compares it
 * (the same text today's JSON lookup produced: a number's text, `true`, `false`, `null`), and the
 * session's filter columns, so a count or the metrics of one metadata value are a range of one
 * covering index, never a read of the sessions. Triggers keep it: every path that writes a
 * session's metadata or status (create, PATCH, batch items, the idle sweep, the demo generator,
 * retention's deletes) changes it in the same transaction without knowing it exists. The JSON
 * column stays the source of the API object, since it keeps the client's key order.
 * On PostgreSQL it is partitioned by month like sessions (partitions.ts makes and drops it with them).
 */
async function sessionMetadata(db: MigrationDb, pg: boolean) {
  const columns = sql.raw(`org_id text NOT NULL, key text NOT NULL, value text NOT NULL,
    started_at ${pg ? 'bigint' : 'integer'} NOT NULL, session_pk ${pg ? 'bigint' : 'integer'} NOT NULL,
    channel text NOT NULL, status text NOT NULL, type text NOT NULL, agent_id text NOT NULL`);
  if (pg) {
    await sql`CREATE TABLE session_metadata (${columns}) PARTITION BY RANGE (started_at)`.execute(db);
    // The new partitioned table gets a partition for every month sessions have one for.
    for (const m of await listMonths(db)) await createMonthIn(db, m);
  } else await sql`CREATE TABLE session_metadata (${columns})`.execute(db);
  // Equality on (org_id, key, value), then started_at: a first page walks it in order, a count
  // or the metrics read it alone (the filter columns follow), and a trigger finds a row by its
  // full key.
  await sql`CREATE INDEX session_metadata_value ON session_metadata
    (org_id, key, value, started_at, session_pk, channel, status, type, agent_id)`.execute(db);

  // The value's text, exactly as the JSON filter compared it before this table existed.
  const text = pg
    ? (j: string) => `CASE json_typeof(${j}.value) WHEN 'string' THEN ${j}.value #>> '{}' ELSE ${j}.value::text END`
    : (j: string) => `CASE ${j}.type WHEN 'text' THEN ${j}.value WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
        WHEN 'null' THEN 'null' ELSE CAST(${j}.value AS TEXT) END`;
  const insertOf = (r: string) =>
    `INSERT INTO session_metadata (org_id, key, value, started_at, session_pk, channel, status, type, agent_id)
      SELECT ${r}.org_id, j.key, ${text('j')}, ${r}.started_at, ${r}.pk, ${r}.channel, ${r}.status, ${r}.type, ${r}.agent_id
      FROM json_each(${r}.metadata) j;`;
  // By the full index key, per key of the old metadata: an index seek each, no extra index.
  const deleteOf = (r: string) =>
    pg
      ? `DELETE FROM session_metadata m USING json_each(${r}.metadata) j
          WHERE m.org_id = ${r}.org_id AND m.key = j.key AND m.value = ${text('j')}
            AND m.started_at = ${r}.started_at AND m.session_pk = ${r}.pk;`
      : `DELETE FROM session_metadata WHERE org_id = ${r}.org_id AND started_at = ${r}.started_at
          AND session_pk = ${r}.pk AND (key, value) IN (SELECT j.key, ${text('j')} FROM json_each(${r}.metadata) j);`;
  const statusOf = (r: string) =>
    pg
      ? `UPDATE session_metadata m SET status = ${r}.status FROM json_each(${r}.metadata) j
          WHERE m.org_id = ${r}.org_id AND m.key = j.key AND m.value = ${text('j')}
            AND m.started_at = ${r}.started_at AND m.session_pk = ${r}.pk;`
      : `UPDATE session_metadata SET status = ${r}.status WHERE org_id = ${r}.org_id AND started_at = ${r}.started_at
          AND session_pk = ${r}.pk AND (key, value) IN (SELECT j.key, ${text('j')} FROM json_each(${r}.metadata) j);`;

  await sql
    .raw(insertOf('s').replace('FROM json_each(s.metadata) j;', 'FROM sessions s, json_each(s.metadata) j'))
    .execute(db);

  // Exact counts per metadata value and channel, status and type, as session_counts does for
  // the whole organization: metrics and the total of one metadata value (a third of a million
  // sessions for a common one) become a sum over at most 72 rows.
  await sql
    .raw(`CREATE TABLE session_metadata_counts (org_id text NOT NULL, key text NOT NULL, value text NOT NULL,
    channel text NOT NULL, status text NOT NULL, type text NOT NULL, n ${pg ? 'bigint' : 'integer'} NOT NULL,
    PRIMARY KEY (org_id, key, value, channel, status, type))`)
    .execute(db);
  await sql`INSERT INTO session_metadata_counts (org_id, key, value, channel, status, type, n)
    SELECT org_id, key, value, channel, status, type, count(*) FROM session_metadata
    GROUP BY org_id, key, value, channel, status, type`.execute(db);
  const cols = (r: string) => `${r}.org_id, ${r}.key, ${r}.value, ${r}.channel, ${r}.status, ${r}.type`;
  const plus = (
    r: string,
  ) => `INSERT INTO session_metadata_counts ${pg ? 'AS c ' : ''}(org_id, key, value, channel, status, type, n)
    VALUES (${cols(r)}, 1) ON CONFLICT (org_id, key, value, channel, status, type) DO UPDATE SET n = ${pg ? 'c.' : ''}n + 1;`;
  const minus = (
    r: string,
  ) => `UPDATE session_metadata_counts SET n = n - 1 WHERE org_id = ${r}.org_id AND key = ${r}.key
    AND value = ${r}.value AND channel = ${r}.channel AND status = ${r}.status AND type = ${r}.type;`;
  if (pg) {
    // Deferred to commit and behind session_counts' advisory lock, for the reasons given there
    // (0004): no deadlocks between batches, counter rows locked only while committing.
    await sql
      .raw(`CREATE FUNCTION sb_session_metadata_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(7245012);
        IF TG_OP IN ('UPDATE', 'DELETE') THEN ${minus('OLD')} END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN ${plus('NEW')} END IF;
        RETURN NULL;
      END
      $fn$`)
      .execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_metadata_counts_insert AFTER INSERT ON session_metadata
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_metadata_counts()`.execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_metadata_counts_update AFTER UPDATE OF status ON session_metadata
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
      EXECUTE FUNCTION sb_session_metadata_counts()`.execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_metadata_counts_delete AFTER DELETE ON session_metadata
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_metadata_counts()`.execute(db);
  } else {
    await sql
      .raw(`CREATE TRIGGER session_metadata_counts_insert AFTER INSERT ON session_metadata BEGIN ${plus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_counts_update AFTER UPDATE OF status ON session_metadata
        WHEN old.status IS NOT new.status BEGIN ${minus('old')} ${plus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_counts_delete AFTER DELETE ON session_metadata BEGIN ${minus('old')} END`)
      .execute(db);
  }
  if (pg) {
    await sql
      .raw(`CREATE FUNCTION sb_session_metadata() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'INSERT' THEN ${insertOf('NEW')}
        ELSIF TG_OP = 'DELETE' THEN ${deleteOf('OLD')}
        ELSIF OLD.metadata::text IS DISTINCT FROM NEW.metadata::text THEN ${deleteOf('OLD')} ${insertOf('NEW')}
        ELSE ${statusOf('NEW')}
        END IF;
        RETURN NULL;
      END
      $fn$`)
      .execute(db);
    await sql`CREATE TRIGGER session_metadata_insert AFTER INSERT ON sessions
      FOR EACH ROW EXECUTE FUNCTION sb_session_metadata()`.execute(db);
    await sql`CREATE TRIGGER session_metadata_update AFTER UPDATE OF metadata, status ON sessions FOR EACH ROW
      WHEN (OLD.metadata::text IS DISTINCT FROM NEW.metadata::text OR OLD.status IS DISTINCT FROM NEW.status)
      EXECUTE FUNCTION sb_session_metadata()`.execute(db);
    await sql`CREATE TRIGGER session_metadata_delete AFTER DELETE ON sessions
      FOR EACH ROW EXECUTE FUNCTION sb_session_metadata()`.execute(db);
  } else {
    await sql
      .raw(`CREATE TRIGGER session_metadata_insert AFTER INSERT ON sessions BEGIN ${insertOf('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_update AFTER UPDATE OF metadata ON sessions
        WHEN old.metadata IS NOT new.metadata BEGIN ${deleteOf('old')} ${insertOf('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_status AFTER UPDATE OF status ON sessions
        WHEN old.status IS NOT new.status AND old.metadata IS new.metadata BEGIN ${statusOf('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_delete AFTER DELETE ON sessions BEGIN ${deleteOf('old')} END`)
      .execute(db);
  }
}

/**
 * 0007, `search` (budget: 100 ms at a million sessions, docs/PERFORMANCE.md). Each of its three branches gets an
 * index: the id prefix an index on lower(id); the substring of search_text a trigram index —
 * FTS5 `trigram` on SQLite (case-sensitive: both sides are lower-cased already, and then a
 * phrase of trigrams is exactly a substring), `pg_trgm` GIN on PostgreSQL. Where pg_trgm cannot
 * be created (not installed, no privilege) the migration still succeeds and PostgreSQL scans as
 * before: the query is the same LIKE either way. The agent-name branch reads the agents table.
 */
async function searchIndexes(db: MigrationDb, pg: boolean) {
  if (!pg) {
    await sql`CREATE INDEX sessions_lower_id ON sessions (org_id, lower(id))`.execute(db);
    await sql`CREATE VIRTUAL TABLE sessions_search USING fts5(search_text, content='sessions', content_rowid='pk',
      tokenize='trigram case_sensitive 1')`.execute(db);
    await sql`INSERT INTO sessions_search(sessions_search) VALUES ('rebuild')`.execute(db);
    await sql`CREATE TRIGGER sessions_search_insert AFTER INSERT ON sessions BEGIN
      INSERT INTO sessions_search(rowid, search_text) VALUES (new.pk, new.search_text); END`.execute(db);
    await sql`CREATE TRIGGER sessions_search_update AFTER UPDATE OF search_text ON sessions
      WHEN old.search_text IS NOT new.search_text BEGIN
      INSERT INTO sessions_search(sessions_search, rowid, search_text) VALUES ('delete', old.pk, old.search_text);
      INSERT INTO sessions_search(rowid, search_text) VALUES (new.pk, new.search_text); END`.execute(db);
    await sql`CREATE TRIGGER sessions_search_delete AFTER DELETE ON sessions BEGIN
      INSERT INTO sessions_search(sessions_search, rowid, search_text) VALUES ('delete', old.pk, old.search_text); END`.execute(
      db,
    );
    return;
  }
  // text_pattern_ops: a LIKE 'prefix%' becomes an index range whatever the database's collation.
  await sql`CREATE INDEX sessions_lower_id ON sessions (org_id, lower(id) text_pattern_ops)`.execute(db);
  await sql`SAVEPOINT pg_trgm`.execute(db);
  try {
    await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
    await sql`RELEASE SAVEPOINT pg_trgm`.execute(db);
  } catch {
    await sql`ROLLBACK TO SAVEPOINT pg_trgm`.execute(db);
    return;
  }
  // Qualified by the extension's schema, which need not be on the search_path.
  const { rows } = await sql<{ schema: string }>`SELECT n.nspname AS schema FROM pg_extension e
    JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`.execute(db);
  const ops = sql.raw(`"${rows[0].schema.replace(/"/g, '""')}".gin_trgm_ops`);
  await sql`CREATE INDEX sessions_search_trgm ON sessions USING gin (search_text ${ops})`.execute(db);
}
