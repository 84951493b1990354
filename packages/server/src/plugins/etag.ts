/**
 * ETags on every JSON GET: a poller that sends If-None-Match gets a body-less 304
 * when nothing changed, which is what makes a 10-second auto-refresh cheap.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const etagPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onSend', async (req, reply, payload) => {
      if (req.method !== 'GET' || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
      const type = String(reply.getHeader('content-type') ?? '');
      if (!type.startsWith('application/json')) return payload;
      // `generatedAt` (metrics) says when the document was computed, not what it holds; hashing it
      // would give every response a new tag and a poller would never get its 304.
      const tagged = payload.replace(/"generatedAt":"[^"]*"/, '');
      const tag = `W/"${createHash('sha1').update(tagged).digest('base64url')}"`;
      reply.header('etag', tag);
      const inm = req.headers['if-none-match'];
      if (inm?.split(',').some((t) => t.trim() === tag || t.trim() === '*')) {
        reply.code(304);
        reply.removeHeader('content-length');
        return '';
      }
      return payload;
    });
  },
  { name: 'etag' },
);
