/**
 * 0032, the rollups of a batch's new sessions counted per statement on PostgreSQL
 * (store/sessions/rollups.ts; docs/PERFORMANCE.md, "Short sessions on PostgreSQL: rollups per
 * statement"). A batch of 250 short sessions fired seven deferred row triggers per session at
 * commit, over 1,700 PL/pgSQL calls each adding 1 to one of a few counter rows, all under the
 * outbox's advisory lock. Now the batch sets `switchboard.rollups` to `batch` for the one insert
 * of its new rows, the insert triggers of those rollups are not queued for it (their WHEN, which
 * PostgreSQL evaluates as each row is inserted, even for deferred triggers), and the batch adds
 * the same sums with one statement of grouped upserts. Every other writer leaves the setting
 * unset and is counted by the triggers as before.
 *
 * Not on Citus: the setting would have to reach the shards' triggers on the workers, and a
 * statement of many upserts is a multi-shard one there. Its triggers stay as they are, and
 * `batchRollups` finds that they do.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import type { MigrationDb, MigrationLog } from './columns.js';

/** The rollup triggers on a session's insert that a batch's statement replaces (0004–0029). */
export const BATCH_COUNTED_TRIGGERS = [
  'session_counts_insert',
  'session_figures_insert',
  'session_first_responses_insert',
  'session_days_insert',
  'day_first_responses_insert',
  'session_metadata_figures_insert',
  'session_review_counts_insert',
];

/** The transaction-local setting a batch turns to `batch` for the insert of its new rows. */
export const ROLLUPS_SETTING = 'switchboard.rollups';

/** What the triggers' WHEN now asks first: the batch's statement counts the rows instead. */
const NOT_BATCH_COUNTED = `current_setting('${ROLLUPS_SETTING}', true) IS DISTINCT FROM 'batch'`;

export async function up(db: MigrationDb, dialect: DialectName, log: MigrationLog) {
  if (dialect !== 'postgres') return;
  const citus = await sql`SELECT 1 FROM pg_extension WHERE extname = 'citus'`.execute(db);
  if (citus.rows.length > 0) {
    log('0032: Citus: the rollups of batches stay with their row triggers');
    return;
  }
  for (const name of BATCH_COUNTED_TRIGGERS) {
    const { rows } = await sql<{ def: string }>`SELECT pg_get_triggerdef(t.oid) AS def FROM pg_trigger t
      WHERE t.tgrelid = 'sessions'::regclass AND t.tgname = ${name}`.execute(db);
    const def = rows[0]?.def;
    if (!def) throw new Error(`0032: trigger ${name} on sessions not found`);
    // `… WHEN (<condition>) EXECUTE FUNCTION …`, as pg_get_triggerdef writes it.
    const fixed = def.replace(
      / WHEN \((.*)\) EXECUTE FUNCTION /s,
      ` WHEN (${NOT_BATCH_COUNTED} AND ($1)) EXECUTE FUNCTION `,
    );
    if (fixed === def) throw new Error(`0032: trigger ${name} has no WHEN`);
    await sql`DROP TRIGGER ${sql.id(name)} ON sessions`.execute(db);
    await sql.raw(fixed).execute(db);
  }
}
