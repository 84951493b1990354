/** The transcript's full-text index keyed by session instead of by message. */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { createMonthIn, listMonths } from '../partitions.js';
import { columnTypes, type MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg } = columnTypes(dialect);
  await (pg ? transcriptDocsPostgres(db) : transcriptIndexSqlite(db));
}

/**
 * 0009, `transcript` on PostgreSQL. The GIN index of each message's tsvector found the matching
 * messages at once, but each had to be read from the messages heap (wide rows: content,
 * metadata, the tsvector) for its session: 60,000 heap pages for a word in 81,000 of 5.4 million
 * messages. Here the words go into one document per session and insert statement — what one
 * request appends to one session, written by a statement-level trigger from the statement's
 * transition table — carrying the organization and the session's key. A word in 81,000 messages
 * is then in ~63,000 documents of ~1 million narrow rows. Every word of a session is in some
 * document of that session, so "all words occur in the session" is one lookup per word, as
 * before. Partitioned by month like messages (partitions.ts creates and drops it with them);
 * deleting a session's messages deletes its documents.
 */
async function transcriptDocsPostgres(db: MigrationDb) {
  await sql`CREATE TABLE transcript_docs (org_id text NOT NULL, session_pk bigint NOT NULL,
    session_started_at bigint NOT NULL, tsv tsvector NOT NULL) PARTITION BY RANGE (session_started_at)`.execute(db);
  // The new partitioned table gets a partition for every month sessions have one for.
  for (const m of await listMonths(db)) await createMonthIn(db, m);
  await sql`INSERT INTO transcript_docs (org_id, session_pk, session_started_at, tsv)
    SELECT s.org_id, m.session_pk, m.session_started_at, to_tsvector('simple', string_agg(m.content, ' ' ORDER BY m.seq))
    FROM messages m JOIN sessions s ON s.pk = m.session_pk AND s.started_at = m.session_started_at
    GROUP BY s.org_id, m.session_pk, m.session_started_at`.execute(db);
  await sql`CREATE INDEX transcript_docs_tsv ON transcript_docs USING gin (tsv)`.execute(db);
  await sql`CREATE INDEX transcript_docs_session ON transcript_docs (session_pk, session_started_at)`.execute(db);
  await sql`CREATE FUNCTION sb_transcript_docs_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    INSERT INTO transcript_docs (org_id, session_pk, session_started_at, tsv)
      SELECT s.org_id, n.session_pk, n.session_started_at, n.tsv
      FROM (SELECT session_pk, session_started_at, to_tsvector('simple', string_agg(content, ' ' ORDER BY seq)) AS tsv
        FROM new_messages GROUP BY session_pk, session_started_at) n
      JOIN sessions s ON s.pk = n.session_pk AND s.started_at = n.session_started_at;
    RETURN NULL; END $$`.execute(db);
  await sql`CREATE TRIGGER transcript_docs_insert AFTER INSERT ON messages REFERENCING NEW TABLE AS new_messages
    FOR EACH STATEMENT EXECUTE FUNCTION sb_transcript_docs_insert()`.execute(db);
  // Messages are deleted only with their session (retention), so a session losing messages loses its documents.
  await sql`CREATE FUNCTION sb_transcript_docs_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    DELETE FROM transcript_docs d USING (SELECT DISTINCT session_pk, session_started_at FROM old_messages) o
      WHERE d.session_pk = o.session_pk AND d.session_started_at = o.session_started_at;
    RETURN NULL; END $$`.execute(db);
  await sql`CREATE TRIGGER transcript_docs_delete AFTER DELETE ON messages REFERENCING OLD TABLE AS old_messages
    FOR EACH STATEMENT EXECUTE FUNCTION sb_transcript_docs_delete()`.execute(db);
  // The per-message tsvector and its index go (a dropped column is not rewritten).
  await sql`ALTER TABLE messages DROP COLUMN tsv`.execute(db);
  await sql`ANALYZE transcript_docs`.execute(db);
}

/**
 * 0009, `transcript` on SQLite (budget: 100 ms at a million sessions, docs/PERFORMANCE.md). The FTS5 index of
 * messages was keyed by the message's pk, so every matching message had to be looked up in
 * `messages` for its session: a word in 80,000 of 5.4 million messages cost 600 ms, nearly all of
 * it in those lookups (the index itself counts them in 2 ms). The rowid of this index is the
 * session's pk and the message's seq, `session_pk << 32 | seq`, so `rowid >> 32` is the session
 * with no lookup, and the keys come out in session order. Contentless (the text is in
 * `messages`) with `contentless_delete`, so a message's entry goes when the message does.
 * The SQLite store's bounds this sets — 2^31 sessions, 2^32 messages in one session — are far
 * past what one SQLite file holds; a write beyond them is refused, never indexed wrongly.
 */
async function transcriptIndexSqlite(db: MigrationDb) {
  await sql`DROP TRIGGER messages_fts_insert`.execute(db);
  await sql`DROP TRIGGER messages_fts_delete`.execute(db);
  await sql`DROP TABLE messages_fts`.execute(db);
  await sql`CREATE VIRTUAL TABLE transcript_fts USING fts5(content, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 2')`.execute(db);
  await sql`INSERT INTO transcript_fts(rowid, content) SELECT (session_pk << 32) | seq, content FROM messages`.execute(
    db,
  );
  await sql`CREATE TRIGGER transcript_fts_insert AFTER INSERT ON messages BEGIN
    SELECT RAISE(ABORT, 'transcript index: session pk or message seq out of range')
      WHERE new.session_pk >= 2147483648 OR new.seq >= 4294967296 OR new.seq < 0;
    INSERT INTO transcript_fts(rowid, content) VALUES ((new.session_pk << 32) | new.seq, new.content); END`.execute(db);
  await sql`CREATE TRIGGER transcript_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM transcript_fts WHERE rowid = (old.session_pk << 32) | old.seq; END`.execute(db);
  await sql`INSERT INTO transcript_fts(transcript_fts) VALUES ('optimize')`.execute(db);
}
