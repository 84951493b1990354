import { type RetryInfo, type FetchLike, Transport } from './http.js';
import { Ingester, SessionHandle, type StartSessionInput, sessionItem } from './ingest.js';
import { toQuery } from './query.js';
import { liveStream, type StreamOptions } from './sse.js';
import type { SwitchboardError } from './errors.js';
import type {
  Agent,
  ApiKey,
  CreatedApiKey,
  ExportFormat,
  IngestBatchResult,
  IngestItem,
  ListOptions,
  Me,
  Metrics,
  Scope,
  SessionDetail,
  SessionFilters,
  Session,
  SessionList,
  Sort,
  StreamEvent,
  Timeseries,
  CreateWebhookBody,
  UpdateWebhookBody,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookWithSecret,
} from './types.js';

export interface SwitchboardOptions {
  /**
   * Where Switchboard runs, e.g. `http://127.0.0.1:8080`. In a browser page served by
   * Switchboard itself, leave it out to call the same origin.
   */
  baseUrl?: string;
  /**
   * An API key (`swb_…`). Without one, requests carry the browser's dashboard cookie
   * (`credentials: 'same-origin'`) and the CSRF header the server asks of cookie writes.
   */
  apiKey?: string;
  /** A fetch to use instead of the global one (tests, proxies, older runtimes). */
  fetch?: FetchLike;
  /** Retries after the first attempt for network errors, 429 and 5xx (5). */
  retries?: number;
  /** First backoff ceiling; doubles each retry, with full jitter (500 ms). */
  retryBaseDelayMs?: number;
  /** Largest backoff ceiling (30 s). */
  retryMaxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited out: the call fails with the 429 (60 s). */
  maxRetryAfterMs?: number;
  /** Per attempt, until the response headers arrive (30 s). */
  timeoutMs?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Items per `POST /ingest` request, 1–1000 (500). */
  batchSize?: number;
  /** How long a queued item may wait for its batch to fill (1000 ms). */
  flushIntervalMs?: number;
  /** Items the ingest queue holds before refusing more, e.g. while the server is down (100,000). */
  maxQueue?: number;
  /**
   * Told about every ingest item the server refused or that could not be delivered; the
   * default logs to the console. The same failures also reject the next `flush()`.
   */
  onError?: (error: SwitchboardError, items: IngestItem[]) => void;
  /** Told before each retry, with the wait chosen. */
  onRetry?: (info: RetryInfo) => void;
}

export type ListAllOptions = SessionFilters & {
  sort?: Sort;
  /** Sessions per request, 1–500 (500). */
  pageSize?: number;
  signal?: AbortSignal;
};

const enc = encodeURIComponent;

/**
 * The Switchboard client. One per process (or page) is enough: it holds the ingest queue.
 *
 * @example
 * import { Switchboard } from '@switchboard/client';
 *
 * const sb = new Switchboard({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.SWITCHBOARD_API_KEY });
 * const session = await sb.sessions.start({ agent: { id: 'support-bot', name: 'Support Bot' }, channel: 'web', type: 'chat' });
 * session.message('user', 'Hi!');
 * session.message('agent', 'Hello, how can I help?');
 * await session.end('completed');
 * await sb.close();
 */
export class Switchboard {
  /** Report sessions (`start`) and read them back. */
  readonly sessions: SessionsApi;
  /** API keys (scope `admin`). */
  readonly keys: KeysApi;
  /** Webhook endpoints and their delivery log (scope `admin`). */
  readonly webhooks: WebhooksApi;
  /** Dashboard sign-in: exchange a key for the browser's session cookie, and who is signed in. */
  readonly auth: AuthApi;
  private readonly transport: Transport;
  private readonly ingester: Ingester;

  constructor(options: SwitchboardOptions = {}) {
    const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.transport = new Transport({
      baseUrl,
      apiKey: options.apiKey,
      fetch: options.fetch,
      retries: options.retries ?? 5,
      retryBaseDelayMs: options.retryBaseDelayMs ?? 500,
      retryMaxDelayMs: options.retryMaxDelayMs ?? 30_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      headers: options.headers,
      onRetry: options.onRetry,
    });
    const batchSize = options.batchSize ?? 500;
    if (!(batchSize >= 1 && batchSize <= 1000)) throw new RangeError('batchSize must be 1–1000');
    this.ingester = new Ingester(this.transport, {
      batchSize,
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      maxQueue: options.maxQueue ?? 100_000,
      onError: options.onError,
    });
    this.sessions = new SessionsApi(this.transport, this.ingester);
    this.keys = new KeysApi(this.transport);
    this.webhooks = new WebhooksApi(this.transport);
    this.auth = new AuthApi(this.transport);
  }

