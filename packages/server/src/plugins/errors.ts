/**
 * One way to refuse: validation errors, known errors and everything else become RFC 9457
 * problem documents, sent by lib/problem.ts's sendProblem with the request's id. A 500 is logged
 * with its cause and returned without it. The router's own refusals and requests Node's HTTP
 * parser rejects (which never reach the error handler) get the same documents.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProblemFieldError } from '@switchboard/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { fieldErrors } from '../lib/ajv.js';
import { ApiError, titleFor, unavailableError } from '../lib/errors.js';
import { problemJson, problemOf, sendProblem } from '../lib/problem.js';
import { newRequestId, REQUEST_ID_HEADER } from '../lib/request-id.js';
import { SECURITY_HEADERS } from './security-headers.js';

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

/**
 * How much of a body over the limit is read and discarded so its sender can read the 413. Past
 * this the server answers anyway and closes; reading costs bandwidth, never memory.
 */
export const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;

/** Reads what is left of a request body and drops it; resolves at its end, or once `limit` bytes have gone by. */
export function discardBody(raw: IncomingMessage, limit: number): Promise<void> {
  if (raw.complete || raw.destroyed || raw.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      raw.off('data', onData);
      raw.off('end', done);
      raw.off('close', done);
      raw.off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limit) done();
    };
    raw.on('data', onData);
    raw.on('end', done);
    raw.on('close', done);
    raw.on('error', done);
    raw.resume();
  });
}

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
      if (apiError?.headers) reply.headers(apiError.headers);
      const send = () => sendProblem(reply, { ...problemOf(apiError ?? err), instance: req.url.split('?')[0] });
      if (err.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') return send();
      // A client still sending its body cannot read an answer the server sends and hangs up on
      // (Node's fetch sees EPIPE, not the 413): the rest of the body is read and thrown away
      // first, up to a bound, and the connection closes after the answer.
      reply.header('connection', 'close');
      return discardBody(req.raw, DISCARD_LIMIT_BYTES).then(send);
    });
  },
  { name: 'errors' },
);

/**
 * The router's own refusals (a path id over 512 characters, a malformed %-escape) bypass the
 * error handler and the hooks; without this they would be plain JSON echoing the whole path back.
 */
export const frameworkErrors: FastifyServerOptions['frameworkErrors'] = (err, req, reply) => {
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const problem = problemOf(
    tooLong
      ? new ApiError(414, 'uri-too-long', 'A path segment is longer than 512 characters.')
      : new ApiError(400, 'validation', 'The URL is not valid (a malformed %-escape?).'),
  );
  reply.headers(SECURITY_HEADERS);
  sendProblem(reply as FastifyReply, {
    ...problem,
    instance: tooLong ? undefined : req.url.split('?')[0].slice(0, 200),
  });
};

/**
 * A problem document written straight to a socket, for refusals made before Fastify has a request
 * (the HTTP parser's, a connection over its address's cap), with its own request id and the same
 * security headers as every other response. The connection closes after it.
 */
export function rawProblem(error: ApiError): string {
  const problem = problemOf(error);
  const requestId = newRequestId();
  const body = problemJson(problem, requestId);
  const headers = {
    'Content-Length': String(Buffer.byteLength(body)),
    'Content-Type': 'application/problem+json',
    [REQUEST_ID_HEADER]: requestId,
    ...SECURITY_HEADERS,
    ...error.headers,
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${problem.status} ${problem.title}\r\n${lines.join('')}\r\n${body}`;
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a URL or headers over 16 KiB, a
 * malformed request line, headers or a body that did not arrive in time) still get a problem
 * document.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const error =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new ApiError(408, 'client-error', 'The request took too long to arrive.')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? new ApiError(431, 'client-error', 'The URL or headers are larger than 16 KiB.')
        : new ApiError(400, 'client-error', 'The request is not valid HTTP.');
  if (socket.writable) socket.write(rawProblem(error));
  socket.destroy(err);
}
