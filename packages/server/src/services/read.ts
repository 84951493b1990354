/**
 * The read side of the sessions API: paged lists, metrics, time series, detail and streamed
 * export, each from the shared filters (services/filters.ts).
 */
import { Readable } from 'node:stream';
import {
  type Agent,
  type AgentDetail,
  type AgentDetailQuery,
  type AgentList,
  type AgentListQuery,
  type AgentSortField,
  CHANNELS,
  type ExportFormat,
  type ExportQuery,
  LIMITS,
  type ListSessionsQuery,
  type Metrics,
  type Session,
  type ExportedSession,
  type SessionDetail,
  type SessionFilters,
  type SessionList,
  type Sort,
  type SortField,
  type Timeseries,
  type TimeseriesQuery,
  type TranscriptMatch,
  type TranscriptPage,
  type TranscriptQuery,
} from '@switchboard/contracts';
import type { Filled } from '../lib/ajv.js';
import { badRequest, notFound } from '../lib/errors.js';
import { type CursorFields, encodeCursor, pageOf, pageStart } from '../lib/page.js';
import { byConversationOrder, emptyStats, foldOrdered, NANOS_PER_USD } from '../lib/stats.js';
import { DAY_MS, HOUR_MS, iso } from '../lib/time.js';
import { snippetAround } from '../lib/transcript.js';
import type { Db, DialectName, Store } from '../store/db.js';
import type { MessageRow } from '../store/schema.js';
import { findAgent, listAgents } from '../store/sessions/agents.js';
import { countSessions } from '../store/sessions/counts.js';
import { emptyFigures, figuresByAgent, figuresByTime, sessionFigures } from '../store/sessions/figures.js';
import {
  type Keyset,
  keysetOf,
  listCsvRows,
  listSessions,
  type SharedWalks,
  type SortSpec,
} from '../store/sessions/page.js';
import {
  agentRowToApi,
  type CsvSessionRow,
  eventRowToApi,
  figuresToApi,
  firstResponsePercentiles,
  messageRowToApi,
  messagesToApi,
  sessionRowToApi,
  type SessionWithAgent,
} from '../store/sessions/rows.js';
import {
  conversationOf,
  eventsOfSessions,
  lastUserBefore,
  matchingMessages,
  messagesOfSessions,
  transcriptPage,
} from '../store/sessions/transcript.js';
import { findSession } from '../store/sessions/write.js';
import { noneBut, type SessionFilter } from '../store/filters.js';
import { notesOf, noteRowToApi, scoreDetails as scoreDetailsOf, scoreMeans } from '../store/review.js';
import { parseFilters } from './filters.js';

function parseSort(sort: Sort): SortSpec {
  return sort.startsWith('-')
    ? { field: sort.slice(1) as SortField, desc: true }
    : { field: sort as SortField, desc: false };
}

/** A sessions cursor holds the sort it was issued for (`s`) and the keyset after its page (`v`, `k`). */
export const sessionCursorFields = (sort: Sort, after: Keyset): CursorFields => ({
  s: sort,
  v: after.value,
  k: after.pk,
});

/**
 * The keyset of a cursor issued for `sort`; undefined for any other. Every sort column and the pk
 * are whole numbers that fit a bigint: a forged 1e300 or 0.5 would fail in PostgreSQL as a 500.
 */
const sessionCursorKeyset =
  (sort: Sort) =>
  (c: CursorFields): Keyset | undefined =>
    c.s === sort && (c.v === null || Number.isSafeInteger(c.v)) && Number.isSafeInteger(c.k) && (c.k as number) >= 0
      ? { value: c.v as number | null, pk: c.k as number }
      : undefined;

