/**
 * 0015, metrics of one metadata value (`metadata.plan=pro`) without a scan: 0012's sums per
 * organization, metadata key and value (`session_metadata_figures`) and a first-response
 * histogram per key and value (`metadata_first_responses`). Before 0012 these metrics were
 * counts only, answered by session_metadata_counts (0007) in 0.7 ms at a million sessions; with
 * the figures they scanned a third of the sessions (645 ms at 100,000). The counts by channel,
 * status and type still come from session_metadata_counts.
 *
 * Kept by triggers on sessions, one row per key of the session's metadata (the value as 0007
 * stores it): on a change of the summed columns or the first response (a user message changes
 * neither), on a change of metadata, and on delete. The count of sessions is not kept here:
 * session_metadata_counts has it. So a session created without figures (every live one) writes
 * nothing at all — the first version also upserted ten zero rows per created session, and took
 * 47 % off the benchmark's whole-short-sessions ingest (7,851 → 4,139 items/s, SQLite) — and an
 * agent's reply that changes the sums is about ten upserts of differences; the ingest path
 * folds a batch's messages into one update per session.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { bucketSql } from './0012_session_figures.js';
import { columnTypes, type MigrationDb } from './columns.js';

/** 0012's sums but the count of sessions (session_metadata_counts has it), frozen here as this migration is. */
const SUMS = [
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

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg, big } = columnTypes(dialect);
  const clustered = pg ? '' : ' WITHOUT ROWID';
  // The value's text exactly as 0007 stores it in session_metadata (frozen copy).
  const text = pg
    ? (j: string) => `CASE json_typeof(${j}.value) WHEN 'string' THEN ${j}.value #>> '{}' ELSE ${j}.value::text END`
    : (j: string) => `CASE ${j}.type WHEN 'text' THEN ${j}.value WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
        WHEN 'null' THEN 'null' ELSE CAST(${j}.value AS TEXT) END`;
  await sql
    .raw(`CREATE TABLE session_metadata_figures (org_id text NOT NULL, key text NOT NULL, value text NOT NULL,
      ${SUMS.map(([c]) => `${c} ${big} NOT NULL`).join(', ')}, PRIMARY KEY (org_id, key, value))${clustered}`)
    .execute(db);
  await sql
    .raw(`CREATE TABLE metadata_first_responses (org_id text NOT NULL, key text NOT NULL, value text NOT NULL,
      bucket integer NOT NULL, n ${big} NOT NULL, PRIMARY KEY (org_id, key, value, bucket))${clustered}`)
    .execute(db);
  await sql
    .raw(`INSERT INTO session_metadata_figures (org_id, key, value, ${SUMS.map(([c]) => c).join(', ')})
      SELECT s.org_id, j.key, ${text('j')}, ${SUMS.map(([, e]) => `sum(${e('s')})`).join(', ')}
      FROM sessions s, json_each(s.metadata) j GROUP BY s.org_id, j.key, ${text('j')}`)
    .execute(db);
  await sql
    .raw(`INSERT INTO metadata_first_responses (org_id, key, value, bucket, n)
      SELECT s.org_id, j.key, ${text('j')}, ${bucketSql(pg, 's.first_response_ms')}, count(*)
      FROM sessions s, json_each(s.metadata) j WHERE s.first_response_ms IS NOT NULL
      GROUP BY s.org_id, j.key, ${text('j')}, ${bucketSql(pg, 's.first_response_ms')}`)
    .execute(db);

  const [o, n] = pg ? ['OLD', 'NEW'] : ['old', 'new'];
  const keysOf = (r: string) => `(SELECT j.key, ${text('j')} FROM json_each(${r}.metadata) j)`;
  const sumsPlus = (r: string) =>
    `INSERT INTO session_metadata_figures ${pg ? 'AS f ' : ''}(org_id, key, value, ${SUMS.map(([c]) => c).join(', ')})
      SELECT ${r}.org_id, j.key, ${text('j')}, ${SUMS.map(([, e]) => e(r)).join(', ')} FROM json_each(${r}.metadata) j
      WHERE true ON CONFLICT (org_id, key, value) DO UPDATE SET
      ${SUMS.map(([c]) => `${c} = ${pg ? 'f.' : ''}${c} + excluded.${c}`).join(', ')};`;
  const sumsMinus = (r: string) =>
    `UPDATE session_metadata_figures SET ${SUMS.map(([c, e]) => `${c} = ${c} - ${e(r)}`).join(', ')}
      WHERE org_id = ${r}.org_id AND (key, value) IN ${keysOf(r)};`;
  // The usual update (an agent reply): the differences, into rows that may not exist yet (a
  // session is created without figures, so nothing was written for it then).
  const sumsMove = `INSERT INTO session_metadata_figures ${pg ? 'AS f ' : ''}(org_id, key, value, ${SUMS.map(([c]) => c).join(', ')})
      SELECT ${n}.org_id, j.key, ${text('j')}, ${SUMS.map(([, e]) => `(${e(n)}) - (${e(o)})`).join(', ')}
      FROM json_each(${n}.metadata) j WHERE true ON CONFLICT (org_id, key, value) DO UPDATE SET
      ${SUMS.map(([c]) => `${c} = ${pg ? 'f.' : ''}${c} + excluded.${c}`).join(', ')};`;
  /** True when a session has a figure to add: a live session is created with none. */
  const anyFigure = (r: string) =>
    `(${r}.duration_ms IS NOT NULL OR ${SUMMED.filter((c) => c !== 'duration_ms')
      .map((c) => `${r}.${c} <> 0`)
      .join(' OR ')})`;
  const histPlus = (r: string) =>
    `INSERT INTO metadata_first_responses ${pg ? 'AS h ' : ''}(org_id, key, value, bucket, n)
      SELECT ${r}.org_id, j.key, ${text('j')}, ${bucketSql(pg, `${r}.first_response_ms`)}, 1 FROM json_each(${r}.metadata) j
      WHERE ${r}.first_response_ms IS NOT NULL
      ON CONFLICT (org_id, key, value, bucket) DO UPDATE SET n = ${pg ? 'h.' : ''}n + 1;`;
  const histMinus = (r: string) =>
    `UPDATE metadata_first_responses SET n = n - 1 WHERE org_id = ${r}.org_id AND (key, value) IN ${keysOf(r)}
      AND ${r}.first_response_ms IS NOT NULL AND bucket = ${bucketSql(pg, `${r}.first_response_ms`)};`;
  const changed = (cols: readonly string[]) =>
    pg
      ? `(${cols.map((c) => `OLD.${c}`).join(', ')}) IS DISTINCT FROM (${cols.map((c) => `NEW.${c}`).join(', ')})`
      : cols.map((c) => `old.${c} IS NOT new.${c}`).join(' OR ');
  // json is compared as text on PostgreSQL (json has no equality operator), as 0007 does.
  const metadataChanged = pg
    ? 'OLD.metadata::text IS DISTINCT FROM NEW.metadata::text'
    : 'old.metadata IS NOT new.metadata';
  const keyChanged = `${metadataChanged} OR ${changed(['org_id'])}`;

  if (pg) {
    await sql
      .raw(`CREATE FUNCTION sb_session_metadata_figures() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(7245012);
        IF TG_OP = 'UPDATE' AND NOT (${keyChanged}) THEN
          IF ${changed(SUMMED)} THEN ${sumsMove} END IF;
          IF ${changed(['first_response_ms'])} THEN ${histMinus('OLD')} ${histPlus('NEW')} END IF;
        ELSE
          IF TG_OP IN ('UPDATE', 'DELETE') THEN ${sumsMinus('OLD')} ${histMinus('OLD')} END IF;
          IF TG_OP = 'UPDATE' OR ${anyFigure('NEW')} THEN ${sumsPlus('NEW')} END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN ${histPlus('NEW')} END IF;
        END IF;
        RETURN NULL;
      END
      $fn$`)
      .execute(db);
    const deferred = 'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW';
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_metadata_figures_insert AFTER INSERT ON sessions ${deferred}
        WHEN (${anyFigure('NEW')} OR NEW.first_response_ms IS NOT NULL) EXECUTE FUNCTION sb_session_metadata_figures()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_metadata_figures_update
        AFTER UPDATE OF org_id, metadata, first_response_ms, ${SUMMED.join(', ')} ON sessions ${deferred}
        WHEN (${keyChanged} OR ${changed(['first_response_ms', ...SUMMED])})
        EXECUTE FUNCTION sb_session_metadata_figures()`)
      .execute(db);
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER session_metadata_figures_delete AFTER DELETE ON sessions ${deferred}
        EXECUTE FUNCTION sb_session_metadata_figures()`)
      .execute(db);
  } else {
    await sql
      .raw(`CREATE TRIGGER session_metadata_figures_insert AFTER INSERT ON sessions
        WHEN ${anyFigure('new')} BEGIN ${sumsPlus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER metadata_first_responses_insert AFTER INSERT ON sessions
        WHEN new.first_response_ms IS NOT NULL BEGIN ${histPlus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_figures_update AFTER UPDATE OF ${SUMMED.join(', ')} ON sessions
        WHEN NOT (${keyChanged}) AND (${changed(SUMMED)}) BEGIN ${sumsMove} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER metadata_first_responses_update AFTER UPDATE OF first_response_ms ON sessions
        WHEN NOT (${keyChanged}) AND (${changed(['first_response_ms'])}) BEGIN ${histMinus('old')} ${histPlus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_figures_move AFTER UPDATE OF org_id, metadata ON sessions
        WHEN ${keyChanged} BEGIN ${sumsMinus('old')} ${histMinus('old')} ${sumsPlus('new')} ${histPlus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_figures_delete AFTER DELETE ON sessions
        BEGIN ${sumsMinus('old')} ${histMinus('old')} END`)
      .execute(db);
  }
  await sql`ANALYZE session_metadata_figures`.execute(db);
  await sql`ANALYZE metadata_first_responses`.execute(db);
}
