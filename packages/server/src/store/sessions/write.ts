/**
 * One session by its key: find, insert, update and lock it (the write path's queries), and the
 * idle sweep's search for sessions gone quiet.
 */
import type { SessionSource } from '@switchboard/contracts';
import { type Kysely, sql } from 'kysely';
import { STATS_COLUMNS } from '../../lib/stats.js';
import type { DialectName } from '../db.js';
import { insertRows } from '../insert-rows.js';
import type { Database, NewSessionRow, SessionRow } from '../schema.js';
import { type SessionWithAgent, sessionsWithAgent } from './rows.js';
import { insertCountedSessions } from './rollups.js';

type Db = Kysely<Database>;

/**
 * A session's primary key. started_at is PostgreSQL's partition key (0006): with it a lookup or
 * update goes to one month's partition; with a bare pk it still works, probing every month.
 */
export interface SessionKey {
  pk: number;
  started_at: number;
}
type SessionRef = SessionKey | number;
const keyOf = (ref: SessionRef): { pk: number; started_at?: number } => (typeof ref === 'number' ? { pk: ref } : ref);

/** By id, through session_ids: on PostgreSQL the join finds the one month to look in. */
export async function findSession(db: Db, orgId: string, id: string): Promise<SessionWithAgent | undefined> {
  return sessionsWithAgent(db)
    .innerJoin('session_ids as i', (j) =>
      j.onRef('i.pk', '=', 's.pk').onRef('i.started_at', '=', 's.started_at').onRef('i.org_id', '=', 's.org_id'),
    )
    .where('i.org_id', '=', orgId)
    .where('i.id', '=', id)
    .executeTakeFirst();
}

/** Many sessions by id, in one statement: a map from id to row (unknown ids are absent). */
export async function findSessions(db: Db, orgId: string, ids: string[]): Promise<Map<string, SessionWithAgent>> {
  const found = new Map<string, SessionWithAgent>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await sessionsWithAgent(db)
      .innerJoin('session_ids as i', (j) =>
        j.onRef('i.pk', '=', 's.pk').onRef('i.started_at', '=', 's.started_at').onRef('i.org_id', '=', 's.org_id'),
      )
      .where('i.org_id', '=', orgId)
      .where('i.id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) found.set(r.id, r);
  }
  return found;
}

/** Sessions by key, in one statement per 500 (with their agents' names). */
export async function findSessionsByKey(db: Db, dialect: DialectName, keys: SessionKey[]) {
  const rows: SessionWithAgent[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    rows.push(
      ...(await sessionsWithAgent(db)
        .where((eb) => keyIn(eb, dialect, chunk, 's.'))
        .execute()),
    );
  }
  return rows;
}

// biome-ignore lint/suspicious/noExplicitAny: an expression builder over `sessions` under any alias.
function keyIn(eb: any, dialect: DialectName, keys: SessionKey[], prefix = '') {
  return dialect === 'postgres'
    ? eb(
        eb.refTuple(`${prefix}pk`, `${prefix}started_at`),
        'in',
        keys.map((k) => eb.tuple(k.pk, k.started_at)),
      )
    : eb(
        `${prefix}pk`,
        'in',
        keys.map((k) => k.pk),
      );
}

export async function findSessionByPk(db: Db, ref: SessionRef): Promise<SessionWithAgent | undefined> {
  const k = keyOf(ref);
  let q = sessionsWithAgent(db).where('s.pk', '=', k.pk);
  if (k.started_at !== undefined) q = q.where('s.started_at', '=', k.started_at);
  return q.executeTakeFirst();
}

/**
 * Inserts sessions and their ids: one multi-row insert into each table per 500 sessions. A taken
 * id fails on session_ids' primary key (a unique violation), which rolls the session rows back
 * with the transaction.
 */
export async function insertSessions(db: Db, rows: NewSessionRow[]): Promise<Map<string, SessionKey>> {
  const keys = new Map<string, SessionKey>();
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const inserted = await db.insertInto('sessions').values(chunk).returning(['pk', 'id', 'started_at']).execute();
    // Matched by id, not position: neither database promises RETURNING order.
    for (const r of inserted) keys.set(r.id, { pk: Number(r.pk), started_at: Number(r.started_at) });
    await db
      .insertInto('session_ids')
      .values(
        chunk.map((row) => {
          const k = keys.get(row.id) as SessionKey;
          return { org_id: row.org_id, id: row.id, pk: k.pk, started_at: k.started_at };
        }),
      )
      .execute();
  }
  return keys;
}

