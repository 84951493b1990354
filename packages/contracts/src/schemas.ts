/**
 * Every request and response shape of the API, defined once. These TypeBox objects are JSON
 * Schema: the server validates and serializes with them and builds its OpenAPI document from
 * them; the SDK and the dashboard use the inferred types.
 */
import { type Static, type TSchema, Type } from 'typebox';
import {
  CHANNELS,
  EVENT_TYPE_PATTERN,
  EXPORT_FORMATS,
  ID_PATTERN,
  LIMITS,
  OUTBOX_EVENT_TYPES,
  RANGE_FIELDS,
  RANGE_OPS,
  type RangeParam,
  ROLES,
  SCOPES,
  SENDERS,
  SESSION_SOURCES,
  SESSION_TYPES,
  SCORE_NAME_PATTERN,
  SORTS,
  STATUSES,
  TAG_PATTERN,
} from './enums.js';

/** A string enum rendered as `{type: 'string', enum: [...]}` (clean in OpenAPI and ajv). */
export function StringEnum<const T extends readonly string[]>(values: T, options: object = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const DateTime = Type.String({
  format: 'date-time',
  description: 'ISO 8601 date-time with a time zone, e.g. 2026-11-24T10:15:00.000Z',
});
export const ClientId = Type.String({
  pattern: ID_PATTERN,
  description: 'Letters, digits, `.`, `_`, `:`, `-`; 1–128 characters.',
});

/**
 * Any object key. TypeBox writes a plain string key as the pattern `^.*$`, and `.` stops at a line
 * break: a key holding CR or LF then escaped validation (its value could be anything) and the
 * response serializer silently dropped it, so the API and the export disagreed about a session.
 */
export const AnyKey = Type.String({ pattern: '^[\\s\\S]*$' });

export const MetadataValue = Type.Union([
  Type.String({ maxLength: LIMITS.metadataStringLength }),
  Type.Number(),
  Type.Boolean(),
  Type.Null(),
]);
export const Metadata = Type.Record(
  Type.String({ maxLength: LIMITS.metadataKeyLength, pattern: '^[\\s\\S]*$' }),
  MetadataValue,
  {
    maxProperties: LIMITS.metadataKeys,
    propertyNames: { maxLength: LIMITS.metadataKeyLength, minLength: 1 },
    description: `Flat key–value pairs: ≤ ${LIMITS.metadataKeys} keys of ≤ ${LIMITS.metadataKeyLength} characters, values string (≤ ${LIMITS.metadataStringLength} characters), number, boolean or null, ≤ 16 KiB in all.`,
  },
);
export type Metadata = Static<typeof Metadata>;

export const Channel = StringEnum(CHANNELS);
export type Channel = Static<typeof Channel>;
export const SessionType = StringEnum(SESSION_TYPES);
export type SessionType = Static<typeof SessionType>;
export const Status = StringEnum(STATUSES);
export type Status = Static<typeof Status>;
export const Sender = StringEnum(SENDERS);
export type Sender = Static<typeof Sender>;
export const SessionSourceSchema = StringEnum(SESSION_SOURCES);
export const Scope = StringEnum(SCOPES);
export type Scope = Static<typeof Scope>;
const EndedReason = Type.String({ minLength: 1, maxLength: LIMITS.endedReasonLength });

// ─── Entities ────────────────────────────────────────────────────────────────────────────────

export const AgentRef = Type.Object({ id: Type.String(), name: Type.String() });

/**
 * Who did something (wrote a score or a note, marked a session reviewed): the person signed in
 * (`user`, by user id and name), the API key (`key`, by key id and name), or a Vapi or Retell
 * integration whose call analysis gave a score (`integration`, by its id and name).
 */
export const Actor = Type.Object({
  type: StringEnum(['key', 'user', 'integration'] as const),
  id: Type.String(),
  name: Type.String(),
});
export type Actor = Static<typeof Actor>;

export const Tag = Type.String({
  pattern: TAG_PATTERN,
  description: 'Lower-case letters, digits, `_ . : -`, a letter or digit first, ≤ 40 characters.',
  example: 'refund',
});
export const ScoreName = Type.String({
  pattern: SCORE_NAME_PATTERN,
  description: 'e.g. `quality`, `csat`.',
  example: 'quality',
});
/** A tag as sent: any case (stored lower-cased). */
export const TagInput = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}$',
  description: 'Letters, digits, `_ . : -`, a letter or digit first, ≤ 40 characters; stored in lower case.',
  example: 'refund',
});
export const TagList = Type.Array(TagInput, { maxItems: LIMITS.tagsPerSession });

