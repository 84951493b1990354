/** A session's transcript: its messages and events, read and written by session key. */
import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db.js';
import { insertRows } from '../insert-rows.js';
import type { Database, EventRow, MessageRow } from '../schema.js';
import type { SessionKey } from './write.js';

type Db = Kysely<Database>;

export async function existingMessageIds(db: Db, session: SessionKey, ids: string[]) {
  if (ids.length === 0) return new Map<string, MessageRow>();
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('session_pk', '=', session.pk)
    .where('session_started_at', '=', session.started_at)
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

export async function existingEventIds(db: Db, session: SessionKey, ids: string[]) {
  if (ids.length === 0) return new Map<string, EventRow>();
  const rows = await db
    .selectFrom('session_events')
    .selectAll()
    .where('session_pk', '=', session.pk)
    .where('session_started_at', '=', session.started_at)
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * The stored messages or events of many sessions whose ids are among `ids`: one statement per
 * 500 ids, grouped by session pk (a session's own ids are then picked from its group).
 */
export async function existingIdsOfSessions(
  db: Db,
  table: 'messages' | 'session_events',
  sessions: SessionKey[],
  ids: string[],
): Promise<Map<number, Array<MessageRow | EventRow>>> {
  const out = new Map<number, Array<MessageRow | EventRow>>();
  if (sessions.length === 0 || ids.length === 0) return out;
  const times = sessions.map((s) => s.started_at);
  const pks = sessions.map((s) => s.pk);
  for (let i = 0; i < ids.length; i += 500) {
    const rows = (await db
      .selectFrom(table)
      .selectAll()
      .where('session_pk', 'in', pks)
      .where('session_started_at', '>=', Math.min(...times))
      .where('session_started_at', '<=', Math.max(...times))
      .where('id', 'in', ids.slice(i, i + 500))
      .execute()) as Array<MessageRow | EventRow>;
    for (const r of rows) {
      const list = out.get(r.session_pk);
      if (list) list.push(r);
      else out.set(r.session_pk, [r]);
    }
  }
  return out;
}

/** What the figures need of every stored message of a session (a late message makes them fold it all again). */
export async function conversationOf(db: Db, session: SessionKey) {
  return db
    .selectFrom('messages')
    .select(['sender', 'timestamp', 'seq', 'latency_ms'])
    .where('session_pk', '=', session.pk)
    .where('session_started_at', '=', session.started_at)
    .execute();
}

type NewMessage = Omit<MessageRow, 'pk' | 'metadata' | 'usage'> & { metadata: string; usage: string | null };
type NewEvent = Omit<EventRow, 'pk' | 'data'> & { data: string };

/** Multi-row inserts, in chunks that stay under SQLite's bound-parameter limit. */
export async function insertMessages(db: Db, rows: NewMessage[]) {
  await insertRows(db, 'messages', rows, 1000);
}

export async function insertEvents(db: Db, rows: NewEvent[]) {
  await insertRows(db, 'session_events', rows, 1000);
}

export const sessionMessages = (db: Db, session: SessionKey) => messagesOfSessions(db, [session]);
export const sessionEvents = (db: Db, session: SessionKey) => eventsOfSessions(db, [session]);

export const messagesOfSessions = (db: Db, sessions: SessionKey[]) =>
  transcriptRows(db, 'messages', sessions) as Promise<MessageRow[]>;
export const eventsOfSessions = (db: Db, sessions: SessionKey[]) =>
  transcriptRows(db, 'session_events', sessions) as Promise<EventRow[]>;

/**
 * Messages or events of these sessions, by session then seq. The span of the sessions' start
 * times limits the read to their months on PostgreSQL (one month for one session).
 */
async function transcriptRows(db: Db, table: 'messages' | 'session_events', sessions: SessionKey[]) {
  if (sessions.length === 0) return [];
  const times = sessions.map((s) => s.started_at);
  return db
    .selectFrom(table)
    .selectAll()
    .where(
      'session_pk',
      'in',
      sessions.map((s) => s.pk),
    )
    .where('session_started_at', '>=', Math.min(...times))
    .where('session_started_at', '<=', Math.max(...times))
    .orderBy('session_pk')
    .orderBy('seq')
    .execute();
}

/**
 * The bytes of an item as lib/transcript.ts counts them, in SQL. octet_length reads a value's
 * length from the row's header (SQLite) or its TOAST pointer (PostgreSQL), not the value itself:
 * sizing a page costs about what reading its keys costs.
 */
function bytesSql(dialect: DialectName, table: TranscriptTable) {
  const text = (c: string) => sql.raw(dialect === 'postgres' ? `${c}::text` : c);
  return table === 'messages'
    ? sql<number>`octet_length(content) + octet_length(${text('metadata')}) + COALESCE(octet_length(${text('usage')}), 0)`
    : sql<number>`octet_length(${text('data')})`;
}

export type TranscriptTable = 'messages' | 'session_events';

/**
 * One page of a session's messages or events after `afterSeq`: at most `limit` items and, past
 * the first, at most `budget` bytes. The sizes are read first (keys and lengths only), then the
 * rows that fit, so a page of 30 KB messages never reads the ones it would not return.
 */
export async function transcriptPage<T extends TranscriptTable>(
  db: Db,
  dialect: DialectName,
  table: T,
  session: SessionKey,
  afterSeq: number,
  limit: number,
  budget: number,
): Promise<{ rows: Array<T extends 'messages' ? MessageRow : EventRow>; hasMore: boolean }> {
  // The columns read here are common to both tables: typed as one of them.
  const from = table as 'messages';
  const sizes = await db
    .selectFrom(from)
    .select(['seq', bytesSql(dialect, table).as('bytes')])
    .where('session_pk', '=', session.pk)
    .where('session_started_at', '=', session.started_at)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  let n = 0;
  let total = 0;
  for (const s of sizes) {
    const bytes = Number(s.bytes);
    if (n === limit || (n > 0 && total + bytes > budget)) break;
    total += bytes;
    n++;
  }
  if (n === 0) return { rows: [], hasMore: false };
  const rows = await db
    .selectFrom(from)
    .selectAll()
    .where('session_pk', '=', session.pk)
    .where('session_started_at', '=', session.started_at)
    .where('seq', '>', afterSeq)
    .where('seq', '<=', Number(sizes[n - 1].seq))
    .orderBy('seq')
    .execute();
  return { rows: rows as unknown as Array<T extends 'messages' ? MessageRow : EventRow>, hasMore: sizes.length > n };
}

/** The timestamp of the latest user message before `seq` (by seq), or null. */
export async function lastUserBefore(db: Db, session: SessionKey, seq: number): Promise<number | null> {
  const row = await db
    .selectFrom('messages')
    .select('timestamp')
    .where('session_pk', '=', session.pk)
    .where('session_started_at', '=', session.started_at)
    .where('seq', '<', seq)
    .where('sender', '=', 'user')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.timestamp) : null;
}

/** A message holding a word of a `transcript` filter, and its session's pk. */
export interface MatchingMessage {
  session_pk: number;
  id: string;
  seq: number;
  sender: MessageRow['sender'];
  content: string;
  timestamp: number;
}

/**
 * The first `perSession` messages (by seq) of each session that hold any of `words` as a whole
 * word: the lines a search result shows. One indexed lookup per session, within that session
 * only: on SQLite its range of transcript_fts rowids (`session_pk << 32 | seq`), on PostgreSQL
 * its messages (by the session's key) tested against the same `simple` text search the
 * transcript filter uses, so both stores call the same messages a match.
 */
export async function matchingMessages(
  db: Db,
  dialect: DialectName,
  sessions: SessionKey[],
  words: string[],
  perSession: number,
): Promise<MatchingMessage[]> {
  if (sessions.length === 0 || words.length === 0) return [];
  // SQLite: an FTS5 query of quoted phrases (quotes inside doubled); PostgreSQL: one test per word.
  const ftsQuery = words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' OR ');
  const tsMatch = sql.join(
    words.map((w) => sql`to_tsvector('simple', m.content) @@ plainto_tsquery('simple', ${w})`),
    sql` OR `,
  );
  const one = (s: SessionKey) => {
    let q = db
      .selectFrom('messages as m')
      .select(['m.session_pk', 'm.id', 'm.seq', 'm.sender', 'm.content', 'm.timestamp'])
      .where('m.session_pk', '=', s.pk)
      .where('m.session_started_at', '=', s.started_at);
    if (dialect === 'sqlite') {
      const low = BigInt(s.pk) << 32n;
      q = q.where(
        sql<boolean>`((m.session_pk << 32) | m.seq) IN (SELECT rowid FROM transcript_fts
          WHERE transcript_fts MATCH ${ftsQuery} AND rowid BETWEEN ${low} AND ${low | 0xffffffffn})`,
      );
    } else q = q.where(sql<boolean>`(${tsMatch})`);
    return q.orderBy('m.seq').limit(perSession).execute();
  };
  const rows = await Promise.all(sessions.map(one));
  return rows.flat().map((r) => ({
    ...r,
    session_pk: Number(r.session_pk),
    seq: Number(r.seq),
    timestamp: Number(r.timestamp),
  }));
}
