/**
 * Removing old sessions with their messages and events (SWITCHBOARD_RETENTION_MONTHS). On
 * PostgreSQL a whole month goes at once by dropping its partitions; elsewhere (SQLite) sessions
 * are deleted in batches. Either way everything derived from the sessions stays exact:
 * session_counts, session_review_counts, session_figures, the day rollups, the metadata figures and the first-response histograms, agents' session_count, session_ids, session_metadata and its counts (a partition on
 * PostgreSQL, its triggers on SQLite), and SQLite's full-text indexes.
 */
import { type Kysely, sql } from 'kysely';
import { needsReviewOf } from './migrations/0029_review_counts.js';
import { addMonths, type Month, monthStart, monthSuffix, PARTITIONED } from './partitions.js';
import type { Database } from './schema.js';
import { FIGURE_SUMS, figureSumColumns, firstResponseBucket } from './sessions/figures.js';

type Db = Kysely<Database>;

export interface RemovedCounts {
  sessions: number;
  /** By the sessions' counters, which count exactly the messages and events stored. */
  messages: number;
  events: number;
}

/** Only one process drops months at a time (the outbox and session_counts use 7245012). */
const RETENTION_LOCK = 7245014;

/**
 * Drops one month's partitions in the caller's transaction, after subtracting what they hold
 * from the counters; returns null when another process is dropping months or already dropped
 * this one. Triggers do not fire on DROP, hence the explicit subtraction.
 */
async function dropMonth(trx: Db, m: Month): Promise<RemovedCounts | null> {
  const { rows: lock } = await sql<{
    ok: boolean;
  }>`SELECT pg_try_advisory_xact_lock(${sql.lit(RETENTION_LOCK)}) AS ok`.execute(trx);
  if (!lock[0]?.ok) return null;
  const suffix = monthSuffix(m);
  const sessions = sql.id(`sessions_${suffix}`);
  const { rows: exists } = await sql<{
    t: string | null;
  }>`SELECT to_regclass(${`sessions_${suffix}`})::text AS t`.execute(trx);
  if (!exists[0]?.t) return null;
  // The parents first, as every query takes them: a reader holding a parent and waiting for a
  // partition can then never be waiting on us. Dropping a partition locks its parent anyway;
  // lock_timeout (set by the caller) keeps a long reader from queueing every request behind us.
  await sql`LOCK TABLE ${sql.join(PARTITIONED.map(({ table }) => sql`ONLY ${sql.id(table)}`))} IN ACCESS EXCLUSIVE MODE`.execute(
    trx,
  );
  // As the session_counts triggers do, so counters change in one order for every writer.
  await sql`SELECT pg_advisory_xact_lock(7245012)`.execute(trx);
  await sql`UPDATE session_counts c SET n = c.n - g.n
    FROM (SELECT org_id, channel, status, type, count(*) AS n FROM ${sessions} GROUP BY 1, 2, 3, 4) g
    WHERE c.org_id = g.org_id AND c.channel = g.channel AND c.status = g.status AND c.type = g.type`.execute(trx);
  await sql`UPDATE session_review_counts c SET n = c.n - g.n
    FROM (SELECT org_id, channel, status, type, count(*) AS n FROM ${sessions} s
      WHERE ${sql.raw(needsReviewOf('s'))} GROUP BY 1, 2, 3, 4) g
    WHERE c.org_id = g.org_id AND c.channel = g.channel AND c.status = g.status AND c.type = g.type`.execute(trx);
  await sql`UPDATE session_figures c SET ${sql.join(
    FIGURE_SUMS.map((col) => sql`${sql.id(col)} = c.${sql.id(col)} - g.${sql.id(col)}`),
  )}
    FROM (SELECT org_id, agent_id, channel, status, type, ${sql.join(figureSumColumns('s'))}
      FROM ${sessions} s GROUP BY 1, 2, 3, 4, 5) g
    WHERE c.org_id = g.org_id AND c.agent_id = g.agent_id AND c.channel = g.channel AND c.status = g.status
      AND c.type = g.type`.execute(trx);
  const bucket = firstResponseBucket('postgres', sql.ref('first_response_ms'));
  await sql`UPDATE session_first_responses c SET n = c.n - g.n
    FROM (SELECT org_id, channel, status, type, ${bucket} AS bucket, count(*) AS n FROM ${sessions}
      WHERE first_response_ms IS NOT NULL GROUP BY 1, 2, 3, 4, 5) g
    WHERE c.org_id = g.org_id AND c.channel = g.channel AND c.status = g.status AND c.type = g.type
      AND c.bucket = g.bucket`.execute(trx);
  await sql`UPDATE agent_first_responses c SET n = c.n - g.n
    FROM (SELECT org_id, agent_id, ${bucket} AS bucket, count(*) AS n FROM ${sessions}
      WHERE first_response_ms IS NOT NULL GROUP BY 1, 2, 3) g
    WHERE c.org_id = g.org_id AND c.agent_id = g.agent_id AND c.bucket = g.bucket`.execute(trx);
  // 0015's sums and histogram per metadata value, from the month's metadata rows and their sessions.
  const metadataOfMonth = sql`${sql.id(`session_metadata_${suffix}`)} m JOIN ${sessions} s
    ON s.pk = m.session_pk AND s.started_at = m.started_at AND s.org_id = m.org_id`;
  await sql`UPDATE session_metadata_figures c SET ${sql.join(
    FIGURE_SUMS.filter((col) => col !== 'n').map((col) => sql`${sql.id(col)} = c.${sql.id(col)} - g.${sql.id(col)}`),
  )}
    FROM (SELECT m.org_id, m.key, m.value, ${sql.join(figureSumColumns('s'))} FROM ${metadataOfMonth} GROUP BY 1, 2, 3) g
    WHERE c.org_id = g.org_id AND c.key = g.key AND c.value = g.value`.execute(trx);
  const sBucket = firstResponseBucket('postgres', sql.ref('s.first_response_ms'));
  await sql`UPDATE metadata_first_responses c SET n = c.n - g.n
    FROM (SELECT m.org_id, m.key, m.value, ${sBucket} AS bucket, count(*) AS n FROM ${metadataOfMonth}
      WHERE s.first_response_ms IS NOT NULL GROUP BY 1, 2, 3, 4) g
    WHERE c.org_id = g.org_id AND c.key = g.key AND c.value = g.value AND c.bucket = g.bucket`.execute(trx);
  // The day rollups (0013) need no subtraction: a day lies inside one month, so the dropped
  // month's days hold its sessions and nothing else.
  for (const table of ['session_days', 'day_first_responses', 'agent_day_first_responses'] as const)
    await trx
      .deleteFrom(table)
      .where('day', '>=', monthStart(m))
      .where('day', '<', monthStart(addMonths(m, 1)))
      .execute();
  await sql`UPDATE agents a SET session_count = a.session_count - g.n
    FROM (SELECT org_id, agent_id, count(*) AS n FROM ${sessions} GROUP BY 1, 2) g
    WHERE a.org_id = g.org_id AND a.id = g.agent_id`.execute(trx);
  await sql`UPDATE session_metadata_counts c SET n = c.n - g.n
    FROM (SELECT org_id, key, value, channel, status, type, count(*) AS n FROM ${sql.id(`session_metadata_${suffix}`)}
      GROUP BY 1, 2, 3, 4, 5, 6) g
    WHERE c.org_id = g.org_id AND c.key = g.key AND c.value = g.value AND c.channel = g.channel
      AND c.status = g.status AND c.type = g.type`.execute(trx);
  const { rows } = await sql<RemovedCounts>`SELECT count(*) AS sessions,
    COALESCE(sum(message_count), 0)::bigint AS messages, COALESCE(sum(event_count), 0)::bigint AS events
    FROM ${sessions}`.execute(trx);
  await trx
    .deleteFrom('session_ids')
    .where('started_at', '>=', monthStart(m))
    .where('started_at', '<', monthStart(addMonths(m, 1)))
    .execute();
  // Review rows (0022) of the month's sessions: not partitioned, so deleted by their start time.
  for (const table of ['session_tags', 'session_scores', 'session_notes'] as const)
    await trx
      .deleteFrom(table)
      .where('started_at', '>=', monthStart(m))
      .where('started_at', '<', monthStart(addMonths(m, 1)))
      .execute();
  await sql`DROP TABLE IF EXISTS ${sql.join(PARTITIONED.map(({ table }) => sql.id(`${table}_${suffix}`)))}`.execute(
    trx,
  );
  return rows[0];
}