export const ScoreValue = Type.Union([
  Type.Number(),
  Type.Boolean(),
  Type.String({ minLength: 1, maxLength: LIMITS.scoreStringLength }),
]);
export type ScoreValue = Static<typeof ScoreValue>;

/** Tokens and cost, on a message or in a `usage` event's data; each part optional, none negative. */
export const Usage = Type.Object(
  {
    inputTokens: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e12 })),
    outputTokens: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e12 })),
    costUsd: Type.Optional(Type.Number({ minimum: 0, maximum: 1e6, description: 'US dollars, e.g. 0.0123.' })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.usageModelLength })),
  },
  { additionalProperties: false },
);
export type Usage = Static<typeof Usage>;

const Count = Type.Integer({ minimum: 0 });
const Ms = Nullable(Type.Integer({ minimum: 0 }));

/**
 * What happened in a session, kept exact as its messages and events arrive (docs/INSIGHTS.md): a
 * turn is a user message answered by a later agent message, its latency that message's `latencyMs`.
 */
export const SessionStats = Type.Object({
  turns: Count,
  userMessages: Count,
  agentMessages: Count,
  firstResponseMs: Ms,
  avgResponseMs: Ms,
  maxResponseMs: Ms,
  handoffs: Count,
  errors: Count,
  interruptions: Count,
  inputTokens: Count,
  outputTokens: Count,
  costUsd: Type.Number({ minimum: 0 }),
  /** Personal data replaced by redaction in what the session received (docs/REDACTION.md). */
  redactions: Count,
});
export type SessionStats = Static<typeof SessionStats>;

export const Session = Type.Object({
  id: Type.String(),
  agent: AgentRef,
  channel: Channel,
  type: SessionType,
  status: Status,
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Nullable(Type.String({ format: 'date-time' })),
  durationSeconds: Nullable(Type.Number()),
  messageCount: Type.Integer(),
  endedReason: Nullable(Type.String()),
  lastActivityAt: Type.String({ format: 'date-time' }),
  metadata: Metadata,
  stats: SessionStats,
  /** Where the session came from: `api`, `otlp`, `vapi` or `retell`. */
  source: SessionSourceSchema,
  /** Lower-case labels, at most 20, in the order they were added. */
  tags: Type.Array(Type.String()),
  /** One value per score name (the latest written); who wrote it and when is in the detail. */
  scores: { ...Type.Record(AnyKey, ScoreValue), example: { quality: 4, resolved: true } },
  /** When the session was marked reviewed; null when it is not. */
  reviewedAt: Nullable(Type.String({ format: 'date-time' })),
  reviewedBy: Nullable(Actor),
});
export type Session = Static<typeof Session>;

export const Message = Type.Object({
  id: Type.String(),
  sessionId: Type.String(),
  seq: Type.Integer(),
  sender: Sender,
  content: Type.String(),
  timestamp: Type.String({ format: 'date-time' }),
  metadata: Metadata,
  /**
   * Agent messages: how long the agent took, as sent, or else the time since the latest earlier
   * user message (null when there is none). Null on user messages.
   */
  latencyMs: Ms,
  interrupted: Type.Boolean(),
  usage: Nullable(Usage),
});
export type Message = Static<typeof Message>;

export const SessionEvent = Type.Object({
  id: Type.String(),
  sessionId: Type.String(),
  seq: Type.Integer(),
  type: Type.String(),
  timestamp: Type.String({ format: 'date-time' }),
  data: Type.Record(AnyKey, Type.Unknown()),
});
export type SessionEvent = Static<typeof SessionEvent>;