const idOrder = (a: Agent, b: Agent) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** What each agent sort compares (`firstResponseMs` is its p50); null sorts last either way. */
const AGENT_SORT_KEYS: Record<AgentSortField, (a: Agent) => number | string | null> = {
  name: (a) => a.name,
  sessionCount: (a) => a.sessionCount,
  lastSeenAt: (a) => a.lastSeenAt,
  failureRate: (a) => a.failureRate,
  avgDurationSeconds: (a) => a.avgDurationSeconds,
  firstResponseMs: (a) => a.firstResponseMs.p50,
  avgResponseMs: (a) => a.avgResponseMs,
  handoffRate: (a) => a.handoffRate,
  errorRate: (a) => a.errorRate,
  costUsd: (a) => a.costUsd,
};

/** Where a transcript page starts: after message seq `m` and event seq `e` of session `i`. */
interface TranscriptAfter {
  m: number;
  e: number;
}
const isSeq = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/**
 * The latencies of a session's agent messages that were sent without one, for pages read in seq
 * order: the time since the latest earlier user message. While the session's messages arrived in
 * conversation order (`messages_disordered` 0) that message is the latest user message by seq,
 * one index step back from the first page and carried from page to page after it; otherwise the
 * conversation's timestamps are folded once (lib/stats.ts), as the figures are.
 */
class Latencies {
  private lastUser: number | null | undefined;
  private folded?: Map<number, number | null>;
  constructor(
    private readonly db: Db,
    private readonly session: SessionWithAgent,
  ) {}

  async messages(rows: MessageRow[]) {
    const id = this.session.id;
    if (!rows.some((r) => r.sender !== 'user' && r.latency_ms === null)) {
      this.lastUser = undefined;
      for (const r of rows) if (r.sender === 'user') this.lastUser = Number(r.timestamp);
      return rows.map((r) => messageRowToApi(r, id));
    }
    if (Number(this.session.messages_disordered) === 1) {
      if (!this.folded) {
        const conversation = (await conversationOf(this.db, this.session))
          .map((m) => ({ ...m, timestamp: Number(m.timestamp), seq: Number(m.seq), latency_ms: m.latency_ms ?? null }))
          .sort(byConversationOrder);
        const latencies = foldOrdered(emptyStats(), conversation);
        this.folded = new Map(conversation.map((m, i) => [m.seq, latencies[i]]));
      }
      const folded = this.folded;
      return rows.map((r) => messageRowToApi(r, id, folded.get(Number(r.seq)) ?? null));
    }
    let last =
      this.lastUser === undefined ? await lastUserBefore(this.db, this.session, Number(rows[0].seq)) : this.lastUser;
    const out = rows.map((r) => {
      if (r.sender === 'user') last = Number(r.timestamp);
      return messageRowToApi(r, id, r.sender === 'user' || last === null ? null : Number(r.timestamp) - last);
    });
    this.lastUser = last;
    return out;
  }
}

/** A page of a session's transcript after `after`, and where the next one starts. */
async function readTranscriptPage(
  db: Db,
  dialect: DialectName,
  session: SessionWithAgent,
  after: TranscriptAfter,
  limit: number,
): Promise<TranscriptPage> {
  const budget = LIMITS.transcriptPageBytes;
  const [m, e] = await Promise.all([
    transcriptPage(db, dialect, 'messages', session, after.m, limit, budget),
    transcriptPage(db, dialect, 'session_events', session, after.e, limit, budget),
  ]);
  const next = { m: Number(m.rows.at(-1)?.seq ?? after.m), e: Number(e.rows.at(-1)?.seq ?? after.e) };
  const hasMore = m.hasMore || e.hasMore;
  return {
    messages: await new Latencies(db, session).messages(m.rows),
    events: e.rows.map((r) => eventRowToApi(r, session.id)),
    hasMore,
    // Bound to the session: another session's cursor is refused rather than read at its seqs.
    nextCursor: hasMore ? encodeCursor({ i: session.id, ...next }, next.m + next.e) : null,
  };
}

