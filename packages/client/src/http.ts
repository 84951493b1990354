/**
 * Every HTTP call of the SDK goes through `Transport.request`: authentication, retries with
 * backoff, `Retry-After`, `Idempotency-Key`, per-call options and problem documents are handled
 * here once.
 */
import { SwitchboardError, errorFor, networkError } from './errors.js';
import type { Problem } from './types.js';
import { backoffDelay, linkedController, parseRetryAfter, sleep, uuidv7 } from './util.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface RetryInfo {
  method: string;
  path: string;
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  error: SwitchboardError;
}

/**
 * Per-call options, the last argument of every method that makes a request. Each one overrides
 * the client's setting of the same name for that call only.
 *
 * @example
 * // Give up after 5 s in all, without retrying, and tag the request for your own logs.
 * const session = await sb.sessions.get('call-8841', {
 *   signal: AbortSignal.timeout(5_000),
 *   maxRetries: 0,
 *   headers: { 'x-trace-id': traceId },
 * });
 *
 * @example
 * // The same key on a resend makes the server answer with the first response instead of storing twice.
 * await sb.ingest(items, { idempotencyKey: `nightly-import-${batchNo}` });
 */
export interface RequestOptions {
  /**
   * Cancels the call, its retries and the waits between them; the call rejects with the signal's
   * reason (an `AbortError` unless you gave another). For `export` and `stream`, it also stops
   * the body.
   */
  signal?: AbortSignal;
  /** Per attempt, until the response headers arrive; overrides the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Retries after the first attempt; overrides the client's `retries` (0: no retry). */
  maxRetries?: number;
  /**
   * The `Idempotency-Key` header. POSTs get a new UUIDv7 per call by default, kept across that
   * call's retries; pass your own to make a resend in another process or run safe too. The server
   * honours it on POST requests only.
   */
  idempotencyKey?: string;
  /** Extra headers for this call, over the client's `headers`. */
  headers?: Record<string, string>;
}

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string;
  fetch?: FetchLike;
  retries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  maxRetryAfterMs: number;
  timeoutMs: number;
  headers?: Record<string, string>;
  onRetry?: (info: RetryInfo) => void;
}

/** What the SDK method itself puts into a request (the caller's part is `RequestOptions`). */
export interface Call {
  query?: URLSearchParams;
  body?: unknown;
  /** Headers of the call itself (`accept` of an export, `last-event-id`); the caller's win. */
  headers?: Record<string, string>;
  /** Revalidate with the last ETag and reuse the cached body on 304. */
  cache?: boolean;
  /** Sees the successful response before its body is read (its headers, for instance). */
  onResponse?: (res: Response) => void;
}

export interface RawResponse {
  response: Response;
  /** Aborts this response's body (the connection); also aborted by the caller's signal. */
  controller: AbortController;
  dispose(): void;
}

const UNSAFE = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const CACHE_MAX = 64;

export class Transport {
  private readonly fetchImpl: FetchLike;
  private readonly etags = new Map<string, { etag: string; value: unknown }>();

  constructor(readonly opts: TransportOptions) {
    const f = opts.fetch ?? (globalThis.fetch as FetchLike | undefined);
    if (!f) throw new Error('Switchboard: no global fetch; pass `fetch` in the options (Node ≥ 18 has one).');
    // Browsers throw "Illegal invocation" when the native fetch is called as a method of another
    // object, so the global one is bound to its own realm.
    this.fetchImpl = opts.fetch ?? f.bind(globalThis);
  }

  url(path: string, query?: URLSearchParams): string {
    const qs = query?.toString();
    return `${this.opts.baseUrl}/api/v1${path}${qs ? `?${qs}` : ''}`;
  }

  /** A JSON call: the parsed body (undefined for 204), or a thrown SwitchboardError. */
  async request<T>(method: string, path: string, call: Call = {}, options: RequestOptions = {}): Promise<T> {
    const cacheKey = call.cache && method === 'GET' ? this.url(path, call.query) : undefined;
    const cached = cacheKey ? this.etags.get(cacheKey) : undefined;
    const headers = cached ? { ...call.headers, 'if-none-match': cached.etag } : call.headers;
    return this.withRetries(method, path, { ...call, headers }, options, async (res) => {
      call.onResponse?.(res);
      if (res.status === 304 && cached) return cached.value as T;
      if (res.status === 204) return undefined as T;
      const value = (await res.json()) as T;
      const etag = res.headers.get('etag');
      if (cacheKey && etag) {
        this.etags.delete(cacheKey);
        this.etags.set(cacheKey, { etag, value });
        if (this.etags.size > CACHE_MAX) this.etags.delete(this.etags.keys().next().value as string);
      }
      return value;
    });
  }

