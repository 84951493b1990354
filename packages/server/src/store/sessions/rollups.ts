/**
 * The rollups of the sessions a batch creates, added with one statement on PostgreSQL (0032).
 *
 * A batch inserts the sessions it creates once, in their final state (`insertSessionRows`). Each
 * row used to fire seven deferred rollup triggers at commit (counts, figures, two first-response
 * histograms, days, metadata figures, review counts), one PL/pgSQL call per row and trigger,
 * behind the outbox's advisory lock. For a batch of short sessions that was most of the time
 * concurrent batches waited on each other. `insertCountedSessions` inserts them with
 * `switchboard.rollups` set to `batch` (the triggers' WHEN skips them) and then, behind the same
 * lock, adds each rollup's sums grouped by its key: one upsert per counter row the batch touches,
 * where the triggers made one per session. The sums are the triggers' own (and retention's, which
 * takes a month back out the same way: store/retention.ts); the counter tests hold the tables equal
 * to a GROUP BY of the sessions after batches of every shape.
 *
 * SQLite (triggers that run inline, at a fraction of the cost: docs/PERFORMANCE.md) and Citus
 * (0032 leaves its triggers as they are) insert and let the triggers count.
 */
import { CHANNELS, SESSION_TYPES, STATUSES } from '@switchboard/contracts';
import { type Kysely, sql } from 'kysely';
import { BATCH_COUNTED_TRIGGERS, ROLLUPS_SETTING } from '../migrations/0032_batch_rollups.js';
import { needsReviewOf } from '../migrations/0029_review_counts.js';
import type { Store } from '../db.js';
import { insertRows } from '../insert-rows.js';
import type { Database, NewSessionRow } from '../schema.js';
import { FIGURE_SUMS, figureSumColumns, firstResponseBucket } from './figures.js';

type Db = Kysely<Database>;

/** 0013's sessions per channel, status and type, as session_days' columns (`channel_web`, …). */
const DAY_COUNTED = [
  ...CHANNELS.map((v) => ['channel', v] as const),
  ...STATUSES.map((v) => ['status', v] as const),
  ...SESSION_TYPES.map((v) => ['type', v] as const),
];
const DAY_MS = 86_400_000;

