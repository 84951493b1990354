/**
 * Conditional requests (RFC 9110 §13) on every JSON GET and HEAD: each 200 carries an ETag, and a
 * poller that sends it back in If-None-Match gets a body-less 304 when nothing changed, which is
 * what makes a 10-second auto-refresh cheap. Answers to a signed-in request are also marked
 * `Cache-Control: private, no-cache`: a browser or client may keep them but must revalidate, and
 * no shared cache may hand one organization's data to another.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** `If-None-Match` uses the weak comparison (§13.1.2): `"x"` and `W/"x"` are the same tag. */
const opaque = (tag: string) => tag.trim().replace(/^W\//, '');

export function ifNoneMatchHits(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const wanted = opaque(tag);
  // Entity tags are quoted strings that may contain commas: split on the commas between them.
  const tags = header.match(/(?:W\/)?"[^"]*"/g) ?? [];
  return tags.some((t) => opaque(t) === wanted);
}

/** Headers a 304 must not carry: they describe a body it does not have (§15.4.5). */
const BODY_HEADERS = ['content-length', 'content-type', 'content-encoding', 'content-range', 'transfer-encoding'];

const signedIn = (req: FastifyRequest) =>
  req.auth !== null || req.headers.authorization !== undefined || req.headers.cookie !== undefined;

export const etagPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onSend', async (req, reply, payload) => {
      if (signedIn(req) && !reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-cache');
      if ((req.method !== 'GET' && req.method !== 'HEAD') || reply.statusCode !== 200 || typeof payload !== 'string')
        return payload;
      const type = String(reply.getHeader('content-type') ?? '');
      if (!type.startsWith('application/json')) return payload;
      // `generatedAt` (metrics) says when the document was computed, not what it holds; hashing it
      // would give every response a new tag and a poller would never get its 304.
      const tagged = payload.replace(/"generatedAt":"[^"]*"/, '');
      const tag = `W/"${createHash('sha1').update(tagged).digest('base64url')}"`;
      reply.header('etag', tag);
      const inm = req.headers['if-none-match'];
      if (ifNoneMatchHits(Array.isArray(inm) ? inm.join(',') : inm, tag)) {
        reply.code(304);
        for (const name of BODY_HEADERS) reply.removeHeader(name);
        // No payload at all (not '', which Fastify would measure as `Content-Length: 0`). HEAD's
        // own hook measures whatever it is given, except a stream: it gets an empty one.
        return req.method === 'HEAD' ? Readable.from([]) : null;
      }
      return payload;
    });
  },
  { name: 'etag', dependencies: ['auth'] },
);
