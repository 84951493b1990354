/**
 * 0012, the figures of unfiltered metrics and of the agent table: sums of the sessions' figures
 * (0011) per organization, agent, channel, status and type, and histograms of first-response
 * times per response bucket (one by channel, status and type, one by agent), kept exact by
 * triggers as session_counts is (0004). Metrics over every session (or only channel/status/type
 * filters) and the agent table without filters then read a few thousand counter rows instead of
 * scanning a million sessions (budget 10 ms, docs/PERFORMANCE.md).
 *
 * Every message append updates its session's row, so the triggers fire only when a column they
 * count changes (`UPDATE OF … WHEN …`): a user message changes none of the sums, an agent reply
 * changes turns and the response sum, and the histogram moves only when the first response is
 * set (or changed by a late message) and when the key changes (status).
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { columnTypes, type MigrationDb } from './columns.js';

/** The summed columns: [column of session_figures, expression over a sessions row r]. */
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

/** The sessions columns the sums read: an update that changes none of them changes no sum. */
const SUMMED = [
  'duration_ms',
  'turns',
  'response_ms_sum',
  'handoffs',
  'errors',
  'cost_nanos',
  'input_tokens',
  'output_tokens',
] as const;
/** session_figures' key; the agent is in it so that the agent table's unfiltered rows need no scan either. */
const KEY = ['org_id', 'agent_id', 'channel', 'status', 'type'] as const;
/** The histograms' keys: one for metrics (by channel, status, type), one for the agent table. */
const HIST_KEY = ['org_id', 'channel', 'status', 'type'] as const;
const AGENT_HIST_KEY = ['org_id', 'agent_id'] as const;

/**
 * lib/stats.ts `responseBucket` in SQL (frozen here as this migration is; store/sessions/figures.ts
 * has the read side's copy, and a test holds both equal to the JavaScript one): exact below 64 ms,
 * then buckets of ratio 1.02. ln(1.02) is written out as JavaScript's Math.log(1.02), so both
 * divide by the same double.
 */