/** Whether this database's rollup triggers leave a batch's inserts to it (0032; not on Citus). */
const known = new WeakMap<Store, Promise<boolean>>();
export function batchRollups(db: Db, store: Store): Promise<boolean> {
  if (store.dialect !== 'postgres') return Promise.resolve(false);
  let answer = known.get(store);
  if (!answer) {
    answer = sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_trigger t WHERE t.tgrelid = 'sessions'::regclass
      AND t.tgname IN (${sql.join(BATCH_COUNTED_TRIGGERS)})
      AND position(${ROLLUPS_SETTING} IN pg_get_triggerdef(t.oid)) > 0`
      .execute(db)
      .then(({ rows }) => rows[0].n === BATCH_COUNTED_TRIGGERS.length);
    known.set(store, answer);
    answer.catch(() => known.delete(store));
  }
  return answer;
}

/**
 * Inserts whole new session rows (their keys given) and adds them to the rollups 0032 names with
 * one statement (PostgreSQL only: see `batchRollups`). Must run in a transaction; the setting
 * lasts until the insert is done, and a rollback takes it back with everything else.
 */
export async function insertCountedSessions(db: Db, groups: Array<Array<NewSessionRow & { pk: number }>>) {
  await sql`SELECT set_config(${ROLLUPS_SETTING}, 'batch', true)`.execute(db);
  for (const group of groups) await insertRows(db, 'sessions', group, 250);
  // The lock every rollup trigger takes first, so counter rows change in one order for every writer.
  await sql`SELECT set_config(${ROLLUPS_SETTING}, '', true), pg_advisory_xact_lock(7245012)`.execute(db);
  const rows = groups.flat();
  const orgs = [...new Set(rows.map((r) => r.org_id))];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    lo = Math.min(lo, r.started_at);
    hi = Math.max(hi, r.started_at);
  }
  const pks = `{${rows.map((r) => r.pk).join(',')}}`;
  /** `c = t.c + excluded.c` for each column: an upsert adding the batch's sums to the row's. */
  const plus = (t: string, columns: readonly string[]) =>
    sql.join(columns.map((c) => sql`${sql.id(c)} = ${sql.id(t)}.${sql.id(c)} + excluded.${sql.id(c)}`));
  const bucket = firstResponseBucket('postgres', sql.ref('s.first_response_ms'));
  const metaValue = sql`CASE json_typeof(j.value) WHEN 'string' THEN j.value #>> '{}' ELSE j.value::text END`;
  const anyFigure = sql.raw(
    `(s.duration_ms IS NOT NULL OR s.turns <> 0 OR s.response_ms_sum <> 0 OR s.handoffs <> 0 OR s.errors <> 0
      OR s.cost_nanos <> 0 OR s.input_tokens <> 0 OR s.output_tokens <> 0)`,
  );
  const day = sql.raw(`(s.started_at / ${DAY_MS}) * ${DAY_MS}`);
  const counted = DAY_COUNTED.map(([column, value]) => `${column}_${value}`);
  const metaSums = FIGURE_SUMS.filter((c) => c !== 'n');
  await sql`WITH s AS MATERIALIZED (
      SELECT org_id, agent_id, channel, status, type, started_at, duration_ms, turns, response_ms_sum, handoffs,
        errors, cost_nanos, input_tokens, output_tokens, first_response_ms, reviewed_at, metadata
      FROM sessions WHERE org_id = ANY(${orgs}::text[]) AND started_at BETWEEN ${lo} AND ${hi}
        AND pk = ANY(${pks}::bigint[])
    ), counts AS (
      INSERT INTO session_counts AS c (org_id, channel, status, type, n)
      SELECT org_id, channel, status, type, count(*) FROM s GROUP BY 1, 2, 3, 4
      ON CONFLICT (org_id, channel, status, type) DO UPDATE SET n = c.n + excluded.n
    ), review AS (
      INSERT INTO session_review_counts AS c (org_id, channel, status, type, n)
      SELECT org_id, channel, status, type, count(*) FROM s WHERE ${sql.raw(needsReviewOf('s'))} GROUP BY 1, 2, 3, 4
      ON CONFLICT (org_id, channel, status, type) DO UPDATE SET n = c.n + excluded.n
    ), figures AS (
      INSERT INTO session_figures AS f (org_id, agent_id, channel, status, type, ${sql.join(FIGURE_SUMS.map((c) => sql.id(c)))})
      SELECT s.org_id, s.agent_id, s.channel, s.status, s.type, ${sql.join(figureSumColumns('s'))} FROM s GROUP BY 1, 2, 3, 4, 5
      ON CONFLICT (org_id, agent_id, channel, status, type) DO UPDATE SET ${plus('f', FIGURE_SUMS)}
    ), first_responses AS (
      INSERT INTO session_first_responses AS h (org_id, channel, status, type, bucket, n)
      SELECT s.org_id, s.channel, s.status, s.type, ${bucket}, count(*) FROM s WHERE s.first_response_ms IS NOT NULL
      GROUP BY 1, 2, 3, 4, 5
      ON CONFLICT (org_id, channel, status, type, bucket) DO UPDATE SET n = h.n + excluded.n
    ), agent_first_responses AS (
      INSERT INTO agent_first_responses AS h (org_id, agent_id, bucket, n)
      SELECT s.org_id, s.agent_id, ${bucket}, count(*) FROM s WHERE s.first_response_ms IS NOT NULL GROUP BY 1, 2, 3
      ON CONFLICT (org_id, agent_id, bucket) DO UPDATE SET n = h.n + excluded.n
    ), days AS (
      INSERT INTO session_days AS f (org_id, day, agent_id, ${sql.join([...FIGURE_SUMS, ...counted].map((c) => sql.id(c)))})
      SELECT s.org_id, ${day}, s.agent_id, ${sql.join(figureSumColumns('s'))},
        ${sql.join(DAY_COUNTED.map(([column, value]) => sql`count(*) FILTER (WHERE ${sql.ref(`s.${column}`)} = ${value})`))}
      FROM s GROUP BY 1, 2, 3
      ON CONFLICT (org_id, day, agent_id) DO UPDATE SET ${plus('f', [...FIGURE_SUMS, ...counted])}
    ), day_first_responses AS (
      INSERT INTO day_first_responses AS h (org_id, day, bucket, n)
      SELECT s.org_id, ${day}, ${bucket}, count(*) FROM s WHERE s.first_response_ms IS NOT NULL GROUP BY 1, 2, 3
      ON CONFLICT (org_id, day, bucket) DO UPDATE SET n = h.n + excluded.n
    ), agent_day_first_responses AS (
      INSERT INTO agent_day_first_responses AS h (org_id, day, agent_id, bucket, n)
      SELECT s.org_id, ${day}, s.agent_id, ${bucket}, count(*) FROM s WHERE s.first_response_ms IS NOT NULL
      GROUP BY 1, 2, 3, 4
      ON CONFLICT (org_id, day, agent_id, bucket) DO UPDATE SET n = h.n + excluded.n
    ), meta AS MATERIALIZED (
      SELECT s.*, j.key, ${metaValue} AS value FROM s, json_each(s.metadata) j
    ), metadata_figures AS (
      INSERT INTO session_metadata_figures AS f (org_id, key, value, ${sql.join(metaSums.map((c) => sql.id(c)))})
      SELECT g.org_id, g.key, g.value, ${sql.join(metaSums.map((c) => sql.ref(`g.${c}`)))}
      FROM (SELECT s.org_id, s.key, s.value, ${sql.join(figureSumColumns('s'))} FROM meta s WHERE ${anyFigure}
        GROUP BY 1, 2, 3) g
      ON CONFLICT (org_id, key, value) DO UPDATE SET ${plus('f', metaSums)}
    ), metadata_first_responses AS (
      INSERT INTO metadata_first_responses AS h (org_id, key, value, bucket, n)
      SELECT s.org_id, s.key, s.value, ${bucket}, count(*) FROM meta s WHERE s.first_response_ms IS NOT NULL
      GROUP BY 1, 2, 3, 4
      ON CONFLICT (org_id, key, value, bucket) DO UPDATE SET n = h.n + excluded.n
    )
    SELECT 1`.execute(db);
}
