/** The closed vocabularies of the API. Order is display order. */

export const CHANNELS = ['web', 'phone', 'telegram', 'whatsapp', 'mobile_sdk', 'sip'] as const;

export const SESSION_TYPES = ['chat', 'voice', 'video'] as const;

export const STATUSES = ['active', 'completed', 'failed', 'cancelled'] as const;
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export const SENDERS = ['user', 'agent'] as const;

/** Where a session came from: the API (and SDK), OTLP traces, or a Vapi or Retell integration. */
export const SESSION_SOURCES = ['api', 'otlp', 'vapi', 'retell'] as const;
export type SessionSource = (typeof SESSION_SOURCES)[number];

/** The platforms an integration (`POST /integrations`) receives calls from. */
export const INTEGRATION_PROVIDERS = ['vapi', 'retell'] as const;
export type IntegrationProvider = (typeof INTEGRATION_PROVIDERS)[number];

/** Event types the server reads: `agent_handoff` and `error` are counted in a session's stats, `usage` adds to its usage. */

/** `review`: tags, scores, notes, the reviewed mark, saved views and bulk actions (admin implies it). */
export const SCOPES = ['read', 'ingest', 'admin', 'review'] as const;

/** A person's role: what they may do, as the scopes of `ROLE_SCOPES`. */
export const ROLES = ['viewer', 'reviewer', 'admin'] as const;
/** viewer reads; reviewer reads and reviews; admin does everything, ingest included. */
export const ROLE_SCOPES: Record<(typeof ROLES)[number], readonly (typeof SCOPES)[number][]> = {
  viewer: ['read'],
  reviewer: ['read', 'review'],
  admin: SCOPES,
};

export const WELL_KNOWN_EVENT_TYPES = [
  'connection_established',
  'disconnected',
  'error',
  'agent_handoff',
  'status_changed',
  'usage',
] as const;

/** Types of the envelopes on the live stream and in webhooks (docs/WEBHOOKS.md). */
export const OUTBOX_EVENT_TYPES = [
  'session.started',
  'session.updated',
  'session.ended',
  'message.created',
  'event.created',
  'note.created',
  'alert.fired',
  'alert.resolved',
] as const;
export type OutboxEventType = (typeof OUTBOX_EVENT_TYPES)[number];

/**
 * The session figures a range filter (`turns[gte]=3`) compares and `sort` orders by. Each is a
 * number on the Session object: `durationSeconds` and `messageCount` at its top level, the others
 * in its `stats`.
 */
export const RANGE_FIELDS = [
  'durationSeconds',
  'messageCount',
  'turns',
  'firstResponseMs',
  'avgResponseMs',
  'maxResponseMs',
  'handoffs',
  'errors',
  'interruptions',
  'costUsd',
  'inputTokens',
  'outputTokens',
] as const;
export type RangeField = (typeof RANGE_FIELDS)[number];
export const RANGE_OPS = ['gt', 'gte', 'lt', 'lte'] as const;
export type RangeOp = (typeof RANGE_OPS)[number];
/** A range filter's query parameter: `<field>[<op>]`, e.g. `costUsd[gt]`. */
export type RangeParam = `${RangeField}[${RangeOp}]`;

export const SORT_FIELDS = ['startedAt', 'endedAt', ...RANGE_FIELDS] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export const SORTS = [...SORT_FIELDS, ...SORT_FIELDS.map((f) => `-${f}` as const)] as const;

export const EXPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Ids a client may choose; these words would collide with routes under /sessions. */
export const ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';
export const RESERVED_IDS = ['metrics', 'export', 'timeseries', 'stream'] as const;
export const EVENT_TYPE_PATTERN = '^[a-z][a-z0-9_.]{0,63}$';

/** A tag: lower case (tags are case-folded on the way in), a letter or digit first. */
export const TAG_PATTERN = '^[a-z0-9][a-z0-9_.:-]{0,39}$';
/** A score's name. */
export const SCORE_NAME_PATTERN = '^[a-z][a-z0-9_]{0,39}$';
/** What a background job does: a bulk action, or redaction applied again to stored sessions. */
export const JOB_KINDS = ['sessions.bulk', 'redaction.apply'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Limits of the data model and the API, in one place so server, SDK and dashboard agree. */
export const LIMITS = {
  metadataKeys: 64,
  metadataKeyLength: 64,
  metadataStringLength: 1024,
  metadataBytes: 16 * 1024,
  messageContentBytes: 32 * 1024,
  eventDataBytes: 16 * 1024,
  jsonDepth: 32,
  itemsPerAppend: 500,
  itemsPerBatch: 1000,
  bodyBytes: 5 * 1024 * 1024,
  endedReasonLength: 64,
  listLimitMax: 500,
  listLimitDefault: 50,
  idempotencyKeyLength: 255,
  timeseriesBucketsMax: 5000,
  /** A message's `latencyMs`: at most a day. */
  latencyMsMax: 86_400_000,
  usageModelLength: 128,
  agentListLimitMax: 500,
  agentListLimitDefault: 100,
  /** Messages (and, separately, events) in one page of a transcript. */
  transcriptPageMax: 500,
  transcriptPageDefault: 200,
  /**
   * Bytes of messages (content, metadata, usage) and, separately, of events (data) in one page of
   * a transcript: a page of 30 KB messages holds about 17 of them, never megabytes.
   */
  transcriptPageBytes: 512 * 1024,
  /** The `search` filter's text. */
  searchLength: 256,
  /** The `transcript` filter's text. */
  transcriptSearchLength: 512,
  /** An API key's name. */
  keyNameLength: 128,
  /** A webhook endpoint's URL and description. */
  webhookUrlLength: 2048,
  webhookDescriptionLength: 512,
  /** Tags on one session. */
  tagsPerSession: 20,
  tagLength: 40,
  /** A string score's value. */
  scoreStringLength: 64,
  scoreCommentLength: 1024,
  scoresPerSession: 50,
  noteLength: 4096,
  viewNameLength: 128,
  viewQueryLength: 4096,
  viewsPerOrg: 200,
} as const;
