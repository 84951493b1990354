/**
 * The demo generator's bulk writer: a chunk of generated sessions with their messages, events and
 * agents in one transaction, as multi-row inserts (the ingest path writes one session at a time).
 */
import type { Sender, Usage } from '@switchboard/contracts';
import { type Insertable, sql, type Transaction } from 'kysely';
import type { Store } from './db.js';
import type { Database, EventsTable, MessagesTable, NewSessionRow } from './schema.js';

/** SQLite's bound parameters per statement (PostgreSQL takes 65,535). */
const MAX_PARAMS = 32_766;

/** How many rows like this one fit in a statement: the bound is on values, so it follows the columns. */
const rowsPerInsert = (row: object) => Math.floor(MAX_PARAMS / Object.keys(row).length);

/** Inserts the rows in statements that each fit; returns an empty list for the next ones. */
async function insertAll<T extends 'messages' | 'session_events'>(
  trx: Transaction<Database>,
  table: T,
  rows: Insertable<Database[T]>[],
): Promise<Insertable<Database[T]>[]> {
  if (rows.length === 0) return rows;
  const per = rowsPerInsert(rows[0]);
  for (let i = 0; i < rows.length; i += per)
    await trx
      .insertInto(table)
      .values(rows.slice(i, i + per) as never)
      .execute();
  return [];
}

/** One generated session, ready to insert. */
export interface DemoSessionRows {
  row: NewSessionRow;
  agentName: string;
  messages: {
    id: string;
    /** 1, 2, …: gap-free, as IngestService numbers them. */
    seq: number;
    sender: Sender;
    content: string;
    timestamp: number;
    metadata: string;
    latency_ms: number | null;
    interrupted: number;
    usage: Usage | null;
  }[];
  events: { id: string; type: string; timestamp: number; data: string }[];
}

export function insertDemoSessions(store: Store, orgId: string, batch: DemoSessionRows[]): Promise<void> {
  const dialect = store.dialect;
  return store.db.transaction().execute(async (trx) => {
    const pkOf = new Map<string, number>();
    const sessionRows = batch.length ? rowsPerInsert(batch[0].row) : 1;
    for (let i = 0; i < batch.length; i += sessionRows) {
      const rows = await trx
        .insertInto('sessions')
        .values(batch.slice(i, i + sessionRows).map((p) => p.row))
        .returning(['pk', 'id', 'started_at'])
        .execute();
      // Matched by id, not position: neither database promises RETURNING order.
      for (const r of rows) pkOf.set(r.id, Number(r.pk));
      await trx
        .insertInto('session_ids')
        .values(rows.map((r) => ({ org_id: orgId, id: r.id, pk: Number(r.pk), started_at: Number(r.started_at) })))
        .execute();
    }

    let messages: Insertable<MessagesTable>[] = [];
    let events: Insertable<EventsTable>[] = [];
    const agents = new Map<string, { name: string; first: number; last: number; count: number }>();
    for (const p of batch) {
      const pk = pkOf.get(p.row.id) as number;
      for (let i = 0; i < p.messages.length; i++) {
        const m = p.messages[i];
        messages.push({
          org_id: p.row.org_id,
          session_pk: pk,
          session_started_at: p.row.started_at,
          id: m.id,
          seq: m.seq,
          sender: m.sender,
          content: m.content,
          timestamp: m.timestamp,
          metadata: m.metadata,
          latency_ms: m.latency_ms,
          interrupted: m.interrupted,
          usage: m.usage === null ? null : JSON.stringify(m.usage),
        });
      }
      for (let i = 0; i < p.events.length; i++) {
        const e = p.events[i];
        events.push({
          org_id: p.row.org_id,
          session_pk: pk,
          session_started_at: p.row.started_at,
          id: e.id,
          seq: i + 1,
          type: e.type,
          timestamp: e.timestamp,
          data: e.data,
        });
      }
      // A data set without transcripts has none of either.
      if (messages.length && messages.length >= rowsPerInsert(messages[0]))
        messages = await insertAll(trx, 'messages', messages);
      if (events.length && events.length >= rowsPerInsert(events[0]))
        events = await insertAll(trx, 'session_events', events);
      // countStartedSessions runs at create time, so first/last seen are session start times.
      const started = p.row.started_at;
      const a = agents.get(p.row.agent_id);
      if (a) {
        a.count++;
        a.first = Math.min(a.first, started);
        a.last = Math.max(a.last, started);
      } else agents.set(p.row.agent_id, { name: p.agentName, first: started, last: started, count: 1 });
    }
    await insertAll(trx, 'messages', messages);
    await insertAll(trx, 'session_events', events);

    const least = dialect === 'postgres' ? 'least' : 'min';
    const greatest = dialect === 'postgres' ? 'greatest' : 'max';
    await trx
      .insertInto('agents')
      .values(
        [...agents].map(([id, a]) => ({
          org_id: orgId,
          id,
          name: a.name,
          search_name: a.name.toLowerCase(),
          first_seen_at: a.first,
          last_seen_at: a.last,
          session_count: a.count,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['org_id', 'id']).doUpdateSet((eb) => ({
          session_count: eb('agents.session_count', '+', eb.ref('excluded.session_count')),
          first_seen_at: sql<number>`${sql.raw(least)}(agents.first_seen_at, excluded.first_seen_at)`,
          last_seen_at: sql<number>`${sql.raw(greatest)}(agents.last_seen_at, excluded.last_seen_at)`,
          name: eb.ref('excluded.name'),
          search_name: eb.ref('excluded.search_name'),
        })),
      )
      .execute();
  });
}
