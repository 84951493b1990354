import { Problem } from '@switchboard/contracts';
import type { FastifyReply } from 'fastify';
import { ApiError, PROBLEM_BASE, titleFor } from './errors.js';
import { REQUEST_ID_HEADER } from './request-id.js';

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

/** A problem document as sent: with the id of the request it answers (also in `x-request-id` and the logs). */
export const problemJson = (problem: Problem, requestId: string) => JSON.stringify({ ...problem, requestId });

/**
 * Sends a problem document. Every refusal goes through here (the error handler, the router's own
 * errors), so each carries its request id the same way.
 */
export function sendProblem(reply: FastifyReply, problem: Problem) {
  return reply
    .code(problem.status)
    .header(REQUEST_ID_HEADER, reply.request.id)
    .type('application/problem+json')
    .send(problemJson(problem, reply.request.id));
}

/**
 * The error half of a route's `response` schema: `{ 400: Problem, 401: Problem, … }` for the
 * statuses the route can answer with a problem document, so OpenAPI lists each of them.
 *
 * @example response: { 200: Session, ...problemResponses(400, 401, 403, 404) }
 */
export function problemResponses<const C extends readonly number[]>(...codes: C): { [K in C[number]]: typeof Problem } {
  return Object.fromEntries(codes.map((code) => [code, Problem])) as { [K in C[number]]: typeof Problem };
}
