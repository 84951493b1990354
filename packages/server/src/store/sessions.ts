/**
 * Every query on sessions, messages, events and agents. Functions take the `db` (or a
 * transaction) first, as in Kysely's example app; rows become API objects only in the
 * `*RowToApi` functions at the bottom.
 */
import type { Agent, Message, Metadata, Session, SessionEvent, SortField } from '@switchboard/contracts';
import { CHANNELS, SESSION_TYPES, STATUSES } from '@switchboard/contracts';
import { type Kysely, type OrderByItemBuilder, type SqlBool, sql } from 'kysely';
import { iso, isoOrNull } from '../lib/time.js';
import type { DialectName } from './db.js';
import {
  docsOfSessionHave,
  keysOnly,
  keysPostgres,
  searchSessionsPostgres,
  keysSqlite,
  metadataDriven,
  metadataSideWhere,
  noneBut,
  type SessionFilter,
  sessionFilterWhere,
  transcriptCountPostgres,
  transcriptOnly,
} from './filters.js';
import type { OutboxEntry } from './outbox.js';
import type { Database, EventRow, MessageRow, NewSessionRow, SessionRow } from './schema.js';

type Db = Kysely<Database>;

export type SessionWithAgent = SessionRow & { agent_name: string };

/**
 * A session's primary key. started_at is PostgreSQL's partition key (0006): with it a lookup or
 * update goes to one month's partition; with a bare pk it still works, probing every month.
 */
export interface SessionKey {
  pk: number;
  started_at: number;
}
export type SessionRef = SessionKey | number;
const keyOf = (ref: SessionRef): { pk: number; started_at?: number } =>
  typeof ref === 'number' ? { pk: ref } : { pk: Number(ref.pk), started_at: Number(ref.started_at) };

const SORT_COLUMNS = {
  startedAt: 's.started_at',
  endedAt: 's.ended_at',
  durationSeconds: 's.duration_ms',
  messageCount: 's.message_count',
} as const satisfies Record<SortField, string>;

/**
 * Sessions with their agent's latest name. The name is a scalar subquery, not a join: with a
 * join SQLite's planner may loop over agents first and sort every matching session (a second
 * at 100,000 rows); as a subquery it runs for the returned rows only, after the sort index and
 * LIMIT have done their work.
 */
/** Sort columns that are never null: their keyset needs no nulls-last branch. */
const NOT_NULL_SORTS = new Set<SortField>(['startedAt', 'messageCount']);

/**
 * Which columns a page reads: every column, or what a CSV export writes (`CsvSessionRow`). The
 * export reads a million rows; the others (search text, hashes, the organization) were half of
 * its time in the driver, turned into strings nobody used (measured: 163,000 → 251,000 rows/s
 * read alone, SQLite).
 */
export type Columns = 'all' | 'csv';

/** A session as a CSV export writes it; `metadata` is the stored JSON text. */
export type CsvSessionRow = Pick<
  SessionWithAgent,
  | 'pk'
  | 'id'
  | 'agent_id'
  | 'agent_name'
  | 'channel'
  | 'type'
  | 'status'
  | 'started_at'
  | 'ended_at'
  | 'duration_ms'
  | 'message_count'
> & { metadata: string };

export function sessionsWithAgent(db: Db, columns: Columns = 'all') {
  // Every session's agent exists: IngestService upserts it in the session's own transaction.
  const agentName = sql<string>`(SELECT a.name FROM agents a WHERE a.org_id = s.org_id AND a.id = s.agent_id)`.as(
    'agent_name',
  );
  const all = db.selectFrom('sessions as s').selectAll('s').select(agentName);
  if (columns === 'all') return all;
  // Typed as the full row for the shared query code; `listCsvRows` hands them out as what they are.
  return db
    .selectFrom('sessions as s')
    .select([
      's.pk',
      's.id',
      's.agent_id',
      's.channel',
      's.type',
      's.status',
      's.started_at',
      's.ended_at',
      's.duration_ms',
      's.message_count',
    ])
    .select(sql<string>`CAST(s.metadata AS TEXT)`.as('metadata'))
    .select(agentName) as unknown as typeof all;
}

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
  return { pk: Number(pk), started_at: row.started_at };
}

