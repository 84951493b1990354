/**
 * The OpenAPI document, finished from the route table in one place, so every route (also one added
 * later) gets the same treatment without repeating it in its file: an operationId, a declared tag,
 * the contract's schemas by name in `components.schemas` (the same TypeBox objects the server
 * validates with and the SDK and dashboard type with), an example on every body, every header the
 * cross-cutting plugins send or read, every status they can answer, and problem documents as
 * `application/problem+json`. What a route declares (its scope, its quota, its secrets shown once,
 * its body and responses) decides what it gets.
 */
import * as contracts from '@switchboard/contracts';
import {
  BATCH_BODY_SCHEMAS,
  LIMITS,
  Message,
  OUTBOX_EVENT_TYPES,
  Problem,
  RANGE_FIELDS,
  RANGE_OPS,
  Session,
  SessionEvent,
  WEBHOOK_TEST_EVENT,
} from '@switchboard/contracts';
import type { RouteOptions } from 'fastify';

type Json = Record<string, unknown>;
type Schema = Json;

/** What the document needs to know of a route beyond its schema. */
export interface RouteFacts {
  method: string;
  url: string;
  schema: Json;
  scope?: string | string[];
  rateLimit?: string;
  secretFields?: string[];
}

// ─── Names ─────────────────────────────────────────────────────────────────────────────────────

/**
 * Every contract schema worth a name: objects, unions and enums exported by `@switchboard/contracts`
 * (not the query and path-parameter shapes, which become parameters). Found by identity, so two
 * shapes that happen to look alike never share a name.
 */
const NAMES = new Map<object, string>();
for (const [name, value] of Object.entries(contracts)) {
  if (!/^[A-Z]/.test(name) || typeof value !== 'object' || value === null || Array.isArray(value)) continue;
  if (/(Query|Params|Filters|Properties)$/.test(name) || NAMES.has(value)) continue;
  const s = value as Schema;
  const named = s.type === 'object' || Array.isArray(s.allOf) || Array.isArray(s.anyOf) || Array.isArray(s.enum);
  if (named) NAMES.set(value, name);
}
// Shapes with a meaning of their own even though the contracts export them under a filter name.
NAMES.set(contracts.WebhookFilters, 'WebhookFilters');

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Turns contract schemas into document schemas, hoisting every named one into `components.schemas`. */
class Components {
  readonly schemas: Record<string, Schema> = {};

  /** A contract schema as it appears in the document: a `$ref` when it has a name. */
  use(schema: unknown): Schema {
    const name = NAMES.get(schema as object);
    if (name) {
      this.define(name, schema);
      return ref(name);
    }
    return this.convert(schema);
  }

  define(name: string, schema: unknown) {
    if (this.schemas[name]) return;
    this.schemas[name] = {}; // reserved first: a schema that refers to itself stops here
    this.schemas[name] = this.convert(schema);
  }

  private convert(schema: unknown): Schema {
    if (typeof schema !== 'object' || schema === null) return schema as Schema;
    const out: Schema = {};
    for (const [key, value] of Object.entries(schema as Schema)) {
      if (key === 'x-enum-list' || key === '$id') continue;
      if (key === 'properties' || key === 'patternProperties' || key === '$defs')
        out[key] = Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, this.use(v)]));
      else if (key === 'items' || key === 'additionalProperties' || key === 'not' || key === 'propertyNames')
        out[key] = typeof value === 'object' ? this.use(value) : value;
      else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf')
        out[key] = (value as unknown[]).map((v) => this.use(v));
      else out[key] = structuredClone(value);
    }
    return out;
  }
}

// ─── Operation names and tags ─────────────────────────────────────────────────────────────────