/** A session whose whole transcript is read in one statement with others' in an export. */
const SMALL_TRANSCRIPT = { bytes: 256 * 1024, items: 1000 };
/** At most about this much transcript (bytes, and messages and events) is read at once for a run of small sessions. */
const EXPORT_GROUP = { bytes: 4 * 1024 * 1024, items: 20_000 };
/** Matching lines listed per session of a page searched by `transcript`. */
const MATCHES_PER_SESSION = 2;
const isSmall = (r: SessionWithAgent) =>
  Number(r.transcript_bytes) <= SMALL_TRANSCRIPT.bytes &&
  Number(r.message_count) + Number(r.event_count) <= SMALL_TRANSCRIPT.items;

export class ReadService {
  constructor(private readonly store: Store) {}

  async list(orgId: string, query: ListSessionsQuery): Promise<SessionList> {
    const q = query as Filled<ListSessionsQuery, 'sort' | 'limit' | 'offset'>;
    const filter = parseFilters(q);
    const sort = parseSort(q.sort);
    const start = pageStart(q, sessionCursorKeyset(q.sort), ' for this sort');
    const { db, dialect } = this.store;
    // With a range condition the count comes first: how many match decides how the page is found
    // (page.ts, `FEW_MATCHES`). It is an index range like the page itself.
    const counted = filter.ranges?.length ? await countSessions(db, dialect, orgId, filter) : undefined;
    // A tag with a score: the page and the total each size one against the other by a walk of
    // the score's rows, which they make once (page.ts, `scoreSized`).
    const shared: SharedWalks = new Map();
    const [rows, total] = await Promise.all([
      listSessions(db, dialect, { orgId, filter, sort, ...start, matches: counted, shared }),
      counted ?? countSessions(db, dialect, orgId, filter, shared),
    ]);
    const page = pageOf(rows, total, start, sessionRowToApi, (last) =>
      sessionCursorFields(q.sort, keysetOf(last, sort.field)),
    );
    if (!filter.transcriptWords?.length) return page;
    // The lines that matched, for the page's sessions only: a lookup within each session.
    const words = filter.transcriptWords;
    const found = await matchingMessages(db, dialect, rows, words, MATCHES_PER_SESSION);
    const idOf = new Map(rows.map((r) => [Number(r.pk), r.id]));
    const matches: TranscriptMatch[] = found.map((m) => ({
      sessionId: idOf.get(m.session_pk) ?? '',
      messageId: m.id,
      seq: m.seq,
      sender: m.sender,
      timestamp: iso(m.timestamp),
      snippet: snippetAround(m.content, words),
    }));
    return { ...page, matches };
  }

  async metrics(orgId: string, q: SessionFilters, now = Date.now()): Promise<Metrics> {
    const filter = parseFilters(q);
    const { db, dialect } = this.store;
    const recentSince = now - DAY_MS;
    // The figures (and every count) from the counters or one scan; "recent" is a range of the
    // started_at index (one day of rows) within the same filter.
    const [f, recent, scores] = await Promise.all([
      sessionFigures(db, dialect, orgId, filter),
      filter.from !== undefined && filter.from >= recentSince
        ? undefined
        : countSessions(db, dialect, orgId, { ...filter, from: recentSince }),
      scoreMeans(db, dialect, orgId, filter),
    ]);
    let top: Metrics['topChannel'] = null;
    for (const ch of CHANNELS)
      if (f.byChannel[ch] > 0 && (top === null || f.byChannel[ch] > top.count))
        top = { channel: ch, count: f.byChannel[ch] };
    return {
      totalSessions: f.sums.n,
      activeSessions: f.byStatus.active,
      recentSessions: recent ?? f.sums.n,
      topChannel: top,
      byChannel: f.byChannel,
      byStatus: f.byStatus,
      byType: f.byType,
      ...figuresToApi(f),
      scores,
      generatedAt: iso(now),
    };
  }

  async timeseries(orgId: string, q: TimeseriesQuery, now = Date.now()): Promise<Timeseries> {
    const { interval } = q as Filled<TimeseriesQuery, 'interval'>;
    return this.series(orgId, parseFilters(q), interval, now);
  }

