/**
 * 0033, a tag with `reviewed`, `problems` or `source` counted from the tag rows (docs/PERFORMANCE.md,
 * "A tag with reviewed, problems or source"). session_tags already carries its session's agent,
 * channel, status and type (0026), so a tag filter with those conditions never reads a session;
 * with `reviewed=false` or `problems=true` it looked up each tagged session's row (100,000 for a
 * 10 % tag at a million sessions: 72–97 ms of SQLite's CPU). The rows now carry three more of the
 * session's columns, as the filter tests them:
 *
 * - `reviewed`: 1 when the session has been marked reviewed (`reviewed_at` set), else 0;
 * - `problem`: 1 when it failed or has an error (`status = 'failed' OR errors > 0`), else 0;
 * - `source`: where it came from.
 *
 * The trigger on sessions that copies the others (0026, 0027) copies these too, and fires only when
 * one of them changes (an error event changes `problem` once, not with every further error). On
 * PostgreSQL the primary key's INCLUDE covers them, so the count of a tag's rows with these
 * conditions stays an index-only scan. The counters (session_tag_counts, session_tag_days) do not
 * split by them: with these conditions the total counts the tag's rows.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import type { MigrationDb } from './columns.js';

/** The three columns 0033 adds, as the copy trigger writes them from a sessions row `r`. */
const flags = (r: string) =>
  `reviewed = CASE WHEN ${r}.reviewed_at IS NULL THEN 0 ELSE 1 END,
    problem = CASE WHEN ${r}.status = 'failed' OR ${r}.errors > 0 THEN 1 ELSE 0 END, source = ${r}.source`;
/** Every column of the session a tag row carries (0026's and these). */
const copied = (r: string) =>
  `agent_id = ${r}.agent_id, channel = ${r}.channel, status = ${r}.status, type = ${r}.type, ${flags(r)}`;

export async function up(db: MigrationDb, dialect: DialectName) {
  const pg = dialect === 'postgres';
  await sql`ALTER TABLE session_tags ADD COLUMN reviewed integer NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE session_tags ADD COLUMN problem integer NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE session_tags ADD COLUMN source text NOT NULL DEFAULT 'api'`.execute(db);
  await sql
    .raw(`UPDATE session_tags SET ${flags('s')} FROM sessions s WHERE s.pk = session_tags.session_pk
      AND s.started_at = session_tags.started_at AND s.org_id = session_tags.org_id`)
    .execute(db);
  const watched = 'agent_id, channel, status, type, reviewed_at, errors, source';
  if (pg) {
    // The key's INCLUDE covers the new columns, so counting a tag's rows with them reads the index
    // alone. Two statements: Citus takes an ADD CONSTRAINT only alone.
    await sql`ALTER TABLE session_tags DROP CONSTRAINT session_tags_pk`.execute(db);
    await sql`ALTER TABLE session_tags ADD CONSTRAINT session_tags_pk PRIMARY KEY (org_id, tag, started_at, session_pk)
      INCLUDE (channel, status, type, agent_id, reviewed, problem, source)`.execute(db);
    const changed = `(OLD.agent_id, OLD.channel, OLD.status, OLD.type, OLD.source, OLD.reviewed_at IS NULL,
      OLD.status = 'failed' OR OLD.errors > 0) IS DISTINCT FROM (NEW.agent_id, NEW.channel, NEW.status, NEW.type,
      NEW.source, NEW.reviewed_at IS NULL, NEW.status = 'failed' OR NEW.errors > 0)`;
    await sql
      .raw(`CREATE OR REPLACE FUNCTION sb_session_tags_copy() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN UPDATE session_tags SET ${copied('NEW')}
        WHERE org_id = NEW.org_id AND session_pk = NEW.pk AND started_at = NEW.started_at;
      RETURN NULL; END $fn$`)
      .execute(db);
    await sql`DROP TRIGGER session_tags_copy ON sessions`.execute(db);
    await sql
      .raw(`CREATE TRIGGER session_tags_copy AFTER UPDATE OF ${watched} ON sessions
      FOR EACH ROW WHEN (${changed}) EXECUTE FUNCTION sb_session_tags_copy()`)
      .execute(db);
  } else {
    const changed = `old.agent_id IS NOT new.agent_id OR old.channel IS NOT new.channel OR old.status IS NOT new.status
      OR old.type IS NOT new.type OR old.source IS NOT new.source OR (old.reviewed_at IS NULL) IS NOT (new.reviewed_at IS NULL)
      OR (old.errors > 0) IS NOT (new.errors > 0)`;
    await sql`DROP TRIGGER session_tags_copy`.execute(db);
    await sql
      .raw(`CREATE TRIGGER session_tags_copy AFTER UPDATE OF ${watched} ON sessions WHEN ${changed}
        BEGIN UPDATE session_tags SET ${copied('new')} WHERE session_pk = new.pk AND started_at = new.started_at; END`)
      .execute(db);
  }
}