export const ScoreDetail = Type.Object({
  name: Type.String(),
  value: ScoreValue,
  comment: Nullable(Type.String()),
  author: Actor,
  updatedAt: Type.String({ format: 'date-time' }),
});
export type ScoreDetail = Static<typeof ScoreDetail>;

/** A note on a session: plain text, shown as text. */
export const Note = Type.Object({
  id: Type.String(),
  sessionId: Type.String(),
  body: Type.String(),
  author: Actor,
  createdAt: Type.String({ format: 'date-time' }),
});
export type Note = Static<typeof Note>;

/** Where a transcript page leaves off: what `GET /sessions/:id/transcript` continues from. */
export const TranscriptPosition = Type.Object({
  hasMore: Type.Boolean({ description: 'More messages or events follow this page.' }),
  nextCursor: Nullable(
    Type.String({
      description: 'Pass as `cursor` to `GET /sessions/{id}/transcript` for the next page; null on the last.',
    }),
  ),
});
export type TranscriptPosition = Static<typeof TranscriptPosition>;

/**
 * A page of a transcript: the next messages and the next events, each by `seq`, each bounded by
 * count (`limit`) and by bytes (LIMITS.transcriptPageBytes), so no read holds a whole transcript.
 */
export const TranscriptPage = Type.Intersect([
  Type.Object({ messages: Type.Array(Message), events: Type.Array(SessionEvent) }),
  TranscriptPosition,
]);
export type TranscriptPage = Static<typeof TranscriptPage>;

/**
 * A session with the first page of its transcript; `transcript` says whether more follows and
 * how to get it. A session within one page has its whole transcript here, as before paging.
 */
export const SessionDetail = Type.Intersect([
  Session,
  Type.Object({
    messages: Type.Array(Message),
    events: Type.Array(SessionEvent),
    transcript: Type.Intersect([TranscriptPosition, Type.Object({ eventCount: Type.Integer() })]),
    /** Each score with who wrote it and when, by name. */
    scoreDetails: Type.Array(ScoreDetail),
    /** Notes, oldest first. */
    notes: Type.Array(Note),
  }),
]);
export type SessionDetail = Static<typeof SessionDetail>;

/** A full session as the JSON and NDJSON exports write it: every message and event. */
export const ExportedSession = Type.Intersect([
  Session,
  Type.Object({ messages: Type.Array(Message), events: Type.Array(SessionEvent) }),
]);
export type ExportedSession = Static<typeof ExportedSession>;

// ─── Ingest bodies ───────────────────────────────────────────────────────────────────────────

export const CreateSessionBody = Type.Object(
  {
    id: Type.Optional(ClientId),
    agent: Type.Object(
      {
        id: ClientId,
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      },
      { additionalProperties: false },
    ),
    channel: Channel,
    type: SessionType,
    status: Type.Optional(Status),
    startedAt: Type.Optional(DateTime),
    // An extension of the ingest API (see docs/API.md): lets an importer create an already-ended
    // session in one call. Only allowed together with a terminal `status`.
    endedAt: Type.Optional(DateTime),
    endedReason: Type.Optional(EndedReason),
    metadata: Type.Optional(Metadata),
    tags: Type.Optional(
      Type.Array(TagInput, {
        maxItems: LIMITS.tagsPerSession,
        description: 'At most 20; stored in lower case, each once.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateSessionBody = Static<typeof CreateSessionBody>;

export const MessageInput = Type.Object(
  {
    id: Type.Optional(ClientId),
    sender: Sender,
    content: Type.String({ description: 'UTF-8 text, ≤ 32 KiB.' }),
    timestamp: Type.Optional(DateTime),
    metadata: Type.Optional(Metadata),
    latencyMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: LIMITS.latencyMsMax,
        description:
          'Agent messages: how long the agent took to produce it, in ms. Without it the server uses the time since the latest earlier user message.',
      }),
    ),
    interrupted: Type.Optional(Type.Boolean({ description: 'Agent messages: the user barged in over it.' })),
    usage: Type.Optional(Usage),
  },
  { additionalProperties: false },
);
export type MessageInput = Static<typeof MessageInput>;

export const EventInput = Type.Object(
  {
    id: Type.Optional(ClientId),
    type: Type.String({ pattern: EVENT_TYPE_PATTERN }),
    timestamp: Type.Optional(DateTime),
    data: Type.Optional(Type.Record(AnyKey, Type.Unknown(), { description: 'A JSON object, ≤ 16 KiB serialized.' })),
  },
  { additionalProperties: false },
);
export type EventInput = Static<typeof EventInput>;

export const AppendMessagesBody = Type.Object(
  { messages: Type.Array(MessageInput, { minItems: 1, maxItems: LIMITS.itemsPerAppend }) },
  { additionalProperties: false },
);
export type AppendMessagesBody = Static<typeof AppendMessagesBody>;

export const AppendEventsBody = Type.Object(
  { events: Type.Array(EventInput, { minItems: 1, maxItems: LIMITS.itemsPerAppend }) },
  { additionalProperties: false },
);
export type AppendEventsBody = Static<typeof AppendEventsBody>;

export const AppendMessagesResult = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  messages: Type.Array(Message),
});
export type AppendMessagesResult = Static<typeof AppendMessagesResult>;

