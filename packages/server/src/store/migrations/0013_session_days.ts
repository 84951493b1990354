/**
 * 0013, the figures of a time range: 0012's sums per UTC day of started_at as well
 * (`session_days`, per organization, day and agent, with the sessions counted per channel,
 * status and type in columns of the row rather than in its key), and first-response
 * histograms per day (`day_first_responses`, for the time series) and per day and agent
 * (`agent_day_first_responses`, for the agent table). The time series by day, the agent table
 * and metrics over a time range (with the agent) then sum a few thousand rows where they scanned
 * every session of the range (docs/PERFORMANCE.md has the measurements).
 *
 * Why days and not hours: at the benchmark's density (1,000,000 sessions over 90 days, 50
 * agents: ~460 sessions an hour, ~9 per agent) a row per hour, agent, channel, status and type
 * holds 0.8 sessions (68,374 rows for 85,000 sessions, counted), and a histogram per hour and
 * agent one (81,822 for 82,887): no smaller than the sessions, only narrower. Per day they hold
 * 1.2× fewer histogram rows than sessions. The sums go further: the rollups answer only agent
 * and time filters (their histograms have no channel, status or type), so those are counted in
 * columns and a row is one agent's day: 1,500 rows for 30 days at any volume, where a key with
 * channel, status and type made ~22,500 at a million sessions, 85 ms of SQLite's time (measured
 * on rows of that shape). The hour interval of a time series (24 buckets by default) stays a
 * scan of one day of sessions.
 *
 * Kept like 0012's: triggers that fire only when a counted column changes, deferred to commit
 * and behind session_counts' advisory lock on PostgreSQL. A day lies inside one month, so
 * retention on PostgreSQL deletes a dropped month's days instead of subtracting them.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { bucketSql } from './0012_session_figures.js';
import { columnTypes, type MigrationDb } from './columns.js';

const DAY_MS = 86_400_000;

/** [column, expression over a sessions row r]: 0012's sums, frozen here as this migration is. */
const SUMS = [
  ['n', (_r: string) => '1'],
  ['ended', (r: string) => `CASE WHEN ${r}.duration_ms IS NULL THEN 0 ELSE 1 END`],
  ['duration_ms', (r: string) => `COALESCE(${r}.duration_ms, 0)`],
  ['turns', (r: string) => `${r}.turns`],
  ['response_ms', (r: string) => `${r}.response_ms_sum`],
  ['with_handoffs', (r: string) => `CASE WHEN ${r}.handoffs > 0 THEN 1 ELSE 0 END`],
  ['handoffs', (r: string) => `${r}.handoffs`],
  ['with_errors', (r: string) => `CASE WHEN ${r}.errors > 0 THEN 1 ELSE 0 END`],
  ['errors', (r: string) => `${r}.errors`],
  ['cost_nanos', (r: string) => `${r}.cost_nanos`],
  ['input_tokens', (r: string) => `${r}.input_tokens`],
  ['output_tokens', (r: string) => `${r}.output_tokens`],
] as const;
/** Sessions per channel, status and type, as columns (the values of 0013's day, frozen). */
const COUNTED = [
  ...(['web', 'phone', 'telegram', 'whatsapp', 'mobile_sdk', 'sip'] as const).map(
    (v) => [`channel_${v}`, (r: string) => `CASE WHEN ${r}.channel = '${v}' THEN 1 ELSE 0 END`] as const,
  ),
  ...(['active', 'completed', 'failed', 'cancelled'] as const).map(
    (v) => [`status_${v}`, (r: string) => `CASE WHEN ${r}.status = '${v}' THEN 1 ELSE 0 END`] as const,
  ),
  ...(['chat', 'voice', 'video'] as const).map(
    (v) => [`type_${v}`, (r: string) => `CASE WHEN ${r}.type = '${v}' THEN 1 ELSE 0 END`] as const,
  ),
];
/** Every column of a session_days row past its key: the sums, then the counts. */
const COLUMNS = [...SUMS, ...COUNTED];
const SUMMED = [
  'channel',
  'status',
  'type',
  'duration_ms',
  'turns',
  'response_ms_sum',
  'handoffs',
  'errors',
  'cost_nanos',
  'input_tokens',
  'output_tokens',
] as const;
/** The sessions columns a row's key is computed from (started_at never changes, but is checked). */
const KEY_SOURCE = ['org_id', 'started_at', 'agent_id'] as const;
/** The histograms move when their key or the first response changes (status is not in their key). */
const HIST_SOURCE = ['org_id', 'started_at', 'agent_id', 'first_response_ms'] as const;

