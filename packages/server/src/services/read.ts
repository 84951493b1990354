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
  type SessionDetail,
  type SessionFilters,
  type SessionList,
  type Sort,
  type SortField,
  type Timeseries,
  type TimeseriesQuery,
} from '@switchboard/contracts';
import type { Filled } from '../lib/ajv.js';
import { badRequest, notFound } from '../lib/errors.js';
import { type CursorFields, pageOf, pageStart } from '../lib/page.js';
import { NANOS_PER_USD } from '../lib/stats.js';
import { DAY_MS, HOUR_MS, iso } from '../lib/time.js';
import type { Store } from '../store/db.js';
import { findAgent, listAgents } from '../store/sessions/agents.js';
import { countSessions } from '../store/sessions/counts.js';
import { emptyFigures, figuresByAgent, figuresByTime, sessionFigures } from '../store/sessions/figures.js';
import { type Keyset, keysetOf, listCsvRows, listSessions, type SortSpec } from '../store/sessions/page.js';
import {
  agentRowToApi,
  type CsvSessionRow,
  eventRowToApi,
  figuresToApi,
  firstResponsePercentiles,
  messagesToApi,
  sessionRowToApi,
} from '../store/sessions/rows.js';
import { eventsOfSessions, messagesOfSessions, sessionEvents, sessionMessages } from '../store/sessions/transcript.js';
import { findSession } from '../store/sessions/write.js';
import { noneBut, type SessionFilter } from '../store/filters.js';
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
    const [rows, total] = await Promise.all([
      listSessions(db, dialect, { orgId, filter, sort, ...start, matches: counted }),
      counted ?? countSessions(db, dialect, orgId, filter),
    ]);
    return pageOf(rows, total, start, sessionRowToApi, (last) =>
      sessionCursorFields(q.sort, keysetOf(last, sort.field)),
    );
  }

  async metrics(orgId: string, q: SessionFilters, now = Date.now()): Promise<Metrics> {
    const filter = parseFilters(q);
    const { db, dialect } = this.store;
    const recentSince = now - DAY_MS;
    // The figures (and every count) from the counters or one scan; "recent" is a range of the
    // started_at index (one day of rows) within the same filter.
    const [f, recent] = await Promise.all([
      sessionFigures(db, dialect, orgId, filter),
      filter.from !== undefined && filter.from >= recentSince
        ? undefined
        : countSessions(db, dialect, orgId, { ...filter, from: recentSince }),
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

  async detail(orgId: string, id: string): Promise<SessionDetail> {
    const { db } = this.store;
    const row = await findSession(db, orgId, id);
    if (!row) throw notFound();
    const [messages, events] = await Promise.all([sessionMessages(db, row), sessionEvents(db, row)]);
    return {
      ...sessionRowToApi(row),
      messages: messagesToApi(messages, row.id),
      events: events.map((e) => eventRowToApi(e, row.id)),
    };
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
        let out = '';
        const [messages, events] = await Promise.all([messagesOfSessions(db, page), eventsOfSessions(db, page)]);
        const mBy = groupBy(messages, (m) => m.session_pk);
        const eBy = groupBy(events, (e) => e.session_pk);
        for (const r of page) {
          const full: SessionDetail = {
            ...sessionRowToApi(r),
            messages: messagesToApi(mBy.get(r.pk) ?? [], r.id),
            events: (eBy.get(r.pk) ?? []).map((e) => eventRowToApi(e, r.id)),
          };
          const text = JSON.stringify(full);
          out += format === 'ndjson' ? `${text}\n` : `${first ? '' : ','}\n${text}`;
          first = false;
        }
        yield out;
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
  )}\r\n`;
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
  ]
    .map(csvCell)
    .join(',')}\r\n`;
}

export const exportContentType: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};
