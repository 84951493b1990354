/**
 * Request bodies: JSON only, decoded strictly. Without this, Fastify's built-in text/plain parser
 * would hand a string to the schema, and a wrong Content-Type would get a 400 instead of its 415.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { badRequest } from '../lib/errors.js';

export const jsonParserPlugin = fp(
  async (app: FastifyInstance) => {
    app.removeContentTypeParser('text/plain');
    // Fastify decodes bodies leniently, turning invalid UTF-8 into U+FFFD: a corrupted transcript
    // would be stored and acknowledged as if it were what the agent sent. Decode strictly and
    // refuse it instead; the default parser (with its __proto__ guard) still does the JSON part.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
      let text: string;
      try {
        text = strictUtf8.decode(body as Buffer);
      } catch {
        done(badRequest([{ path: '/', message: 'is not valid UTF-8' }], 'The body is not valid UTF-8.'), undefined);
        return;
      }
      parseJson(req, text, done);
    });
  },
  { name: 'json-parser', dependencies: ['errors'] },
);