/** Readable operationIds for the routes that have them; any other route gets one from its method and path. */
const OPERATION_IDS: Record<string, string> = {
  'POST /api/v1/sessions': 'createSession',
  'GET /api/v1/sessions': 'listSessions',
  'GET /api/v1/sessions/{id}': 'getSession',
  'PATCH /api/v1/sessions/{id}': 'updateSession',
  'POST /api/v1/sessions/{id}/messages': 'appendMessages',
  'POST /api/v1/sessions/{id}/events': 'appendEvents',
  'GET /api/v1/sessions/{id}/transcript': 'getTranscriptPage',
  'GET /api/v1/sessions/metrics': 'getSessionMetrics',
  'GET /api/v1/sessions/timeseries': 'getSessionTimeseries',
  'GET /api/v1/sessions/export': 'exportSessions',
  'GET /api/v1/stream': 'streamEvents',
  'POST /api/v1/ingest': 'ingestBatch',
  'GET /api/v1/agents': 'listAgents',
  'GET /api/v1/agents/{id}': 'getAgent',
  'POST /api/v1/keys': 'createApiKey',
  'GET /api/v1/keys': 'listApiKeys',
  'DELETE /api/v1/keys/{id}': 'revokeApiKey',
  'POST /api/v1/auth/login': 'signIn',
  'POST /api/v1/auth/logout': 'signOut',
  'GET /api/v1/auth/me': 'getMe',
  'POST /api/v1/auth/setup': 'createFirstAdmin',
  'POST /api/v1/auth/invitations/accept': 'acceptInvitation',
  'GET /api/v1/auth/sessions': 'listMySignIns',
  'DELETE /api/v1/auth/sessions/{id}': 'endMySignIn',
  'GET /api/v1/users': 'listUsers',
  'PATCH /api/v1/users/{id}': 'updateUser',
  'POST /api/v1/users/invitations': 'inviteUser',
  'GET /api/v1/audit': 'listAuditLog',
  'GET /api/v1/auth/sso': 'getSsoAvailability',
  'GET /api/v1/auth/oidc/start': 'startSso',
  'GET /api/v1/auth/oidc/callback': 'finishSso',
  'POST /api/v1/webhooks': 'createWebhook',
  'GET /api/v1/webhooks': 'listWebhooks',
  'GET /api/v1/webhooks/{id}': 'getWebhook',
  'PATCH /api/v1/webhooks/{id}': 'updateWebhook',
  'DELETE /api/v1/webhooks/{id}': 'deleteWebhook',
  'POST /api/v1/webhooks/{id}/rotate-secret': 'rotateWebhookSecret',
  'POST /api/v1/webhooks/{id}/test': 'sendWebhookTest',
  'GET /api/v1/webhooks/{id}/deliveries': 'listWebhookDeliveries',
  'POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/retry': 'retryWebhookDelivery',
  'POST /api/v1/integrations': 'createIntegration',
  'GET /api/v1/integrations': 'listIntegrations',
  'GET /api/v1/integrations/{id}': 'getIntegration',
  'DELETE /api/v1/integrations/{id}': 'deleteIntegration',
  'GET /api/v1/integrations/{id}/requests': 'listIntegrationRequests',
  'POST /api/integrations/{id}': 'receiveIntegrationEvent',
  'GET /api/v1/settings/redaction': 'getRedactionSettings',
  'PUT /api/v1/settings/redaction': 'putRedactionSettings',
  'POST /api/v1/settings/redaction/preview': 'previewRedaction',
  'POST /api/v1/settings/redaction/apply': 'applyRedaction',
  'POST /api/otlp/v1/traces': 'exportOtlpTraces',
  'PATCH /api/v1/sessions/{id}/tags': 'updateSessionTags',
  'PUT /api/v1/sessions/{id}/scores/{name}': 'putSessionScore',
  'POST /api/v1/sessions/{id}/notes': 'createSessionNote',
  'DELETE /api/v1/sessions/{id}/notes/{noteId}': 'deleteSessionNote',
  'POST /api/v1/sessions/{id}/review': 'markSessionReviewed',
  'DELETE /api/v1/sessions/{id}/review': 'unmarkSessionReviewed',
  'GET /api/v1/tags': 'listTags',
  'GET /api/v1/views': 'listViews',
  'POST /api/v1/views': 'createView',
  'GET /api/v1/views/{id}': 'getView',
  'PATCH /api/v1/views/{id}': 'updateView',
  'DELETE /api/v1/views/{id}': 'deleteView',
  'POST /api/v1/sessions/bulk': 'bulkUpdateSessions',
  'GET /api/v1/jobs/{id}': 'getJob',
  'POST /api/v1/alerts': 'createAlert',
  'GET /api/v1/alerts': 'listAlerts',
  'POST /api/v1/alerts/preview': 'previewAlertMetric',
  'GET /api/v1/alerts/{id}': 'getAlert',
  'PATCH /api/v1/alerts/{id}': 'updateAlert',
  'DELETE /api/v1/alerts/{id}': 'deleteAlert',
  'GET /api/v1/alerts/{id}/history': 'listAlertHistory',
  'GET /healthz': 'getHealth',
  'GET /readyz': 'getReadiness',
  'GET /metrics': 'getPrometheusMetrics',
};

const camel = (words: string[]) =>
  words
    .filter(Boolean)
    .map((w, i) => (i === 0 ? w : w[0].toUpperCase() + w.slice(1)))
    .join('');

/** `POST /api/v1/integrations/{id}/rotate-token` → `postIntegrationsRotateToken`. */
export function operationIdOf(method: string, path: string): string {
  const known = OPERATION_IDS[`${method.toUpperCase()} ${path}`];
  if (known) return known;
  const words = path
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter((p) => p && !p.startsWith('{'))
    .flatMap((p) => p.split(/[-_.]/));
  return camel([method.toLowerCase(), ...words.map((w) => w.toLowerCase())]);
}

