/** Headers that keep browsers from sniffing, framing or leaking the referrer, on every response. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

export const securityHeadersPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (_req, reply) => {
      reply.headers(SECURITY_HEADERS);
    });
  },
  { name: 'security-headers' },
);
