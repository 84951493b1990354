import { filtersToQuery } from '@switchboard/contracts';
import type { RequestOptions, Transport } from '../http.js';
import { type Ingester, SessionHandle, type StartSessionInput, sessionItem } from '../ingest.js';
import { paginate } from '../pagination.js';
import { type StreamOptions, liveStream } from '../sse.js';
import type {
  ExportFormat,
  ListOptions,
  Metrics,
  Session,
  SessionDetail,
  SessionFilters,
  SessionList,
  Sort,
  StreamEvent,
  Timeseries,
  TranscriptPage,
} from '../types.js';

/** What `sessions.list` iterates: the shared filters, a sort, and how many to fetch per request. */
export type ListAllOptions = SessionFilters & {
  sort?: Sort;
  /** Sessions per request, 1–500 (500). */
  pageSize?: number;
};

/** What `sessions.export` streams: the shared filters, a sort and the file format. */
export type ExportOptions = SessionFilters & {
  sort?: Sort;
  /** `csv` (one row per session, the default), `json` (an array) or `ndjson` (one per line). */
  format?: ExportFormat;
};

/** `sb.sessions`: reporting and reading sessions. */
export class SessionsApi {
  /** @internal */
  constructor(
    private readonly transport: Transport,
    private readonly ingester: Ingester,
  ) {}

  /**
   * Starts reporting a session and returns its handle. Resolves at once; with `{wait: true}` it
   * resolves only once the server has stored the session (one round trip) and rejects if it
   * refused it. The session travels in the shared ingest batches, so it takes the client's
   * request settings rather than per-call ones.
   *
   * @example
   * const session = await sb.sessions.start({
   *   agent: { id: 'support-bot', name: 'Support Bot' },
   *   channel: 'whatsapp',
   *   type: 'chat',
   *   metadata: { userId: 'u_123', plan: 'pro' },
   * });
   * session.message('user', 'Where is my order?');
   */
  async start(input: StartSessionInput, opts: { wait?: boolean } = {}): Promise<SessionHandle> {
    const item = sessionItem(input);
    const stored = this.ingester.enqueue(item);
    if (opts.wait) {
      await this.ingester.flushSession(item.body.id as string);
      await stored;
    }
    return new SessionHandle(this.ingester, item.body.id as string);
  }

  /**
   * A handle for a session that was started elsewhere (another process, an earlier run), to
   * add messages or end it.
   *
   * @example
   * const session = sb.sessions.attach('call-8841');
   * await session.end('cancelled', { endedReason: 'user_hangup' });
   */
  attach(id: string): SessionHandle {
    return new SessionHandle(this.ingester, id);
  }

  /**
   * Every matching session, fetched page by page with the API's cursor as you iterate. Deep
   * result sets cost the server no more per page than the first one. The request options apply
   * to every page's request.
   *
   * @example
   * for await (const s of sb.sessions.list({ status: 'failed', channel: ['phone', 'sip'], from: '2026-11-01' })) {
   *   console.log(s.id, s.endedReason);
   * }
   */
  list(filters: ListAllOptions = {}, options: RequestOptions = {}): AsyncGenerator<Session, void, undefined> {
    const { pageSize = 500, ...rest } = filters;
    return paginate((cursor) => this.listPage({ ...rest, limit: pageSize, cursor }, options));
  }

  /**
   * One page of sessions, with `pagination.total` and the `nextCursor` to continue from.
   *
   * @example
   * const { data, pagination } = await sb.sessions.listPage({ search: 'refund', limit: 50, sort: '-startedAt' });
   * console.log(`Showing ${data.length} of ${pagination.total}`);
   */
  listPage(query: ListOptions = {}, options: RequestOptions = {}): Promise<SessionList> {
    return this.transport.request('GET', '/sessions', { query: filtersToQuery(query) }, options);
  }

  /**
   * A session with its transcript and events, each in `seq` order. A missing id (or another
   * organization's) rejects with a `NotFoundError`.
   *
   * @example
   * const s = await sb.sessions.get('call-8841');
   * for (const m of s.messages) console.log(`${m.sender}: ${m.content}`);
   */
  get(id: string, options: RequestOptions = {}): Promise<SessionDetail> {
    return this.transport.request('GET', `/sessions/${encodeURIComponent(id)}`, {}, options);
  }