export const AppendEventsResult = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  events: Type.Array(SessionEvent),
});
export type AppendEventsResult = Static<typeof AppendEventsResult>;

export const UpdateSessionBody = Type.Object(
  {
    status: Type.Optional(Status),
    endedAt: Type.Optional(DateTime),
    endedReason: Type.Optional(EndedReason),
    metadata: Type.Optional(Metadata),
    agent: Type.Optional(
      Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
    ),
    // The tag fields are the ones a key with only the `review` scope may send (routes/sessions.ts).
    tags: Type.Optional(Type.Array(TagInput, { maxItems: LIMITS.tagsPerSession, description: 'Replaces the tags.' })),
    addTags: Type.Optional(Type.Array(TagInput, { maxItems: LIMITS.tagsPerSession, description: 'Tags to add.' })),
    removeTags: Type.Optional(
      Type.Array(TagInput, { maxItems: LIMITS.tagsPerSession, description: 'Tags to remove (after adding).' }),
    ),
  },
  { additionalProperties: false },
);
export type UpdateSessionBody = Static<typeof UpdateSessionBody>;
/** The fields of `PATCH /sessions/:id` that change tags: all a `review`-only key may send. */
export const TAG_FIELDS = ['tags', 'addTags', 'removeTags'] as const;

export const BATCH_ITEM_TYPES = ['session', 'message', 'event', 'session.update'] as const;
export type BatchItemType = (typeof BATCH_ITEM_TYPES)[number];

// A batch item's body is its single-item body plus the id of the session it belongs to.
export const BatchMessageBody = Type.Object(
  { sessionId: ClientId, ...MessageInput.properties },
  { additionalProperties: false },
);
export const BatchEventBody = Type.Object(
  { sessionId: ClientId, ...EventInput.properties },
  { additionalProperties: false },
);
export const BatchUpdateBody = Type.Object(
  { id: ClientId, ...UpdateSessionBody.properties },
  { additionalProperties: false },
);
/** The per-item body schemas of `POST /ingest`, validated item by item. */
export const BATCH_BODY_SCHEMAS = {
  session: CreateSessionBody,
  message: BatchMessageBody,
  event: BatchEventBody,
  'session.update': BatchUpdateBody,
} as const;

export const IngestBatchBody = Type.Object(
  {
    batch: Type.Array(
      Type.Object(
        {
          type: StringEnum(BATCH_ITEM_TYPES),
          body: Type.Record(AnyKey, Type.Unknown()),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: LIMITS.itemsPerBatch },
    ),
  },
  { additionalProperties: false },
);
export type IngestBatchBody = Static<typeof IngestBatchBody>;

export const ProblemFieldError = Type.Object({ path: Type.String(), message: Type.String() });
export type ProblemFieldError = Static<typeof ProblemFieldError>;

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(ProblemFieldError)),
  /** The request's id, as in its `x-request-id` header and the server's logs. */
  requestId: Type.Optional(Type.String()),
});
export type Problem = Static<typeof Problem>;