/** Every tag, declared once with what it groups. A route with a tag not listed here fails the document's test. */
export const TAGS = [
  {
    name: 'Ingest',
    description:
      'Report sessions, messages and events as they happen: one at a time or in batches of up to 1,000. Scope `ingest`. Every POST takes an `Idempotency-Key`.',
  },
  {
    name: 'Sessions',
    description:
      'Read sessions back: lists with the shared filters, metrics, time series, one session with its transcript, exports and the live stream. Scope `read`.',
  },
  { name: 'Agents', description: 'How each agent performs over the sessions the shared filters select. Scope `read`.' },
  { name: 'Admin', description: 'API keys: create (the key is shown once), list, revoke. Scope `admin`.' },
  {
    name: 'Webhooks',
    description:
      'Subscriptions that POST each event to a URL, signed by the Standard Webhooks rules, with retries and a delivery log. Scope `admin`.',
  },
  {
    name: 'Integrations',
    description:
      'Sessions in without writing code: Vapi and Retell connectors (managed with scope `admin`) and the public URL each platform posts to, checked by the platform’s own signature.',
  },
  {
    name: 'OpenTelemetry',
    description:
      'OTLP/HTTP traces (protobuf or JSON, gzip or not) from any OpenTelemetry-instrumented agent, mapped to sessions by the GenAI conventions. Scope `ingest`.',
  },
  {
    name: 'Review',
    description:
      'Tags, scores, notes and the reviewed mark of sessions, tag counts, the organization’s saved views and bulk actions with their jobs. Scope `review` (admin implies it); tags also with `ingest`.',
  },
  {
    name: 'Auth',
    description:
      'Dashboard sign-in: a person’s e-mail and password, SSO, or an API key exchanged for an HttpOnly session cookie; the first admin, accepting invitations, and a person’s own sign-ins.',
  },
  {
    name: 'Users',
    description:
      'The people of an organization: invite, change role (viewer, reviewer, admin), disable. Scope `admin`.',
  },
  { name: 'Audit', description: 'Who changed what and when: keys, webhooks, integrations, people. Scope `admin`.' },
  {
    name: 'Alerts',
    description:
      'Rules that fire when a metric of the matching sessions crosses a threshold over a window: `alert.fired` and `alert.resolved` events on the stream and to webhooks, and a Slack message. Scope `read` to list, `admin` to change.',
  },
  {
    name: 'Redaction',
    description:
      'Personal data (emails, phone numbers, cards, IBANs, IP addresses, SSNs, custom patterns) replaced by `[redacted:<detector>]` before anything is stored, streamed or sent. Scope `admin`.',
  },
  { name: 'Operations', description: 'Liveness, readiness and Prometheus metrics for operators; no API key.' },
];

// ─── Headers and parameters ───────────────────────────────────────────────────────────────────

const intHeader = (description: string) => ({ description, schema: { type: 'integer', minimum: 0 } });
const HEADERS: Record<string, Json> = {
  'x-request-id': {
    description:
      'The request’s id: the caller’s own when well-formed, else a new UUID. Also in problem documents and logs.',
    schema: { type: 'string' },
  },
  ETag: {
    description:
      'A weak entity tag of the JSON body; send it back in `If-None-Match` to get a 304 when nothing changed.',
    schema: { type: 'string' },
    example: 'W/"IQt_l6fTwfMqiwqQ5iZ3J5ukRrw"',
  },
  'Cache-Control': {
    description:
      '`private, no-cache` on answers to signed-in requests: keep it, but revalidate; never in a shared cache.',
    schema: { type: 'string' },
    example: 'private, no-cache',
  },
  RateLimit: {
    description:
      'draft-ietf-httpapi-ratelimit-headers: for each policy the request counted against, `r` units left and `t` seconds until the whole quota is back.',
    schema: { type: 'string' },
    example: '"read";r=1199;t=1',
  },
  'RateLimit-Policy': {
    description:
      'draft-ietf-httpapi-ratelimit-headers: each policy the request counted against, its quota `q` per window `w` seconds. Policies: `read`, `ingest`, `export`, `admin`, `login-address`, `login-key`.',
    schema: { type: 'string' },
    example: '"read";q=1200;w=60',
  },
  'X-RateLimit-Limit': intHeader('The quota a minute of the policy with the fewest requests left.'),
  'X-RateLimit-Remaining': intHeader('Requests left in that policy.'),
  'X-RateLimit-Reset': intHeader('When that policy’s quota is whole again, in Unix seconds.'),
  'Retry-After': intHeader('Seconds to wait before trying again.'),
  'Content-Disposition': {
    description: 'The file name of the export: `attachment; filename="sessions-<UTC timestamp>.<ext>"`.',
    schema: { type: 'string' },
    example: 'attachment; filename="sessions-20261124T101500Z.csv"',
  },
  'Idempotent-Replayed': {
    description:
      '`true` when this answer is the stored first answer to the same `Idempotency-Key` and body: nothing was written again.',
    schema: { type: 'string', enum: ['true'] },
  },
  Location: { description: 'The URL of the session created.', schema: { type: 'string', format: 'uri-reference' } },
  'WWW-Authenticate': { description: 'How to authenticate.', schema: { type: 'string' } },
};
const headerRefs = (names: string[]) =>
  Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }]));