  /**
   * One page of a session's transcript: the messages and the events after `cursor` (the first
   * page without one), at most `limit` of each (1–500, default 200) and 512 KiB of each.
   * `get` returns the first page with the cursor of the second in `transcript.nextCursor`.
   *
   * @example
   * const s = await sb.sessions.get('call-8841');
   * if (s.transcript.hasMore) {
   *   const next = await sb.sessions.transcriptPage('call-8841', { cursor: s.transcript.nextCursor });
   * }
   */
  transcriptPage(
    id: string,
    query: { cursor?: string | null; limit?: number } = {},
    options: RequestOptions = {},
  ): Promise<TranscriptPage> {
    const q = new URLSearchParams();
    if (query.cursor) q.set('cursor', query.cursor);
    if (query.limit !== undefined) q.set('limit', String(query.limit));
    return this.transport.request('GET', `/sessions/${encodeURIComponent(id)}/transcript`, { query: q }, options);
  }

  /**
   * Every page of a session's transcript, from the first, fetching the next only once the
   * caller has consumed the previous one: a transcript of any length, a page in memory at a time.
   *
   * @example
   * for await (const page of sb.sessions.transcript('call-8841')) {
   *   for (const m of page.messages) console.log(`#${m.seq} ${m.sender}: ${m.content}`);
   * }
   */
  async *transcript(
    id: string,
    query: { limit?: number } = {},
    options: RequestOptions = {},
  ): AsyncGenerator<TranscriptPage, void, undefined> {
    let cursor: string | null = null;
    do {
      const page: TranscriptPage = await this.transcriptPage(id, { ...query, cursor }, options);
      yield page;
      cursor = page.hasMore ? page.nextCursor : null;
    } while (cursor);
  }

  /**
   * Totals for the filters: all, active, last 24 h, per channel, status and type. Repeated calls
   * revalidate with the last ETag, so polling costs a 304 while nothing changed.
   *
   * @example
   * const m = await sb.sessions.metrics({ from: '2026-11-01' });
   * console.log(m.activeSessions, m.topChannel?.channel);
   */
  metrics(filters: SessionFilters = {}, options: RequestOptions = {}): Promise<Metrics> {
    return this.transport.request('GET', '/sessions/metrics', { query: filtersToQuery(filters), cache: true }, options);
  }

  /**
   * Session counts per hour or day over `[from, to)` (default: the last 24 h by hour).
   *
   * @example
   * const { buckets } = await sb.sessions.timeseries({ interval: 'day', from: '2026-11-01', to: '2026-11-30' });
   */
  timeseries(
    filters: SessionFilters & { interval?: 'hour' | 'day' } = {},
    options: RequestOptions = {},
  ): Promise<Timeseries> {
    return this.transport.request(
      'GET',
      '/sessions/timeseries',
      { query: filtersToQuery(filters), cache: true },
      options,
    );
  }

  /**
   * Every matching session as a file, streamed: CSV (one row per session, the default), a JSON
   * array or NDJSON (full sessions with messages and events). Rejects before any byte if the
   * request is refused; the returned stream carries the body, and the `signal` stops it too. In
   * Node, `exportToFile` from `@switchboard/client/node` writes it to disk.
   *
   * @example
   * const body = await sb.sessions.export({ status: 'completed', sort: 'startedAt', format: 'ndjson' });
   * const text = await new Response(body).text();
   */
  async export(filters: ExportOptions = {}, options: RequestOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const { format = 'csv', ...rest } = filters;
    const raw = await this.transport.raw(
      'GET',
      '/sessions/export',
      { query: filtersToQuery({ ...rest, format }), headers: { accept: '*/*' } },
      options,
    );
    const body = raw.response.body;
    if (!body) {
      raw.dispose();
      return new ReadableStream({ start: (c) => c.close() });
    }
    return body;
  }

  /**
   * Live events for the filters, for as long as you iterate. Reconnects by itself with
   * `Last-Event-ID`, so nothing is missed or repeated across drops and server restarts. Stop
   * with `break` or an AbortSignal. It never gives up on its own, so `maxRetries` does not
   * apply; `timeoutMs` bounds each connection attempt.
   *
   * @example
   * const ac = new AbortController();
   * for await (const ev of sb.sessions.stream({ channel: 'phone' }, { signal: ac.signal })) {
   *   if (ev.type === 'session.ended') console.log(ev.data.id, ev.data.status);
   *   if (ev.type === 'message.created') console.log(ev.data.sender, ev.data.content);
   * }
   */
  stream(
    filters: Omit<SessionFilters, 'transcript'> = {},
    options: StreamOptions = {},
  ): AsyncGenerator<StreamEvent, void, undefined> {
    return liveStream(this.transport, filters, options);
  }
}
