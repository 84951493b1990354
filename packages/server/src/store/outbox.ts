/**
 * The outbox: every change others must hear about is written here in the same transaction as
 * the change itself (so none is lost or told before it commits). The live stream and the
 * webhook worker read from it.
 */
import type { OutboxEventType } from '@switchboard/contracts';
import { type Kysely, sql } from 'kysely';
import { type DialectName, OUTBOX_CHANNEL } from './db.js';
import { insertRows } from './insert-rows.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export interface OutboxEntry {
  type: OutboxEventType;
  sessionId: string;
  occurredAt: number;
  data: unknown;
}

/**
 * Appends entries in order, numbering them in the organization's own sequence (`org_seq`, the event
 * id clients see) as well as the one shared by all (`seq`, internal). On PostgreSQL a
 * transaction-scoped advisory lock makes writers take both numbers one transaction at a time, so
 * both orders are commit order and a reader that has seen event N can never later find a smaller
 * committed id (Last-Event-ID replay relies on it); the organization's counter is taken in the
 * same statement as the lock. SQLite has one writer at a time. It is the last statement of each
 * transaction, so the lock is held only until commit, and a transaction that rolls back gives its
 * numbers back: an organization's ids have no gaps. The NOTIFY is delivered at commit, to every
 * process listening (`Store.listen`), and never for a transaction that rolls back.
 */
export async function writeOutbox(db: Db, dialect: DialectName, orgId: string, entries: OutboxEntry[]) {
  if (entries.length === 0) return;
  const last = await takeOrgSeqs(db, dialect, orgId, entries.length);
  const first = last - entries.length + 1;
  const rows = entries.map((e, i) => ({
    org_id: orgId,
    org_seq: first + i,
    type: e.type,
    session_id: e.sessionId,
    occurred_at: e.occurredAt,
    payload: JSON.stringify(e.data),
  }));
  await insertRows(db, 'outbox', rows, 1000);
}

/** Moves the organization's counter on by `n` and returns its new value (the last id of the n). */
async function takeOrgSeqs(db: Db, dialect: DialectName, orgId: string, n: number): Promise<number> {
  if (dialect === 'postgres') {
    // One round trip: the lock (taken first: the row comes out of it) and the counter together.
    const { rows } = await sql<{ last_org_seq: number }>`
      INSERT INTO outbox_org_seqs (org_id, last_org_seq)
      SELECT ${orgId}::text, ${n}::bigint
      FROM (SELECT pg_advisory_xact_lock(7245012), pg_notify(${OUTBOX_CHANNEL}, '')) AS turn
      ON CONFLICT (org_id) DO UPDATE SET last_org_seq = outbox_org_seqs.last_org_seq + excluded.last_org_seq
      RETURNING last_org_seq`.execute(db);
    return Number(rows[0].last_org_seq);
  }
  const row = await db
    .insertInto('outbox_org_seqs')
    .values({ org_id: orgId, last_org_seq: n })
    .onConflict((oc) =>
      oc.column('org_id').doUpdateSet((eb) => ({
        last_org_seq: eb('outbox_org_seqs.last_org_seq', '+', eb.ref('excluded.last_org_seq')),
      })),
    )
    .returning('last_org_seq')
    .executeTakeFirstOrThrow();
  return Number(row.last_org_seq);
}

/** The organization's events after its event id `afterOrgSeq`, in order (Last-Event-ID replay). */
export async function readOutbox(db: Db, orgId: string, afterOrgSeq: number, limit: number) {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('org_seq', '>', afterOrgSeq)
    .orderBy('org_seq')
    .limit(limit)
    .execute();
}

/**
 * The organization's newest event id among the rows up to `seq` of the shared sequence (0 if
 * none): where a stream that joins the fan-out at `seq` starts, in the organization's own terms.
 */
export async function orgSeqAt(db: Db, orgId: string, seq: number): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select('org_seq')
    .where('org_id', '=', orgId)
    .where('seq', '<=', seq)
    .orderBy('org_seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return Number(row?.org_seq ?? 0);
}

/** The organization's newest event id (0 if none). */
export async function lastOrgSeq(db: Db, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.max('org_seq').as('org_seq'))
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return Number(row?.org_seq ?? 0);
}

/** Outbox rows of every organization after `afterSeq`, in sequence (= commit) order. Internal: never shown as ids. */
export async function readOutboxAfter(db: Db, afterSeq: number, limit: number) {
  return db.selectFrom('outbox').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
}

/** The newest `seq` of the shared sequence (internal). */
export async function lastOutboxSeq(db: Db): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}
