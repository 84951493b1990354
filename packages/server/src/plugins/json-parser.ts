/**
 * Request bodies: JSON only, in UTF-8, decoded strictly, and refused before anything walks them
 * when they are nested deeper than any request needs. Without this, Fastify's built-in text/plain
 * parser would hand a string to the schema, and a wrong Content-Type would get a 400 instead of
 * its 415.
 */
import { LIMITS } from '@switchboard/contracts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError, badRequest } from '../lib/errors.js';

/**
 * The deepest body a route accepts: `POST /ingest`'s envelope (body → batch → item → body) around
 * event data nested `LIMITS.jsonDepth` deep, with room to spare. Deeper data inside that bound
 * still gets its precise error from services/validate.ts.
 */
export const MAX_BODY_DEPTH = LIMITS.jsonDepth + 8;

/**
 * How deeply the JSON text nests, read from the text itself and stopping as soon as it passes
 * `limit`: parsing 5 MiB of `[` alone takes seconds, and every later walk of the value (the
 * idempotency hash, the checks) would recurse as deep. Strings are skipped with indexOf, so the
 * cost is close to a copy of the text.
 */
export function jsonTextDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // To the closing quote: one preceded by an even number of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i < 0) return max;
        let slashes = 0;
        while (text.charCodeAt(i - 1 - slashes) === 0x5c) slashes++;
        if (slashes % 2 === 0) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** A UTF-16 surrogate without its other half: what `"\ud800"` in JSON decodes to. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path of the first string (or key) in `value` holding a lone surrogate, walked without
 * recursion. Such a string has no UTF-8 form: stored, it came back as `a���b`.
 */
export function loneSurrogatePath(value: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return path || '/';
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (LONE_SURROGATE.test(k)) return `${path}/${k.replace(LONE_SURROGATE, '\uFFFD')}`;
        stack.push([child, `${path}/${k}`]);
      }
    }
  }
  return undefined;
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

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
      // JSON is UTF-8 (RFC 8259); a body announced in another charset would be read as the wrong text.
      const charset = CHARSET.exec(String(req.headers['content-type']))?.[1].toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        done(
          new ApiError(415, 'unsupported-media-type', 'Send JSON in UTF-8 ("Content-Type: application/json").'),
          undefined,
        );
        return;
      }
      let text: string;
      try {
        text = strictUtf8.decode(body as Buffer);
      } catch {
        done(badRequest([{ path: '/', message: 'is not valid UTF-8' }], 'The body is not valid UTF-8.'), undefined);
        return;
      }
      if (jsonTextDepth(text, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
        done(badRequest([{ path: '/', message: `must be nested at most ${MAX_BODY_DEPTH} levels deep` }]), undefined);
        return;
      }
      parseJson(req, text, (err, value) => {
        // Only a `\uD800`-style escape can make a lone surrogate: raw bytes for one are not UTF-8.
        if (!err && /\\u[dD][89a-fA-F]/.test(text)) {
          const path = loneSurrogatePath(value);
          if (path !== undefined) {
            done(
              badRequest(
                [{ path, message: 'is not valid UTF-8 (an unpaired surrogate escape such as \\ud800)' }],
                'The body is not valid UTF-8.',
              ),
              undefined,
            );
            return;
          }
        }
        done(err, value);
      });
    });
  },
  { name: 'json-parser', dependencies: ['errors'] },
);