const PARAMETERS: Record<string, Json> = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes a retry safe: the same key with the same body answers the first response again (`Idempotent-Replayed: true`) and writes nothing; with another body, 422; while the first is running, 409. Scoped to the organization, kept 24 hours.',
    schema: { type: 'string', minLength: 1, maxLength: LIMITS.idempotencyKeyLength },
    example: '5f0c2a4e-8d1b-4c7e-9a53-2b8f1d6e7c90',
  },
  IfNoneMatch: {
    name: 'If-None-Match',
    in: 'header',
    required: false,
    description:
      'An `ETag` from an earlier answer (weak comparison: `"x"` matches `W/"x"`), or `*`: a 304 without a body when it still matches.',
    schema: { type: 'string' },
    example: 'W/"IQt_l6fTwfMqiwqQ5iZ3J5ukRrw"',
  },
  LastEventId: {
    name: 'Last-Event-ID',
    in: 'header',
    required: false,
    description:
      'Resume after this event id (what EventSource sends on a reconnect). An id the organization has not reached yet resumes from the newest, and the first `id:` line says which that is.',
    schema: { type: 'string', pattern: '^[0-9]{1,18}$' },
    example: '1042',
  },
};
const paramRef = (name: string) => ({ $ref: `#/components/parameters/${name}` });

// ─── Statuses ─────────────────────────────────────────────────────────────────────────────────

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad input: every bad field or parameter is listed in `errors` (also a path id over its length or with NUL, an unknown query parameter, an empty list item).',
  401: 'No credentials, or credentials that are not valid.',
  403: 'The key lacks the scope this operation needs, or a cookie-authenticated write came without `x-switchboard-csrf: 1`.',
  404: 'Not found, or in another organization (never told apart).',
  409: 'Conflict with what is stored, or a request with the same `Idempotency-Key` still running.',
  413: 'The body is over 5 MiB.',
  414: 'A path segment is longer than 512 characters.',
  415: 'The body is not `application/json` in UTF-8.',
  422: 'Well-formed but impossible, or an `Idempotency-Key` reused with another body.',
  429: 'Over a rate limit: wait `Retry-After` seconds.',
  503: 'Shutting down, or the database is unreachable: retry after `Retry-After` seconds.',
};
const SUCCESS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  207: 'Each item’s own status',
};

// ─── Examples ─────────────────────────────────────────────────────────────────────────────────

const NOW = '2026-11-24T10:15:00.000Z';
/** Example values by property name, where a made-up string would read badly. */
const BY_NAME: Record<string, unknown> = {
  id: 'sess_8f2k1q',
  sessionId: 'sess_8f2k1q',
  webhookId: 'wh_3kd92h',
  eventId: '1042',
  content: 'Hi, I was charged twice for my order.',
  name: 'Support Bot',
  url: 'https://example.com/hooks/switchboard',
  prefix: 'swb_live_3f9a',
  key: 'swb_live_3f9a…',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  type: 'chat',
  detail: 'channel: must be one of: web, phone, telegram, whatsapp, mobile_sdk, sip',
  title: 'Bad Request',
  model: 'gpt-4o-mini',
  search: 'refund',
  description: 'Order events for the CRM',
  endedReason: 'resolved',
  requestId: '95b8c971-8334-4b99-bd74-cdad3b404a24',
  instance: '/api/v1/sessions',
  nextCursor: null,
  cursor: 'eyJzIjoiMjAyNi0xMS0yNFQxMDoxNTowMC4wMDBaIn0',
};