  /** Buckets over [from, to) of the filtered sessions; empty buckets included. */
  private async series(
    orgId: string,
    filter: SessionFilter,
    interval: 'hour' | 'day',
    now: number,
  ): Promise<Timeseries> {
    const size = interval === 'hour' ? HOUR_MS : DAY_MS;
    // Default range: the last 24 hours by hour, the last 30 days by day, ending with the current bucket.
    const to = filter.to ?? (Math.floor(now / size) + 1) * size;
    const from = filter.from ?? to - (interval === 'hour' ? 24 * HOUR_MS : 30 * DAY_MS);
    const first = Math.floor(from / size) * size;
    const count = Math.ceil((to - first) / size);
    if (count > LIMITS.timeseriesBucketsMax)
      throw badRequest([
        {
          path: 'from',
          message: `the range holds ${count} ${interval}s; at most ${LIMITS.timeseriesBucketsMax} buckets (use interval=day or a shorter range)`,
        },
      ]);
    const byStart = await figuresByTime(this.store.db, this.store.dialect, orgId, { ...filter, from, to }, size);
    const buckets: Timeseries['buckets'] = [];
    for (let i = 0; i < count; i++) {
      const start = first + i * size;
      const f = byStart.get(start) ?? emptyFigures();
      buckets.push({
        start: iso(start),
        total: f.sums.n,
        byChannel: f.byChannel,
        byStatus: f.byStatus,
        failed: f.byStatus.failed,
        handoffs: f.sums.handoffs,
        errors: f.sums.errors,
        costUsd: f.sums.cost_nanos / NANOS_PER_USD,
        firstResponseMs: firstResponsePercentiles(f),
      });
    }
    return { interval, from: iso(from), to: iso(to), buckets };
  }

  /**
   * A session with the first page of its transcript (`transcript` says how to get the rest): a
   * session of any size is read and sent a page at a time, never whole.
   */
  async detail(orgId: string, id: string): Promise<SessionDetail> {
    const { db, dialect } = this.store;
    const row = await findSession(db, orgId, id);
    if (!row) throw notFound();
    const [page, scoreDetails, notes] = await Promise.all([
      readTranscriptPage(db, dialect, row, { m: 0, e: 0 }, LIMITS.transcriptPageDefault),
      scoreDetailsOf(db, dialect, row),
      notesOf(db, row),
    ]);
    return {
      ...sessionRowToApi(row),
      messages: page.messages,
      events: page.events,
      transcript: { hasMore: page.hasMore, nextCursor: page.nextCursor, eventCount: Number(row.event_count) },
      scoreDetails,
      notes: notes.map((n) => noteRowToApi(n, row.id)),
    };
  }

  /** The page of a session's transcript after `cursor` (the first without one). */
  async transcript(orgId: string, id: string, query: TranscriptQuery): Promise<TranscriptPage> {
    const { db, dialect } = this.store;
    const limit = query.limit ?? LIMITS.transcriptPageDefault;
    // The session first: whatever the cursor, another organization's id is the same 404.
    const row = await findSession(db, orgId, id);
    if (!row) throw notFound();
    const start = pageStart(
      { limit, offset: 0, cursor: query.cursor },
      (c): TranscriptAfter | undefined => (c.i === id && isSeq(c.m) && isSeq(c.e) ? { m: c.m, e: c.e } : undefined),
      ' for this session',
    );
    return readTranscriptPage(db, dialect, row, start.after ?? { m: 0, e: 0 }, limit);
  }