/**
 * Creates the agent if it is new and gives it its latest name, without touching its counters:
 * those are added at commit by `countStartedSessions`, so on PostgreSQL a batch does not hold
 * its agents' row locks (and stall every other batch of those agents) for its whole length.
 */
export async function ensureAgent(db: Db, orgId: string, id: string, name: string | undefined, now: number) {
  const row = await db
    .selectFrom('agents')
    .select('name')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  let current = row?.name;
  if (!row) {
    const shownName = name ?? id;
    const inserted = await db
      .insertInto('agents')
      .values({
        org_id: orgId,
        id,
        name: shownName,
        search_name: shownName.toLowerCase(),
        first_seen_at: now,
        last_seen_at: now,
        session_count: 0,
      })
      .onConflict((oc) => oc.columns(['org_id', 'id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return;
    // Another writer created it meanwhile: rename only if its name differs, since a rename locks
    // the row until this transaction commits.
    current = (
      await db.selectFrom('agents').select('name').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
    )?.name;
  }
  if (name !== undefined && current !== name) await renameAgent(db, orgId, id, name);
}

/**
 * Adds the sessions that these outbox entries started to their agents' counters, one UPDATE per
 * agent in id order. Called right after `writeOutbox`, whose advisory lock serializes it on
 * PostgreSQL: agent rows are then locked only while the transaction commits.
 */
export async function countStartedSessions(db: Db, orgId: string, entries: OutboxEntry[]) {
  const tally = new Map<string, { n: number; last: number }>();
  for (const e of entries) {
    if (e.type !== 'session.started') continue;
    const agentId = (e.data as Session).agent.id;
    const t = tally.get(agentId);
    if (t) {
      t.n++;
      t.last = Math.max(t.last, e.occurredAt);
    } else tally.set(agentId, { n: 1, last: e.occurredAt });
  }
  for (const id of [...tally.keys()].sort()) {
    const { n, last } = tally.get(id) as { n: number; last: number };
    await db
      .updateTable('agents')
      .set((eb) => ({
        session_count: eb('session_count', '+', n),
        last_seen_at: sql<number>`CASE WHEN last_seen_at < ${last} THEN ${last} ELSE last_seen_at END`,
      }))
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }
}

export async function renameAgent(db: Db, orgId: string, id: string, name: string) {
  await db
    .updateTable('agents')
    .set({ name, search_name: name.toLowerCase() })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

/**
 * Marks activity on a session and returns its counters. On PostgreSQL the UPDATE also takes the
 * row lock, so concurrent appends to one session get gap-free sequence numbers.
 */
export async function touchSession(db: Db, ref: SessionRef, now: number) {
  const k = keyOf(ref);
  let q = db.updateTable('sessions').set({ last_activity_at: now }).where('pk', '=', k.pk);
  if (k.started_at !== undefined) q = q.where('started_at', '=', k.started_at);
  return q.returning(['message_count', 'event_count']).executeTakeFirstOrThrow();
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

export async function existingMessageIds(db: Db, session: SessionKey, ids: string[]) {
  if (ids.length === 0) return new Map<string, MessageRow>();
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('session_pk', '=', Number(session.pk))
    .where('session_started_at', '=', Number(session.started_at))
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

export async function existingEventIds(db: Db, session: SessionKey, ids: string[]) {
  if (ids.length === 0) return new Map<string, EventRow>();
  const rows = await db
    .selectFrom('session_events')
    .selectAll()
    .where('session_pk', '=', Number(session.pk))
    .where('session_started_at', '=', Number(session.started_at))
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

type NewMessage = Omit<MessageRow, 'pk' | 'metadata'> & { metadata: string };
type NewEvent = Omit<EventRow, 'pk' | 'data'> & { data: string };

/** Multi-row inserts, in chunks that stay under SQLite's bound-parameter limit. */
export async function insertMessages(db: Db, rows: NewMessage[]) {
  for (let i = 0; i < rows.length; i += 1000)
    await db
      .insertInto('messages')
      .values(rows.slice(i, i + 1000))
      .execute();
}

export async function insertEvents(db: Db, rows: NewEvent[]) {
  for (let i = 0; i < rows.length; i += 1000)
    await db
      .insertInto('session_events')
      .values(rows.slice(i, i + 1000))
      .execute();
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
  const times = sessions.map((s) => Number(s.started_at));
  return db
    .selectFrom(table)
    .selectAll()
    .where(
      'session_pk',
      'in',
      sessions.map((s) => Number(s.pk)),
    )
    .where('session_started_at', '>=', Math.min(...times))
    .where('session_started_at', '<=', Math.max(...times))
    .orderBy('session_pk')
    .orderBy('seq')
    .execute();
}

// ─── Lists ───────────────────────────────────────────────────────────────────────────────────

export interface SortSpec {
  field: SortField;
  desc: boolean;
}

/** Position after the last row of a page: the sort value and the tie-breaking pk. */
export interface Keyset {
  value: number | null;
  pk: number;
}

/**
 * True when the filter narrows only by channel, status and type: the session_counts table then
 * answers counts exactly without touching the sessions (DESIGN §8 budgets at a million rows).
 */
export function countsAnswer(f: SessionFilter): boolean {
  return noneBut(f, 'channels', 'statuses', 'types');
}

async function countRows(db: Db, orgId: string, f: SessionFilter) {
  let q = db.selectFrom('session_counts').select(['channel', 'status', 'type', 'n']).where('org_id', '=', orgId);
  if (f.channels?.length) q = q.where('channel', 'in', f.channels);
  if (f.statuses?.length) q = q.where('status', 'in', f.statuses);
  if (f.types?.length) q = q.where('type', 'in', f.types);
  return q.execute();
}

/** True when session_metadata_counts answers counts exactly: one metadata condition, plus enums. */
export function metadataCountsAnswer(f: SessionFilter): boolean {
  return countsAnswer({ ...f, metadata: undefined }) && f.metadata?.length === 1;
}

async function metadataCountRows(db: Db, orgId: string, f: SessionFilter) {
  const [[key, value]] = f.metadata ?? [];
  let q = db
    .selectFrom('session_metadata_counts')
    .select(['channel', 'status', 'type', 'n'])
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .where('value', '=', value);
  if (f.channels?.length) q = q.where('channel', 'in', f.channels);
  if (f.statuses?.length) q = q.where('status', 'in', f.statuses);
  if (f.types?.length) q = q.where('type', 'in', f.types);
  return q.execute();
}

export async function countSessions(db: Db, dialect: DialectName, orgId: string, f: SessionFilter) {
  if (countsAnswer(f)) return (await countRows(db, orgId, f)).reduce((sum, r) => sum + Number(r.n), 0);
  if (metadataCountsAnswer(f)) return (await metadataCountRows(db, orgId, f)).reduce((sum, r) => sum + Number(r.n), 0);
  if (metadataDriven(f)) {
    // A range of session_metadata's covering index; the sessions are not read.
    const m = await db
      .selectFrom('session_metadata as m')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => metadataSideWhere(eb, orgId, f))
      .executeTakeFirstOrThrow();
    return Number(m.n);
  }
  const counted = db
    .selectFrom('sessions as s')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => sessionFilterWhere(eb, dialect, orgId, f));
  if (dialect === 'sqlite' && keysOnly(f)) {
    // search / transcript alone, when no other organization has a session (the usual
    // self-hosted case, read from session_counts in the same statement, so the same snapshot):
    // the distinct keys of their indexes are the answer, with no lookup of each key's
    // organization. That lookup was nearly all the cost: a word in 63,000 of a million
    // sessions, 126 ms with it, 10 ms without (measured).
    const { rows } = await sql<{ n: number }>`SELECT CASE
      WHEN EXISTS (SELECT 1 FROM session_counts WHERE org_id <> ${orgId} AND n > 0) THEN (${counted})
      ELSE (SELECT count(DISTINCT pk) FROM (${keysSqlite(orgId, f)})) END AS n`.execute(db);
    return Number(rows[0].n);
  }
  if (dialect === 'postgres' && transcriptOnly(f)) {
    // From transcript_docs alone: 264 → 88 ms for a word in 63,000 of a million sessions
    // (statement alone, measured), where the join read every session key of the organization.
    const { rows } = await transcriptCountPostgres(orgId, f.transcriptWords ?? []).execute(db);
    return Number(rows[0].n);
  }
  if (dialect === 'postgres' && keysOnly(f)) {
    // From session_search (0010) and transcript_docs alone, never the wide session rows.
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM (${keysPostgres(orgId, f)}) k`.execute(db);
    return Number(rows[0].n);
  }
  return Number((await counted.executeTakeFirstOrThrow()).n);
}

/**
 * Sessions walked in start order for a page of a common search or transcript term before
 * falling back to sorting every match.
 */
const KEYS_WALK = 20_000;

/** True when `walkKeysPage` can try the filter: SQLite's `keysOnly`, PostgreSQL's `transcriptOnly`. */
const walkable = (dialect: DialectName, f: SessionFilter) => (dialect === 'sqlite' ? keysOnly(f) : transcriptOnly(f));

/**
 * A page in start order of a `walkable` filter: the organization's sessions walked in start
 * order along their index (at most KEYS_WALK of them), each tested against the matching keys
 * (SQLite: the set of them; PostgreSQL: a probe of the session's transcript documents per word),
 * until the page is full. A term in 6 % of a million sessions fills a page within ~800 sessions:
 * 10 ms on SQLite, where finding every match's start time and sorting them took 150 ms; 2 ms on
 * PostgreSQL (statements alone, measured). Undefined when the walk did not fill the page (a
 * rare term): the caller then sorts the matches, which are few.
 */
async function walkKeysPage(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  desc: boolean,
  page: { limit: number; offset?: number; after?: Keyset },
): Promise<Array<{ pk: number; started_at: number }> | undefined> {
  const dir = desc ? 'desc' : 'asc';
  const after = page.after;
  const skip = after ? 0 : (page.offset ?? 0);
  if (skip + page.limit > KEYS_WALK / 10) return undefined;
  let walk = db.selectFrom('sessions as w').select(['w.pk', 'w.started_at']).where('w.org_id', '=', orgId);
  if (after)
    walk = walk.where((eb) =>
      eb(eb.refTuple('w.started_at', 'w.pk'), desc ? '<' : '>', eb.tuple(after.value ?? 0, after.pk)),
    );
  walk = walk.orderBy('w.started_at', dir).orderBy('w.pk', dir).limit(KEYS_WALK);
  const keys = await db
    .selectFrom(walk.as('w'))
    .select(['w.pk', 'w.started_at'])
    .where((eb) =>
      dialect === 'sqlite'
        ? sql<SqlBool>`w.pk IN (${keysSqlite(orgId, f)})`
        : eb.and((f.transcriptWords ?? []).map((w) => docsOfSessionHave('w.pk', 'w.started_at', w))),
    )
    .orderBy('w.started_at', dir)
    .orderBy('w.pk', dir)
    .limit(skip + page.limit)
    .execute();
  return keys.length === skip + page.limit ? keys.slice(skip) : undefined;
}

/**
 * A page of sessions in `sort` order, nulls last in both directions, ties broken by pk. With
 * `after`, the page starts after that keyset position (cursor paging: cost does not grow with depth).
 */
export function listSessions(...args: PageArgs): Promise<SessionWithAgent[]> {
  return sessionPage(args, 'all');
}

/** `listSessions` with only the columns of a CSV export (the metadata as its JSON text). */
export async function listCsvRows(...args: PageArgs): Promise<CsvSessionRow[]> {
  return (await sessionPage(args, 'csv')) as unknown as CsvSessionRow[];
}

type PageArgs = [
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  sort: SortSpec,
  page: { limit: number; offset?: number; after?: Keyset },
];

async function sessionPage(
  [db, dialect, orgId, f, sort, page]: PageArgs,
  columns: Columns,
): Promise<SessionWithAgent[]> {
  const col = SORT_COLUMNS[sort.field];
  const dir = sort.desc ? 'desc' : 'asc';
  const beyond = sort.desc ? '<' : '>';
  const after = page.after;
  if (sort.field === 'startedAt' && metadataDriven(f)) {
    // The page's keys from session_metadata's index alone, walked in start order, then only
    // those sessions read: no sort of every match, whether the value is rare or common. As a
    // join, PostgreSQL misjudged how many sessions a common value has (the key and value
    // columns are correlated) and hashed all 332,000 of them for a page (644 ms at a million).
    let keys = db
      .selectFrom('session_metadata as m')
      .select(['m.session_pk', 'm.started_at'])
      .where((eb) => metadataSideWhere(eb, orgId, f));
    if (after && after.value !== null)
      keys = keys.where((eb) =>
        eb(eb.refTuple('m.started_at', 'm.session_pk'), beyond, eb.tuple(after.value as number, after.pk)),
      );
    keys = keys.orderBy('m.started_at', dir).orderBy('m.session_pk', dir).limit(page.limit);
    if (!after && page.offset) keys = keys.offset(page.offset);
    return sessionsWithAgent(db, columns)
      .where((eb) =>
        dialect === 'postgres'
          ? sql<SqlBool>`(s.pk, s.started_at) IN (${keys})`
          : eb('s.pk', 'in', keys.clearSelect().select('m.session_pk')),
      )
      .orderBy('s.started_at', dir)
      .orderBy('s.pk', dir)
      .execute();
  }
  if (sort.field === 'startedAt' && walkable(dialect, f)) {
    const keys = await walkKeysPage(db, dialect, orgId, f, sort.desc, page);
    if (keys)
      return sessionsWithAgent(db, columns)
        .where((eb) =>
          dialect === 'postgres'
            ? eb(
                eb.refTuple('s.pk', 's.started_at'),
                'in',
                keys.map((k) => eb.tuple(k.pk, k.started_at)),
              )
            : eb(
                's.pk',
                'in',
                keys.map((k) => k.pk),
              ),
        )
        .orderBy('s.started_at', dir)
        .orderBy('s.pk', dir)
        .execute();
  }
  let q = sessionsWithAgent(db, columns).where((eb) => sessionFilterWhere(eb, dialect, orgId, f));
  if (after) {
    const value = after.value;
    q = q.where((eb) =>
      value === null
        ? eb.and([eb(col, 'is', null), eb('s.pk', beyond, after.pk)])
        : NOT_NULL_SORTS.has(sort.field)
          ? // A row-value comparison is one index seek in both databases; the OR form below
            // made SQLite scan from the top of the index on every page (export at 1/5 of the
            // raw driver's speed, measured).
            eb(eb.refTuple(col, 's.pk'), beyond, eb.tuple(value, after.pk))
          : eb.or([
              eb(col, 'is', null),
              eb(col, beyond, value),
              eb.and([eb(col, '=', value), eb('s.pk', beyond, after.pk)]),
            ]),
    );
  }
  // NULLS LAST only where a column can be null: PostgreSQL walks an ascending index backwards
  // only for DESC NULLS FIRST, so on a NOT NULL column the clause (which changes nothing there)
  // turned every first page into a sort of all matching sessions (measured: 240 ms at 100,000).
  const order = (ob: OrderByItemBuilder) => {
    const o = dir === 'desc' ? ob.desc() : ob.asc();
    return NOT_NULL_SORTS.has(sort.field) ? o : o.nullsLast();
  };
  q = q.orderBy(col, order).orderBy('s.pk', dir).limit(page.limit);
  if (!after && page.offset) q = q.offset(page.offset);
  if (!f.search && !f.transcriptWords?.length) return q.execute();
  // search and transcript find their sessions by key (a set of pks from their own indexes); a
  // common term can match tens of thousands. Sorting those by the narrow sessions_keys index
  // and reading the page's rows afterwards beats sorting the wide rows themselves: 115 → 29 ms
  // for a term in 40 % of 100,000 sessions (SQLite, measured).
  const keys = q.clearSelect().select(['s.pk', 's.started_at']);
  return sessionsWithAgent(db, columns)
    .where((eb) =>
      dialect === 'postgres'
        ? sql<SqlBool>`(s.pk, s.started_at) IN (${keys})`
        : eb('s.pk', 'in', keys.clearSelect().select('s.pk')),
    )
    .orderBy(col, order)
    .orderBy('s.pk', dir)
    .execute();
}

export function keysetOf(
  row: Pick<SessionRow, 'pk' | 'started_at' | 'ended_at' | 'duration_ms' | 'message_count'>,
  field: SortField,
): Keyset {
  const value = {
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationSeconds: row.duration_ms,
    messageCount: row.message_count,
  }[field];
  return { value: value === null ? null : Number(value), pk: Number(row.pk) };
}

// ─── Aggregates ──────────────────────────────────────────────────────────────────────────────

const countWhen = (column: string, value: string, alias: string) =>
  sql<number>`sum(case when ${sql.ref(column)} = ${value} then 1 else 0 end)`.as(alias);

/** `{web: 3, phone: 0, …}` from the `<prefix>_<value>` columns that `countWhen` selected. */
function countsOf<K extends string>(row: object, prefix: string, keys: readonly K[]): Record<K, number> {
  const r = row as Record<string, unknown>;
  return Object.fromEntries(keys.map((k) => [k, Number(r[`${prefix}_${k}`] ?? 0)])) as Record<K, number>;
}

/** Every count of the metrics document in one scan of the matching sessions. */
export async function sessionCounts(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  recentSince: number,
) {
  const byMetadata = metadataCountsAnswer(f);
  if (countsAnswer(f) || byMetadata) {
    // Totals from the counters; "recent" is a range of the started_at index (one day of rows),
    // or of session_metadata's (org_id, key, value, started_at).
    const [rows, recent] = await Promise.all([
      byMetadata ? metadataCountRows(db, orgId, f) : countRows(db, orgId, f),
      byMetadata
        ? db
            .selectFrom('session_metadata as m')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where((eb) => metadataSideWhere(eb, orgId, { ...f, from: recentSince }))
            .executeTakeFirstOrThrow()
        : db
            .selectFrom('sessions as s')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where((eb) => sessionFilterWhere(eb, dialect, orgId, { ...f, from: recentSince }))
            .executeTakeFirstOrThrow(),
    ]);
    const tally = <K extends string>(keys: readonly K[], pick: (r: (typeof rows)[number]) => string) => {
      const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
      for (const r of rows) if (pick(r) in out) out[pick(r) as K] += Number(r.n);
      return out;
    };
    return {
      total: rows.reduce((sum, r) => sum + Number(r.n), 0),
      recent: Number(recent.n),
      byChannel: tally(CHANNELS, (r) => r.channel),
      byStatus: tally(STATUSES, (r) => r.status),
      byType: tally(SESSION_TYPES, (r) => r.type),
    };
  }
  if (metadataDriven(f)) {
    // From session_metadata's covering index alone (it carries channel, status and type).
    const row = await db
      .selectFrom('session_metadata as m')
      .where((eb) => metadataSideWhere(eb, orgId, f))
      .select(metricColumns('m', recentSince))
      .executeTakeFirstOrThrow();
    return metricsOf(row);
  }
  if (dialect === 'postgres' && keysOnly(f) && !f.transcriptWords?.length) {
    const { rows } = await sql<{ [column: string]: number | null }>`SELECT ${sql.join(metricColumns('k', recentSince))}
      FROM (${searchSessionsPostgres(orgId, f.search ?? '')}) k`.execute(db);
    return metricsOf(rows[0]);
  }
  if (dialect === 'postgres' && keysOnly(f)) {
    // The matching keys, counted by channel, status and type from session_search's narrow rows
    // (0010) rather than the sessions' wide ones.
    const row = await db
      .selectFrom('session_search as q')
      .where('q.org_id', '=', orgId)
      .where(sql<SqlBool>`(q.session_pk, q.started_at) IN (${keysPostgres(orgId, f)})`)
      .select(metricColumns('q', recentSince))
      .executeTakeFirstOrThrow();
    return metricsOf(row);
  }
  const row = await db
    .selectFrom('sessions as s')
    .where((eb) => sessionFilterWhere(eb, dialect, orgId, f))
    .select(metricColumns('s', recentSince))
    .executeTakeFirstOrThrow();
  return metricsOf(row);
}

/** One scan's total, recent and per channel/status/type counts, over `sessions` or `session_metadata`. */
const metricColumns = (t: 's' | 'm' | 'q' | 'k', recentSince: number) => [
  sql<number>`count(*)`.as('total'),
  sql<number>`sum(case when ${sql.ref(`${t}.started_at`)} >= ${recentSince} then 1 else 0 end)`.as('recent'),
  ...CHANNELS.map((c) => countWhen(`${t}.channel`, c, `channel_${c}`)),
  ...STATUSES.map((c) => countWhen(`${t}.status`, c, `status_${c}`)),
  ...SESSION_TYPES.map((c) => countWhen(`${t}.type`, c, `type_${c}`)),
];

const metricsOf = (row: { [column: string]: number | null }) => ({
  total: Number(row.total),
  recent: Number(row.recent ?? 0),
  byChannel: countsOf(row, 'channel', CHANNELS),
  byStatus: countsOf(row, 'status', STATUSES),
  byType: countsOf(row, 'type', SESSION_TYPES),
});

/** Sessions per time bucket; the bucket is plain integer arithmetic on epoch ms in both dialects. */
export async function sessionBuckets(db: Db, dialect: DialectName, orgId: string, f: SessionFilter, bucketMs: number) {
  // The size is inlined, not bound: a bound parameter is a REAL to better-sqlite3 (so `/` stops
  // being integer division), and PostgreSQL cannot match a parameterised GROUP BY to the SELECT.
  const size = sql.lit(Math.trunc(bucketMs));
  const bucket = sql<number>`(s.started_at / ${size}) * ${size}`;
  const rows = await db
    .selectFrom('sessions as s')
    .where((eb) => sessionFilterWhere(eb, dialect, orgId, f))
    .select((eb) => [
      bucket.as('bucket'),
      eb.fn.countAll<number>().as('total'),
      ...CHANNELS.map((c) => countWhen('s.channel', c, `channel_${c}`)),
      ...STATUSES.map((c) => countWhen('s.status', c, `status_${c}`)),
    ])
    .groupBy(sql`(s.started_at / ${size}) * ${size}`)
    .execute();
  return rows.map((row) => ({
    bucket: Number(row.bucket),
    total: Number(row.total),
    byChannel: countsOf(row, 'channel', CHANNELS),
    byStatus: countsOf(row, 'status', STATUSES),
  }));
}

export async function listAgents(db: Db, orgId: string) {
  return db
    .selectFrom('agents')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('last_seen_at', 'desc')
    .orderBy('id')
    .execute();
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

// ─── Rows to API objects ─────────────────────────────────────────────────────────────────────

export const parseJson = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

export function sessionRowToApi(row: SessionWithAgent): Session {
  return {
    id: row.id,
    agent: { id: row.agent_id, name: row.agent_name },
    channel: row.channel as Session['channel'],
    type: row.type as Session['type'],
    status: row.status as Session['status'],
    startedAt: iso(Number(row.started_at)),
    endedAt: isoOrNull(row.ended_at === null ? null : Number(row.ended_at)),
    durationSeconds: row.duration_ms === null ? null : Number(row.duration_ms) / 1000,
    messageCount: Number(row.message_count),
    endedReason: row.ended_reason,
    lastActivityAt: iso(Number(row.last_activity_at)),
    metadata: parseJson<Metadata>(row.metadata),
  };
}

export function messageRowToApi(row: MessageRow, sessionId: string): Message {
  return {
    id: row.id,
    sessionId,
    seq: Number(row.seq),
    sender: row.sender as Message['sender'],
    content: row.content,
    timestamp: iso(Number(row.timestamp)),
    metadata: parseJson<Metadata>(row.metadata),
  };
}

export function eventRowToApi(row: EventRow, sessionId: string): SessionEvent {
  return {
    id: row.id,
    sessionId,
    seq: Number(row.seq),
    type: row.type,
    timestamp: iso(Number(row.timestamp)),
    data: parseJson<Record<string, unknown>>(row.data),
  };
}

export function agentRowToApi(row: Database['agents']): Agent {
  return {
    id: row.id,
    name: row.name,
    sessionCount: Number(row.session_count),
    firstSeenAt: iso(Number(row.first_seen_at)),
    lastSeenAt: iso(Number(row.last_seen_at)),
  };
}