/** A value that satisfies `schema`, for the document's examples (checked against their schemas in its test). */
export function exampleOf(schema: Schema, schemas: Record<string, Schema>, name = '', depth = 0): unknown {
  if (depth > 12) return undefined;
  if (typeof schema.$ref === 'string')
    return exampleOf(schemas[schema.$ref.split('/').pop() as string], schemas, name, depth + 1);
  if ('example' in schema) return schema.example;
  if (Array.isArray(schema.examples)) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) {
    const byName = BY_NAME[name];
    return schema.enum.includes(byName) ? byName : schema.enum[0];
  }
  if ('default' in schema && schema.default !== undefined && depth > 0) return schema.default;
  if (Array.isArray(schema.allOf))
    return Object.assign({}, ...schema.allOf.map((s) => exampleOf(s as Schema, schemas, name, depth + 1)));
  const options = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (options) {
    const nonNull = options.find((o) => o.type !== 'null') ?? options[0];
    return exampleOf(nonNull, schemas, name, depth + 1);
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Json = {};
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      for (const [key, sub] of Object.entries(props)) {
        const v = exampleOf(sub, schemas, key, depth + 1);
        if (v !== undefined) out[key] = v;
      }
      if (!schema.properties && (schema.additionalProperties || schema.patternProperties))
        return name === 'data' ? { reason: 'customer_request' } : { plan: 'pro' };
      return out;
    }
    case 'array': {
      const item = exampleOf((schema.items ?? {}) as Schema, schemas, name, depth + 1);
      return item === undefined ? [] : [item];
    }
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : 0;
      const value = name === 'status' ? 200 : name === 'limit' ? 50 : /Ms$/.test(name) ? 1200 : 3;
      return Math.min(Math.max(value, min), typeof schema.maximum === 'number' ? schema.maximum : value);
    }
    case 'boolean':
      return name !== 'hasMore';
    case 'null':
      return null;
    case 'string': {
      if (schema.format === 'date-time') return NOW;
      if (schema.format === 'uri') return 'https://example.com/hooks/switchboard';
      const byName = BY_NAME[name];
      if (typeof byName === 'string') return byName;
      if (schema.pattern === contracts.ID_PATTERN) return 'support-bot';
      if (schema.pattern === contracts.EVENT_TYPE_PATTERN) return 'agent_handoff';
      if (typeof schema.pattern === 'string' && /\[0-9\]/.test(schema.pattern)) return '1042';
      return name ? name.replace(/([A-Z])/g, ' $1').toLowerCase() : 'text';
    }
    default:
      return undefined;
  }
}

// ─── The document ─────────────────────────────────────────────────────────────────────────────

type Operation = Json & {
  parameters?: Json[];
  responses: Record<string, Json & { content?: Record<string, Json>; headers?: Json }>;
  requestBody?: Json & { content: Record<string, Json> };
};

/** Fastify's `/sessions/:id` as OpenAPI's `/sessions/{id}`. */
export const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** What a route needs to be told apart by the document: read from its options when it is added. */
export function routeFacts(route: RouteOptions): RouteFacts {
  const cfg = (route.config ?? {}) as { scope?: string | string[]; rateLimit?: string; secretFields?: string[] };
  return {
    method: String(route.method),
    url: route.url,
    schema: (route.schema ?? {}) as Json,
    scope: cfg.scope,
    rateLimit: cfg.rateLimit,
    secretFields: cfg.secretFields,
  };
}

const isJsonResponse = (schema: unknown) =>
  typeof schema === 'object' && schema !== null && !('content' in schema) && (schema as Json).type !== 'null';

/**
 * Finishes the document @fastify/swagger made from the routes: see the file's comment. `facts`
 * holds every documented route, by `METHOD /openapi/{path}`.
 */