export const IngestBatchResult = Type.Object({
  results: Type.Array(
    Type.Object({
      index: Type.Integer(),
      status: Type.Integer(),
      id: Type.Optional(Type.String()),
      error: Type.Optional(Problem),
    }),
  ),
});
export type IngestBatchResult = Static<typeof IngestBatchResult>;

// ─── Read ───────────────────────────────────────────────────────────────────────────────────

const listOf = (values: readonly string[]) =>
  Type.String({
    description: `Comma-separated list of: ${values.join(', ')}.`,
    maxLength: 4096,
    'x-enum-list': values,
  });

/** The shared filters of list, metrics, timeseries, export and stream. */
export const FilterProperties = {
  search: Type.Optional(
    Type.String({
      maxLength: LIMITS.searchLength,
      description:
        'Case-insensitive literal text: session id prefix, agent id or name substring, metadata key or value substring.',
    }),
  ),
  agentId: Type.Optional(Type.String({ maxLength: 4096, description: 'Comma-separated agent ids.' })),
  channel: Type.Optional(listOf(CHANNELS)),
  status: Type.Optional(listOf(STATUSES)),
  type: Type.Optional(listOf(SESSION_TYPES)),
  source: Type.Optional(listOf(SESSION_SOURCES)),
  from: Type.Optional(
    Type.String({ maxLength: 64, description: 'startedAt ≥ from; ISO 8601 date-time or YYYY-MM-DD.' }),
  ),
  to: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'startedAt < to; ISO 8601 date-time or YYYY-MM-DD (a bare date includes that whole day).',
    }),
  ),
  transcript: Type.Optional(
    Type.String({
      maxLength: LIMITS.transcriptSearchLength,
      description: 'Every word must occur in the session’s messages.',
    }),
  ),
  tag: Type.Optional(Type.String({ maxLength: 1024, description: 'Comma-separated tags: sessions with any of them.' })),
  reviewed: Type.Optional(
    StringEnum(['true', 'false'] as const, { description: 'Only sessions marked reviewed (true) or not (false).' }),
  ),
  problems: Type.Optional(
    StringEnum(['true'] as const, {
      description: 'Only sessions that failed or recorded at least one `error` event.',
    }),
  ),
};
/** `metadata.<key>=value` query parameters: exact match, ANDed. */
export const MetadataFilterPattern = '^metadata\\.[^\\s]{1,64}$';
/**
 * `<field>[<op>]=<number>` range parameters. The pattern admits any such name so that an unknown
 * field or operator is refused by the filter parser with a message naming it.
 */
export const RangeFilterPattern = '^[A-Za-z_]{1,64}\\[[A-Za-z_]{1,16}\\]$';
/** `score.<name>=<value>` (equal) and `score.<name>[gte]=<number>` parameters. */
export const ScoreFilterPattern = '^score\\.[^\\s]{1,64}$';
const ScoreFilterDoc =
  'A score filter: `score.<name>=<value>` (the value as text: `4`, `true`, `resolved`) or `score.<name>[gte]=<number>`.';
const RangeFilterDoc = `A range filter: one of ${RANGE_FIELDS.join(', ')}, then [${RANGE_OPS.join('|')}], e.g. \`turns[gte]=3\` or \`costUsd[gt]=0.5\`.`;

const filterQuery = <P extends Record<string, TSchema>, F extends Record<string, TSchema> = typeof FilterProperties>(
  extra: P,
  filters: F = FilterProperties as unknown as F,
) =>
  Type.Object(
    { ...filters, ...extra },
    {
      additionalProperties: false,
      patternProperties: {
        [MetadataFilterPattern]: Type.String({ maxLength: 1024 }),
        [RangeFilterPattern]: Type.String({ maxLength: 64, description: RangeFilterDoc }),
        [ScoreFilterPattern]: Type.String({ maxLength: 128, description: ScoreFilterDoc }),
      },
    },
  );

/** The range parameters, typed: `{'turns[gte]': 3}`. */
export type RangeFilters = { [K in RangeParam]?: string | number };