  /**
   * Sends every queued ingest item now. Rejects with a `SwitchboardIngestError` listing the
   * items refused since the last flush.
   *
   * @example
   * process.on('SIGTERM', async () => { await sb.flush(); process.exit(0); });
   */
  flush(): Promise<void> {
    return this.ingester.flush();
  }

  /**
   * Flushes, then refuses further reporting. Call it before the process exits.
   *
   * @example
   * await sb.close();
   */
  close(): Promise<void> {
    return this.ingester.close();
  }

  /** Items queued and not yet sent. */
  get pending(): number {
    return this.ingester.pending;
  }

  /**
   * Sends one `POST /ingest` batch now, unbuffered (1–1000 items), and returns the per-item
   * results. Retried safely: the request carries one Idempotency-Key across its retries.
   *
   * @example
   * const { results } = await sb.ingest([
   *   { type: 'session', body: { id: 'call-1', agent: { id: 'ivr' }, channel: 'phone', type: 'voice' } },
   *   { type: 'message', body: { sessionId: 'call-1', sender: 'user', content: 'Hello?' } },
   * ]);
   * const refused = results.filter((r) => r.status >= 400);
   */
  ingest(
    items: IngestItem[],
    opts: { idempotencyKey?: string; signal?: AbortSignal } = {},
  ): Promise<IngestBatchResult> {
    return this.transport.request('POST', '/ingest', { body: { batch: items }, ...opts });
  }

  /**
   * Every agent that has reported a session, with its latest name and session count.
   *
   * @example
   * for (const a of await sb.agents()) console.log(a.name, a.sessionCount);
   */
  async agents(opts: { signal?: AbortSignal } = {}): Promise<Agent[]> {
    const { data } = await this.transport.request<{ data: Agent[] }>('GET', '/agents', { ...opts, cache: true });
    return data;
  }
}

/** `sb.sessions`: reporting and reading sessions. */
export class SessionsApi {
  constructor(
    private readonly transport: Transport,
    private readonly ingester: Ingester,
  ) {}

  /**
   * Starts reporting a session and returns its handle. Resolves at once; with `{wait: true}` it
   * resolves only once the server has stored the session (one round trip) and rejects if it
   * refused it.
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
   * result sets cost the server no more per page than the first one.
   *
   * @example
   * for await (const s of sb.sessions.list({ status: 'failed', channel: ['phone', 'sip'], from: '2026-11-01' })) {
   *   console.log(s.id, s.endedReason);
   * }
   */
  async *list(filters: ListAllOptions = {}): AsyncGenerator<Session, void, undefined> {
    const { pageSize = 500, signal, ...rest } = filters;
    let cursor: string | undefined;
    for (;;) {
      const page = await this.listPage({ ...rest, limit: pageSize, ...(cursor ? { cursor } : {}) }, { signal });
      yield* page.data;
      if (!page.pagination.hasMore || !page.pagination.nextCursor) return;
      cursor = page.pagination.nextCursor;
    }
  }

  /**
   * One page of sessions, with `pagination.total` and the `nextCursor` to continue from.
   *
   * @example
   * const { data, pagination } = await sb.sessions.listPage({ search: 'refund', limit: 50, sort: '-startedAt' });
   * console.log(`Showing ${data.length} of ${pagination.total}`);
   */
  listPage(options: ListOptions = {}, opts: { signal?: AbortSignal } = {}): Promise<SessionList> {
    return this.transport.request('GET', '/sessions', {
      query: toQuery(options as ListOptions & Record<string, unknown>),
      ...opts,
    });
  }

  /**
   * A session with its transcript and events, each in `seq` order. A missing id (or another
   * organization's) rejects with a 404 `SwitchboardError`.
   *
   * @example
   * const s = await sb.sessions.get('call-8841');
   * for (const m of s.messages) console.log(`${m.sender}: ${m.content}`);
   */
  get(id: string, opts: { signal?: AbortSignal } = {}): Promise<SessionDetail> {
    return this.transport.request('GET', `/sessions/${enc(id)}`, opts);
  }

