/**
 * Webhook subscriptions and their deliveries. A subscription may carry the
 * shared filters (minus `transcript`, `from` and `to`, which have no meaning per event), written
 * as JSON arrays rather than the comma-separated query-string form.
 */
import { type Static, type TSchema, Type } from 'typebox';
import {
  CHANNELS,
  LIMITS,
  OUTBOX_EVENT_TYPES,
  RANGE_FIELDS,
  RANGE_OPS,
  SESSION_SOURCES,
  SESSION_TYPES,
  STATUSES,
  TAG_PATTERN,
} from './enums.js';
import { Pagination, StringEnum } from './schemas.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time' });

/** What a subscription can ask for: every type (`*`) or a list of outbox event types. */
export const WEBHOOK_EVENT_CHOICES = ['*', ...OUTBOX_EVENT_TYPES] as const;
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];
/** The type of the ping sent by `POST /webhooks/:id/test`; never sent for real traffic. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

export const WebhookEvents = Type.Array(StringEnum(WEBHOOK_EVENT_CHOICES), {
  minItems: 1,
  maxItems: WEBHOOK_EVENT_CHOICES.length,
  uniqueItems: true,
  description: '`["*"]` for every event type, or a list of: ' + `${OUTBOX_EVENT_TYPES.join(', ')}.`,
});

/** `{turns: {gte: 3}, costUsd: {gt: 0.5}}`: the query string's `turns[gte]=3&costUsd[gt]=0.5`. */
export type RangeFilterObject = {
  [F in (typeof RANGE_FIELDS)[number]]?: { [O in (typeof RANGE_OPS)[number]]?: number };
};
export const RangeFilterObject = Type.Unsafe<RangeFilterObject>(
  Type.Object(
    Object.fromEntries(
      RANGE_FIELDS.map((f) => [
        f,
        Type.Optional(
          Type.Object(Object.fromEntries(RANGE_OPS.map((op) => [op, Type.Optional(Type.Number())])), {
            additionalProperties: false,
            minProperties: 1,
          }),
        ),
      ]),
    ),
    { additionalProperties: false, description: 'Range conditions on the session’s figures; all must hold.' },
  ),
);

const enumArray = <const T extends readonly string[]>(values: T) =>
  Type.Array(StringEnum(values), { minItems: 1, maxItems: values.length, uniqueItems: true });

export const WebhookFilters = Type.Object(
  {
    search: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'As the list’s `search`: session id prefix, agent id or name, metadata key or value.',
      }),
    ),
    agentId: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 100, uniqueItems: true }),
    ),
    channel: Type.Optional(enumArray(CHANNELS)),
    status: Type.Optional(enumArray(STATUSES)),
    type: Type.Optional(enumArray(SESSION_TYPES)),
    source: Type.Optional(enumArray(SESSION_SOURCES)),
    metadata: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: LIMITS.metadataKeyLength, pattern: '^[\\s\\S]*$' }),
        Type.String({ maxLength: 1024 }),
        {
          maxProperties: 16,
          propertyNames: { minLength: 1, maxLength: LIMITS.metadataKeyLength },
          description: 'Exact match on each metadata key (string compare); all must match.',
        },
      ),
    ),
    range: Type.Optional(RangeFilterObject),
    tag: Type.Optional(
      Type.Array(Type.String({ pattern: TAG_PATTERN }), { minItems: 1, maxItems: 20, uniqueItems: true }),
    ),
    reviewed: Type.Optional(Type.Boolean()),
    problems: Type.Optional(Type.Literal(true)),
  },
  {
    additionalProperties: false,
    description:
      'Only events of sessions matching every given filter are delivered (message and event types are judged by their session).',
  },
);
export type WebhookFilters = Static<typeof WebhookFilters>;

const Url = Type.String({
  minLength: 1,
  maxLength: LIMITS.webhookUrlLength,
  description: 'An http(s) URL that does not resolve to a loopback, private, link-local or metadata address.',
});
const Description = Type.String({ maxLength: LIMITS.webhookDescriptionLength });

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: WebhookEvents,
    // The server's validator fills these in, so a webhook created without them stores '' and {}.
    description: Type.Optional({ ...Description, default: '' }),
    filters: Type.Optional({ ...WebhookFilters, default: {} }),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(WebhookEvents),
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean({ description: 'Re-enabling clears `disabledReason`.' })),
    filters: Type.Optional(WebhookFilters),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

const webhookFields = {
  id: Type.String(),
  url: Type.String({ format: 'uri' }),
  events: Type.Array(Type.String()),
  description: Type.String(),
  enabled: Type.Boolean(),
  filters: WebhookFilters,
  createdAt: Time,
  updatedAt: Time,
  disabledReason: Nullable(
    Type.String({
      description: 'Why Switchboard disabled the endpoint (410 Gone, 5 days of failures); null otherwise.',
    }),
  ),
};

export const Webhook = Type.Object(webhookFields);
export type Webhook = Static<typeof Webhook>;

export const WebhookWithSecret = Type.Object({
  ...webhookFields,
  secret: Type.String({
    description: '`whsec_` + base64 of 32 random bytes. Shown only when created or rotated.',
  }),
});
export type WebhookWithSecret = Static<typeof WebhookWithSecret>;

export const WebhookList = Type.Object({ data: Type.Array(Webhook) });
export type WebhookList = Static<typeof WebhookList>;

export const WebhookAttempt = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  at: Time,
  responseStatus: Nullable(Type.Integer()),
  latencyMs: Type.Integer({ minimum: 0 }),
  error: Nullable(Type.String()),
});
export type WebhookAttempt = Static<typeof WebhookAttempt>;

export const WebhookDelivery = Type.Object({
  id: Type.String(),
  webhookId: Type.String(),
  eventId: Type.String({
    description: "The `webhook-id` header of every attempt: the event id (the organization's own sequence).",
  }),
  eventType: Type.String(),
  status: StringEnum(WEBHOOK_DELIVERY_STATUSES),
  attempts: Type.Integer({ minimum: 0 }),
  nextAttemptAt: Nullable(Time),
  lastResponseStatus: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  createdAt: Time,
  updatedAt: Time,
  attemptLog: Type.Array(WebhookAttempt),
});
export type WebhookDelivery = Static<typeof WebhookDelivery>;

export const WebhookDeliveryList = Type.Object({ data: Type.Array(WebhookDelivery), pagination: Pagination });
export type WebhookDeliveryList = Static<typeof WebhookDeliveryList>;

export const WebhookIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export const WebhookDeliveryParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  deliveryId: Type.String({ maxLength: 64 }),
});

export const WebhookDeliveriesQuery = Type.Object(
  {
    status: Type.Optional(StringEnum(WEBHOOK_DELIVERY_STATUSES)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
    cursor: Type.Optional(Type.String({ maxLength: 256, description: 'From `nextCursor`; replaces `offset`.' })),
  },
  { additionalProperties: false },
);
export type WebhookDeliveriesQuery = Static<typeof WebhookDeliveriesQuery>;

/** The body of every webhook POST: the live stream's envelope, plus the test ping's type. */
export const WebhookEnvelope = Type.Object({
  id: Type.String({
    description: "The event id (the organization's own sequence, as a decimal string); `webhook-id`.",
  }),
  type: StringEnum([...OUTBOX_EVENT_TYPES, WEBHOOK_TEST_EVENT]),
  occurredAt: Time,
  data: Type.Record(Type.String({ pattern: '^[\\s\\S]*$' }), Type.Unknown()),
});
export type WebhookEnvelope = Static<typeof WebhookEnvelope>;
