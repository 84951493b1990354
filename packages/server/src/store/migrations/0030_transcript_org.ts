/**
 * 0030, PostgreSQL: the transcript index (0009) takes each document's organization from the
 * messages, which carry it since 0027, instead of from their session's row. The statement trigger
 * read the sessions table for it, so a batch had to insert each session it creates before that
 * session's messages; now it inserts them once, in their final state, just before it commits, as
 * on SQLite (services/ingest.ts, SessionState; docs/PERFORMANCE.md). On Citus the documents are
 * already written by a row trigger from the message alone (0027): nothing to do there.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import type { MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  if (dialect !== 'postgres') return;
  const citus = await sql`SELECT 1 FROM pg_extension WHERE extname = 'citus'`.execute(db);
  if (citus.rows.length) return;
  await sql`CREATE OR REPLACE FUNCTION sb_transcript_docs_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    INSERT INTO transcript_docs (org_id, session_pk, session_started_at, tsv)
      SELECT org_id, session_pk, session_started_at, to_tsvector('simple', string_agg(content, ' ' ORDER BY seq))
      FROM new_messages GROUP BY org_id, session_pk, session_started_at;
    RETURN NULL; END $$`.execute(db);
}