export const bucketSql = (pg: boolean, x: string) =>
  pg
    ? `(CASE WHEN ${x} IS NULL THEN NULL WHEN ${x} < 64 THEN ${x} ELSE 64 + greatest(0, ceil(ln(${x}::float8 / 64.0) / 0.01980262729617973 - 1e-9))::bigint END)`
    : `(CASE WHEN ${x} < 64 THEN ${x} ELSE 64 + CAST(max(0, ceil(ln(${x} / 64.0) / 0.01980262729617973 - 1e-9)) AS INTEGER) END)`;

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg, big } = columnTypes(dialect);
  await sql
    .raw(`CREATE TABLE session_figures (org_id text NOT NULL, agent_id text NOT NULL, channel text NOT NULL,
      status text NOT NULL, type text NOT NULL, ${SUMS.map(([c]) => `${c} ${big} NOT NULL`).join(', ')},
      PRIMARY KEY (${KEY.join(', ')}))`)
    .execute(db);
  await sql
    .raw(`CREATE TABLE session_first_responses (org_id text NOT NULL, channel text NOT NULL, status text NOT NULL,
      type text NOT NULL, bucket integer NOT NULL, n ${big} NOT NULL, PRIMARY KEY (${HIST_KEY.join(', ')}, bucket))`)
    .execute(db);
  await sql
    .raw(`CREATE TABLE agent_first_responses (org_id text NOT NULL, agent_id text NOT NULL, bucket integer NOT NULL,
      n ${big} NOT NULL, PRIMARY KEY (${AGENT_HIST_KEY.join(', ')}, bucket))`)
    .execute(db);
  await sql
    .raw(`INSERT INTO session_figures (${KEY.join(', ')}, ${SUMS.map(([c]) => c).join(', ')})
      SELECT ${KEY.join(', ')}, ${SUMS.map(([, e]) => `sum(${e('s')})`).join(', ')} FROM sessions s
      GROUP BY ${KEY.join(', ')}`)
    .execute(db);
  for (const [table, key] of [
    ['session_first_responses', HIST_KEY],
    ['agent_first_responses', AGENT_HIST_KEY],
  ] as const)
    await sql
      .raw(`INSERT INTO ${table} (${key.join(', ')}, bucket, n)
        SELECT ${key.join(', ')}, ${bucketSql(pg, 's.first_response_ms')}, count(*) FROM sessions s
        WHERE s.first_response_ms IS NOT NULL GROUP BY ${key.join(', ')}, ${bucketSql(pg, 's.first_response_ms')}`)
      .execute(db);

  const keyOf = (key: readonly string[], r: string) => key.map((k) => `${k} = ${r}.${k}`).join(' AND ');
  const sumsPlus = (r: string) =>
    `INSERT INTO session_figures ${pg ? 'AS f ' : ''}(${KEY.join(', ')}, ${SUMS.map(([c]) => c).join(', ')})
      VALUES (${KEY.map((k) => `${r}.${k}`).join(', ')}, ${SUMS.map(([, e]) => e(r)).join(', ')})
      ON CONFLICT (${KEY.join(', ')}) DO UPDATE SET
      ${SUMS.map(([c]) => `${c} = ${pg ? 'f.' : ''}${c} + excluded.${c}`).join(', ')};`;
  const sumsMinus = (r: string) =>
    `UPDATE session_figures SET ${SUMS.map(([c, e]) => `${c} = ${c} - ${e(r)}`).join(', ')} WHERE ${keyOf(KEY, r)};`;
  // The usual update (an agent reply: same key, new sums) as one statement of differences.
  const [o, n] = pg ? ['OLD', 'NEW'] : ['old', 'new'];
  const sumsMove = `UPDATE session_figures SET ${SUMS.filter(([c]) => c !== 'n')
    .map(([c, e]) => `${c} = ${c} + (${e(n)}) - (${e(o)})`)
    .join(', ')} WHERE ${keyOf(KEY, n)};`;
  const histPlus = (table: string, key: readonly string[], r: string) =>
    `INSERT INTO ${table} ${pg ? 'AS h ' : ''}(${key.join(', ')}, bucket, n)
      SELECT ${key.map((k) => `${r}.${k}`).join(', ')}, ${bucketSql(pg, `${r}.first_response_ms`)}, 1
      WHERE ${r}.first_response_ms IS NOT NULL
      ON CONFLICT (${key.join(', ')}, bucket) DO UPDATE SET n = ${pg ? 'h.' : ''}n + 1;`;
  const histMinus = (table: string, key: readonly string[], r: string) =>
    `UPDATE ${table} SET n = n - 1 WHERE ${keyOf(key, r)}
      AND ${r}.first_response_ms IS NOT NULL AND bucket = ${bucketSql(pg, `${r}.first_response_ms`)};`;
  const histsPlus = (r: string) =>
    `${histPlus('session_first_responses', HIST_KEY, r)} ${histPlus('agent_first_responses', AGENT_HIST_KEY, r)}`;
  const histsMinus = (r: string) =>
    `${histMinus('session_first_responses', HIST_KEY, r)} ${histMinus('agent_first_responses', AGENT_HIST_KEY, r)}`;
  const changed = (cols: readonly string[]) =>
    pg
      ? `(${cols.map((c) => `OLD.${c}`).join(', ')}) IS DISTINCT FROM (${cols.map((c) => `NEW.${c}`).join(', ')})`
      : cols.map((c) => `old.${c} IS NOT new.${c}`).join(' OR ');

  if (pg) {
    // Deferred to commit and behind session_counts' advisory lock, for the reasons given in
    // 0004: no deadlocks between batches, counter rows locked only while committing.
    await sql
      .raw(`CREATE FUNCTION sb_session_figures() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(7245012);
        IF TG_OP = 'UPDATE' AND NOT (${changed(KEY)}) THEN ${sumsMove}
        ELSE
          IF TG_OP IN ('UPDATE', 'DELETE') THEN ${sumsMinus('OLD')} END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN ${sumsPlus('NEW')} END IF;
        END IF;
        RETURN NULL;
      END
      $fn$`)
      .execute(db);
    await sql
      .raw(`CREATE FUNCTION sb_session_first_responses() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
      .raw(`CREATE CONSTRAINT TRIGGER session_figures_insert AFTER INSERT ON sessions ${deferred}
        EXECUTE FUNCTION sb_session_figures()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_figures_update AFTER UPDATE OF ${[...KEY, ...SUMMED].join(', ')}
        ON sessions ${deferred} WHEN (${changed(KEY)} OR ${changed(SUMMED)})
        EXECUTE FUNCTION sb_session_figures()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_figures_delete AFTER DELETE ON sessions ${deferred}
        EXECUTE FUNCTION sb_session_figures()`)
      .execute(db);
    // Sessions are created without a response: the histograms' insert trigger fires only for
    // a session stored with one (the demo generator).
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_first_responses_insert AFTER INSERT ON sessions ${deferred}
        WHEN (NEW.first_response_ms IS NOT NULL) EXECUTE FUNCTION sb_session_first_responses()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_first_responses_update AFTER UPDATE OF ${[...KEY, 'first_response_ms'].join(', ')}
        ON sessions ${deferred} WHEN (${changed([...KEY, 'first_response_ms'])})
        EXECUTE FUNCTION sb_session_first_responses()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_first_responses_delete AFTER DELETE ON sessions ${deferred}
        WHEN (OLD.first_response_ms IS NOT NULL) EXECUTE FUNCTION sb_session_first_responses()`)
      .execute(db);
  } else {
    await sql
      .raw(`CREATE TRIGGER session_figures_insert AFTER INSERT ON sessions BEGIN ${sumsPlus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_figures_update AFTER UPDATE OF ${SUMMED.join(', ')} ON sessions
        WHEN NOT (${changed(KEY)}) AND (${changed(SUMMED)}) BEGIN ${sumsMove} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_figures_move AFTER UPDATE OF ${KEY.join(', ')} ON sessions
        WHEN ${changed(KEY)} BEGIN ${sumsMinus('old')} ${sumsPlus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_figures_delete AFTER DELETE ON sessions BEGIN ${sumsMinus('old')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_first_responses_insert AFTER INSERT ON sessions
        WHEN new.first_response_ms IS NOT NULL BEGIN ${histsPlus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_first_responses_update AFTER UPDATE OF ${[...KEY, 'first_response_ms'].join(', ')}
        ON sessions WHEN ${changed([...KEY, 'first_response_ms'])} BEGIN ${histsMinus('old')} ${histsPlus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_first_responses_delete AFTER DELETE ON sessions
        WHEN old.first_response_ms IS NOT NULL BEGIN ${histsMinus('old')} END`)
      .execute(db);
  }
}
