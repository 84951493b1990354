/**
 * Shutting down. When the app starts closing, `lifecycle.closing` turns true: new requests get a
 * 503 problem document (so /readyz tells the load balancer at once), and every response that
 * still finishes asks the client to drop the connection, so a kept-alive socket does not hold the
 * server open until its keep-alive timeout.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../lib/errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: { closing: boolean };
  }
}

export const lifecyclePlugin = fp(
  async (app: FastifyInstance) => {
    app.decorate('lifecycle', { closing: false });
    app.addHook('preClose', async () => {
      app.lifecycle.closing = true;
    });
    app.addHook('onRequest', async () => {
      if (app.lifecycle.closing)
        throw new ApiError(503, 'shutting-down', 'The server is shutting down; try again shortly.', undefined, {
          'retry-after': '2',
        });
    });
    app.addHook('onSend', async (_req, reply, payload) => {
      if (app.lifecycle.closing) reply.header('connection', 'close');
      return payload;
    });
  },
  { name: 'lifecycle' },
);