const dayOf = (r: string) => `(${r}.started_at / ${DAY_MS}) * ${DAY_MS}`;
/** Each table's key: [column, expression over a sessions row r]. */
const DAY_KEY = [
  ['org_id', (r: string) => `${r}.org_id`],
  ['day', dayOf],
  ['agent_id', (r: string) => `${r}.agent_id`],
] as const;
const HISTOGRAMS = [
  ['day_first_responses', DAY_KEY.slice(0, 2)],
  ['agent_day_first_responses', DAY_KEY.slice(0, 3)],
] as const;

type Key = ReadonlyArray<readonly [string, (r: string) => string]>;
const names = (key: Key) => key.map(([c]) => c).join(', ');
const values = (key: Key, r: string) => key.map(([, e]) => e(r)).join(', ');
const match = (key: Key, r: string) => key.map(([c, e]) => `${c} = ${e(r)}`).join(' AND ');

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg, big } = columnTypes(dialect);
  // Clustered by their key on SQLite, so a range of days is one contiguous read.
  const clustered = pg ? '' : ' WITHOUT ROWID';
  await sql
    .raw(`CREATE TABLE session_days (org_id text NOT NULL, day ${big} NOT NULL, agent_id text NOT NULL,
      ${COLUMNS.map(([c]) => `${c} ${big} NOT NULL`).join(', ')},
      PRIMARY KEY (${names(DAY_KEY)}))${clustered}`)
    .execute(db);
  for (const [table, key] of HISTOGRAMS)
    await sql
      .raw(`CREATE TABLE ${table} (${key.map(([c]) => `${c} ${c === 'day' ? big : 'text'} NOT NULL`).join(', ')},
        bucket integer NOT NULL, n ${big} NOT NULL, PRIMARY KEY (${names(key)}, bucket))${clustered}`)
      .execute(db);

  await sql
    .raw(`INSERT INTO session_days (${names(DAY_KEY)}, ${COLUMNS.map(([c]) => c).join(', ')})
      SELECT ${values(DAY_KEY, 's')}, ${COLUMNS.map(([, e]) => `sum(${e('s')})`).join(', ')} FROM sessions s
      GROUP BY ${values(DAY_KEY, 's')}`)
    .execute(db);
  for (const [table, key] of HISTOGRAMS)
    await sql
      .raw(`INSERT INTO ${table} (${names(key)}, bucket, n)
        SELECT ${values(key, 's')}, ${bucketSql(pg, 's.first_response_ms')}, count(*) FROM sessions s
        WHERE s.first_response_ms IS NOT NULL GROUP BY ${values(key, 's')}, ${bucketSql(pg, 's.first_response_ms')}`)
      .execute(db);

  const [o, n] = pg ? ['OLD', 'NEW'] : ['old', 'new'];
  const sumsPlus = (r: string) =>
    `INSERT INTO session_days ${pg ? 'AS f ' : ''}(${names(DAY_KEY)}, ${COLUMNS.map(([c]) => c).join(', ')})
      VALUES (${values(DAY_KEY, r)}, ${COLUMNS.map(([, e]) => e(r)).join(', ')})
      ON CONFLICT (${names(DAY_KEY)}) DO UPDATE SET
      ${COLUMNS.map(([c]) => `${c} = ${pg ? 'f.' : ''}${c} + excluded.${c}`).join(', ')};`;
  const sumsMinus = (r: string) =>
    `UPDATE session_days SET ${COLUMNS.map(([c, e]) => `${c} = ${c} - ${e(r)}`).join(', ')} WHERE ${match(DAY_KEY, r)};`;
  // The usual update (an agent reply, a status change: same key, new sums or counts) as one
  // statement of differences.
  const sumsMove = `UPDATE session_days SET ${COLUMNS.filter(([c]) => c !== 'n')
    .map(([c, e]) => `${c} = ${c} + (${e(n)}) - (${e(o)})`)
    .join(', ')} WHERE ${match(DAY_KEY, n)};`;
  const histPlus = (table: string, key: Key, r: string) =>
    `INSERT INTO ${table} ${pg ? 'AS h ' : ''}(${names(key)}, bucket, n)
      SELECT ${values(key, r)}, ${bucketSql(pg, `${r}.first_response_ms`)}, 1
      WHERE ${r}.first_response_ms IS NOT NULL
      ON CONFLICT (${names(key)}, bucket) DO UPDATE SET n = ${pg ? 'h.' : ''}n + 1;`;
  const histMinus = (table: string, key: Key, r: string) =>
    `UPDATE ${table} SET n = n - 1 WHERE ${match(key, r)}
      AND ${r}.first_response_ms IS NOT NULL AND bucket = ${bucketSql(pg, `${r}.first_response_ms`)};`;
  const histsPlus = (r: string) => HISTOGRAMS.map(([t, k]) => histPlus(t, k, r)).join(' ');
  const histsMinus = (r: string) => HISTOGRAMS.map(([t, k]) => histMinus(t, k, r)).join(' ');
  const changed = (cols: readonly string[]) =>
    pg
      ? `(${cols.map((c) => `OLD.${c}`).join(', ')}) IS DISTINCT FROM (${cols.map((c) => `NEW.${c}`).join(', ')})`
      : cols.map((c) => `old.${c} IS NOT new.${c}`).join(' OR ');

  if (pg) {
    await sql
      .raw(`CREATE FUNCTION sb_session_days() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(7245012);
        IF TG_OP = 'UPDATE' AND NOT (${changed(KEY_SOURCE)}) THEN ${sumsMove}
        ELSE
          IF TG_OP IN ('UPDATE', 'DELETE') THEN ${sumsMinus('OLD')} END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN ${sumsPlus('NEW')} END IF;
        END IF;
        RETURN NULL;
      END
      $fn$`)
      .execute(db);
    await sql
      .raw(`CREATE FUNCTION sb_day_first_responses() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(7245012);
        IF TG_OP IN ('UPDATE', 'DELETE') THEN ${histsMinus('OLD')} END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN ${histsPlus('NEW')} END IF;
        RETURN NULL;
      END
      $fn$`)
      .execute(db);
    const deferred = 'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW';
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_days_insert AFTER INSERT ON sessions ${deferred}
        EXECUTE FUNCTION sb_session_days()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_days_update AFTER UPDATE OF ${[...KEY_SOURCE, ...SUMMED].join(', ')}
        ON sessions ${deferred} WHEN (${changed(KEY_SOURCE)} OR ${changed(SUMMED)})
        EXECUTE FUNCTION sb_session_days()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_days_delete AFTER DELETE ON sessions ${deferred}
        EXECUTE FUNCTION sb_session_days()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER day_first_responses_insert AFTER INSERT ON sessions ${deferred}
        WHEN (NEW.first_response_ms IS NOT NULL) EXECUTE FUNCTION sb_day_first_responses()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER day_first_responses_update AFTER UPDATE OF ${HIST_SOURCE.join(', ')}
        ON sessions ${deferred} WHEN (${changed(HIST_SOURCE)}) EXECUTE FUNCTION sb_day_first_responses()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER day_first_responses_delete AFTER DELETE ON sessions ${deferred}
        WHEN (OLD.first_response_ms IS NOT NULL) EXECUTE FUNCTION sb_day_first_responses()`)
      .execute(db);
  } else {
    await sql
      .raw(`CREATE TRIGGER session_days_insert AFTER INSERT ON sessions BEGIN ${sumsPlus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_days_update AFTER UPDATE OF ${SUMMED.join(', ')} ON sessions
        WHEN NOT (${changed(KEY_SOURCE)}) AND (${changed(SUMMED)}) BEGIN ${sumsMove} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_days_move AFTER UPDATE OF ${KEY_SOURCE.join(', ')} ON sessions
        WHEN ${changed(KEY_SOURCE)} BEGIN ${sumsMinus('old')} ${sumsPlus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_days_delete AFTER DELETE ON sessions BEGIN ${sumsMinus('old')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER day_first_responses_insert AFTER INSERT ON sessions
        WHEN new.first_response_ms IS NOT NULL BEGIN ${histsPlus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER day_first_responses_update AFTER UPDATE OF ${HIST_SOURCE.join(', ')} ON sessions
        WHEN ${changed(HIST_SOURCE)} BEGIN ${histsMinus('old')} ${histsPlus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER day_first_responses_delete AFTER DELETE ON sessions
        WHEN old.first_response_ms IS NOT NULL BEGIN ${histsMinus('old')} END`)
      .execute(db);
  }
  for (const table of ['session_days', ...HISTOGRAMS.map(([t]) => t)]) await sql.raw(`ANALYZE ${table}`).execute(db);
}