  /**
   * Totals for the filters: all, active, last 24 h, per channel, status and type. Repeated calls
   * revalidate with the last ETag, so polling costs a 304 while nothing changed.
   *
   * @example
   * const m = await sb.sessions.metrics({ from: '2026-11-01' });
   * console.log(m.activeSessions, m.topChannel?.channel);
   */
  metrics(filters: SessionFilters = {}, opts: { signal?: AbortSignal } = {}): Promise<Metrics> {
    return this.transport.request('GET', '/sessions/metrics', {
      query: toQuery(filters as SessionFilters & Record<string, unknown>),
      cache: true,
      ...opts,
    });
  }

  /**
   * Session counts per hour or day over `[from, to)` (default: the last 24 h by hour).
   *
   * @example
   * const { buckets } = await sb.sessions.timeseries({ interval: 'day', from: '2026-11-01', to: '2026-11-30' });
   */
  timeseries(
    filters: SessionFilters & { interval?: 'hour' | 'day' } = {},
    opts: { signal?: AbortSignal } = {},
  ): Promise<Timeseries> {
    return this.transport.request('GET', '/sessions/timeseries', {
      query: toQuery(filters as SessionFilters & Record<string, unknown>),
      cache: true,
      ...opts,
    });
  }

  /**
   * Every matching session as a file, streamed: CSV (one row per session), a JSON array or
   * NDJSON (full sessions with messages and events). Rejects before any byte if the request is
   * refused; the returned stream carries the body. In Node, `exportToFile` from
   * `@switchboard/client/node` writes it to disk.
   *
   * @example
   * const body = await sb.sessions.export({ status: 'completed' }, 'ndjson');
   * const text = await new Response(body).text();
   */
  async export(
    filters: SessionFilters & { sort?: Sort } = {},
    format: ExportFormat = 'csv',
    opts: { signal?: AbortSignal } = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const raw = await this.transport.raw('GET', '/sessions/export', {
      query: toQuery({ ...filters, format } as SessionFilters & Record<string, unknown>),
      headers: { accept: '*/*' },
      ...opts,
    });
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
   * with `break` or an AbortSignal.
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
    opts: StreamOptions = {},
  ): AsyncGenerator<StreamEvent, void, undefined> {
    return liveStream(this.transport, filters, opts);
  }
}

/** `sb.keys`: API keys of your organization (scope `admin`). */
export class KeysApi {
  constructor(private readonly transport: Transport) {}

  /**
   * Creates a key. Its secret (`key`) is in this response only; store it now.
   *
   * @example
   * const { key } = await sb.keys.create({ name: 'support-bot production', scopes: ['ingest'] });
   */
  create(body: { name: string; scopes: Scope[] }): Promise<CreatedApiKey> {
    return this.transport.request('POST', '/keys', { body });
  }

  /**
   * Every key, revoked ones included, without secrets.
   *
   * @example
   * const unused = (await sb.keys.list()).filter((k) => !k.lastUsedAt && !k.revokedAt);
   */
  async list(opts: { signal?: AbortSignal } = {}): Promise<ApiKey[]> {
    const { data } = await this.transport.request<{ data: ApiKey[] }>('GET', '/keys', opts);
    return data;
  }

  /**
   * Revokes a key: it fails with 401 from the next request on.
   *
   * @example
   * await sb.keys.revoke('key_01J…');
   */
  async revoke(id: string): Promise<void> {
    await this.transport.request('DELETE', `/keys/${enc(id)}`);
  }
}

/** `sb.webhooks`: endpoints that receive live events, signed the Standard Webhooks way (scope `admin`). */
export class WebhooksApi {
  constructor(private readonly transport: Transport) {}

  /**
   * Registers an endpoint. Keep the returned `secret` for `verifyWebhook`; it is shown only here
   * and on rotation.
   *
   * @example
   * const hook = await sb.webhooks.create({
   *   url: 'https://example.com/switchboard',
   *   events: ['session.ended'],
   *   filters: { status: ['failed'], channel: ['phone'] },
   * });
   * saveSecret(hook.secret);
   */
  create(body: CreateWebhookBody): Promise<WebhookWithSecret> {
    return this.transport.request('POST', '/webhooks', { body });
  }

  /**
   * Every endpoint, without secrets.
   *
   * @example
   * const disabled = (await sb.webhooks.list()).filter((w) => !w.enabled);
   */
  async list(opts: { signal?: AbortSignal } = {}): Promise<Webhook[]> {
    const { data } = await this.transport.request<{ data: Webhook[] }>('GET', '/webhooks', opts);
    return data;
  }

