/**
 * @switchboard/client — the Switchboard SDK. Runs in browsers, Node ≥ 18, Deno, Bun and edge
 * runtimes: fetch, Web Streams and Web Crypto only. Node-only helpers live in
 * `@switchboard/client/node`.
 */
export {
  Switchboard,
  SessionsApi,
  KeysApi,
  WebhooksApi,
  AuthApi,
  type SwitchboardOptions,
  type ListAllOptions,
} from './client.js';
export { SessionHandle, type StartSessionInput, type ItemOptions } from './ingest.js';
export { SwitchboardError, SwitchboardIngestError, WebhookVerificationError } from './errors.js';
export { verifyWebhook, type VerifyOptions, type HeadersLike, type WebhookEvent } from './webhooks.js';
export { SseParser, type SseMessage, type StreamOptions } from './sse.js';
export { ExportRowCounter } from './rows.js';
export { toQuery } from './query.js';
export { uuidv7, parseRetryAfter } from './util.js';
export type { FetchLike, RetryInfo } from './http.js';
export type * from './types.js';
