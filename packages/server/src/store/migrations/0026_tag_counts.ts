/**
 * 0026, the exact total of a tag filter (docs/PERFORMANCE.md: a first page by tag with its total
 * in 25 ms at a million sessions). A common tag is on 100,000 of them; counting its sessions
 * that also have a status, channel or agent meant a lookup of each one's row (~370 ms).
 *
 * - session_tags carries its session's channel, status, type and agent, as session_metadata does
 *   (0007), and its primary key covers them (SQLite: a WITHOUT ROWID table, the key is the
 *   table; PostgreSQL: INCLUDE), so the count of a tag with a time range and those conditions is
 *   a range of one index, never a read of the sessions. A trigger on sessions copies a change of
 *   those columns to the session's tag rows (every path that changes them — ingest, the idle
 *   sweep, PATCH — without knowing it).
 * - session_tag_counts: how many sessions carry each tag per agent, channel, status and type,
 *   kept exact by triggers on session_tags (its inserts, deletes and the copied changes), as
 *   session_metadata_counts is. The total of a tag alone, or with those conditions, and
 *   `GET /tags` sum a few of its rows.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { columnTypes, type MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg, big } = columnTypes(dialect);
  const columns = sql.raw(`org_id text NOT NULL, tag text NOT NULL, started_at ${big} NOT NULL,
    session_pk ${big} NOT NULL, channel text NOT NULL, status text NOT NULL, type text NOT NULL,
    agent_id text NOT NULL`);
  // Rebuilt, not altered: the key must cover the new columns.
  await sql`CREATE TABLE session_tags_0026 (${columns},
    ${sql.raw(pg ? 'CONSTRAINT session_tags_0026_pk ' : '')}PRIMARY KEY (org_id, tag, started_at, session_pk)
    ${sql.raw(pg ? 'INCLUDE (channel, status, type, agent_id)' : '')})${sql.raw(pg ? '' : ' WITHOUT ROWID')}`.execute(
    db,
  );
  await sql`INSERT INTO session_tags_0026 (org_id, tag, started_at, session_pk, channel, status, type, agent_id)
    SELECT t.org_id, t.tag, t.started_at, t.session_pk, s.channel, s.status, s.type, s.agent_id
    FROM session_tags t JOIN sessions s ON s.pk = t.session_pk AND s.started_at = t.started_at`.execute(db);
  await sql`DROP TABLE session_tags`.execute(db);
  await sql`ALTER TABLE session_tags_0026 RENAME TO session_tags`.execute(db);
  if (pg) await sql`ALTER TABLE session_tags RENAME CONSTRAINT session_tags_0026_pk TO session_tags_pk`.execute(db);
  await sql`CREATE INDEX session_tags_session ON session_tags (session_pk)`.execute(db);

  await sql
    .raw(`CREATE TABLE session_tag_counts (org_id text NOT NULL, tag text NOT NULL, agent_id text NOT NULL,
      channel text NOT NULL, status text NOT NULL, type text NOT NULL, n ${big} NOT NULL,
      PRIMARY KEY (org_id, tag, agent_id, channel, status, type))`)
    .execute(db);
  await sql`INSERT INTO session_tag_counts (org_id, tag, agent_id, channel, status, type, n)
    SELECT org_id, tag, agent_id, channel, status, type, count(*) FROM session_tags
    GROUP BY org_id, tag, agent_id, channel, status, type`.execute(db);

  const key = 'org_id, tag, agent_id, channel, status, type';
  const plus = (r: string) => `INSERT INTO session_tag_counts ${pg ? 'AS c ' : ''}(${key}, n)
    VALUES (${r}.org_id, ${r}.tag, ${r}.agent_id, ${r}.channel, ${r}.status, ${r}.type, 1)
    ON CONFLICT (${key}) DO UPDATE SET n = ${pg ? 'c.' : ''}n + 1;`;
  const minus = (r: string) => `UPDATE session_tag_counts SET n = n - 1 WHERE org_id = ${r}.org_id
    AND tag = ${r}.tag AND agent_id = ${r}.agent_id AND channel = ${r}.channel AND status = ${r}.status
    AND type = ${r}.type;`;
  const changed = (o: string, n: string) =>
    pg
      ? `(${o}.agent_id, ${o}.channel, ${o}.status, ${o}.type) IS DISTINCT FROM (${n}.agent_id, ${n}.channel, ${n}.status, ${n}.type)`
      : `${o}.agent_id IS NOT ${n}.agent_id OR ${o}.channel IS NOT ${n}.channel OR ${o}.status IS NOT ${n}.status
        OR ${o}.type IS NOT ${n}.type`;
  // The session's columns onto its tag rows (which fires the counters' update trigger below).
  const copy = (r: string) => `UPDATE session_tags SET agent_id = ${r}.agent_id, channel = ${r}.channel,
    status = ${r}.status, type = ${r}.type WHERE session_pk = ${r}.pk AND started_at = ${r}.started_at;`;
  if (pg) {
    // Deferred to commit and behind session_counts' advisory lock, for the reasons given there
    // (0004): no deadlocks between batches, counter rows locked only while committing.
    await sql
      .raw(`CREATE FUNCTION sb_session_tag_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(7245012);
        IF TG_OP IN ('UPDATE', 'DELETE') THEN ${minus('OLD')} END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN ${plus('NEW')} END IF;
        RETURN NULL;
      END
      $fn$`)
      .execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_tag_counts_insert AFTER INSERT ON session_tags
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_tag_counts()`.execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_tag_counts_update AFTER UPDATE OF agent_id, channel, status, type
      ON session_tags DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (${changed('OLD', 'NEW')})
      EXECUTE FUNCTION sb_session_tag_counts()`)
      .execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_tag_counts_delete AFTER DELETE ON session_tags
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_tag_counts()`.execute(db);
    // Not gated on `uncounted` (0020): this copies values, it counts nothing itself.
    await sql
      .raw(`CREATE FUNCTION sb_session_tags_copy() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN ${copy('NEW')} RETURN NULL; END
      $fn$`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_tags_copy AFTER UPDATE OF agent_id, channel, status, type ON sessions
      FOR EACH ROW WHEN (${changed('OLD', 'NEW')}) EXECUTE FUNCTION sb_session_tags_copy()`)
      .execute(db);
  } else {
    await sql
      .raw(`CREATE TRIGGER session_tag_counts_insert AFTER INSERT ON session_tags BEGIN ${plus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_tag_counts_update AFTER UPDATE OF agent_id, channel, status, type ON session_tags
        WHEN ${changed('old', 'new')} BEGIN ${minus('old')} ${plus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_tag_counts_delete AFTER DELETE ON session_tags BEGIN ${minus('old')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_tags_copy AFTER UPDATE OF agent_id, channel, status, type ON sessions
        WHEN ${changed('old', 'new')} BEGIN ${copy('new')} END`)
      .execute(db);
  }
  await sql`ANALYZE`.execute(db);
}