  /**
   * One endpoint.
   *
   * @example
   * const hook = await sb.webhooks.get(id);
   * if (hook.disabledReason) console.warn(hook.disabledReason);
   */
  get(id: string, opts: { signal?: AbortSignal } = {}): Promise<Webhook> {
    return this.transport.request('GET', `/webhooks/${enc(id)}`, opts);
  }

  /**
   * Changes an endpoint; `enabled: true` re-enables one Switchboard disabled.
   *
   * @example
   * await sb.webhooks.update(id, { enabled: true });
   */
  update(id: string, body: UpdateWebhookBody): Promise<Webhook> {
    return this.transport.request('PATCH', `/webhooks/${enc(id)}`, { body });
  }

  /**
   * Deletes an endpoint.
   *
   * @example
   * await sb.webhooks.delete(id);
   */
  async delete(id: string): Promise<void> {
    await this.transport.request('DELETE', `/webhooks/${enc(id)}`);
  }

  /**
   * A new signing secret; the old one keeps signing too for 24 hours.
   *
   * @example
   * const { secret } = await sb.webhooks.rotateSecret(id);
   */
  rotateSecret(id: string): Promise<WebhookWithSecret> {
    return this.transport.request('POST', `/webhooks/${enc(id)}/rotate-secret`);
  }

  /**
   * Sends a `webhook.test` event to the endpoint now.
   *
   * @example
   * const delivery = await sb.webhooks.sendTest(id);
   */
  sendTest(id: string): Promise<WebhookDelivery> {
    return this.transport.request('POST', `/webhooks/${enc(id)}/test`);
  }

  /**
   * The delivery log, newest first, with every attempt's response code.
   *
   * @example
   * const { data } = await sb.webhooks.deliveries(id, { status: 'failed' });
   */
  deliveries(
    id: string,
    query: { status?: WebhookDelivery['status']; limit?: number; offset?: number; cursor?: string } = {},
    opts: { signal?: AbortSignal } = {},
  ): Promise<WebhookDeliveryList> {
    return this.transport.request('GET', `/webhooks/${enc(id)}/deliveries`, {
      query: toQuery(query as Record<string, unknown>),
      ...opts,
    });
  }

  /**
   * Delivers again, with the same `webhook-id` (receivers deduplicate on it).
   *
   * @example
   * await sb.webhooks.retryDelivery(id, deliveryId);
   */
  retryDelivery(id: string, deliveryId: string): Promise<WebhookDelivery> {
    return this.transport.request('POST', `/webhooks/${enc(id)}/deliveries/${enc(deliveryId)}/retry`);
  }
}

/**
 * `sb.auth`: the dashboard's sign-in. `login` trades an API key for an HttpOnly session cookie,
 * which only a browser keeps, so these are for pages on Switchboard's own origin created without
 * an `apiKey`. `me` works with a key too: it says which organization, key and scopes it carries.
 */
export class AuthApi {
  constructor(private readonly transport: Transport) {}

  /**
   * Signs the browser in with an API key: the server sets the session cookie and answers with
   * who that is. A wrong or revoked key rejects with a 401 `SwitchboardError`, a malformed one
   * with a 400 listing the field.
   *
   * @example
   * const sb = new Switchboard();
   * const me = await sb.auth.login(pastedKey);
   * console.log(`Signed in to ${me.organization.name}`);
   */
  login(key: string, opts: { signal?: AbortSignal } = {}): Promise<Me> {
    return this.transport.request('POST', '/auth/login', { body: { key }, ...opts });
  }

  /**
   * Ends the dashboard session: the server forgets it and clears the cookie.
   *
   * @example
   * await sb.auth.logout();
   */
  async logout(opts: { signal?: AbortSignal } = {}): Promise<void> {
    await this.transport.request('POST', '/auth/logout', opts);
  }

  /**
   * Who the cookie (or the `apiKey`) signs in as. Rejects with a 401 `SwitchboardError` when
   * nobody is signed in, which makes it the check for "show the sign-in page".
   *
   * @example
   * const { organization, scopes } = await sb.auth.me();
   * const isAdmin = scopes.includes('admin');
   */
  me(opts: { signal?: AbortSignal } = {}): Promise<Me> {
    return this.transport.request('GET', '/auth/me', opts);
  }
}