  /**
   * A streamed call (export, live stream): resolves once a 2xx response's headers are in, with
   * the body unread. Retries cover connecting only; the timeout stops once headers arrive.
   */
  async raw(method: string, path: string, call: Call = {}, options: RequestOptions = {}): Promise<RawResponse> {
    return this.withRetries(
      method,
      path,
      call,
      options,
      async (response, controller, dispose) => ({ response, controller, dispose }),
      true,
    );
  }

  private async withRetries<T>(
    method: string,
    path: string,
    call: Call,
    options: RequestOptions,
    onOk: (res: Response, controller: AbortController, dispose: () => void) => Promise<T>,
    streaming = false,
  ): Promise<T> {
    const { retryBaseDelayMs, retryMaxDelayMs, maxRetryAfterMs } = this.opts;
    const retries = options.maxRetries ?? this.opts.retries;
    const timeoutMs = options.timeoutMs ?? this.opts.timeoutMs;
    const { signal } = options;
    const init = this.init(method, call, options);
    const url = this.url(path, call.query);
    for (let attempt = 0; ; attempt++) {
      const { controller, dispose } = linkedController(signal);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      let error: SwitchboardError;
      try {
        const res = await this.fetchImpl(url, { ...init, signal: controller.signal });
        if (res.ok || res.status === 304) {
          if (streaming) {
            clearTimeout(timer);
            return await onOk(res, controller, dispose);
          }
          try {
            return await onOk(res, controller, dispose);
          } finally {
            clearTimeout(timer);
            dispose();
          }
        }
        clearTimeout(timer);
        error = await problemOf(res);
        dispose();
      } catch (err) {
        clearTimeout(timer);
        dispose();
        // The caller's own abort ends the call at once; anything else thrown is the network.
        if (signal?.aborted) throw err;
        if (err instanceof SwitchboardError) throw err;
        error = networkError(
          err,
          timedOut
            ? `no response within ${timeoutMs} ms (${method} ${path})`
            : `${method} ${path}: ${err instanceof Error ? err.message : String(err)}`,
          timedOut,
        );
      }
      if (!error.retryable || attempt >= retries) throw error;
      const afterMs = error.retryAfter !== undefined ? error.retryAfter * 1000 : undefined;
      // A server that asks for a long pause gets an error back instead of a hung caller.
      if (afterMs !== undefined && afterMs > maxRetryAfterMs) throw error;
      const delayMs = Math.max(afterMs ?? 0, backoffDelay(attempt, retryBaseDelayMs, retryMaxDelayMs));
      this.opts.onRetry?.({ method, path, attempt: attempt + 1, delayMs, error });
      await sleep(delayMs, signal);
    }
  }

  private init(method: string, call: Call, options: RequestOptions): RequestInit {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...this.opts.headers,
      ...call.headers,
      ...options.headers,
    };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    // Without a key the browser's dashboard cookie signs the request, and the server asks for
    // this header on writes as its CSRF check (a cross-site form cannot set it).
    else if (UNSAFE.has(method)) headers['x-switchboard-csrf'] = '1';
    // One key per call, not per attempt: a retry of a request whose response was lost is then
    // answered from the server's record instead of being applied twice.
    const idempotencyKey = options.idempotencyKey ?? (method === 'POST' ? uuidv7() : undefined);
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    let body: string | undefined;
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    return { method, headers, body, credentials: this.opts.apiKey ? 'omit' : 'same-origin' };
  }
}

/** Reads a failed response into the SwitchboardError subclass for its status, whatever its body. */
async function problemOf(res: Response): Promise<SwitchboardError> {
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
  const requestId = res.headers.get('x-request-id') ?? undefined;
  let text = '';
  try {
    text = await res.text();
  } catch {
    // The body broke off; the status alone still says what happened.
  }
  let problem: Problem | undefined;
  try {
    const parsed = JSON.parse(text) as Partial<Problem>;
    if (parsed && typeof parsed.title === 'string') {
      const { requestId: bodyId, ...rest } = parsed;
      problem = {
        ...rest,
        type: parsed.type ?? 'about:blank',
        title: parsed.title,
        status: res.status,
        ...(typeof bodyId === 'string' ? { requestId: bodyId } : {}),
      };
    }
  } catch {
    // Not JSON: a proxy's HTML page, for instance.
  }
  problem ??= {
    type: 'about:blank',
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
    ...(text ? { detail: text.slice(0, 200) } : {}),
  };
  return errorFor(problem, { retryAfter, requestId });
}
