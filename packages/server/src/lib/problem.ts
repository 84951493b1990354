import type { Problem } from '@switchboard/contracts';
import { ApiError, PROBLEM_BASE, titleFor } from './errors.js';

/** The RFC 9457 document for an error. Anything that is not an ApiError is an opaque 500. */
export function problemOf(err: unknown): Problem {
  if (err instanceof ApiError) {
    return {
      type: PROBLEM_BASE + err.code,
      title: titleFor(err.status),
      status: err.status,
      detail: err.detail,
      ...(err.errors?.length ? { errors: err.errors } : {}),
    };
  }
  return {
    type: `${PROBLEM_BASE}internal`,
    title: titleFor(500),
    status: 500,
    detail: 'An unexpected error occurred. It has been logged.',
  };
}
