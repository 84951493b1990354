/**
 * One session by its key: find, insert, update and lock it (the write path's queries), and the
 * idle sweep's search for sessions gone quiet.
 */
import type { Kysely } from 'kysely';
import { STATS_COLUMNS } from '../../lib/stats.js';
import type { Database, NewSessionRow, SessionRow } from '../schema.js';
import { type SessionWithAgent, sessionsWithAgent } from './rows.js';

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
    .innerJoin('session_ids as i', (j) => j.onRef('i.pk', '=', 's.pk').onRef('i.started_at', '=', 's.started_at'))
    .where('i.org_id', '=', orgId)
    .where('i.id', '=', id)
    .executeTakeFirst();
}

export async function findSessionByPk(db: Db, ref: SessionRef): Promise<SessionWithAgent | undefined> {
  const k = keyOf(ref);
  let q = sessionsWithAgent(db).where('s.pk', '=', k.pk);
  if (k.started_at !== undefined) q = q.where('s.started_at', '=', k.started_at);
  return q.executeTakeFirst();
}

/**
 * Inserts a session and its id. A taken id fails on session_ids' primary key (a unique
 * violation, as before 0006), which rolls the session row back with the transaction.
 */
export async function insertSession(db: Db, row: NewSessionRow): Promise<SessionKey> {
  const { pk } = await db.insertInto('sessions').values(row).returning('pk').executeTakeFirstOrThrow();
  await db
    .insertInto('session_ids')
    .values({ org_id: row.org_id, id: row.id, pk, started_at: row.started_at })
    .execute();
  return { pk, started_at: row.started_at };
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

export async function updateSessionRow(
  db: Db,
  ref: SessionRef,
  set: Partial<Omit<SessionRow, 'pk' | 'metadata'>> & { metadata?: string },
) {
  const k = keyOf(ref);
  let q = db.updateTable('sessions').set(set).where('pk', '=', k.pk);
  if (k.started_at !== undefined) q = q.where('started_at', '=', k.started_at);
  await q.execute();
}

/** Active sessions that have heard nothing since `before` (the idle-timeout sweep). */
export async function idleSessions(db: Db, before: number, limit: number) {
  return db
    .selectFrom('sessions')
    .select(['pk', 'org_id', 'id'])
    .where('status', '=', 'active')
    .where('last_activity_at', '<', before)
    .orderBy('last_activity_at')
    .limit(limit)
    .execute();
}
