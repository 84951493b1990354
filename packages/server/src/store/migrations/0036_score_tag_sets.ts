/**
 * 0036, a tag with a score counted and paged from session_scores alone (docs/PERFORMANCE.md, "A
 * tag with a score from the score's rows"). `tag=common&score.quality=5` walked the smaller side
 * and probed the other by key; when few sessions have both, every one of the smaller side's rows
 * was probed to find none — at a million sessions on PostgreSQL the planner hashed one side and
 * scanned session_tags for the other, 58–129 ms. The score rows now carry their session's tag
 * list, `tag_set` (`,a,b,`, as session_tags does since 0034):
 *
 * - written by the application with the tag rows (store/review.ts `writeTagRows`, on the
 *   session's score rows when its list changes) and with the score (`writeScore`);
 * - in the two value indexes (PostgreSQL INCLUDEs them with 0035's columns; on SQLite the columns
 *   close the key), so a walk of a score value tests the tag and the copied columns on the index
 *   entry without reading the table.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import type { MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  await sql`ALTER TABLE session_scores ADD COLUMN tag_set text NOT NULL DEFAULT ''`.execute(db);
  // Each tag row of a session carries the same list (0034): any one of them.
  await sql`UPDATE session_scores SET tag_set = l.tag_set
    FROM (SELECT org_id, session_pk, started_at, min(tag_set) AS tag_set FROM session_tags
      GROUP BY org_id, session_pk, started_at) l
    WHERE l.org_id = session_scores.org_id AND l.session_pk = session_scores.session_pk
      AND l.started_at = session_scores.started_at`.execute(db);
  // SQLite has no INCLUDE: the columns go at the end of the key, which covers them the same way.
  const carried = 'session_pk, agent_id, channel, status, type, tag_set';
  for (const [index, column] of [
    ['session_scores_text', 'value_text'],
    ['session_scores_num', 'value_num'],
  ]) {
    await sql`DROP INDEX ${sql.id(index)}`.execute(db);
    await sql
      .raw(
        dialect === 'postgres'
          ? `CREATE INDEX ${index} ON session_scores (org_id, name, ${column}, started_at) INCLUDE (${carried})`
          : `CREATE INDEX ${index} ON session_scores (org_id, name, ${column}, started_at, ${carried})`,
      )
      .execute(db);
  }
}
