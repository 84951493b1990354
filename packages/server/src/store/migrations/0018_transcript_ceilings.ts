/**
 * 0018, a ceiling on each session's transcript and reads of it a page at a time (docs/SECURITY.md,
 * "One large session stalls everyone"):
 *
 * - `transcript_bytes`: the bytes of the session's messages (content, metadata, usage as stored)
 *   and events (data as stored), kept exact at ingest in the same transaction as the counters, so
 *   the byte ceiling is a comparison, never a scan. Here it is summed for the sessions stored
 *   before, with octet_length over the stored text (the same measure ingest takes, lib/transcript.ts).
 * - `messages_disordered`: 1 once a message arrived whose timestamp is before that of a message
 *   with a lower seq (a late delivery). While 0, seq order is conversation order, so a page of
 *   messages derives its agents' latencies from the latest user message before it by seq (one
 *   index step back) instead of folding the whole conversation.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { columnTypes, type MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg, big } = columnTypes(dialect);
  await sql.raw(`ALTER TABLE sessions ADD COLUMN transcript_bytes ${big} NOT NULL DEFAULT 0`).execute(db);
  await sql.raw('ALTER TABLE sessions ADD COLUMN messages_disordered integer NOT NULL DEFAULT 0').execute(db);
  const text = (c: string) => (pg ? `${c}::text` : c);
  const ofSession = (t: string) => `${t}.session_pk = sessions.pk AND ${t}.session_started_at = sessions.started_at`;
  await sql
    .raw(`UPDATE sessions SET transcript_bytes =
      COALESCE((SELECT sum(octet_length(m.content) + octet_length(${text('m.metadata')})
        + COALESCE(octet_length(${text('m.usage')}), 0)) FROM messages m WHERE ${ofSession('m')}), 0)
      + COALESCE((SELECT sum(octet_length(${text('e.data')})) FROM session_events e WHERE ${ofSession('e')}), 0)
      WHERE message_count > 0 OR event_count > 0`)
    .execute(db);
  await sql
    .raw(`UPDATE sessions SET messages_disordered = 1 WHERE message_count > 1 AND EXISTS (
      SELECT 1 FROM (SELECT m.timestamp, max(m.timestamp) OVER (ORDER BY m.seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
        FROM messages m WHERE ${ofSession('m')}) x WHERE x.timestamp < x.before)`)
    .execute(db);
}