export const SessionFilters = filterQuery({});
export type SessionFilters = Static<typeof SessionFilters> & { [key: `metadata.${string}`]: string } & RangeFilters &
  ScoreFilters;
/** `{'score.quality[gte]': 4, 'score.resolved': 'true'}`. */
export type ScoreFilters = { [key: `score.${string}`]: string | number };

export const Sort = StringEnum(SORTS, { default: '-startedAt' });
export type Sort = Static<typeof Sort>;

export const ListSessionsQuery = filterQuery({
  sort: Type.Optional(Sort),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.listLimitMax, default: LIMITS.listLimitDefault })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, default: 0 })),
  cursor: Type.Optional(Type.String({ maxLength: 1024 })),
});
export type ListSessionsQuery = Static<typeof ListSessionsQuery> & {
  [key: `metadata.${string}`]: string;
} & RangeFilters &
  ScoreFilters;

export const Pagination = Type.Object({
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
  hasMore: Type.Boolean(),
  nextCursor: Nullable(Type.String()),
});
export type Pagination = Static<typeof Pagination>;

/** A message that holds a word of the `transcript` filter, as a line to show under its session. */
export const TranscriptMatch = Type.Object({
  sessionId: Type.String(),
  messageId: Type.String(),
  seq: Type.Integer(),
  sender: Sender,
  timestamp: Type.String({ format: 'date-time' }),
  snippet: Type.String({
    description:
      'The message around its first matching word, at most about 160 characters; `…` marks text left out at either end.',
  }),
});
export type TranscriptMatch = Static<typeof TranscriptMatch>;

export const SessionList = Type.Object({
  data: Type.Array(Session),
  pagination: Pagination,
  matches: Type.Optional(
    Type.Array(TranscriptMatch, {
      description:
        'Only with the `transcript` filter: for each session of the page, its first (up to 2) messages holding any of the words, in page order then `seq`.',
    }),
  ),
});
export type SessionList = Static<typeof SessionList>;

const countsOf = (values: readonly string[]) =>
  Type.Object(Object.fromEntries(values.map((v) => [v, Type.Integer()])) as Record<string, TSchema>);

/** Percentiles of first-response time over sessions with at least one turn; approximate within 2 %. */
export const Percentiles = Type.Object({ p50: Ms, p95: Ms });
export type Percentiles = Static<typeof Percentiles>;
const Rate = Nullable(
  Type.Number({ minimum: 0, maximum: 1, description: 'A share from 0 to 1; null over no sessions.' }),
);

export const Metrics = Type.Object({
  totalSessions: Type.Integer(),
  activeSessions: Type.Integer(),
  recentSessions: Type.Integer(),
  topChannel: Nullable(Type.Object({ channel: Channel, count: Type.Integer() })),
  byChannel: countsOf(CHANNELS),
  byStatus: countsOf(STATUSES),
  byType: countsOf(SESSION_TYPES),
  avgDurationSeconds: Nullable(Type.Number({ description: 'Mean duration of the ended sessions.' })),
  firstResponseMs: Percentiles,
  avgResponseMs: Nullable(Type.Integer({ description: 'Mean latency over every turn of the sessions.' })),
  handoffRate: Rate,
  errorRate: Rate,
  failureRate: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'Failed ÷ ended sessions.' })),
  costUsd: Type.Number(),
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  scores: {
    ...Type.Record(AnyKey, Type.Object({ mean: Type.Number(), count: Type.Integer() }), {
      description: 'Per numeric score name: its mean and how many of the sessions have it.',
    }),
    example: { quality: { mean: 4.2, count: 31 } },
  },
  generatedAt: Type.String({ format: 'date-time' }),
});
export type Metrics = Omit<Static<typeof Metrics>, 'byChannel' | 'byStatus' | 'byType'> & {
  byChannel: Record<(typeof CHANNELS)[number], number>;
  byStatus: Record<(typeof STATUSES)[number], number>;
  byType: Record<(typeof SESSION_TYPES)[number], number>;
};