/**
 * Primary keys for `n` sessions a batch inserts later itself (`insertSessionRows`), in order.
 * SQLite: from above the AUTOINCREMENT counter and above `after` (what the batch took before); the
 * batch holds the database's one write connection, so nothing else takes keys meanwhile, and the
 * counter moves past them when the rows are inserted. Foreign keys are checked at commit for the
 * rest of the transaction, so the sessions' messages and events can be inserted before the
 * sessions themselves. PostgreSQL: from the sessions' sequence, as their inserts would take them
 * (messages and events have no foreign key to the partitioned sessions there).
 */
export async function reserveSessionPks(db: Db, dialect: DialectName, n: number, after = 0): Promise<number[]> {
  if (dialect === 'postgres') {
    const { rows } = await sql<{
      pk: string;
    }>`SELECT nextval('sessions_pk_seq') AS pk FROM generate_series(1, ${n})`.execute(db);
    return rows.map((r) => Number(r.pk));
  }
  const { rows } = await sql<{ seq: number }>`SELECT seq FROM sqlite_sequence WHERE name = 'sessions'`.execute(db);
  await sql`PRAGMA defer_foreign_keys = ON`.execute(db);
  const first = Math.max(Number(rows[0]?.seq ?? 0), after) + 1;
  return Array.from({ length: n }, (_, i) => first + i);
}

/** Session ids with their sessions' keys (the rows themselves are inserted by `insertSessions` or later). */
export async function insertSessionIds(
  db: Db,
  rows: Array<{ org_id: string; id: string; pk: number; started_at: number }>,
) {
  await insertRows(db, 'session_ids', rows, 500);
}

/**
 * Whole session rows with their keys given (`reserveSessionPks`): one multi-row insert per set of
 * columns and 250 rows. Their ids are already in session_ids.
 */
export async function insertSessionRows(db: Db, rows: Array<NewSessionRow & { pk: number }>, counted = false) {
  const groups = new Map<string, Array<NewSessionRow & { pk: number }>>();
  for (const r of rows) {
    const columns = Object.keys(r).sort().join(',');
    const group = groups.get(columns);
    if (group) group.push(r);
    else groups.set(columns, [r]);
  }
  // With `counted` (PostgreSQL, `batchRollups`), the rollups are added per statement, not per row.
  if (counted) return insertCountedSessions(db, [...groups.values()]);
  // SQLite takes at most 32,766 parameters a statement: a session row has fewer than 60 columns.
  for (const group of groups.values()) await insertRows(db, 'sessions', group, 250);
}

/**
 * Marks activity on a session and returns its counters and figures. On PostgreSQL the UPDATE also
 * takes the row lock, so concurrent appends to one session get gap-free sequence numbers and add
 * to figures no other writer is changing.
 */
export async function touchSession(db: Db, ref: SessionRef, now: number) {
  const k = keyOf(ref);
  let q = db.updateTable('sessions').set({ last_activity_at: now }).where('pk', '=', k.pk);
  if (k.started_at !== undefined) q = q.where('started_at', '=', k.started_at);
  return q.returning(['message_count', 'event_count', ...STATS_COLUMNS]).executeTakeFirstOrThrow();
}

/**
 * Sessions found earlier in this transaction, as they are now and locked for writing: on
 * PostgreSQL read again with SELECT … FOR UPDATE (waiting for any other writer of them), in pk
 * order so concurrent writers lock shared sessions in the same order; on SQLite, whose one
 * connection writes alone, the rows as found. By pk. (A lock taken with an UPDATE that changed
 * nothing cost a row version and an entry in every index on PostgreSQL, and a write on SQLite.)
 */
export async function lockSessions(
  db: Db,
  dialect: DialectName,
  found: SessionWithAgent[],
): Promise<Map<number, SessionWithAgent>> {
  if (dialect === 'sqlite') return new Map(found.map((r) => [r.pk, r]));
  const out = new Map<number, SessionWithAgent>();
  // One organization at a time (ingest writes one): on Citus, a row lock needs the statement
  // to go to one shard, which an equality on org_id gives it.
  for (const orgId of [...new Set(found.map((r) => r.org_id))].sort()) {
    const sorted = found.filter((r) => r.org_id === orgId).sort((a, b) => a.pk - b.pk);
    for (let i = 0; i < sorted.length; i += 500) {
      const rows = await sessionsWithAgent(db, 'all', orgId)
        .where('s.org_id', '=', orgId)
        .where((eb) => keyIn(eb, dialect, sorted.slice(i, i + 500), 's.'))
        .orderBy('s.pk')
        .forUpdate(['s'])
        .execute();
      for (const r of rows) out.set(Number(r.pk), r);
    }
  }
  return out;
}

export type SessionSet = Partial<Omit<SessionRow, 'pk' | 'metadata' | 'tags' | 'scores' | 'reviewed_by'>> & {
  metadata?: string;
  /** The JSON list; session_tags is written beside it (store/review.ts writeTagRows). */
  tags?: string;
  /** The reviewer, as JSON (a bulk job's reviewed mark). */
  reviewed_by?: string | null;
};

