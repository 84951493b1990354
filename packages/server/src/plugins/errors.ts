/**
 * One error handler: validation errors, known errors and everything else become RFC 9457
 * problem documents. A 500 is logged with its cause and returned without it.
 */
import type { ProblemFieldError } from '@switchboard/contracts';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { fieldErrors } from '../lib/ajv.js';
import { ApiError, PROBLEM_BASE, titleFor, unavailableError } from '../lib/errors.js';
import { problemOf } from '../lib/problem.js';

const FASTIFY_CODES: Record<string, { code: string; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'too-large', detail: 'The request body is larger than the 5 MiB limit.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported-media-type',
    detail: 'Send JSON with "Content-Type: application/json".',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'validation', detail: 'The body is empty; send a JSON object.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'validation', detail: 'The body is not valid JSON.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'validation', detail: 'Content-Length does not match the body.' },
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The query checks JSON Schema cannot express (dates, ranges). They run here too when the
     * schema already failed, so one 400 lists every bad parameter, not only the first kind.
     */
    queryErrors?: (query: Record<string, unknown>) => ProblemFieldError[];
  }
}

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err: FastifyError, req, reply) => {
      let apiError: ApiError | undefined;
      if (err instanceof ApiError) apiError = err;
      else if (err.validation) {
        const errors = fieldErrors(err.validation, err.validationContext ?? 'body');
        const queryErrors = req.routeOptions.config?.queryErrors;
        if (err.validationContext === 'querystring' && queryErrors)
          for (const e of queryErrors((req.query ?? {}) as Record<string, unknown>))
            if (!errors.some((x) => x.path === e.path)) errors.push(e);
        apiError = new ApiError(
          400,
          'validation',
          errors.length === 1 ? `${errors[0].path}: ${errors[0].message}` : `${errors.length} fields are invalid.`,
          errors,
        );
      } else if (err.code && FASTIFY_CODES[err.code]) {
        const known = FASTIFY_CODES[err.code];
        apiError = new ApiError(err.statusCode ?? 400, known.code, known.detail);
      } else if (err instanceof SyntaxError || (err.statusCode === 400 && err.code?.startsWith('FST_ERR_CTP'))) {
        apiError = new ApiError(400, 'validation', 'The body is not valid JSON.');
      } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        apiError = new ApiError(err.statusCode, 'client-error', titleFor(err.statusCode));
      }
      if (!apiError) {
        apiError = unavailableError(err);
        if (apiError) req.log.warn({ err }, 'database unavailable');
        else req.log.error({ err }, 'unhandled error');
      }
      const problem = problemOf(apiError ?? err);
      if (apiError?.headers) reply.headers(apiError.headers);
      reply
        .code(problem.status)
        .type('application/problem+json')
        .send(JSON.stringify({ ...problem, instance: req.url.split('?')[0] }));
    });
  },
  { name: 'errors' },
);

export const problemType = (code: string) => PROBLEM_BASE + code;
