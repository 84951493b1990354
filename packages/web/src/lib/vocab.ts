/**
 * Display vocabulary. The enums are repeated here, each checked against its contract type with
 * `satisfies`: the dashboard takes only types and `filtersToQuery` from `@switchboard/contracts`,
 * so the schemas (and TypeBox) stay out of the browser bundle.
 */
import type {
  AgentSortField,
  Channel,
  OutboxEventType,
  RangeField,
  RangeOp,
  Scope,
  SessionSource,
  SessionType,
  Status,
  WebhookDeliveryStatus,
} from '@switchboard/contracts';

export const CHANNELS = [
  'web',
  'phone',
  'telegram',
  'whatsapp',
  'mobile_sdk',
  'sip',
] as const satisfies readonly Channel[];
export const STATUSES = ['active', 'completed', 'failed', 'cancelled'] as const satisfies readonly Status[];
export const SESSION_TYPES = ['chat', 'voice', 'video'] as const satisfies readonly SessionType[];
export const SCOPES = ['read', 'ingest', 'review', 'admin'] as const satisfies readonly Scope[];

/** The session figures a range filter (`costUsd[gt]=0.5`) compares and `sort` orders by. */
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
] as const satisfies readonly RangeField[];
/** What the agents table sorts by (`firstResponseMs` is its p50). */
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
] as const satisfies readonly AgentSortField[];

export const RANGE_OPS = ['gt', 'gte', 'lt', 'lte'] as const satisfies readonly RangeOp[];

export const CHANNEL_LABELS: Record<Channel, string> = {
  web: 'Web',
  phone: 'Phone',
  telegram: 'Telegram',
  whatsapp: 'WhatsApp',
  mobile_sdk: 'Mobile SDK',
  sip: 'SIP',
};

/** Chart colours matching the hues of `ChannelBadge` and `StatusBadge` (Tailwind 500 shades). */
export const CHANNEL_COLORS: Record<Channel, string> = {
  web: '#3b82f6',
  phone: '#8b5cf6',
  telegram: '#0ea5e9',
  whatsapp: '#10b981',
  mobile_sdk: '#d946ef',
  sip: '#f59e0b',
};

export const STATUS_LABELS: Record<Status, string> = {
  active: 'Active',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const STATUS_COLORS: Record<Status, string> = {
  active: '#22c55e',
  completed: '#3b82f6',
  failed: '#ef4444',
  cancelled: '#f97316',
};

export const TYPE_LABELS: Record<SessionType, string> = { chat: 'Chat', voice: 'Voice', video: 'Video' };

export const SCOPE_LABELS: Record<Scope, string> = { read: 'Read', ingest: 'Ingest', admin: 'Admin', review: 'Review' };

/** The envelope types of the live stream, which are also what a webhook subscribes to. */
export const OUTBOX_EVENT_TYPES = [
  'session.started',
  'session.updated',
  'session.ended',
  'message.created',
  'event.created',
  'note.created',
  'alert.fired',
  'alert.resolved',
] as const satisfies readonly OutboxEventType[];

export const WEBHOOK_EVENT_HELP: Record<OutboxEventType, string> = {
  'session.started': 'A session is created',
  'session.updated': 'Metadata, agent name, tags, scores or the reviewed mark change',
  'session.ended': 'A session reaches a final status',
  'message.created': 'Every message of a transcript',
  'event.created': 'Every system event (handoffs, errors…)',
  'note.created': 'A reviewer adds a note',
  'alert.fired': 'An alert rule starts firing',
  'alert.resolved': 'A firing alert rule is OK again',
};

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const satisfies readonly WebhookDeliveryStatus[];

export const SOURCES = ['api', 'otlp', 'vapi', 'retell'] as const satisfies readonly SessionSource[];

/** Where a session came from (docs/INTEGRATIONS.md). */
export const SOURCE_LABELS: Record<SessionSource, string> & Record<string, string> = {
  api: 'API',
  otlp: 'OpenTelemetry',
  vapi: 'Vapi',
  retell: 'Retell',
};