/** Columns that are not integers: how PostgreSQL reads them back from VALUES text. */
const COLUMN_CASTS: Record<string, string> = {
  status: 'text',
  ended_reason: 'text',
  search_text: 'text',
  metadata: 'json',
  tags: 'json',
  reviewed_by: 'json',
};

/**
 * Writes many sessions' changes: rows that change the same columns share one UPDATE … FROM
 * (VALUES …) per 500 (the batch route's updates, where a statement each was most of the cost).
 */
export async function updateSessionSets(
  db: Db,
  dialect: DialectName,
  rows: Array<{ key: SessionKey; set: SessionSet }>,
) {
  const groups = new Map<string, Array<{ key: SessionKey; set: SessionSet }>>();
  for (const r of rows) {
    const columns = Object.keys(r.set).sort().join(',');
    const group = groups.get(columns);
    if (group) group.push(r);
    else groups.set(columns, [r]);
  }
  for (const [list, group] of groups) {
    if (!list) continue;
    const columns = list.split(',');
    if (group.length === 1) {
      await updateSessionRow(db, group[0].key, group[0].set);
      continue;
    }
    const pg = dialect === 'postgres';
    const names = ['pk', 'started_at', ...columns];
    const selected = names.map((n, i) => sql`${sql.ref(`column${i + 1}`)} AS ${sql.ref(n)}`);
    const value = (n: string) => sql.raw(pg ? `v.${n}::${COLUMN_CASTS[n] ?? 'bigint'}` : `v.${n}`);
    for (let i = 0; i < group.length; i += 500) {
      const values = group
        .slice(i, i + 500)
        .map(
          (r) =>
            sql`(${sql.join([r.key.pk, r.key.started_at, ...columns.map((c) => (r.set as Record<string, unknown>)[c] ?? null)])})`,
        );
      await sql`UPDATE sessions SET ${sql.join(columns.map((c) => sql`${sql.ref(c)} = ${value(c)}`))}
        FROM (SELECT ${sql.join(selected)} FROM (VALUES ${sql.join(values)}) AS x) AS v
        WHERE sessions.pk = ${value('pk')} AND sessions.started_at = ${value('started_at')}`.execute(db);
    }
  }
}

/** Takes the row's write lock (PostgreSQL) without changing it, so what is read next is current. */
export async function lockSessionRow(db: Db, ref: SessionRef) {
  const k = keyOf(ref);
  let q = db
    .updateTable('sessions')
    .set((eb) => ({ last_activity_at: eb.ref('last_activity_at') }))
    .where('pk', '=', k.pk);
  if (k.started_at !== undefined) q = q.where('started_at', '=', k.started_at);
  await q.execute();
}

export async function updateSessionRow(db: Db, ref: SessionRef, set: SessionSet) {
  const k = keyOf(ref);
  let q = db.updateTable('sessions').set(set).where('pk', '=', k.pk);
  if (k.started_at !== undefined) q = q.where('started_at', '=', k.started_at);
  await q.execute();
}

/**
 * Active sessions that have heard nothing since `before` (the idle-timeout sweep): of one source
 * (`only`), or of every source but one (`except`; OTLP sessions have their own inactivity rule).
 */
export async function idleSessions(
  db: Db,
  before: number,
  limit: number,
  source?: { only: SessionSource } | { except: SessionSource },
) {
  let q = db
    .selectFrom('sessions')
    .select(['pk', 'org_id', 'id', 'started_at'])
    .where('status', '=', 'active')
    .where('last_activity_at', '<', before);
  if (source && 'only' in source) q = q.where('source', '=', source.only);
  if (source && 'except' in source) q = q.where('source', '<>', source.except);
  return q.orderBy('last_activity_at').limit(limit).execute();
}

/**
 * Whether a session's transcript ends in an `error` event: its latest event is one and no
 * message is later (how an OTLP session whose last span failed is told apart).
 */
export async function endsInError(db: Db, key: SessionKey): Promise<boolean> {
  const lastEvent = await db
    .selectFrom('session_events')
    .select(['type', 'timestamp'])
    .where('session_pk', '=', key.pk)
    .where('session_started_at', '=', key.started_at)
    .orderBy('timestamp', 'desc')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (lastEvent?.type !== 'error') return false;
  const later = await db
    .selectFrom('messages')
    .select('pk')
    .where('session_pk', '=', key.pk)
    .where('session_started_at', '=', key.started_at)
    .where('timestamp', '>', lastEvent.timestamp)
    .limit(1)
    .executeTakeFirst();
  return later === undefined;
}
