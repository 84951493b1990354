/**
 * 0029, session_review_counts: how many sessions need review — failed or with an error, and not
 * marked reviewed (0028's `sessions_needs_review` condition) — per organization, channel, status
 * and type, kept exact by triggers on sessions as session_counts (0004) is. The total of the
 * "Needs review" view, alone or with channel, status and type conditions, is a sum of a few of
 * its rows; it was a count of the partial index's entries, one per session waiting for review
 * (on PostgreSQL at a million sessions, 142,858 of them: 109–132 ms; docs/PERFORMANCE.md).
 *
 * On PostgreSQL the triggers are deferred to commit behind session_counts' advisory lock, and a
 * row a batch inserts `uncounted` (0020) is counted once, when the batch clears the mark, as it
 * then is. A trigger fires only when the session needs review before or after the change, and
 * its key or whether it needs review changed: a status or error count that changes for a session
 * that needs review neither before nor after costs nothing. Retention subtracts a dropped
 * month's sessions as it does session_counts' (store/retention.ts).
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { distributeWithSessions } from './0027_citus.js';
import { columnTypes, type MigrationDb } from './columns.js';

/** Whether row `r` needs review: 0028's NEEDS_REVIEW_WHERE, of a trigger's OLD or NEW row. */
export const needsReviewOf = (r: string) =>
  `(${r}.reviewed_at IS NULL AND (${r}.status = 'failed' OR ${r}.errors > 0))`;

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg, big } = columnTypes(dialect);
  await sql
    .raw(`CREATE TABLE session_review_counts (org_id text NOT NULL, channel text NOT NULL, status text NOT NULL,
      type text NOT NULL, n ${big} NOT NULL, PRIMARY KEY (org_id, channel, status, type))`)
    .execute(db);
  await distributeWithSessions(db, dialect, 'session_review_counts');
  await sql
    .raw(`INSERT INTO session_review_counts (org_id, channel, status, type, n)
      SELECT org_id, channel, status, type, count(*) FROM sessions s
      WHERE ${needsReviewOf('s')}${pg ? ' AND s.uncounted = 0' : ''} GROUP BY org_id, channel, status, type`)
    .execute(db);

  const key = 'org_id, channel, status, type';
  const plus = (r: string) => `INSERT INTO session_review_counts ${pg ? 'AS c ' : ''}(${key}, n)
    VALUES (${r}.org_id, ${r}.channel, ${r}.status, ${r}.type, 1)
    ON CONFLICT (${key}) DO UPDATE SET n = ${pg ? 'c.' : ''}n + 1;`;
  const minus = (r: string) => `UPDATE session_review_counts SET n = n - 1 WHERE org_id = ${r}.org_id
    AND channel = ${r}.channel AND status = ${r}.status AND type = ${r}.type;`;
  // An update moves a session between counter rows, into one or out of all of them.
  const moved = (o: string, n: string) =>
    pg
      ? `(${needsReviewOf(o)} OR ${needsReviewOf(n)}) AND (${needsReviewOf(o)}, ${o}.org_id, ${o}.channel, ${o}.status, ${o}.type)
        IS DISTINCT FROM (${needsReviewOf(n)}, ${n}.org_id, ${n}.channel, ${n}.status, ${n}.type)`
      : `(${needsReviewOf(o)} OR ${needsReviewOf(n)}) AND (${needsReviewOf(o)} IS NOT ${needsReviewOf(n)}
        OR ${o}.org_id IS NOT ${n}.org_id OR ${o}.channel IS NOT ${n}.channel OR ${o}.status IS NOT ${n}.status
        OR ${o}.type IS NOT ${n}.type)`;
  const columns = 'org_id, channel, status, type, reviewed_at, errors';
  if (pg) {
    await sql
      .raw(`CREATE FUNCTION sb_session_review_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(7245012);
        IF (TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.uncounted = 0)) AND ${needsReviewOf('OLD')} THEN
          ${minus('OLD')}
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND ${needsReviewOf('NEW')} THEN ${plus('NEW')} END IF;
        RETURN NULL;
      END
      $fn$`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_review_counts_insert AFTER INSERT ON sessions
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.uncounted = 0 AND ${needsReviewOf('NEW')})
      EXECUTE FUNCTION sb_session_review_counts()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_review_counts_update AFTER UPDATE OF uncounted, ${columns}
      ON sessions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
      WHEN (NEW.uncounted = 0 AND ((OLD.uncounted = 1 AND ${needsReviewOf('NEW')})
        OR (OLD.uncounted = 0 AND ${moved('OLD', 'NEW')})))
      EXECUTE FUNCTION sb_session_review_counts()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_review_counts_delete AFTER DELETE ON sessions
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.uncounted = 0 AND ${needsReviewOf('OLD')})
      EXECUTE FUNCTION sb_session_review_counts()`)
      .execute(db);
  } else {
    // As session_counts' on SQLite: at once, per row, not gated on `uncounted` (0020).
    await sql
      .raw(`CREATE TRIGGER session_review_counts_insert AFTER INSERT ON sessions WHEN ${needsReviewOf('new')}
        BEGIN ${plus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_review_counts_update AFTER UPDATE OF ${columns} ON sessions
        WHEN ${moved('old', 'new')}
        BEGIN
          UPDATE session_review_counts SET n = n - 1 WHERE ${needsReviewOf('old')} AND org_id = old.org_id
            AND channel = old.channel AND status = old.status AND type = old.type;
          INSERT INTO session_review_counts (${key}, n)
            SELECT new.org_id, new.channel, new.status, new.type, 1 WHERE ${needsReviewOf('new')}
            ON CONFLICT (${key}) DO UPDATE SET n = n + 1;
        END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_review_counts_delete AFTER DELETE ON sessions WHEN ${needsReviewOf('old')}
        BEGIN ${minus('old')} END`)
      .execute(db);
  }
}
