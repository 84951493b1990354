import type { IngestItem, Problem, ProblemFieldError } from './types.js';

const PROBLEM_BASE = 'https://switchboard.dev/problems/';

/** What else an error can know besides its problem document. */
export interface ErrorContext {
  /** Seconds from `Retry-After`. */
  retryAfter?: number;
  /** The response's `x-request-id` header (wins over the document's `requestId`). */
  requestId?: string;
  /** For a refused `POST /ingest` item. */
  item?: IngestItem;
  cause?: unknown;
}

/**
 * What every failed call throws: the server's problem document (RFC 9457), typed, or a network
 * failure (`status` 0) once retries are spent. Each status the API uses has its own subclass
 * (`NotFoundError`, `RateLimitError`, `ValidationError`, …), so callers branch with `instanceof`;
 * every one keeps `status`, `code`, `type`, `detail` and the `requestId` to quote in a bug report.
 *
 * @example
 * try {
 *   await sb.sessions.get('nope');
 * } catch (err) {
 *   if (err instanceof NotFoundError) console.log('no such session');
 *   else if (err instanceof SwitchboardError) console.error(err.status, err.code, err.requestId);
 *   else throw err;
 * }
 */
export class SwitchboardError extends Error {
  override name = 'SwitchboardError';
  /** HTTP status; 0 when no response arrived (network error, timeout). */
  readonly status: number;
  /** The problem type URI, e.g. `https://switchboard.dev/problems/validation`. */
  readonly type: string;
  /** The stable last segment of `type` (`validation`, `not-found`, `conflict`, …), or `network`. */
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly instance: string | undefined;
  /** Every bad field, for 400s: JSON pointers for bodies, parameter names for query strings. */
  readonly errors: ProblemFieldError[];
  /** Seconds the server asked us to wait (`Retry-After`), when it said. */
  readonly retryAfter: number | undefined;
  /**
   * The id the server gave the request (`x-request-id`, or the problem document's `requestId`).
   * The server logs every line of that request under it. Undefined when no response arrived.
   */
  readonly requestId: string | undefined;
  /** For a refused `POST /ingest` item: the item and its index in the request. */
  readonly item: IngestItem | undefined;

  constructor(problem: Problem, context: ErrorContext = {}) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title, { cause: context.cause });
    this.status = problem.status;
    this.type = problem.type;
    this.code = problem.type.startsWith(PROBLEM_BASE) ? problem.type.slice(PROBLEM_BASE.length) : problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.instance = problem.instance;
    this.errors = problem.errors ?? [];
    this.retryAfter = context.retryAfter;
    this.requestId = context.requestId ?? problem.requestId;
    this.item = context.item;
  }

  /** Whether a later attempt may succeed (network errors, 408, 429, 5xx, a key still in use). */
  get retryable(): boolean {
    return (
      this.status === 0 ||
      this.status === 408 ||
      this.status === 429 ||
      this.status >= 500 ||
      this.code === 'idempotency-key-in-use'
    );
  }
}

/**
 * 400 or 422: the request was refused as it stands (a bad field, a time that is not one, an
 * Idempotency-Key reused for another body); `errors` lists every bad field.
 */
export class ValidationError extends SwitchboardError {
  override name = 'ValidationError';
}

/** 401: no key, a wrong or revoked key, or (in a browser) nobody signed in. */
export class AuthenticationError extends SwitchboardError {
  override name = 'AuthenticationError';
}

/** 403: the key lacks the scope this call needs (`read`, `ingest` or `admin`). */
export class PermissionDeniedError extends SwitchboardError {
  override name = 'PermissionDeniedError';
}

/** 404: no such session, key, webhook or delivery in your organization. */
export class NotFoundError extends SwitchboardError {
  override name = 'NotFoundError';
}

/** 409: a session id reused with other fields, a disabled webhook, a delivery being attempted, … */
export class ConflictError extends SwitchboardError {
  override name = 'ConflictError';
}

/**
 * 429: a rate limit. The SDK waits out a `Retry-After` up to `maxRetryAfterMs` by itself, so
 * this reaches you only when the server asked for a longer pause or retries ran out.
 */
export class RateLimitError extends SwitchboardError {
  override name = 'RateLimitError';
  /** Seconds the server asked to wait before the next request, when it said. */
  declare readonly retryAfter: number | undefined;
}

/** 5xx, after the retries: the server failed or its database is unavailable. */
export class InternalServerError extends SwitchboardError {
  override name = 'InternalServerError';
}

/** No response arrived (`status` 0, `code` `network`): DNS, refused connection, reset, … */
export class ConnectionError extends SwitchboardError {
  override name = 'ConnectionError';
}

/** No response headers within `timeoutMs`, on the last attempt. */
export class ConnectionTimeoutError extends ConnectionError {
  override name = 'ConnectionTimeoutError';
}

type ErrorClass = new (problem: Problem, context?: ErrorContext) => SwitchboardError;

const BY_STATUS: Record<number, ErrorClass> = {
  400: ValidationError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: ValidationError,
  429: RateLimitError,
};

/** The subclass for a problem document's status; the base class for the statuses without one. */
export function errorFor(problem: Problem, context: ErrorContext = {}): SwitchboardError {
  const Class = BY_STATUS[problem.status] ?? (problem.status >= 500 ? InternalServerError : SwitchboardError);
  return new Class(problem, context);
}

/** A failure before any response: `timedOut` when the attempt ran out of `timeoutMs`. */
export function networkError(cause: unknown, detail: string, timedOut = false): ConnectionError {
  const Class = timedOut ? ConnectionTimeoutError : ConnectionError;
  return new Class({ type: 'network', title: 'Network error', status: 0, detail }, { cause });
}

/** The same failure, pinned to the one ingest item it refused. */
export function withItem(error: SwitchboardError, item: IngestItem): SwitchboardError {
  const problem: Problem = {
    type: error.type,
    title: error.title,
    status: error.status,
    detail: error.detail,
    instance: error.instance,
    errors: error.errors,
  };
  const context = { retryAfter: error.retryAfter, requestId: error.requestId, item, cause: error.cause };
  return new (error.constructor as ErrorClass)(problem, context);
}

/**
 * `flush()` and `close()` reject with this when items queued through `sb.sessions` were refused
 * (per-item errors of a 207, or a batch that could not be delivered at all).
 *
 * @example
 * try {
 *   await sb.flush();
 * } catch (err) {
 *   if (err instanceof SwitchboardIngestError) for (const f of err.failures) console.error(f.item, f.message);
 * }
 */
export class SwitchboardIngestError extends Error {
  override name = 'SwitchboardIngestError';
  constructor(readonly failures: SwitchboardError[]) {
    super(
      `${failures.length} ingest item${failures.length === 1 ? ' was' : 's were'} refused` +
        (failures.length ? ` (first: ${failures[0].message})` : ''),
    );
  }
}

/** `verifyWebhook` throws this when a delivery is not authentic or too old. */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
}
