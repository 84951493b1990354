import type { ProblemFieldError } from '@switchboard/contracts';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
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