  /**
   * The agent table: every agent without filters (those without sessions with zero figures),
   * else the agents with at least one matching session; sorted, nulls last, ties by id.
   */
  async agents(orgId: string, query: AgentListQuery): Promise<AgentList> {
    const q = query as Filled<AgentListQuery, 'sort' | 'limit'>;
    const filter = parseFilters(q);
    const { db, dialect } = this.store;
    const [rows, figures] = await Promise.all([listAgents(db, orgId), figuresByAgent(db, dialect, orgId, filter)]);
    const all = noneBut(filter);
    const agents = rows
      .map((row) => ({ row, f: figures.get(row.id) }))
      .filter(({ f }) => all || (f !== undefined && f.sums.n > 0))
      .map(({ row, f }) => agentRowToApi(row, f ?? emptyFigures()));
    const desc = q.sort.startsWith('-');
    const field = (desc ? q.sort.slice(1) : q.sort) as AgentSortField;
    const key = AGENT_SORT_KEYS[field];
    agents.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      if (x === null || y === null) return x === y ? idOrder(a, b) : x === null ? 1 : -1;
      const c = x < y ? -1 : x > y ? 1 : 0;
      return (desc ? -c : c) || idOrder(a, b);
    });
    return { data: agents.slice(0, q.limit) };
  }

  /** One agent's row over the filters, with the time series of its matching sessions. */
  async agent(orgId: string, id: string, query: AgentDetailQuery, now = Date.now()): Promise<AgentDetail> {
    const { interval } = query as Filled<AgentDetailQuery, 'interval'>;
    const { db, dialect } = this.store;
    const filter = { ...parseFilters(query), agentIds: [id] };
    const row = await findAgent(db, orgId, id);
    if (!row) throw notFound();
    const [f, timeseries] = await Promise.all([
      sessionFigures(db, dialect, orgId, filter),
      this.series(orgId, filter, interval, now),
    ]);
    return { ...agentRowToApi(row, f), timeseries };
  }

  /**
   * Every matching session, fetched in keyset chunks: each chunk is a short read, so SQLite's WAL
   * can checkpoint and writers are never blocked behind an export, and the stream's backpressure
   * paces the reads to the client. Memory stays at one chunk whatever the size of the export.
   */
  export(orgId: string, query: ExportQuery): Readable {
    const q = query as Filled<ExportQuery, 'sort' | 'format'>;
    const filter = parseFilters(q);
    const sort = parseSort(q.sort);
    const { format } = q;
    const { scanDb: db, dialect } = this.store;
    const chunk = format === 'csv' ? 1000 : 200;
    /**
     * One session as the JSON exports write it, its messages and events a page at a time: the
     * same text as JSON.stringify of the whole, with a page of the transcript in memory at most.
     */
    async function* largeSession(r: SessionWithAgent, before: string, after: string) {
      const head = JSON.stringify(sessionRowToApi(r));
      yield `${before}${head.slice(0, -1)},"messages":[`;
      const latencies = new Latencies(db, r);
      const budget = LIMITS.transcriptPageBytes;
      for (let seq = 0, sep = ''; ; sep = ',') {
        const page = await transcriptPage(db, dialect, 'messages', r, seq, LIMITS.transcriptPageMax, budget);
        if (page.rows.length === 0) break;
        seq = Number(page.rows[page.rows.length - 1].seq);
        yield `${sep}${(await latencies.messages(page.rows)).map((m) => JSON.stringify(m)).join(',')}`;
        if (!page.hasMore) break;
      }
      yield '],"events":[';
      for (let seq = 0, sep = ''; ; sep = ',') {
        const page = await transcriptPage(db, dialect, 'session_events', r, seq, LIMITS.transcriptPageMax, budget);
        if (page.rows.length === 0) break;
        seq = Number(page.rows[page.rows.length - 1].seq);
        yield `${sep}${page.rows.map((e) => JSON.stringify(eventRowToApi(e, r.id))).join(',')}`;
        if (!page.hasMore) break;
      }
      yield `]}${after}`;
    }
    async function* rows() {
      let after: Keyset | undefined;
      let first = true;
      if (format === 'csv') yield `${CSV_HEADER.join(',')}\r\n`;
      if (format === 'json') yield '[';
      for (;;) {
        if (format === 'csv') {
          const page = await listCsvRows(db, dialect, { orgId, filter, sort, limit: chunk, after });
          if (page.length === 0) break;
          after = keysetOf(page[page.length - 1], sort.field);
          // Yielded in pieces of 100 rows (~40 KB): a whole chunk's text is several hundred KB,
          // which V8 puts in its large-object space, freed only by a full collection; an export
          // of a million rows piled those up to +100 MB of peak memory (measured).
          for (let i = 0; i < page.length; i += 100) {
            let out = '';
            for (const r of page.slice(i, i + 100)) out += csvRecord(r);
            yield out;
          }
          if (page.length < chunk) break;
          continue;
        }
        const page = await listSessions(db, dialect, { orgId, filter, sort, limit: chunk, after });
        if (page.length === 0) break;
        after = keysetOf(page[page.length - 1], sort.field);
        const open = () => {
          const sep = format === 'ndjson' ? '' : `${first ? '' : ','}\n`;
          first = false;
          return sep;
        };
        const close = format === 'ndjson' ? '\n' : '';
        for (let i = 0; i < page.length; ) {
          if (!isSmall(page[i])) {
            // A large transcript is written as it is read, a page at a time.
            yield* largeSession(page[i++], open(), close);
            continue;
          }
          // A run of small ones is read with one statement for its messages and one for its events.
          const run: SessionWithAgent[] = [];
          let bytes = 0;
          let items = 0;
          while (
            i < page.length &&
            isSmall(page[i]) &&
            (run.length === 0 || (bytes <= EXPORT_GROUP.bytes && items <= EXPORT_GROUP.items))
          ) {
            bytes += Number(page[i].transcript_bytes);
            items += Number(page[i].message_count) + Number(page[i].event_count);
            run.push(page[i++]);
          }
          let out = '';
          const [messages, events] = await Promise.all([messagesOfSessions(db, run), eventsOfSessions(db, run)]);
          const mBy = groupBy(messages, (m) => m.session_pk);
          const eBy = groupBy(events, (e) => e.session_pk);
          for (const r of run) {
            const full: ExportedSession = {
              ...sessionRowToApi(r),
              messages: messagesToApi(mBy.get(r.pk) ?? [], r.id),
              events: (eBy.get(r.pk) ?? []).map((e) => eventRowToApi(e, r.id)),
            };
            out += `${open()}${JSON.stringify(full)}${close}`;
          }
          yield out;
        }
        if (page.length < chunk) break;
      }
      if (format === 'json') yield first ? ']\n' : '\n]\n';
    }
    return Readable.from(rows(), { objectMode: false });
  }
}

