/**
 * The outbox: every change others must hear about is written here in the same transaction as
 * the change itself (so none is lost or told before it commits). The live stream and the
 * webhook worker read from it.
 */
import type { OutboxEventType } from '@switchboard/contracts';
import { type Kysely, sql } from 'kysely';
import { type DialectName, OUTBOX_CHANNEL } from './db.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export interface OutboxEntry {
  type: OutboxEventType;
  sessionId: string;
  occurredAt: number;
  data: unknown;
}

/**
 * Appends entries in order. On PostgreSQL a transaction-scoped advisory lock makes writers take
 * sequence numbers one transaction at a time, so sequence order is commit order and a reader
 * that has seen event N can never later find a smaller committed id (Last-Event-ID replay relies
 * on it). It is the last statement of each transaction, so the lock is held only until commit.
 * The NOTIFY is delivered at commit, to every process listening (`Store.listen`), and never for a
 * transaction that rolls back.
 */
export async function writeOutbox(db: Db, dialect: DialectName, orgId: string, entries: OutboxEntry[]) {
  if (entries.length === 0) return;
  if (dialect === 'postgres')
    await sql`SELECT pg_advisory_xact_lock(7245012), pg_notify(${OUTBOX_CHANNEL}, '')`.execute(db);
  const rows = entries.map((e) => ({
    org_id: orgId,
    type: e.type,
    session_id: e.sessionId,
    occurred_at: e.occurredAt,
    payload: JSON.stringify(e.data),
  }));
  for (let i = 0; i < rows.length; i += 1000)
    await db
      .insertInto('outbox')
      .values(rows.slice(i, i + 1000))
      .execute();
}

export async function readOutbox(db: Db, orgId: string, afterSeq: number, limit: number) {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** Outbox rows of every organization after `afterSeq`, in sequence (= commit) order. */
export async function readOutboxAfter(db: Db, afterSeq: number, limit: number) {
  return db.selectFrom('outbox').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
}

export async function lastOutboxSeq(db: Db): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return row?.seq ?? 0;
}