export const TimeseriesQuery = filterQuery({
  interval: Type.Optional(StringEnum(['hour', 'day'] as const, { default: 'hour' })),
});
export type TimeseriesQuery = Static<typeof TimeseriesQuery>;

export const Timeseries = Type.Object({
  interval: StringEnum(['hour', 'day'] as const),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  buckets: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      total: Type.Integer(),
      byChannel: countsOf(CHANNELS),
      byStatus: countsOf(STATUSES),
      failed: Type.Integer(),
      handoffs: Type.Integer(),
      errors: Type.Integer(),
      costUsd: Type.Number(),
      firstResponseMs: Percentiles,
    }),
  ),
});
export type TimeseriesBucket = {
  start: string;
  total: number;
  byChannel: Record<(typeof CHANNELS)[number], number>;
  byStatus: Record<(typeof STATUSES)[number], number>;
  failed: number;
  handoffs: number;
  errors: number;
  costUsd: number;
  firstResponseMs: Percentiles;
};
export type Timeseries = Static<typeof Timeseries> & { buckets: TimeseriesBucket[] };

export const ExportQuery = filterQuery({
  format: Type.Optional(StringEnum(EXPORT_FORMATS, { default: 'csv' })),
  sort: Type.Optional(Sort),
});
export type ExportQuery = Static<typeof ExportQuery>;

/**
 * `GET /stream`: the shared filters and where to resume. Not `transcript`: a stream matches each
 * event as it happens, and a message's words say nothing about the session's other events.
 */
const { transcript: _transcript, ...StreamFilterProperties } = FilterProperties;
export const StreamQuery = filterQuery(
  {
    lastEventId: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,18}$',
        description:
          'Resume after this event id (alternative to the Last-Event-ID header, for clients that cannot set headers).',
      }),
    ),
  },
  StreamFilterProperties,
);
export type StreamQuery = Static<typeof StreamQuery>;

/** The envelope of every live-stream event and webhook delivery (docs/WEBHOOKS.md). */
export const OutboxEnvelope = Type.Object({
  id: Type.String({
    description:
      "The event id, as a decimal string: the organization's own sequence (1, 2, 3 …), which only grows and has no gaps; another organization's events never move it.",
  }),
  type: StringEnum(OUTBOX_EVENT_TYPES),
  occurredAt: Type.String({ format: 'date-time' }),
  data: Type.Record(AnyKey, Type.Unknown(), {
    description:
      'A Session (session.*), a Message (message.created) or a SessionEvent (event.created), each with sessionId.',
  }),
});
export type OutboxEnvelope = Static<typeof OutboxEnvelope>;

/**
 * An agent and how it performs over the sessions the filters select (all of them without
 * filters): `sessionCount` and the figures count only those.
 */
export const Agent = Type.Object({
  id: Type.String(),
  name: Type.String(),
  sessionCount: Type.Integer(),
  firstSeenAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.String({ format: 'date-time' }),
  byStatus: countsOf(STATUSES),
  failureRate: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'Failed ÷ ended sessions.' })),
  avgDurationSeconds: Nullable(Type.Number()),
  firstResponseMs: Percentiles,
  avgResponseMs: Nullable(Type.Integer()),
  handoffRate: Rate,
  errorRate: Rate,
  costUsd: Type.Number(),
});
export type Agent = Omit<Static<typeof Agent>, 'byStatus'> & { byStatus: Record<(typeof STATUSES)[number], number> };
export const AgentList = Type.Object({ data: Type.Array(Agent) });
export type AgentList = { data: Agent[] };

export const AGENT_SORT_FIELDS = [
  'name',
  'sessionCount',
  'lastSeenAt',
  'failureRate',
  'avgDurationSeconds',
  'firstResponseMs',
  'avgResponseMs',
  'handoffRate',
  'errorRate',
  'costUsd',
] as const;
export type AgentSortField = (typeof AGENT_SORT_FIELDS)[number];
export const AGENT_SORTS = [...AGENT_SORT_FIELDS, ...AGENT_SORT_FIELDS.map((f) => `-${f}` as const)] as const;
export type AgentSort = (typeof AGENT_SORTS)[number];

