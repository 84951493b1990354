/**
 * One log line per request, and the request's id on every response. Fastify puts the same id in
 * every log line of the request (pino's `reqId`), and problem documents carry it as `requestId`,
 * so a client's error leads straight to the server's lines.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { REQUEST_ID_HEADER } from '../lib/request-id.js';

/** Sign-in and its kin: whatever a client put in their query string is credentials-adjacent. */
const AUTH_PATH = /^\/api\/v1\/auth(\/|$)/;

/**
 * Percent-escapes decoded, up to three times over (`%2573` → `%73` → `s`), never throwing: a
 * malformed escape stays as written and a byte run that is not UTF-8 becomes U+FFFD.
 */
function decoded(text: string): string {
  let out = text;
  for (let round = 0; round < 3 && out.includes('%'); round++) {
    const next = out.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
      Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'),
    );
    if (next === out) break;
    out = next;
  }
  return out;
}

/**
 * Masks what looks like a key or webhook secret in decoded text: anything after `swb_` or
 * `whsec_`, and a long random-looking run on its own (a key's 42 characters, a secret's 43 of
 * base64), which is what is left when the prefix was dropped. Random means mixed case: the ids,
 * words and hex digests of an ordinary URL keep their shape.
 */
function masked(text: string, run: RegExp): string {
  return text
    .replace(/(swb_|whsec_)[^&#\s]*/gi, '$1[redacted]')
    .replace(run, (m) => (/[A-Z]/.test(m) && /[a-z]/.test(m) ? '[redacted]' : m));
}

/**
 * The URL as logged. A key or webhook secret pasted into a URL (`?key=swb_…`, percent-encoded in
 * any way, or without its prefix) would otherwise land in the request log verbatim, so the URL is
 * decoded before it is masked; the query strings of the auth routes are not logged at all.
 */
export function loggedUrl(url: string): string {
  const at = url.indexOf('?');
  const path = masked(decoded(at < 0 ? url : url.slice(0, at)), /[0-9A-Za-z+]{40,}/g);
  if (at < 0 || AUTH_PATH.test(path)) return path;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => masked(decoded(pair), /[0-9A-Za-z+/]{40,}=*/g))
    .join('&');
  return `${path}?${query}`;
}

export const requestLogPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (req, reply) => {
      reply.header(REQUEST_ID_HEADER, req.id);
    });
    app.addHook('onResponse', async (req, reply) => {
      req.log.info(
        {
          method: req.method,
          url: loggedUrl(req.url),
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