function groupBy<T>(items: T[], key: (t: T) => number) {
  const m = new Map<number, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

const CSV_HEADER = [
  'id',
  'agent_id',
  'agent_name',
  'channel',
  'type',
  'status',
  'started_at',
  'ended_at',
  'duration_seconds',
  'message_count',
  'metadata',
  // The session's figures (0011), after the first eleven so positional readers keep working.
  'turns',
  'first_response_ms',
  'avg_response_ms',
  'max_response_ms',
  'handoffs',
  'errors',
  'interruptions',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  // Why a session ended (`agent_error`, `user_hangup`): appended, like the figures before it.
  'ended_reason',
  // Where the session came from (0021), after the figures for the same reason.
  'source',
  // Review (0022), appended likewise: tags space-separated, scores as JSON, who reviewed it by name.
  'tags',
  'scores',
  'reviewed_at',
  'reviewed_by',
] as const;

/**
 * One RFC 4180 cell. A cell that a spreadsheet would run as a formula (starting with = + - @,
 * tab or CR) gets a leading apostrophe: exported transcripts are user-controlled text.
 */
function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let s = typeof value === 'string' ? value : String(value);
  if (FORMULA_START.has(s.charCodeAt(0))) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** = + - @ tab CR */
const FORMULA_START = new Set([61, 43, 45, 64, 9, 13]);
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * `iso`, for the sorted times of an export: consecutive rows mostly share a day, so the date
 * part is formatted once per day and the time of day by arithmetic (toISOString was a tenth of
 * an export's time, profiled). Exactly `iso(ms)`: a property test compares them.
 */
export function exportIso(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoDay) {
    isoDay = day;
    const text = iso(day * DAY_MS);
    isoDate = text.slice(0, text.indexOf('T') + 1);
  }
  const t = ms - day * DAY_MS;
  const h = Math.floor(t / HOUR_MS);
  const m = Math.floor((t % HOUR_MS) / 60_000);
  const sec = Math.floor((t % 60_000) / 1000);
  return `${isoDate}${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${sec < 10 ? '0' : ''}${sec}.${String(t % 1000).padStart(3, '0')}Z`;
}
let isoDay = Number.NaN;
let isoDate = '';

/**
 * One CSV record straight from a stored row, the same text as `csvRow(sessionRowToApi(row))`
 * (a property test holds them equal) without building the API object: the metadata is written
 * as stored (the JSON text the API would print again), and the channel, type and status come
 * from fixed vocabularies that need no quoting. An export spent a third of its time on the API
 * objects (profiled).
 */
/** Dollars as plain decimal text: 0.0000002, never 2e-7 (which some readers keep as text). */
function usdText(nanos: number): string {
  return (nanos / NANOS_PER_USD).toFixed(9).replace(/0+$/, '').replace(/\.$/, '');
}

export function csvRecord(r: CsvSessionRow): string {
  const ended = r.ended_at === null ? '' : csvCell(exportIso(r.ended_at));
  const duration = r.duration_ms === null ? '' : csvCell(r.duration_ms / 1000);
  // The figures are numbers (or null), never negative: no formula guard or quotes needed.
  return `${csvCell(r.id)},${csvCell(r.agent_id)},${csvCell(r.agent_name)},${r.channel},${r.type},${r.status},${csvCell(
    exportIso(r.started_at),
  )},${ended},${duration},${r.message_count},${csvCell(r.metadata)},${r.turns},${r.first_response_ms ?? ''},${
    r.avg_response_ms ?? ''
  },${r.max_response_ms ?? ''},${r.handoffs},${r.errors},${r.interruptions},${r.input_tokens},${r.output_tokens},${usdText(
    r.cost_nanos,
  )},${csvCell(r.ended_reason)},${r.source},${r.tags === '[]' ? '' : csvCell((JSON.parse(r.tags) as string[]).join(' '))},${csvCell(
    r.scores,
  )},${r.reviewed_at === null ? '' : csvCell(exportIso(r.reviewed_at))},${r.reviewed_by === null ? '' : csvCell((JSON.parse(r.reviewed_by) as { name: string }).name)}\r\n`;
}

export function csvRow(s: Session): string {
  return `${[
    s.id,
    s.agent.id,
    s.agent.name,
    s.channel,
    s.type,
    s.status,
    s.startedAt,
    s.endedAt,
    s.durationSeconds,
    s.messageCount,
    JSON.stringify(s.metadata),
    s.stats.turns,
    s.stats.firstResponseMs,
    s.stats.avgResponseMs,
    s.stats.maxResponseMs,
    s.stats.handoffs,
    s.stats.errors,
    s.stats.interruptions,
    s.stats.inputTokens,
    s.stats.outputTokens,
    usdText(Math.round(s.stats.costUsd * NANOS_PER_USD)),
    s.endedReason,
    s.source,
    s.tags.length ? s.tags.join(' ') : null,
    JSON.stringify(s.scores),
    s.reviewedAt,
    s.reviewedBy?.name ?? null,
  ]
    .map(csvCell)
    .join(',')}\r\n`;
}

export const exportContentType: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};
