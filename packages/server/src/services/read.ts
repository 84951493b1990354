/**
 * The read side of DESIGN §3.2: turning query parameters into a SessionFilter (with every bad
 * parameter listed), cursors, metrics, time series, detail and streamed export.
 */
import { Readable } from 'node:stream';
import {
  CHANNELS,
  type ExportFormat,
  type Metrics,
  type ProblemFieldError,
  SESSION_TYPES,
  STATUSES,
  type Session,
  type SessionDetail,
  type SessionList,
  type Sort,
  type SortField,
  type Timeseries,
} from '@switchboard/contracts';
import { LIMITS } from '@switchboard/contracts';
import { badRequest, notFound } from '../lib/errors.js';
import { DAY_MS, HOUR_MS, iso, parseBound } from '../lib/time.js';
import type { Store } from '../store/db.js';
import { type SessionFilter, transcriptWords } from '../store/filters.js';
import {
  type CsvSessionRow,
  type Keyset,
  agentRowToApi,
  countSessions,
  eventRowToApi,
  eventsOfSessions,
  findSession,
  keysetOf,
  listAgents,
  listCsvRows,
  listSessions,
  messageRowToApi,
  messagesOfSessions,
  sessionBuckets,
  sessionCounts,
  sessionEvents,
  sessionMessages,
  sessionRowToApi,
  type SortSpec,
} from '../store/sessions.js';

export type FilterQuery = Record<string, unknown>;

function list(value: unknown): string[] {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : [];
}

function enumList(q: FilterQuery, name: string, allowed: readonly string[], errors: ProblemFieldError[]) {
  const values = list(q[name]);
  const bad = values.filter((v) => !allowed.includes(v));
  if (bad.length)
    errors.push({
      path: name,
      message: `unknown value ${bad.map((b) => `"${b}"`).join(', ')}; must be a comma-separated list of: ${allowed.join(', ')}`,
    });
  return values.length ? [...new Set(values)] : undefined;
}

/** Parses the shared filters; throws one 400 listing every bad parameter. */
export function parseFilters(q: FilterQuery, errors: ProblemFieldError[] = []): SessionFilter {
  const f: SessionFilter = {};
  if (typeof q.search === 'string' && q.search.trim()) f.search = q.search.trim();
  const agents = list(q.agentId);
  if (agents.length) f.agentIds = [...new Set(agents)];
  f.channels = enumList(q, 'channel', CHANNELS, errors);
  f.statuses = enumList(q, 'status', STATUSES, errors);
  f.types = enumList(q, 'type', SESSION_TYPES, errors);
  for (const edge of ['from', 'to'] as const) {
    const text = q[edge];
    if (typeof text !== 'string' || text === '') continue;
    const ms = parseBound(text, edge);
    if (ms === null)
      errors.push({ path: edge, message: 'must be an ISO 8601 date-time with a time zone or a date YYYY-MM-DD' });
    else f[edge] = ms;
  }
  if (f.from !== undefined && f.to !== undefined && f.from >= f.to)
    errors.push({ path: 'to', message: 'must be after from' });
  const metadata: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(q)) {
    if (!k.startsWith('metadata.')) continue;
    if (typeof v !== 'string') {
      errors.push({ path: k, message: 'must be given once' });
      continue;
    }
    metadata.push([k.slice('metadata.'.length), v]);
  }
  if (metadata.length > 16) errors.push({ path: 'metadata', message: 'at most 16 metadata filters' });
  if (metadata.length) f.metadata = metadata;
  if (typeof q.transcript === 'string' && q.transcript.trim()) {
    const words = transcriptWords(q.transcript);
    if (words.length === 0) errors.push({ path: 'transcript', message: 'must contain at least one word' });
    else f.transcriptWords = words;
  }
  if (errors.length) throw badRequest(errors);
  return f;
}

/** The bad parameters parseFilters would report, without throwing. */
export function filterErrors(q: FilterQuery): ProblemFieldError[] {
  const errors: ProblemFieldError[] = [];
  try {
    parseFilters(q, errors);
  } catch {}
  return errors;
}

export function parseSort(sort: Sort | undefined): SortSpec {
  const s = sort ?? '-startedAt';
  return s.startsWith('-') ? { field: s.slice(1) as SortField, desc: true } : { field: s as SortField, desc: false };
}

// Cursors are opaque to clients: base64url JSON of the sort, keyset position and row offset.
interface CursorState {
  s: string;
  v: number | null;
  k: number;
  n: number;
}
const encodeCursor = (c: CursorState) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(text: string, sort: string): CursorState {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as CursorState;
    if (
      typeof c === 'object' &&
      c !== null &&
      c.s === sort &&
      (c.v === null || Number.isFinite(c.v)) &&
      Number.isInteger(c.k) &&
      Number.isInteger(c.n)
    )
      return c;
  } catch {}
  throw badRequest([
    {
      path: 'cursor',
      message: 'is not a cursor this server issued for this sort (take nextCursor from the previous page)',
    },
  ]);
}