export function finishDocument(doc: Json, facts: Map<string, RouteFacts>, publicUrl?: string): Json {
  const components = new Components();
  components.define('Problem', Problem);

  // The stream's and the webhooks' events: the envelope, and each type's `data`.
  const dataOf = (type: string) =>
    type.startsWith('session.') ? Session : type === 'message.created' ? Message : SessionEvent;
  const eventNames: Record<string, string> = {};
  for (const type of OUTBOX_EVENT_TYPES) {
    const name = `${camel(type.split('.')).replace(/^./, (c) => c.toUpperCase())}Event`;
    eventNames[type] = name;
    components.schemas[name] = {
      type: 'object',
      description: `The envelope of a \`${type}\` event: on the live stream (\`event: ${type}\`) and as a webhook body.`,
      required: ['id', 'type', 'occurredAt', 'data'],
      properties: {
        id: {
          type: 'string',
          pattern: '^[0-9]{1,18}$',
          description:
            "The event id, a decimal string of the organization's own sequence: the stream's `id:` and the webhook's `webhook-id`.",
        },
        type: { type: 'string', const: type },
        occurredAt: { type: 'string', format: 'date-time' },
        data: components.use(dataOf(type)),
      },
    };
  }
  components.schemas.StreamEvent = {
    description:
      'Every event of the live stream and of webhooks, told apart by `type` (the stream also sends it as `event:`).',
    oneOf: Object.values(eventNames).map(ref),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(Object.entries(eventNames).map(([t, n]) => [t, `#/components/schemas/${n}`])),
    },
  };

  // The batch item: a union on `type`, each with the single-item route's body.
  const itemNames: Record<string, string> = {
    session: 'IngestSessionItem',
    message: 'IngestMessageItem',
    event: 'IngestEventItem',
    'session.update': 'IngestSessionUpdateItem',
  };
  for (const [type, body] of Object.entries(BATCH_BODY_SCHEMAS))
    components.schemas[itemNames[type]] = {
      type: 'object',
      required: ['type', 'body'],
      additionalProperties: false,
      properties: { type: { type: 'string', const: type }, body: components.use(body) },
    };
  components.define('IngestBatchBody', contracts.IngestBatchBody);
  const batch = components.schemas.IngestBatchBody as { properties?: { batch?: Json } } | undefined;
  if (batch?.properties?.batch)
    batch.properties.batch.items = {
      oneOf: Object.values(itemNames).map(ref),
      discriminator: {
        propertyName: 'type',
        mapping: Object.fromEntries(Object.entries(itemNames).map(([t, n]) => [t, `#/components/schemas/${n}`])),
      },
    };

  const paths = doc.paths as Record<string, Record<string, Operation>>;
  for (const [path, ops] of Object.entries(paths))
    for (const [method, op] of Object.entries(ops)) {
      const route = facts.get(`${method.toUpperCase()} ${path}`);
      if (route) finishOperation(path, method.toUpperCase(), op, route, components);
    }

  // Secrets shown once are null on an idempotent replay: the idempotency store never keeps them.
  for (const route of facts.values())
    for (const field of route.secretFields ?? []) {
      const success = Object.entries((route.schema.response ?? {}) as Json).find(([code]) => code.startsWith('2'));
      const name = success ? NAMES.get(success[1] as object) : undefined;
      const props = name ? (components.schemas[name]?.properties as Record<string, Schema> | undefined) : undefined;
      if (props?.[field] && !Array.isArray(props[field].type))
        props[field] = {
          ...props[field],
          type: [props[field].type as string, 'null'],
          description:
            `${props[field].description ?? ''} Null when the answer is an idempotent replay (\`Idempotent-Replayed: true\`): a secret is shown once and never stored.`.trim(),
        };
    }

  // Webhooks, as OpenAPI 3.1 describes calls the server makes: every delivery is a StreamEvent.
  const webhooks: Json = {};
  webhooks.event = {
    post: {
      operationId: 'onEvent',
      summary: 'An event delivery',
      description:
        'POSTed to each enabled webhook whose event list and filters match, signed by the Standard Webhooks rules (`webhook-id` is the event id, `webhook-timestamp`, `webhook-signature`). A 2xx within 15 s is success; anything else is retried (docs/WEBHOOKS.md).',
      tags: ['Webhooks'],
      security: [],
      requestBody: { required: true, content: { 'application/json': { schema: ref('StreamEvent') } } },
      responses: { '200': { description: 'Received; any 2xx counts.' } },
    },
  };
  webhooks[WEBHOOK_TEST_EVENT] = {
    post: {
      operationId: 'onWebhookTest',
      summary: `A \`${WEBHOOK_TEST_EVENT}\` delivery`,
      description: 'Sent by `POST /webhooks/{id}/test` through the normal delivery path; never for real traffic.',
      tags: ['Webhooks'],
      security: [],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: components.use(contracts.WebhookEnvelope) } },
      },
      responses: { '200': { description: 'Received; any 2xx counts.' } },
    },
  };

  const info = doc.info as Json;
  return {
    ...doc,
    info: {
      ...info,
      contact: { name: 'Switchboard', url: publicUrl ? `${publicUrl}/` : 'https://switchboard.dev/' },
      license: { name: 'Proprietary', url: publicUrl ? `${publicUrl}/` : 'https://switchboard.dev/' },
    },
    servers: [{ url: publicUrl ?? '/', description: 'This Switchboard server' }],
    tags: TAGS,
    webhooks,
    components: {
      ...(doc.components as Json),
      schemas: Object.fromEntries(Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b))),
      headers: HEADERS,
      parameters: PARAMETERS,
    },
  };
}

