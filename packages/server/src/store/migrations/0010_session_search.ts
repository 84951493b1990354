/** session_search: PostgreSQL's narrow copy of the sessions for `search`. */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { createMonthIn, listMonths } from '../partitions.js';
import { columnTypes, type MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg } = columnTypes(dialect);
  // SQLite's trigram index (FTS5, 0007) holds the text apart from the rows already.
  if (pg) await sessionSearchPostgres(db);
}

/**
 * 0010, `search` on PostgreSQL (budget: 200 ms at a million sessions, docs/PERFORMANCE.md). The trigram index of
 * 0007 is on the sessions themselves, so every match of a common term had its wide row read for
 * the LIKE recheck and the organization (~44,000 heap pages for `ap-south-1`). This narrow copy —
 * organization, key, channel, status, type and the search text, one row per session, partitioned
 * by month like sessions — holds the trigram index instead; a count or metrics of a search read
 * it and never the sessions (a count of 60,000 matches: 400 → 150 ms, statement alone). Row
 * triggers on sessions keep it in the writing transaction: create, a change of the search text
 * (a metadata merge), of the status (an end, the idle sweep), delete.
 */
async function sessionSearchPostgres(db: MigrationDb) {
  await sql`CREATE TABLE session_search (org_id text NOT NULL, session_pk bigint NOT NULL, started_at bigint NOT NULL,
    channel text NOT NULL, status text NOT NULL, type text NOT NULL, search_text text NOT NULL)
    PARTITION BY RANGE (started_at)`.execute(db);
  for (const m of await listMonths(db)) await createMonthIn(db, m);
  await sql`INSERT INTO session_search (org_id, session_pk, started_at, channel, status, type, search_text)
    SELECT org_id, pk, started_at, channel, status, type, search_text FROM sessions`.execute(db);
  await sql`CREATE INDEX session_search_key ON session_search (session_pk, started_at)`.execute(db);
  const { rows } = await sql<{ schema: string }>`SELECT n.nspname AS schema FROM pg_extension e
    JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`.execute(db);
  if (rows[0]) {
    const ops = sql.raw(`"${rows[0].schema.replace(/"/g, '""')}".gin_trgm_ops`);
    await sql`CREATE INDEX session_search_trgm ON session_search USING gin (search_text ${ops})`.execute(db);
    // The sessions' own trigram index has nothing left to answer.
    await sql`DROP INDEX IF EXISTS sessions_search_trgm`.execute(db);
  }
  await sql`CREATE FUNCTION sb_session_search() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO session_search (org_id, session_pk, started_at, channel, status, type, search_text)
          VALUES (NEW.org_id, NEW.pk, NEW.started_at, NEW.channel, NEW.status, NEW.type, NEW.search_text);
      ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM session_search WHERE session_pk = OLD.pk AND started_at = OLD.started_at;
      ELSE
        UPDATE session_search SET channel = NEW.channel, status = NEW.status, type = NEW.type,
          search_text = NEW.search_text WHERE session_pk = NEW.pk AND started_at = NEW.started_at;
      END IF;
      RETURN NULL;
    END
    $fn$`.execute(db);
  await sql`CREATE TRIGGER session_search_insert AFTER INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION sb_session_search()`.execute(db);
  await sql`CREATE TRIGGER session_search_update AFTER UPDATE OF search_text, channel, status, type ON sessions
    FOR EACH ROW WHEN ((OLD.search_text, OLD.channel, OLD.status, OLD.type)
      IS DISTINCT FROM (NEW.search_text, NEW.channel, NEW.status, NEW.type))
    EXECUTE FUNCTION sb_session_search()`.execute(db);
  await sql`CREATE TRIGGER session_search_delete AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sb_session_search()`.execute(db);
  await sql`ANALYZE session_search`.execute(db);
}
