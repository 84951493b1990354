/**
 * 0035, a score with agent, channel, status, type or time conditions counted and paged from
 * session_scores alone (docs/PERFORMANCE.md, "A score with other conditions"). With a status, the
 * filter read each scored session's row: at a million sessions on PostgreSQL, the 20,000 sessions
 * scored 5 with `status=failed` took 200 ms, most of it fetching the wide session rows. The score
 * rows now carry their session's agent, channel, status and type, as the tag rows do (0026):
 *
 * - copied by a trigger on sessions when one of them changes (every path that changes them —
 *   ingest, the idle sweep, PATCH — without knowing it), and written with the score
 *   (store/review.ts `writeScore`);
 * - on PostgreSQL the value indexes INCLUDE them, so the count of a score with those conditions
 *   reads the index alone.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import type { MigrationDb } from './columns.js';

const COPIED = ['agent_id', 'channel', 'status', 'type'];

export async function up(db: MigrationDb, dialect: DialectName) {
  const pg = dialect === 'postgres';
  for (const column of COPIED)
    await sql`ALTER TABLE session_scores ADD COLUMN ${sql.id(column)} text NOT NULL DEFAULT ''`.execute(db);
  const set = (r: string) => COPIED.map((c) => `${c} = ${r}.${c}`).join(', ');
  await sql
    .raw(`UPDATE session_scores SET ${set('s')} FROM sessions s WHERE s.pk = session_scores.session_pk
      AND s.started_at = session_scores.started_at AND s.org_id = session_scores.org_id`)
    .execute(db);
  if (pg) {
    for (const [index, column] of [
      ['session_scores_text', 'value_text'],
      ['session_scores_num', 'value_num'],
    ]) {
      await sql`DROP INDEX ${sql.id(index)}`.execute(db);
      await sql
        .raw(`CREATE INDEX ${index} ON session_scores (org_id, name, ${column}, started_at)
          INCLUDE (session_pk, ${COPIED.join(', ')})`)
        .execute(db);
    }
    const changed = `(${COPIED.map((c) => `OLD.${c}`).join(', ')}) IS DISTINCT FROM (${COPIED.map((c) => `NEW.${c}`).join(', ')})`;
    await sql
      .raw(`CREATE FUNCTION sb_session_scores_copy() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN UPDATE session_scores SET ${set('NEW')}
        WHERE org_id = NEW.org_id AND session_pk = NEW.pk AND started_at = NEW.started_at;
      RETURN NULL; END $fn$`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_scores_copy AFTER UPDATE OF ${COPIED.join(', ')} ON sessions
      FOR EACH ROW WHEN (${changed}) EXECUTE FUNCTION sb_session_scores_copy()`)
      .execute(db);
  } else {
    const changed = COPIED.map((c) => `old.${c} IS NOT new.${c}`).join(' OR ');
    await sql
      .raw(`CREATE TRIGGER session_scores_copy AFTER UPDATE OF ${COPIED.join(', ')} ON sessions WHEN ${changed}
        BEGIN UPDATE session_scores SET ${set('new')} WHERE session_pk = new.pk AND started_at = new.started_at; END`)
      .execute(db);
  }
}