function finishOperation(path: string, method: string, op: Operation, route: RouteFacts, components: Components) {
  const schema = route.schema;
  const scoped = route.scope !== undefined;
  // Routes that spend the sign-in quota of the client's address (routes/auth.ts).
  const signIn = ['/api/v1/auth/login', '/api/v1/auth/setup', '/api/v1/auth/invitations/accept'].includes(path);
  const limited = scoped || signIn;
  const idempotent = method === 'POST' && scoped;
  const hasBody = schema.body !== undefined;
  const hasPathId = /\{/.test(path);
  const responses = (schema.response ?? {}) as Record<string, unknown>;

  op.operationId = operationIdOf(method, path);
  if (!op.tags) op.tags = ['Operations'];
  if (!op.description) op.description = op.summary;
  if (!scoped) op.security = path === '/metrics' ? [{ metricsToken: [] }] : [];
  if (scoped)
    op.description = `${op.description}\n\nNeeds ${
      route.scope === 'any'
        ? 'any valid key or a dashboard sign-in'
        : `the ${[route.scope]
            .flat()
            .map((s) => `\`${s}\``)
            .join(' or the ')} scope`
    }.`;

  // Request: the body by name, with an example.
  if (hasBody && op.requestBody) {
    const bodySchema = components.use(schema.body);
    op.requestBody = {
      ...op.requestBody,
      description: op.requestBody.description ?? 'A JSON object.',
      content: {
        'application/json': { schema: bodySchema, example: exampleOf(bodySchema, components.schemas) },
      },
    };
  }

  // Parameters: typed comma lists, the range filters, the headers the plugins read.
  const params: Json[] = [];
  const query = schema.querystring as Schema | undefined;
  for (const p of op.parameters ?? []) {
    const s = (p.schema ?? {}) as Schema;
    const list = s['x-enum-list'] as string[] | undefined;
    if (list || (p.in === 'query' && p.name === 'agentId')) {
      params.push({
        ...p,
        style: 'form',
        explode: false,
        schema: {
          type: 'array',
          minItems: 1,
          items: list ? { type: 'string', enum: list } : { type: 'string', minLength: 1 },
        },
        description: `${p.description ?? ''} Comma-separated; an empty item is a 400.`.trim(),
      });
    } else if (p.in === 'query' && (p.name === 'from' || p.name === 'to')) {
      params.push({
        ...p,
        schema: {
          anyOf: [
            { type: 'string', format: 'date-time' },
            { type: 'string', format: 'date' },
          ],
        },
      });
    } else {
      const cleaned = { ...s };
      delete cleaned['x-enum-list'];
      params.push({ ...p, schema: cleaned });
    }
  }
  const patterns = Object.keys((query?.patternProperties ?? {}) as Json);
  if (patterns.includes(contracts.RangeFilterPattern))
    for (const field of RANGE_FIELDS)
      params.push({
        name: field,
        in: 'query',
        required: false,
        style: 'deepObject',
        explode: true,
        description: `A range on \`${field}\`: \`${field}[gte]=3\`; several operators are ANDed.`,
        schema: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(RANGE_OPS.map((o) => [o, { type: 'number' }])),
        },
      });
  if (patterns.includes(contracts.MetadataFilterPattern))
    op.description = `${op.description}\n\nAlso takes \`metadata.<key>=<value>\` parameters (up to 16): an exact match on that metadata key, all ANDed, e.g. \`metadata.plan=pro\`.`;
  if (method === 'GET' && Object.entries(responses).some(([code, r]) => code === '200' && isJsonResponse(r)))
    params.push(paramRef('IfNoneMatch'));
  if (idempotent) params.push(paramRef('IdempotencyKey'));
  if (path === '/api/v1/stream') params.push(paramRef('LastEventId'));
  if (params.length) op.parameters = params;
  else delete op.parameters;

  // Responses: success bodies by name, problem documents, and every status the plugins add.
  const out: Operation['responses'] = {};
  for (const [code, response] of Object.entries(op.responses)) {
    const status = Number(code);
    if (status >= 400) continue;
    const given = responses[code];
    const named = given && NAMES.get(given as object);
    const r = { ...response };
    if (isJsonResponse(given)) {
      const s = components.use(given);
      r.content = { 'application/json': { schema: s, example: exampleOf(s, components.schemas) } };
    } else if (r.content) {
      // The route's own schemas (the document's are copies, which no longer say which are named).
      const own = ((given as { content?: Record<string, { schema?: unknown }> } | undefined)?.content ?? {}) as Record<
        string,
        { schema?: unknown }
      >;
      r.content = Object.fromEntries(
        Object.entries(r.content).map(([type, media]) => {
          const s = own[type]?.schema ?? (media as { schema?: unknown }).schema;
          const docSchema: Schema = type.startsWith('text/event-stream')
            ? {
                type: 'string',
                description:
                  'Server-Sent Events: each event has `id:` (its event id), `event:` (its type) and `data:`, a StreamEvent (`#/components/schemas/StreamEvent`) as JSON. Comments (`: heartbeat`) every 15 s.',
              }
            : s
              ? components.use(s)
              : { type: 'string' };
          return [type, { schema: docSchema, example: exampleFor(type, docSchema, components) }];
        }),
      );
    }
    if (!r.description || r.description === 'Default Response')
      r.description = named ? `${SUCCESS_TEXT[status] ?? 'OK'}: a ${named}.` : (SUCCESS_TEXT[status] ?? 'OK');
    out[code] = r;
  }
  const hasEtag =
    'IfNoneMatch' in
    Object.fromEntries(
      (op.parameters ?? []).map((p) => [
        String(p.$ref ?? '')
          .split('/')
          .pop(),
        1,
      ]),
    );
  if (hasEtag) out['304'] = { description: 'Not modified: the `If-None-Match` tag still matches. No body.' };

  const errors = new Set(
    Object.keys(responses)
      .map(Number)
      .filter((c) => c >= 400),
  );
  errors.add(400); // every route refuses unknown query parameters
  errors.add(503); // every route answers 503 while shutting down
  if (scoped) for (const c of [401, 403, 429]) errors.add(c);
  if (signIn) errors.add(429);
  if (hasPathId) errors.add(414);
  if (hasBody) for (const c of [413, 415]) errors.add(c);
  if (idempotent) for (const c of [409, 422]) errors.add(c);
  for (const status of [...errors].sort()) {
    const headers = ['x-request-id'];
    if (limited && status !== 401 && status !== 403) headers.push(...RATE_HEADERS);
    if (status === 429 || status === 503) headers.push('Retry-After');
    if (status === 401) headers.push('WWW-Authenticate');
    if (scoped) headers.push('Cache-Control');
    // A protocol's own error body (OTLP answers an undecodable export with a google.rpc.Status in
    // the request's encoding) is kept beside the problem document the plugins' refusals send.
    const declared = op.responses[String(status)] as
      | { description?: string; content?: Record<string, Json> }
      | undefined;
    const own = declared?.content?.['application/x-protobuf']
      ? Object.fromEntries(
          Object.entries(
            ((responses[String(status)] as { content?: Record<string, { schema?: unknown }> } | undefined)?.content ??
              {}) as Record<string, { schema?: unknown }>,
          ).map(([type, media]) => {
            const docSchema: Schema = media.schema ? components.use(media.schema) : { type: 'string' };
            return [type, { schema: docSchema, example: exampleFor(type, docSchema, components) }];
          }),
        )
      : {};
    out[String(status)] = {
      description:
        Object.keys(own).length && declared?.description
          ? `${declared.description} Refusals before the body is read (an unknown query parameter) are problem documents.`
          : (ERROR_TEXT[status] ?? 'An error.'),
      headers: headerRefs(headers),
      content: {
        ...own,
        'application/problem+json': {
          schema: ref('Problem'),
          example: {
            type: `https://switchboard.dev/problems/${status === 400 ? 'validation' : 'error'}`,
            title: titleOf(status),
            status,
            detail: ERROR_TEXT[status],
            requestId: '95b8c971-8334-4b99-bd74-cdad3b404a24',
          },
        },
      },
    };
  }
  // Headers of the successful answers.
  for (const [code, r] of Object.entries(out)) {
    const status = Number(code);
    if (status >= 400) continue;
    const headers = ['x-request-id'];
    if (limited) headers.push(...RATE_HEADERS);
    if (hasEtag && (status === 200 || status === 304)) headers.push('ETag');
    if (scoped || signIn) headers.push('Cache-Control');
    if (idempotent && status < 300) headers.push('Idempotent-Replayed');
    if (path === '/api/v1/sessions/export' && status === 200) headers.push('Content-Disposition');
    if (path === '/api/v1/sessions' && method === 'POST' && status === 201) headers.push('Location');
    r.headers = { ...(r.headers as Json), ...headerRefs(headers) };
  }
  op.responses = Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

const RATE_HEADERS = [
  'RateLimit',
  'RateLimit-Policy',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
];

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};
const titleOf = (status: number) => TITLES[status] ?? 'Error';

/** An example for a non-JSON answer: a line of CSV, an NDJSON line, an SSE event. */
function exampleFor(type: string, schema: Schema, components: Components): unknown {
  if (type.startsWith('text/csv'))
    return 'id,agent_id,agent_name,channel,type,status,started_at,ended_at,duration_seconds,message_count,metadata\r\nsess_8f2k1q,support-bot,Support Bot,web,chat,completed,2026-11-24T10:15:00.000Z,2026-11-24T10:19:12.000Z,252,6,"{""plan"":""pro""}"\r\n';
  if (type.startsWith('application/x-ndjson'))
    return `${JSON.stringify(exampleOf(components.use(contracts.ExportedSession), components.schemas))}\n`;
  if (type.startsWith('text/event-stream'))
    return `retry: 3000\n: connected\nid: 1041\n\nid: 1042\nevent: session.started\ndata: ${JSON.stringify({ id: '1042', type: 'session.started', occurredAt: NOW, data: exampleOf(components.use(Session), components.schemas) })}\n\n`;
  if (type.startsWith('text/plain')) return '# HELP switchboard_http_requests_total Requests served.\n';
  return exampleOf(schema, components.schemas);
}