const emptyCounts = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export class ReadService {
  constructor(private readonly store: Store) {}

  async list(
    orgId: string,
    q: FilterQuery & { sort?: Sort; limit?: number; offset?: number; cursor?: string },
  ): Promise<SessionList> {
    const filter = parseFilters(q);
    const sort = parseSort(q.sort);
    const sortName = `${sort.desc ? '-' : ''}${sort.field}`;
    const limit = q.limit ?? LIMITS.listLimitDefault;
    let offset = q.offset ?? 0;
    let after: Keyset | undefined;
    if (q.cursor) {
      const c = decodeCursor(q.cursor, sortName);
      after = { value: c.v, pk: c.k };
      offset = c.n;
    }
    const { db, dialect } = this.store;
    const [rows, total] = await Promise.all([
      listSessions(db, dialect, orgId, filter, sort, { limit, offset, after }),
      countSessions(db, dialect, orgId, filter),
    ]);
    const hasMore = offset + rows.length < total;
    const last = rows.at(-1);
    return {
      data: rows.map(sessionRowToApi),
      pagination: {
        total,
        limit,
        offset,
        hasMore,
        nextCursor:
          hasMore && last
            ? encodeCursor({
                s: sortName,
                ...((k) => ({ v: k.value, k: k.pk }))(keysetOf(last, sort.field)),
                n: offset + rows.length,
              })
            : null,
      },
    };
  }

  async metrics(orgId: string, q: FilterQuery, now = Date.now()): Promise<Metrics> {
    const filter = parseFilters(q);
    const c = await sessionCounts(this.store.db, this.store.dialect, orgId, filter, now - DAY_MS);
    let top: Metrics['topChannel'] = null;
    for (const ch of CHANNELS)
      if (c.byChannel[ch] > 0 && (top === null || c.byChannel[ch] > top.count))
        top = { channel: ch, count: c.byChannel[ch] };
    return {
      totalSessions: c.total,
      activeSessions: c.byStatus.active,
      recentSessions: c.recent,
      topChannel: top,
      byChannel: c.byChannel,
      byStatus: c.byStatus,
      byType: c.byType,
      generatedAt: iso(now),
    };
  }

  async timeseries(
    orgId: string,
    q: FilterQuery & { interval?: 'hour' | 'day' },
    now = Date.now(),
  ): Promise<Timeseries> {
    const interval = q.interval ?? 'hour';
    const size = interval === 'hour' ? HOUR_MS : DAY_MS;
    const filter = parseFilters(q);
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
    const rows = await sessionBuckets(this.store.db, this.store.dialect, orgId, { ...filter, from, to }, size);
    const byStart = new Map(rows.map((r) => [r.bucket, r]));
    const buckets: Timeseries['buckets'] = [];
    for (let i = 0; i < count; i++) {
      const start = first + i * size;
      const r = byStart.get(start);
      buckets.push({
        start: iso(start),
        total: r?.total ?? 0,
        byChannel: r?.byChannel ?? emptyCounts(CHANNELS),
        byStatus: r?.byStatus ?? emptyCounts(STATUSES),
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
      messages: messages.map((m) => messageRowToApi(m, row.id)),
      events: events.map((e) => eventRowToApi(e, row.id)),
    };
  }

  async agents(orgId: string) {
    return { data: (await listAgents(this.store.db, orgId)).map(agentRowToApi) };
  }

  /**
   * Every matching session, fetched in keyset chunks: each chunk is a short read, so SQLite's WAL
   * can checkpoint and writers are never blocked behind an export, and the stream's backpressure
   * paces the reads to the client. Memory stays at one chunk whatever the size of the export.
   */
  export(orgId: string, q: FilterQuery & { sort?: Sort; format?: ExportFormat }): Readable {
    const filter = parseFilters(q);
    const sort = parseSort(q.sort);
    const format = q.format ?? 'csv';
    const { scanDb: db, dialect } = this.store;
    const chunk = format === 'csv' ? 1000 : 200;
    async function* rows() {
      let after: Keyset | undefined;
      let first = true;
      if (format === 'csv') yield `${CSV_HEADER.join(',')}\r\n`;
      if (format === 'json') yield '[';
      for (;;) {
        if (format === 'csv') {
          const page = await listCsvRows(db, dialect, orgId, filter, sort, { limit: chunk, after });
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
        const page = await listSessions(db, dialect, orgId, filter, sort, { limit: chunk, after });
        if (page.length === 0) break;
        after = keysetOf(page[page.length - 1], sort.field);
        let out = '';
        const [messages, events] = await Promise.all([messagesOfSessions(db, page), eventsOfSessions(db, page)]);
        const mBy = groupBy(messages, (m) => m.session_pk);
        const eBy = groupBy(events, (e) => e.session_pk);
        for (const r of page) {
          const full: SessionDetail = {
            ...sessionRowToApi(r),
            messages: (mBy.get(r.pk) ?? []).map((m) => messageRowToApi(m, r.id)),
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

export const CSV_HEADER = [
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
] as const;

/**
 * One RFC 4180 cell. A cell that a spreadsheet would run as a formula (starting with = + - @,
 * tab or CR) gets a leading apostrophe: exported transcripts are user-controlled text.
 */
export function csvCell(value: string | number | null): string {
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
export function csvRecord(r: CsvSessionRow): string {
  const ended = r.ended_at === null ? '' : csvCell(exportIso(Number(r.ended_at)));
  const duration = r.duration_ms === null ? '' : csvCell(Number(r.duration_ms) / 1000);
  return `${csvCell(r.id)},${csvCell(r.agent_id)},${csvCell(r.agent_name)},${r.channel},${r.type},${r.status},${csvCell(
    exportIso(Number(r.started_at)),
  )},${ended},${duration},${Number(r.message_count)},${csvCell(r.metadata)}\r\n`;
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
  ]
    .map(csvCell)
    .join(',')}\r\n`;
}

export const exportContentType: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};
