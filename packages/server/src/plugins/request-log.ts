/**
 * One log line per request, and the request's id on every response. Fastify puts the same id in
 * every log line of the request (pino's `reqId`), and problem documents carry it as `requestId`,
 * so a client's error leads straight to the server's lines.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { REQUEST_ID_HEADER } from '../lib/request-id.js';

/**
 * A key or webhook secret pasted into a URL (`?key=swb_…`) would otherwise land in the request
 * log verbatim; anything shaped like one is masked, whatever parameter or path carries it.
 */
const redactUrl = (url: string) => url.replace(/(swb_|whsec_)[0-9A-Za-z+/=%_-]{8,}/g, '$1[redacted]');

export const requestLogPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (req, reply) => {
      reply.header(REQUEST_ID_HEADER, req.id);
    });
    app.addHook('onResponse', async (req, reply) => {
      req.log.info(
        {
          method: req.method,
          url: redactUrl(req.url),
          route: req.routeOptions.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
          key: req.auth?.keyPrefix,
          ip: req.ip,
        },
        'request',
      );
    });
  },
  { name: 'request-log' },
);
