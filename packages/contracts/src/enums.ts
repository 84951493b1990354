/** The closed vocabularies of the API. Order is display order. */

export const CHANNELS = ['web', 'phone', 'telegram', 'whatsapp', 'mobile_sdk', 'sip'] as const;

export const SESSION_TYPES = ['chat', 'voice', 'video'] as const;

export const STATUSES = ['active', 'completed', 'failed', 'cancelled'] as const;
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export const SENDERS = ['user', 'agent'] as const;

export const SCOPES = ['read', 'ingest', 'admin'] as const;

export const WELL_KNOWN_EVENT_TYPES = [
  'connection_established',
  'disconnected',
  'error',
  'agent_handoff',
  'status_changed',
] as const;

/** Types of the envelopes on the live stream and in webhooks (docs/WEBHOOKS.md). */
export const OUTBOX_EVENT_TYPES = [
  'session.started',
  'session.updated',
  'session.ended',
  'message.created',
  'event.created',
] as const;
export type OutboxEventType = (typeof OUTBOX_EVENT_TYPES)[number];

export const SORT_FIELDS = ['startedAt', 'endedAt', 'durationSeconds', 'messageCount'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export const SORTS = [...SORT_FIELDS, ...SORT_FIELDS.map((f) => `-${f}` as const)] as const;

export const EXPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Ids a client may choose; these words would collide with routes under /sessions. */
export const ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';
export const RESERVED_IDS = ['metrics', 'export', 'timeseries', 'stream'] as const;
export const EVENT_TYPE_PATTERN = '^[a-z][a-z0-9_.]{0,63}$';

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
} as const;
