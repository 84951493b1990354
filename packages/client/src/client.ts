import type { SwitchboardError } from './errors.js';
import { type FetchLike, type RequestOptions, type RetryInfo, Transport } from './http.js';
import { Ingester } from './ingest.js';
import { AgentsApi } from './resources/agents.js';
import { AuditApi } from './resources/audit.js';
import { AuthApi } from './resources/auth.js';
import { AlertsApi } from './resources/alerts.js';
import { IntegrationsApi } from './resources/integrations.js';
import { SettingsApi } from './resources/settings.js';
import { KeysApi } from './resources/keys.js';
import { UsersApi } from './resources/users.js';
import { SessionsApi } from './resources/sessions.js';
import { ReviewApi } from './resources/review.js';
import { WebhooksApi } from './resources/webhooks.js';
import type { Agent, IngestBatchResult, IngestItem } from './types.js';

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
  /** Retries after the first attempt for network errors, 429 and 5xx (5); `maxRetries` per call. */
  retries?: number;
  /** First backoff ceiling; doubles each retry, with full jitter (500 ms). */
  retryBaseDelayMs?: number;
  /** Largest backoff ceiling (30 s). */
  retryMaxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited out: the call fails with the 429 (60 s). */
  maxRetryAfterMs?: number;
  /** Per attempt, until the response headers arrive (30 s); `timeoutMs` per call. */
  timeoutMs?: number;
  /** Extra headers on every request; a call's own `headers` add to them. */
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
  /** Vapi and Retell integrations (scope `admin`). */
  readonly integrations: IntegrationsApi;
  /** Organization settings: redaction (scope `admin`). */
  readonly settings: SettingsApi;
  /** Webhook endpoints and their delivery log (scope `admin`). */
  readonly webhooks: WebhooksApi;
  /** Tags, scores, notes, the reviewed mark, saved views and bulk actions (scope `review`). */
  readonly review: ReviewApi;
  /** Alert rules and their history (scope `read` to list, `admin` to change). */
  readonly alerts: AlertsApi;
  /** Dashboard sign-in: exchange a key for the browser's session cookie, and who is signed in. */
  readonly auth: AuthApi;
  /** The people of your organization: invite, change role, disable (scope `admin`). */
  readonly users: UsersApi;
  /** The audit log (scope `admin`). */
  readonly audit: AuditApi;
  /**
   * Agents and how they perform: `sb.agents.list(params)`, `sb.agents.get(id, params)`. Still
   * callable as `sb.agents(options)`, the list without parameters, as before it took any.
   */
  readonly agents: AgentsApi & ((options?: RequestOptions) => Promise<Agent[]>);
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
    this.integrations = new IntegrationsApi(this.transport);
    this.settings = new SettingsApi(this.transport);
    this.webhooks = new WebhooksApi(this.transport);
    this.review = new ReviewApi(this.transport);
    this.alerts = new AlertsApi(this.transport);
    this.auth = new AuthApi(this.transport);
    this.users = new UsersApi(this.transport);
    this.audit = new AuditApi(this.transport);
    const agents = new AgentsApi(this.transport);
    // A function carrying the bound methods, so existing `sb.agents()` calls keep working.
    this.agents = Object.assign((options: RequestOptions = {}) => agents.list({}, options), {
      list: agents.list.bind(agents),
      get: agents.get.bind(agents),
    }) as AgentsApi & ((options?: RequestOptions) => Promise<Agent[]>);
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
  ingest(items: IngestItem[], options: RequestOptions = {}): Promise<IngestBatchResult> {
    return this.transport.request('POST', '/ingest', { body: { batch: items } }, options);
  }
}
