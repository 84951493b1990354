import type { IngestItem, Problem, ProblemFieldError } from './types.js';

const PROBLEM_BASE = 'https://switchboard.dev/problems/';

/**
 * What every failed call throws: the server's problem document (RFC 9457), typed, or a network
 * failure (`status` 0) once retries are spent.
 *
 * @example
 * try {
 *   await sb.sessions.get('nope');
 * } catch (err) {
 *   if (err instanceof SwitchboardError && err.status === 404) console.log('no such session');
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
  /** For a refused `POST /ingest` item: the item and its index in the request. */
  readonly item: IngestItem | undefined;

  constructor(problem: Problem, extra: { retryAfter?: number; item?: IngestItem; cause?: unknown } = {}) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title, { cause: extra.cause });
    this.status = problem.status;
    this.type = problem.type;
    this.code = problem.type.startsWith(PROBLEM_BASE) ? problem.type.slice(PROBLEM_BASE.length) : problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.instance = problem.instance;
    this.errors = problem.errors ?? [];
    this.retryAfter = extra.retryAfter;
    this.item = extra.item;
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

  /** @internal */
  static network(cause: unknown, detail: string): SwitchboardError {
    return new SwitchboardError({ type: 'network', title: 'Network error', status: 0, detail }, { cause });
  }
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
