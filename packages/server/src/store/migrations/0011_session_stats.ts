/**
 * 0011, session insights: every session's figures as columns of its row (turns, response times,
 * handoffs, errors, interruptions, tokens, cost; lib/stats.ts says how they are kept), and a
 * message's latency, interruption and usage as sent.
 *
 * Sessions stored before this migration get their figures here, computed with the same functions
 * ingest uses: sessions in pk order, a chunk at a time, each chunk's messages and counted events
 * read in one statement each, folded in JavaScript and written with one UPDATE … FROM (VALUES …)
 * per chunk. Progress goes to `log` every few seconds. (Measured in docs/PERFORMANCE.md.)
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import {
  addEvents,
  addMessages,
  byConversationOrder,
  emptyStats,
  foldOrdered,
  STATS_COLUMNS,
  type StatsColumns,
  type StatsMessage,
} from '../../lib/stats.js';
import { columnTypes, type MigrationDb, type MigrationLog } from './columns.js';

const CHUNK = 2_000;
/** Rows per UPDATE: 18 parameters each stays under SQLite's 32,766. */
const WRITE_ROWS = 1_000;

export async function up(db: MigrationDb, dialect: DialectName, log: MigrationLog) {
  const { pg, big, json } = columnTypes(dialect);
  for (const [name, type, dflt] of [
    ['turns', 'integer', '0'],
    ['user_messages', 'integer', '0'],
    ['agent_messages', 'integer', '0'],
    ['first_response_ms', big, null],
    ['response_ms_sum', big, '0'],
    ['avg_response_ms', big, null],
    ['max_response_ms', big, null],
    ['handoffs', 'integer', '0'],
    ['errors', 'integer', '0'],
    ['interruptions', 'integer', '0'],
    ['input_tokens', big, '0'],
    ['output_tokens', big, '0'],
    ['cost_nanos', big, '0'],
    ['last_message_at', big, null],
    ['last_user_at', big, null],
    ['awaiting_reply', 'integer', '0'],
  ] as const)
    await sql
      .raw(`ALTER TABLE sessions ADD COLUMN ${name} ${type}${dflt === null ? '' : ` NOT NULL DEFAULT ${dflt}`}`)
      .execute(db);
  await sql.raw(`ALTER TABLE messages ADD COLUMN latency_ms ${big}`).execute(db);
  await sql.raw('ALTER TABLE messages ADD COLUMN interrupted integer NOT NULL DEFAULT 0').execute(db);
  await sql.raw(`ALTER TABLE messages ADD COLUMN usage ${json}`).execute(db);
  await backfill(db, pg, log);
}

/** The figures of every stored session that has messages or counted events. */
async function backfill(db: MigrationDb, pg: boolean, log: MigrationLog) {
  const { rows: counted } = await sql<{ n: number }>`SELECT count(*) AS n FROM sessions
    WHERE message_count > 0 OR event_count > 0`.execute(db);
  const total = Number(counted[0].n);
  if (total === 0) return;
  log(`0011_session_stats: computing the figures of ${total.toLocaleString('en')} stored sessions`);
  const started = Date.now();
  let lastLog = started;
  let done = 0;
  let after = -1;
  for (;;) {
    const { rows: sessions } = await sql<{ pk: number; started_at: number }>`SELECT pk, started_at FROM sessions
      WHERE pk > ${after} AND (message_count > 0 OR event_count > 0) ORDER BY pk LIMIT ${CHUNK}`.execute(db);
    if (sessions.length === 0) break;
    after = Number(sessions[sessions.length - 1].pk);
    const pks = sessions.map((s) => Number(s.pk));
    const times = sessions.map((s) => Number(s.started_at));
    const from = Math.min(...times);
    const to = Math.max(...times);
    const [{ rows: messages }, { rows: events }] = await Promise.all([
      sql<{ session_pk: number; sender: 'user' | 'agent'; timestamp: number; seq: number }>`SELECT session_pk,
        sender, timestamp, seq FROM messages WHERE session_pk IN (${sql.join(pks)})
        AND session_started_at >= ${from} AND session_started_at <= ${to}`.execute(db),
      sql<{ session_pk: number; type: string; data: unknown }>`SELECT session_pk, type, data FROM session_events
        WHERE session_pk IN (${sql.join(pks)}) AND session_started_at >= ${from} AND session_started_at <= ${to}
        AND type IN ('agent_handoff', 'error', 'usage')`.execute(db),
    ]);
    const bySession = new Map<number, { messages: StatsMessage[]; events: Array<{ type: string; data: unknown }> }>();
    const entry = (pk: number) => {
      let e = bySession.get(pk);
      if (!e) {
        e = { messages: [], events: [] };
        bySession.set(pk, e);
      }
      return e;
    };
    for (const m of messages)
      entry(Number(m.session_pk)).messages.push({
        sender: m.sender,
        timestamp: Number(m.timestamp),
        seq: Number(m.seq),
        latency_ms: null,
      });
    for (const e of events)
      entry(Number(e.session_pk)).events.push({
        type: e.type,
        data: typeof e.data === 'string' ? JSON.parse(e.data) : e.data,
      });
    const updates: Array<[pk: number, startedAt: number, stats: StatsColumns]> = [];
    for (const [i, pk] of pks.entries()) {
      const e = bySession.get(pk);
      if (!e) continue;
      const s = emptyStats();
      addMessages(s, e.messages);
      foldOrdered(s, e.messages.sort(byConversationOrder));
      addEvents(s, e.events);
      updates.push([pk, times[i], s]);
    }
    for (let i = 0; i < updates.length; i += WRITE_ROWS) await write(db, pg, updates.slice(i, i + WRITE_ROWS));
    done += sessions.length;
    if (Date.now() - lastLog >= 5_000) {
      lastLog = Date.now();
      const rate = done / ((lastLog - started) / 1000);
      log(
        `0011_session_stats: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} sessions (${Math.floor(
          (done / total) * 100,
        )} %), ${Math.round(rate).toLocaleString('en')}/s, ~${Math.ceil((total - done) / rate)} s left`,
      );
    }
  }
  log(
    `0011_session_stats: ${total.toLocaleString('en')} sessions done in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

/** One UPDATE … FROM (VALUES …) for a chunk of sessions' figures. */
async function write(db: MigrationDb, pg: boolean, rows: Array<[number, number, StatsColumns]>) {
  // PostgreSQL types a VALUES list by its first row: a leading null would make a column text.
  const cast = (c: string) => sql.raw(pg ? `v.${c}::bigint` : `v.${c}`);
  const values = rows.map(
    ([pk, startedAt, s]) => sql`(${sql.join([pk, startedAt, ...STATS_COLUMNS.map((c) => s[c])])})`,
  );
  const names = ['pk', 'started_at', ...STATS_COLUMNS];
  const set = STATS_COLUMNS.map((c) => sql`${sql.ref(c)} = ${cast(c)}`);
  // VALUES columns are column1, column2, … in both databases (SQLite takes no column list after AS).
  const columns = names.map((n, i) => sql`${sql.ref(`column${i + 1}`)} AS ${sql.ref(n)}`);
  await sql`UPDATE sessions SET ${sql.join(set)}
    FROM (SELECT ${sql.join(columns)} FROM (VALUES ${sql.join(values)}) AS x) AS v
    WHERE sessions.pk = ${cast('pk')} AND sessions.started_at = ${cast('started_at')}`.execute(db);
}
