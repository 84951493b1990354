/**
 * Headers that keep browsers from sniffing, framing or leaking the referrer, on every response:
 * set when the request arrives, so refusals (401, 403, 429, 503) carry them like answers do. The
 * API's content security policy allows nothing at all (JSON needs nothing); the pages that are
 * meant to render set their own (the dashboard, plugins/dashboard.ts; the API reference,
 * plugins/openapi.ts).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

export const securityHeadersPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (_req, reply) => {
      reply.headers(SECURITY_HEADERS);
    });
  },
  { name: 'security-headers' },
);
