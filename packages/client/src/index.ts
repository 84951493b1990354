/**
 * @switchboard/client — the Switchboard SDK. Runs in browsers, Node ≥ 18, Deno, Bun and edge
 * runtimes: fetch, Web Streams and Web Crypto only. Node-only helpers live in
 * `@switchboard/client/node`.
 */
export { Switchboard, type SwitchboardOptions } from './client.js';
export type { FetchLike, RequestOptions, RetryInfo } from './http.js';
// The API classes are exported for their types (and `instanceof`); the client constructs them.
export { SessionHandle, type StartSessionInput, type ItemOptions, type MessageOptions } from './ingest.js';
export { SessionsApi, type ListAllOptions, type ExportOptions } from './resources/sessions.js';
export { KeysApi } from './resources/keys.js';
export { AlertsApi } from './resources/alerts.js';
export { IntegrationsApi } from './resources/integrations.js';
export { SettingsApi } from './resources/settings.js';
export { WebhooksApi, type DeliveryFilters, type DeliveryPageQuery } from './resources/webhooks.js';
export { AuthApi } from './resources/auth.js';
export { ReviewApi } from './resources/review.js';
export { UsersApi } from './resources/users.js';
export { AuditApi } from './resources/audit.js';
export { AgentsApi } from './resources/agents.js';
export type { StreamOptions } from './sse.js';
export {
  SwitchboardError,
  ValidationError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  InternalServerError,
  ConnectionError,
  ConnectionTimeoutError,
  SwitchboardIngestError,
  WebhookVerificationError,
} from './errors.js';
export { verifyWebhook, type VerifyOptions, type HeadersLike, type WebhookEvent } from './webhooks.js';
// Public because a browser export has no `exportToFile`: counting rows as the bytes arrive is how
// a page shows its progress (the dashboard does exactly that).
export { ExportRowCounter } from './rows.js';
export type * from './types.js';