/**
 * Deletes up to `limit` sessions of one organization that started before `before`, with their
 * messages, events and ids, in the caller's transaction. The session_counts, session_metadata
 * and full-text triggers fire on these deletes; agents' counters are kept here.
 */
export async function deleteSessionsBefore(trx: Db, orgId: string, before: number, limit: number) {
  const rows = await trx
    .selectFrom('sessions')
    .select(['pk', 'id', 'agent_id', 'message_count', 'event_count'])
    .where('org_id', '=', orgId)
    .where('started_at', '<', before)
    .orderBy('started_at')
    .limit(limit)
    .execute();
  const removed: RemovedCounts = { sessions: rows.length, messages: 0, events: 0 };
  if (rows.length === 0) return removed;
  const pks = rows.map((r) => r.pk);
  await trx.deleteFrom('messages').where('session_pk', 'in', pks).execute();
  await trx.deleteFrom('session_events').where('session_pk', 'in', pks).execute();
  for (const table of ['session_tags', 'session_scores', 'session_notes'] as const)
    await trx.deleteFrom(table).where('session_pk', 'in', pks).execute();
  await trx
    .deleteFrom('session_ids')
    .where('org_id', '=', orgId)
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  await trx.deleteFrom('sessions').where('pk', 'in', pks).execute();
  const perAgent = new Map<string, number>();
  for (const r of rows) {
    perAgent.set(r.agent_id, (perAgent.get(r.agent_id) ?? 0) + 1);
    removed.messages += r.message_count;
    removed.events += r.event_count;
  }
  for (const [id, n] of [...perAgent].sort(([a], [b]) => (a < b ? -1 : 1)))
    await trx
      .updateTable('agents')
      .set((eb) => ({ session_count: eb('session_count', '-', n) }))
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  return removed;
}

export async function organizationIds(db: Db): Promise<string[]> {
  return (await db.selectFrom('organizations').select('id').orderBy('id').execute()).map((r) => r.id);
}

/**
 * dropMonth in a transaction of its own with a short lock_timeout: dropping takes the parent
 * tables' exclusive lock, and a long read must not make every request queue behind the drop.
 * PostgreSQL answers 55P03 when the timeout passes; the caller tries again.
 */
export async function dropMonthWithTimeout(db: Db, m: Month): Promise<RemovedCounts | null> {
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL lock_timeout = '2s'`.execute(trx);
    return dropMonth(trx, m);
  });
}
