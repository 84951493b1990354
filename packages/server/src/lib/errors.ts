import type { ProblemFieldError } from '@switchboard/contracts';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const titleFor = (status: number) => TITLES[status] ?? 'Error';

/** The one error type of the server. The error handler turns it into an RFC 9457 document. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** A stable, machine-readable name: the last segment of the problem `type`. */
    readonly code: string,
    readonly detail: string,
    readonly errors?: ProblemFieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

export const notFound = (what = 'Session') => new ApiError(404, 'not-found', `${what} not found.`);
export const badRequest = (errors: ProblemFieldError[], detail?: string) =>
  new ApiError(
    400,
    'validation',
    detail ??
      (errors.length === 1 ? `${errors[0].path}: ${errors[0].message}` : `${errors.length} fields are invalid.`),
    errors,
  );

export const PROBLEM_BASE = 'https://switchboard.dev/problems/';

/** Connection-level failures of either database driver: the database is down or restarting. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown: the server is stopping
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, or a standby being promoted
  '08000',
  '08001',
  '08003',
  '08006',
  'SQLITE_BUSY',
]);

/**
 * A failure that says nothing about the request and goes away on its own (a failover, a restart,
 * a locked SQLite file past its busy timeout): a 503 with Retry-After tells clients and load
 * balancers to come back, where a 500 would read as a bug.
 */
export function unavailableError(err: unknown): ApiError | undefined {
  const e = err as { code?: string; message?: string } | null;
  const lost = typeof e?.message === 'string' && /^Connection terminated/.test(e.message);
  if (!lost && !(e?.code && UNAVAILABLE_CODES.has(e.code))) return undefined;
  return new ApiError(503, 'database-unavailable', 'The database is unavailable; try again shortly.', undefined, {
    'retry-after': '2',
  });
}
