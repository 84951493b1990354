/**
 * One webhook POST. Never follows redirects (a 3xx is a failure), reads at most a
 * little of the response body, and gives up after the configured timeout however slowly the
 * endpoint trickles bytes.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isForbiddenAddress } from './ssrf.js';

export interface SendResult {
  /** The response status; null when no response arrived (refused, reset, timeout). */
  status: number | null;
  error: string | null;
  latencyMs: number;
  /** Raw `Retry-After` header of the response, if any. */
  retryAfter: string | null;
}

export interface SendOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

export function postWebhook(opts: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const done = (r: Omit<SendResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, latencyMs: elapsed() });
    };
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      return done({ status: null, error: 'invalid URL', retryAfter: null });
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // An IP literal never goes through `lookup`, so it is checked here instead.
    if (!opts.allowPrivate && isIP(host) && isForbiddenAddress(host))
      return done({ status: null, error: 'refused: the URL points to a forbidden address', retryAfter: null });
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method: 'POST',
      headers: { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
      lookup: guardedLookup(opts.allowPrivate),
      agent: false,
      signal: opts.signal,
    });
    timer = setTimeout(() => {
      req.destroy();
      done({ status: null, error: `timed out after ${opts.timeoutMs} ms`, retryAfter: null });
    }, opts.timeoutMs);
    req.on('response', (res) => {
      const retryAfter = res.headers['retry-after'] ?? null;
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) res.destroy();
      });
      const finish = () =>
        done({
          status: res.statusCode ?? null,
          error: null,
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        });
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      done({ status: null, error: err.code ? `${err.code}: ${err.message}` : err.message, retryAfter: null }),
    );
    req.end(opts.body);
  });
}
