/**
 * Webhook verification, the Standard Webhooks way (https://www.standardwebhooks.com): an
 * HMAC-SHA256 with the secret's bytes over `<webhook-id>.<webhook-timestamp>.<body>`. Web Crypto
 * only, so the same code runs in Node ≥ 18, browsers, Deno, Bun and edge runtimes.
 */
import { WebhookVerificationError } from './errors.js';
import type { StreamEvent } from './types.js';

/** Headers as `fetch` (`Headers`), Node (`IncomingHttpHeaders`) or a plain object give them. */
export type HeadersLike = Headers | Record<string, string | string[] | undefined>;

/** A webhook body: a live-stream envelope, or the ping sent by "Send test event". */
export type WebhookEvent =
  | StreamEvent
  | { id: string; type: 'webhook.test'; occurredAt: string; data: Record<string, unknown> };

export interface VerifyOptions {
  /** How far `webhook-timestamp` may be from now, in seconds (300). Guards against replays. */
  toleranceSeconds?: number;
  /** The current time, for tests. */
  now?: Date | number;
  /** A Web Crypto implementation, where there is no global one (Node 18 without flags). */
  crypto?: Crypto;
}

const encoder = new TextEncoder();

function header(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const found = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = found === undefined ? undefined : record[found];
  return Array.isArray(value) ? value[0] : value;
}

function base64ToBytes(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function subtleOf(given?: Crypto): Promise<SubtleCrypto> {
  const c = given ?? (globalThis as { crypto?: Crypto }).crypto;
  if (c?.subtle) return c.subtle;
  // Node 18 keeps Web Crypto behind a flag but has it in node:crypto. The specifier is a
  // variable so browser bundlers leave this branch alone; it only runs where there is no
  // global crypto, which no browser lacks.
  const specifier = 'node:crypto';
  try {
    const mod = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as { webcrypto?: Crypto };
    if (mod.webcrypto?.subtle) return mod.webcrypto.subtle;
  } catch {
    // not Node
  }
  throw new WebhookVerificationError('No Web Crypto here; pass `crypto` in the options.');
}

/**
 * Checks that a webhook delivery came from your Switchboard and is recent, and returns its
 * parsed body. Pass the body exactly as received (the raw text or bytes, not re-serialized
 * JSON). Throws `WebhookVerificationError` otherwise: answer such a request with 400 and do not
 * act on it.
 *
 * Every `v1,` signature in `webhook-signature` is tried (during a secret rotation there are
 * two), each compared in constant time by Web Crypto's `verify`.
 *
 * @example
 * // Express: app.post('/hooks', express.raw({ type: 'application/json' }), handler)
 * const event = await verifyWebhook(process.env.SWITCHBOARD_WEBHOOK_SECRET!, req.headers, req.body);
 * if (event.type === 'session.ended' && event.data.status === 'failed') page(event.data.id);
 *
 * @example
 * // Fetch-style handlers (Hono, Next.js route handlers, Workers)
 * const body = await request.text();
 * const event = await verifyWebhook(secret, request.headers, body);
 */
export async function verifyWebhook(
  secret: string,
  headers: HeadersLike,
  body: string | Uint8Array | ArrayBuffer,
  opts: VerifyOptions = {},
): Promise<WebhookEvent> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signature = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signature)
    throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature header');
  if (!/^\d{1,15}$/.test(timestamp)) throw new WebhookVerificationError('Invalid webhook-timestamp');
  const nowSeconds = Math.floor((opts.now === undefined ? Date.now() : Number(opts.now)) / 1000);
  const tolerance = opts.toleranceSeconds ?? 300;
  const age = nowSeconds - Number(timestamp);
  if (age > tolerance) throw new WebhookVerificationError('Message timestamp too old');
  if (age < -tolerance) throw new WebhookVerificationError('Message timestamp too new');

  let keyBytes: Uint8Array;
  try {
    keyBytes = base64ToBytes(secret.startsWith('whsec_') ? secret.slice(6) : secret);
  } catch {
    throw new WebhookVerificationError('The secret is not base64 (expected whsec_…)');
  }
  const subtle = await subtleOf(opts.crypto);
  const key = await subtle.importKey('raw', keyBytes as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);

  const bodyBytes =
    typeof body === 'string' ? encoder.encode(body) : body instanceof Uint8Array ? body : new Uint8Array(body);
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + bodyBytes.length);
  signed.set(prefix);
  signed.set(bodyBytes, prefix.length);

  for (const part of signature.split(' ')) {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || !value) continue;
    let sig: Uint8Array;
    try {
      sig = base64ToBytes(value);
    } catch {
      continue;
    }
    if (await subtle.verify('HMAC', key, sig as BufferSource, signed as BufferSource)) {
      const text = typeof body === 'string' ? body : new TextDecoder().decode(bodyBytes);
      try {
        return JSON.parse(text) as WebhookEvent;
      } catch {
        throw new WebhookVerificationError('The body is not JSON');
      }
    }
  }
  throw new WebhookVerificationError('No matching signature found');
}
