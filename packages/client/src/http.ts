/**
 * Every HTTP call of the SDK goes through `Transport.request`: authentication, retries with
 * backoff, `Retry-After`, `Idempotency-Key` and problem documents are handled here once.
 */
import { SwitchboardError } from './errors.js';
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

export interface RequestOptions {
  query?: URLSearchParams;
  body?: unknown;
  /** Defaults to a new key per call for POST; kept across that call's retries. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Revalidate with the last ETag and reuse the cached body on 304. */
  cache?: boolean;
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
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const cacheKey = opts.cache && method === 'GET' ? this.url(path, opts.query) : undefined;
    const cached = cacheKey ? this.etags.get(cacheKey) : undefined;
    const headers = cached ? { ...opts.headers, 'if-none-match': cached.etag } : opts.headers;
    return this.withRetries(method, path, { ...opts, headers }, async (res) => {
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
  async raw(method: string, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    return this.withRetries(
      method,
      path,
      opts,
      async (response, controller, dispose) => ({
        response,
        controller,
        dispose,
      }),
      true,
    );
  }

  private async withRetries<T>(
    method: string,
    path: string,
    opts: RequestOptions,
    onOk: (res: Response, controller: AbortController, dispose: () => void) => Promise<T>,
    streaming = false,
  ): Promise<T> {
    const { retries, retryBaseDelayMs, retryMaxDelayMs, maxRetryAfterMs } = this.opts;
    const idempotencyKey = method === 'POST' ? (opts.idempotencyKey ?? uuidv7()) : undefined;
    const init = this.init(method, opts, idempotencyKey);
    const url = this.url(path, opts.query);
    for (let attempt = 0; ; attempt++) {
      const { controller, dispose } = linkedController(opts.signal);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.opts.timeoutMs);
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
        if (opts.signal?.aborted) throw err;
        if (err instanceof SwitchboardError) throw err;
        error = SwitchboardError.network(
          err,
          timedOut
            ? `no response within ${this.opts.timeoutMs} ms (${method} ${path})`
            : `${method} ${path}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      if (!error.retryable || attempt >= retries) throw error;
      const afterMs = error.retryAfter !== undefined ? error.retryAfter * 1000 : undefined;
      // A server that asks for a long pause gets an error back instead of a hung caller.
      if (afterMs !== undefined && afterMs > maxRetryAfterMs) throw error;
      const delayMs = Math.max(afterMs ?? 0, backoffDelay(attempt, retryBaseDelayMs, retryMaxDelayMs));
      this.opts.onRetry?.({ method, path, attempt: attempt + 1, delayMs, error });
      await sleep(delayMs, opts.signal);
    }
  }

  private init(method: string, opts: RequestOptions, idempotencyKey: string | undefined): RequestInit {
    const headers: Record<string, string> = { accept: 'application/json', ...this.opts.headers, ...opts.headers };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    // Without a key the browser's dashboard cookie signs the request, and the server asks for
    // this header on writes as its CSRF check (a cross-site form cannot set it).
    else if (UNSAFE.has(method)) headers['x-switchboard-csrf'] = '1';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    return { method, headers, body, credentials: this.opts.apiKey ? 'omit' : 'same-origin' };
  }
}

/** Reads a failed response into a SwitchboardError, whatever its body turned out to be. */
export async function problemOf(res: Response): Promise<SwitchboardError> {
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
  let text = '';
  try {
    text = await res.text();
  } catch {
    // The body broke off; the status alone still says what happened.
  }
  let problem: Problem | undefined;
  try {
    const parsed = JSON.parse(text) as Partial<Problem>;
    if (parsed && typeof parsed.title === 'string')
      problem = { ...parsed, type: parsed.type ?? 'about:blank', title: parsed.title, status: res.status };
  } catch {
    // Not JSON: a proxy's HTML page, for instance.
  }
  problem ??= {
    type: 'about:blank',
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
    ...(text ? { detail: text.slice(0, 200) } : {}),
  };
  return new SwitchboardError(problem, { retryAfter });
}
