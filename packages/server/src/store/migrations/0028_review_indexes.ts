/**
 * 0028, what the review filters' first pages and totals at a million sessions still read session
 * by session (docs/PERFORMANCE.md, "Review filters at a million sessions"):
 *
 * - The "Needs review" view (`problems=true&reviewed=false`, every organization's first saved
 *   view) as a partial index: the organization's sessions that failed or had an error and are
 *   not reviewed yet, in start order. Its page and total read every session of the organization
 *   (400 ms at 100,000 sessions); the page now walks this index to its 50th entry and the total
 *   counts its entries. A session leaves it when marked reviewed and comes back when the mark is
 *   cleared; the filter writes the same condition literally (store/filters.ts) so both planners
 *   see that the index holds every match. It carries the agent, channel, status, type and source,
 *   so the view with those conditions is counted in it too, not by a look at each row (at a
 *   million sessions, `channel=phone`: 412 ms without them, 23 ms with). Its cost at ingest: an
 *   entry for a session that fails or reports an error (about one in ten in the benchmark's
 *   data), nothing for the others.
 * - session_tag_days: how many sessions carry each tag per day (UTC) of their start, channel,
 *   status and type, kept exact by triggers on session_tags as session_tag_counts (0026) is. The
 *   total of a tag over a time range sums the whole days from it and counts only the two edge
 *   days' rows in the tag's index, where it counted every row in the range (13 ms of CPU for a
 *   10 % tag over 89 days at a million sessions). Not per agent: with an agent condition the
 *   range is counted in the index as before (an agent's rows per tag and day are few).
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { columnTypes, type MigrationDb } from './columns.js';
import { distributeWithSessions } from './0027_citus.js';

/** The index's condition, as store/filters.ts writes `problems=true&reviewed=false`. */
export const NEEDS_REVIEW_WHERE = "reviewed_at IS NULL AND (status = 'failed' OR errors > 0)";

/** session_tag_days' day: a UTC day, its start in epoch ms (store/sessions/counts.ts reads by it). */
export const DAY_MS = 86_400_000;

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg, big } = columnTypes(dialect);
  await sql
    .raw(
      `CREATE INDEX sessions_needs_review ON sessions (org_id, started_at, pk, agent_id, channel, status, type, source)
        WHERE ${NEEDS_REVIEW_WHERE}`,
    )
    .execute(db);

  await sql
    .raw(`CREATE TABLE session_tag_days (org_id text NOT NULL, tag text NOT NULL, day ${big} NOT NULL,
      channel text NOT NULL, status text NOT NULL, type text NOT NULL, n ${big} NOT NULL,
      PRIMARY KEY (org_id, tag, day, channel, status, type))`)
    .execute(db);
  await distributeWithSessions(db, dialect, 'session_tag_days');
  const dayOf = (r: string) => `(${r}.started_at - ${r}.started_at % ${DAY_MS})`;
  await sql
    .raw(`INSERT INTO session_tag_days (org_id, tag, day, channel, status, type, n)
    SELECT t.org_id, t.tag, ${dayOf('t')}, t.channel, t.status, t.type, count(*) FROM session_tags t
    GROUP BY t.org_id, t.tag, ${dayOf('t')}, t.channel, t.status, t.type`)
    .execute(db);

  const key = 'org_id, tag, day, channel, status, type';
  const plus = (r: string) => `INSERT INTO session_tag_days ${pg ? 'AS c ' : ''}(${key}, n)
    VALUES (${r}.org_id, ${r}.tag, ${dayOf(r)}, ${r}.channel, ${r}.status, ${r}.type, 1)
    ON CONFLICT (${key}) DO UPDATE SET n = ${pg ? 'c.' : ''}n + 1;`;
  const minus = (r: string) => `UPDATE session_tag_days SET n = n - 1 WHERE org_id = ${r}.org_id
    AND tag = ${r}.tag AND day = ${dayOf(r)} AND channel = ${r}.channel AND status = ${r}.status
    AND type = ${r}.type;`;
  const changed = (o: string, n: string) =>
    pg
      ? `(${o}.channel, ${o}.status, ${o}.type) IS DISTINCT FROM (${n}.channel, ${n}.status, ${n}.type)`
      : `${o}.channel IS NOT ${n}.channel OR ${o}.status IS NOT ${n}.status OR ${o}.type IS NOT ${n}.type`;
  if (pg) {
    // As session_tag_counts' (0026): deferred to commit, behind the same advisory lock.
    await sql
      .raw(`CREATE FUNCTION sb_session_tag_days() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(7245012);
        IF TG_OP IN ('UPDATE', 'DELETE') THEN ${minus('OLD')} END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN ${plus('NEW')} END IF;
        RETURN NULL;
      END
      $fn$`)
      .execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_tag_days_insert AFTER INSERT ON session_tags
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_tag_days()`.execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_tag_days_update AFTER UPDATE OF channel, status, type
      ON session_tags DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (${changed('OLD', 'NEW')})
      EXECUTE FUNCTION sb_session_tag_days()`)
      .execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_tag_days_delete AFTER DELETE ON session_tags
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_tag_days()`.execute(db);
  } else {
    await sql
      .raw(`CREATE TRIGGER session_tag_days_insert AFTER INSERT ON session_tags BEGIN ${plus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_tag_days_update AFTER UPDATE OF channel, status, type ON session_tags
        WHEN ${changed('old', 'new')} BEGIN ${minus('old')} ${plus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_tag_days_delete AFTER DELETE ON session_tags BEGIN ${minus('old')} END`)
      .execute(db);
  }
  await sql`ANALYZE sessions`.execute(db);
  await sql`ANALYZE session_tag_days`.execute(db);
}