/** `GET /agents`: the shared filters, a sort (`firstResponseMs` orders by its p50) and a limit. */
export const AgentListQuery = filterQuery({
  sort: Type.Optional(StringEnum(AGENT_SORTS, { default: '-sessionCount' })),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: LIMITS.agentListLimitMax, default: LIMITS.agentListLimitDefault }),
  ),
});
export type AgentListQuery = Static<typeof AgentListQuery> & { [key: `metadata.${string}`]: string } & RangeFilters;

/** `GET /agents/:id`: the shared filters and the interval of its time series. */
export const AgentDetailQuery = filterQuery({
  interval: Type.Optional(StringEnum(['hour', 'day'] as const, { default: 'day' })),
});
export type AgentDetailQuery = Static<typeof AgentDetailQuery> & { [key: `metadata.${string}`]: string } & RangeFilters;
export const AgentIdParams = Type.Object({ id: Type.String({ maxLength: 256 }) });

export const AgentDetail = Type.Intersect([Agent, Type.Object({ timeseries: Timeseries })]);
export type AgentDetail = Agent & { timeseries: Timeseries };

export const SessionIdParams = Type.Object({ id: Type.String({ maxLength: 256 }) });

export const TranscriptQuery = Type.Object(
  {
    cursor: Type.Optional(
      Type.String({ maxLength: 1024, description: 'From `nextCursor`; without it, the first page.' }),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: LIMITS.transcriptPageMax,
        default: LIMITS.transcriptPageDefault,
        description: `At most this many messages and this many events; fewer when they pass ${LIMITS.transcriptPageBytes / 1024} KiB.`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type TranscriptQuery = Static<typeof TranscriptQuery>;

// ─── Admin ──────────────────────────────────────────────────────────────────────────────────

export const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: LIMITS.keyNameLength }),
    scopes: Type.Array(Scope, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type CreateKeyBody = Static<typeof CreateKeyBody>;

export const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Scope),
  prefix: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type ApiKey = Static<typeof ApiKey>;
export const CreatedApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Scope),
  prefix: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  key: Type.String({ description: 'The secret key. Shown only in this response.' }),
});
export type CreatedApiKey = Static<typeof CreatedApiKey>;
export const ApiKeyList = Type.Object({ data: Type.Array(ApiKey) });
export type ApiKeyList = Static<typeof ApiKeyList>;
export const KeyIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

// ─── Dashboard auth ───────────────────────────────────────────────────────────────────────────

/**
 * A person's e-mail and password, or (for admins and automation) an API key. One object rather
 * than a union, so a bad key is reported as a bad `key`, not as every field of both ways.
 */
export const LoginBody = Type.Object(
  {
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 254, examples: ['grace@example.com'] })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, examples: ['correct horse battery staple'] })),
    key: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'An API key, instead of e-mail and password.' }),
    ),
  },
  {
    additionalProperties: false,
    anyOf: [{ required: ['email', 'password'] }, { required: ['key'] }],
    examples: [{ email: 'grace@example.com', password: 'correct horse battery staple' }],
  },
);
export type LoginBody = Static<typeof LoginBody>;
export const Me = Type.Object({
  organization: Type.Object({ id: Type.String(), name: Type.String() }),
  user: Type.Optional(
    Type.Object(
      {
        id: Type.String(),
        email: Type.String(),
        name: Type.String(),
        role: StringEnum(ROLES),
      },
      { description: 'The person signed in; absent when signed in with an API key.' },
    ),
  ),
  key: Type.Optional(
    Type.Object(
      { id: Type.String(), name: Type.String(), prefix: Type.String() },
      { description: 'The API key used; absent when a person signed in.' },
    ),
  ),
  scopes: Type.Array(Scope),
  recordingHosts: Type.Array(Type.String(), {
    description:
      'Hosts the dashboard may play session recordings from (SWITCHBOARD_RECORDING_HOSTS, as CSP host sources); empty: recordings are shown as links, not loaded.',
  }),
});
export type Me = Static<typeof Me>;

export const Health = Type.Object({ status: Type.String() });
