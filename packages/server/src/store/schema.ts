/**
 * One table type per table, feeding one `Database` interface (Kysely's example app layout).
 * Times are stored as integer milliseconds since the epoch in both dialects: comparisons,
 * sorting and time buckets are then plain integer arithmetic, written once for both databases.
 * JSON columns are text in SQLite and json in PostgreSQL (parsed in one place: `parseJson`).
 * Columns that hold one of a fixed set of values are typed as that union (from contracts), so
 * a row needs no cast to become an API object.
 */
import type {
  AlertMetric,
  AlertOp,
  AlertState,
  Channel,
  OutboxEventType,
  IntegrationProvider,
  JobKind,
  JobStatus,
  Sender,
  SessionSource,
  SessionType,
  Status,
  WebhookDeliveryStatus,
} from '@switchboard/contracts';
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** JSON: text in SQLite, json in PostgreSQL; written as a JSON string, read as either. */
export type JsonColumn = ColumnType<unknown, string, string>;

export interface OrganizationsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  name: string;
  /** Comma-separated subset of read, ingest, admin. */
  scopes: string;
  prefix: string;
  hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface AgentsTable {
  org_id: string;
  id: string;
  name: string;
  /** Lower-cased name, for `search` (SQLite's lower() folds ASCII only). */
  search_name: string;
  first_seen_at: number;
  last_seen_at: number;
  session_count: number;
}

export interface SessionsTable {
  /** Internal surrogate key: keyset cursors and child rows point at it. */
  pk: Generated<number>;
  org_id: string;
  id: string;
  agent_id: string;
  channel: Channel;
  type: SessionType;
  status: Status;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  message_count: number;
  event_count: number;
  ended_reason: string | null;
  last_activity_at: number;
  metadata: JsonColumn;
  /** Lower-cased agent id and metadata keys and values, one per line: what `search` scans. */
  search_text: string;
  /** Hash of the create body, so a repeated create with the same id is recognised as the same. */
  create_hash: string;
  // The session's figures (0011), kept at ingest by IngestService with lib/stats.ts.
  turns: Generated<number>;
  user_messages: Generated<number>;
  agent_messages: Generated<number>;
  first_response_ms: Generated<number | null>;
  response_ms_sum: Generated<number>;
  avg_response_ms: Generated<number | null>;
  max_response_ms: Generated<number | null>;
  handoffs: Generated<number>;
  errors: Generated<number>;
  interruptions: Generated<number>;
  input_tokens: Generated<number>;
  output_tokens: Generated<number>;
  /** Integer nanodollars: exact sums in any order. */
  cost_nanos: Generated<number>;
  /** Conversation-order state of the figures (lib/stats.ts). */
  last_message_at: Generated<number | null>;
  last_user_at: Generated<number | null>;
  awaiting_reply: Generated<number>;
  /** Bytes of the transcript as stored (0018, lib/transcript.ts): what the byte ceiling compares. */
  transcript_bytes: Generated<number>;
  /** 1 once a message's timestamp is before that of a message with a lower seq (0018). */
  messages_disordered: Generated<number>;
  /**
   * 1 while a batch that created the row holds it, in no rollup yet; its last write sets 0 and
   * counts it (0020, PostgreSQL; always 0 on SQLite and outside that transaction).
   */
  uncounted: Generated<number>;
  /** Where the session came from (0021): the API, OTLP traces, or a Vapi or Retell integration. */
  source: Generated<SessionSource>;
  /** JSON array of tags (0022); session_tags holds the same, one row each, for the filter. */
  tags: ColumnType<unknown, string | undefined, string>;
  /** JSON object {name: value} of the latest scores (0022); session_scores holds who and when. */
  scores: ColumnType<unknown, string | undefined, string>;
  reviewed_at: Generated<number | null>;
  /** JSON Actor, or null. */
  reviewed_by: ColumnType<unknown, string | null | undefined, string | null>;
  /** Replacements redaction made in what the session received (0025): `stats.redactions`. */
  redactions: Generated<number>;
}

export interface SessionTagsTable {
  org_id: string;
  tag: string;
  started_at: number;
  session_pk: number;
  /** The session's, copied by a trigger on sessions (0026): the tag filter's counts read them here. */
  channel: Channel;
  status: Status;
  type: SessionType;
  agent_id: string;
  /** Also copied (0033): 1 when the session is marked reviewed; 1 when it failed or has an error; its source. */
  reviewed: Generated<number>;
  problem: Generated<number>;
  source: Generated<SessionSource>;
  /** The session's whole tag list, sorted and written `,a,b,` (0034; store/review.ts writeTagRows). */
  tag_set: Generated<string>;
}

/** Sessions per tag, agent, channel, status and type, kept exact by triggers on session_tags (0026). */
export interface SessionTagCountsTable {
  org_id: string;
  tag: string;
  agent_id: string;
  channel: Channel;
  status: Status;
  type: SessionType;
  n: number;
}

/** Sessions per tag, their whole tag list, agent, channel, status and type (0034). */
export interface SessionTagSetCountsTable extends SessionTagCountsTable {
  tag_set: string;
}

/** Sessions that need review (failed or with an error, not reviewed) per channel, status and type (0029). */
export interface SessionReviewCountsTable {
  org_id: string;
  channel: string;
  status: string;
  type: string;
  n: number;
}

/** Sessions per tag, day of their start (UTC, epoch ms), channel, status and type; like the counts (0028). */
export interface SessionTagDaysTable {
  org_id: string;
  tag: string;
  day: number;
  channel: Channel;
  status: Status;
  type: SessionType;
  n: number;
}

export interface SessionScoresTable {
  org_id: string;
  session_pk: number;
  started_at: number;
  name: string;
  value: JsonColumn;
  value_text: string;
  value_num: number | null;
  comment: string | null;
  author: JsonColumn;
  updated_at: number;
  /** The session's, copied by a trigger on sessions (0035): a score's filter with them reads them here. */
  agent_id: Generated<string>;
  channel: Generated<Channel>;
  status: Generated<Status>;
  type: Generated<SessionType>;
  /** The session's tag list, `,a,b,` (0036), written with the tag rows: a tag with a score reads it here. */
  tag_set: Generated<string>;
}

export interface SessionNotesTable {
  id: string;
  org_id: string;
  session_pk: number;
  started_at: number;
  body: string;
  author: JsonColumn;
  created_at: number;
}

export interface SavedViewsTable {
  id: string;
  org_id: string;
  name: string;
  query: string;
  columns: ColumnType<unknown, string | null, string | null>;
  created_at: number;
  updated_at: number;
}

export interface JobsTable {
  id: string;
  org_id: string;
  kind: JobKind;
  params: JsonColumn;
  status: JobStatus;
  /** `outbox`: redaction applied again (redaction.apply) going through the stored events. */
  phase: 'snapshot' | 'apply' | 'outbox';
  cursor: Generated<number>;
  max_pk: number | null;
  total: number | null;
  done: Generated<number>;
  failed: Generated<number>;
  error: string | null;
  actor: JsonColumn;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface JobItemsTable {
  job_id: string;
  session_pk: number;
  started_at: number;
}

export interface MessagesTable {
  pk: Generated<number>;
  /** The session's organization (0027): the distribution key on Citus, so a transcript lives on its session's shard. */
  org_id: string;
  session_pk: number;
  /** The session's started_at: the partition key on PostgreSQL, so a transcript lives in its session's month. */
  session_started_at: number;
  id: string;
  seq: number;
  sender: Sender;
  content: string;
  timestamp: number;
  metadata: JsonColumn;
  /** As the client sent it (0011); the API derives a missing one from the conversation. */
  latency_ms: Generated<number | null>;
  /** 1 or 0. */
  interrupted: Generated<number>;
  /** The message's usage as JSON, or null. */
  usage: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface EventsTable {
  pk: Generated<number>;
  /** The session's organization (0027): the distribution key on Citus, so a transcript lives on its session's shard. */
  org_id: string;
  session_pk: number;
  /** The session's started_at: the partition key on PostgreSQL, so a transcript lives in its session's month. */
  session_started_at: number;
  id: string;
  seq: number;
  type: string;
  timestamp: number;
  data: JsonColumn;
}

export interface OutboxTable {
  /**
   * One sequence across organizations, in commit order: where the live stream and the webhook
   * dispatcher have read up to. Never shown to a client (it would tell one organization how much
   * the others write).
   */
  seq: Generated<number>;
  org_id: string;
  /** The event id the API shows: the organization's own sequence, in commit order (0017). */
  org_seq: number;
  type: OutboxEventType;
  session_id: string;
  occurred_at: number;
  payload: string;
}

/** The last event id handed out per organization (0017); written under the outbox's lock. */
export interface OutboxOrgSeqsTable {
  org_id: string;
  last_org_seq: number;
}

export interface IdempotencyKeysTable {
  org_id: string;
  key: string;
  request_hash: string;
  /** `running` while the first request holds the key, `done` once its response is stored. */
  state: 'running' | 'done';
  response_status: number | null;
  response_body: string | null;
  response_type: string | null;
  created_at: number;
}

export interface DashboardSessionsTable {
  token_hash: string;
  key_id: string;
  created_at: number;
  expires_at: number;
}

export interface WebhooksTable {
  id: string;
  org_id: string;
  url: string;
  /** `*` or a comma-separated list of outbox event types. */
  events: string;
  description: string;
  /** The subscription's filters as the API shows them (WebhookFilters JSON). */
  filters: string;
  secret: string;
  /** The secret before the last rotation; it keeps signing until `previous_secret_expires_at`. */
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  /** 1 or 0: one representation for both databases. */
  enabled: number;
  disabled_reason: string | null;
  /** Outbox events at or before this sequence number happened before the webhook existed. */
  after_seq: number;
  created_at: number;
  updated_at: number;
  /** Start of the current run of failed attempts; null after any success. */
  first_failure_at: number | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  org_id: string;
  /** The event id (the outbox row's `org_seq`) as text (`webhook-id`), or `test_…` for a test ping. */
  event_id: string;
  /** The outbox row's `seq` (internal; null for a test ping). */
  event_seq: number | null;
  event_type: string;
  /** The exact JSON body sent on every attempt. */
  payload: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** Attempts made before the current retry round (a manual retry starts a new round). */
  round_start: number;
  next_attempt_at: number | null;
  /** Lease: while in the future, one sender owns the delivery's current attempt. */
  claimed_until: number | null;
  claim_token: string | null;
  last_response_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  at: number;
  response_status: number | null;
  latency_ms: number;
  error: string | null;
}

/** One row (id 1): the last outbox sequence number the dispatcher has fanned out. */
export interface WebhookCursorTable {
  id: number;
  last_seq: number;
}

/** Exact session counts per organization, channel, status and type, kept by triggers (0004). */
export interface SessionCountsTable {
  org_id: string;
  channel: Channel;
  status: Status;
  type: SessionType;
  n: number;
}

/**
 * Sums of the sessions' figures per organization, agent, channel, status and type (0012), kept by
 * triggers like session_counts: unfiltered metrics read these instead of the sessions.
 */
export interface SessionFiguresTable {
  org_id: string;
  agent_id: string;
  channel: Channel;
  status: Status;
  type: SessionType;
  /** Sessions. */
  n: number;
  /** Sessions with a duration (ended ones), and the sum of their durations. */
  ended: number;
  duration_ms: number;
  turns: number;
  /** Sum of the sessions' response_ms_sum: with turns, the mean latency of every turn. */
  response_ms: number;
  /** Sessions with at least one handoff / error, and the sums of the counts. */
  with_handoffs: number;
  handoffs: number;
  with_errors: number;
  errors: number;
  cost_nanos: number;
  input_tokens: number;
  output_tokens: number;
}

/** Sessions per first-response bucket (lib/stats.ts `responseBucket`) and channel, status, type (0012). */
export interface SessionFirstResponsesTable {
  org_id: string;
  channel: Channel;
  status: Status;
  type: SessionType;
  bucket: number;
  n: number;
}

/** Sessions per first-response bucket and agent (0012): the agent table's percentiles without filters. */
export interface AgentFirstResponsesTable {
  org_id: string;
  agent_id: string;
  bucket: number;
  n: number;
}

/**
 * session_figures' sums per UTC day of started_at and agent (0013; `day` is the day's start, epoch
 * ms), with the sessions per channel, status and type as columns (`channel_web`, `status_failed`, …).
 */
export interface SessionDaysTable
  extends Omit<SessionFiguresTable, 'channel' | 'status' | 'type'>,
    Record<`channel_${Channel}` | `status_${Status}` | `type_${SessionType}`, number> {
  day: number;
}

/** Sessions per first-response bucket and day (0013): the time series' percentiles. */
export interface DayFirstResponsesTable {
  org_id: string;
  day: number;
  bucket: number;
  n: number;
}

/** Sessions per first-response bucket, day and agent (0013): the agent table's percentiles over a time range. */
export interface AgentDayFirstResponsesTable extends DayFirstResponsesTable {
  agent_id: string;
}

/** session_figures' sums (but the count, in session_metadata_counts) per metadata key and value (0015). */
export interface SessionMetadataFiguresTable
  extends Omit<SessionFiguresTable, 'agent_id' | 'channel' | 'status' | 'type' | 'n'> {
  key: string;
  value: string;
}

/** Sessions per first-response bucket and metadata key and value (0015). */
export interface MetadataFirstResponsesTable {
  org_id: string;
  key: string;
  value: string;
  bucket: number;
  n: number;
}

/**
 * Every session's id, unique per organization (0006): PostgreSQL cannot enforce that across the
 * sessions table's monthly partitions, this unpartitioned table can. Lookups by id go through it.
 */
export interface SessionIdsTable {
  org_id: string;
  id: string;
  pk: number;
  started_at: number;
}

/**
 * One row per session and metadata key (0007), kept by triggers on sessions: the value as the
 * `metadata.<key>` filter compares it, and the session's filter columns, so a count or metrics
 * of one metadata value never read the sessions. Partitioned by month on PostgreSQL.
 */
export interface SessionMetadataTable {
  org_id: string;
  key: string;
  value: string;
  started_at: number;
  session_pk: number;
  channel: Channel;
  status: Status;
  type: SessionType;
  agent_id: string;
}

/** PostgreSQL only (0010): a narrow copy of each session for `search`, kept by triggers on sessions. */
export interface SessionSearchTable {
  org_id: string;
  session_pk: number;
  started_at: number;
  channel: Channel;
  status: Status;
  type: SessionType;
  search_text: string;
}

/** Exact session counts per metadata value, channel, status and type, kept by triggers (0007). */
export interface SessionMetadataCountsTable {
  org_id: string;
  key: string;
  value: string;
  channel: Channel;
  status: Status;
  type: SessionType;
  n: number;
}

/** A Vapi or Retell integration (0021): the address a platform posts to, checked by `secret`. */
export interface IntegrationsTable {
  id: string;
  org_id: string;
  provider: IntegrationProvider;
  name: string;
  /** Sealed like webhook secrets (lib/secret-box.ts): it must be read back to check signatures. */
  secret: string;
  /** The agent id its sessions get when the payload names none. */
  agent_id: string | null;
  created_at: number;
  last_request_at: number | null;
}

/** One request an integration received, accepted or refused (the last 100 are kept). */
export interface IntegrationRequestsTable {
  pk: Generated<number>;
  integration_id: string;
  at: number;
  event_type: string | null;
  accepted: number;
  status: number;
  reason: string | null;
}

/** A person of an organization (0023). `email` is lower-cased; `password_hash` is null for SSO-only people. */
export interface UsersTable {
  id: string;
  org_id: string;
  email: string;
  name: string;
  role: 'viewer' | 'reviewer' | 'admin';
  password_hash: string | null;
  created_at: number;
  last_seen_at: number | null;
  disabled_at: number | null;
}

/** A person's dashboard sign-in: the cookie's token only as its SHA-256. */
export interface UserSessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  method: 'password' | 'setup' | 'invitation' | 'oidc';
  user_agent: string | null;
  ip: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

/** One-time tokens: the first start's setup link and invitations. */
export interface AccountTokensTable {
  id: string;
  org_id: string;
  kind: 'setup' | 'invitation';
  token_hash: string;
  email: string | null;
  role: 'viewer' | 'reviewer' | 'admin' | null;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Failed password sign-ins per account (`acct:<email>`) and per address (`addr:<network>`). */
export interface LoginFailuresTable {
  bucket: string;
  failures: number;
  window_started_at: number;
  locked_until: number | null;
}

/** An SSO round trip under way: the state's SHA-256, its nonce and PKCE verifier. */
export interface OidcStatesTable {
  state_hash: string;
  nonce: string;
  code_verifier: string;
  created_at: number;
  expires_at: number;
}

export interface AuditLogTable {
  id: string;
  org_id: string;
  at: number;
  actor_type: 'user' | 'key' | 'system';
  actor_id: string | null;
  actor_name: string;
  action: string;
  target: string | null;
  /** JSON text. */
  details: string | null;
}

/** An alert rule (0024) with its current state; `slack_url` sealed. */
export interface AlertRulesTable {
  id: string;
  org_id: string;
  name: string;
  filters: string;
  metric: AlertMetric;
  op: AlertOp;
  threshold: number;
  window_seconds: number;
  cooldown_seconds: number;
  slack_url: string | null;
  enabled: number;
  state: AlertState;
  state_since: number;
  last_value: number | null;
  evaluated_at: number | null;
  last_fired_at: number | null;
  created_at: number;
  updated_at: number;
}
export type AlertRuleRow = Selectable<AlertRulesTable>;

/** Each change of an alert's state (0024), with the value that caused it. */
export interface AlertTransitionsTable {
  pk: Generated<number>;
  alert_id: string;
  org_id: string;
  state: AlertState;
  value: number | null;
  threshold: number;
  op: AlertOp;
  window_seconds: number;
  at: number;
}

/** A Slack message of an alert transition (0024), until sent or given up on. */
export interface AlertSlackMessagesTable {
  pk: Generated<number>;
  alert_id: string;
  org_id: string;
  body: string;
  attempts: number;
  next_attempt_at: number | null;
  claimed_until: number | null;
  status: 'pending' | 'succeeded' | 'failed';
  last_error: string | null;
  created_at: number;
}

/** An organization's own redaction settings (0025); without a row the server's default applies. */
export interface RedactionSettingsTable {
  org_id: string;
  /** JSON array of detector names. */
  detectors: string;
  /** JSON array of {name, pattern}. */
  custom: string;
  updated_at: number;
}

export interface Database {
  organizations: OrganizationsTable;
  api_keys: ApiKeysTable;
  agents: AgentsTable;
  sessions: SessionsTable;
  messages: MessagesTable;
  session_events: EventsTable;
  outbox: OutboxTable;
  outbox_org_seqs: OutboxOrgSeqsTable;
  idempotency_keys: IdempotencyKeysTable;
  dashboard_sessions: DashboardSessionsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_cursor: WebhookCursorTable;
  session_counts: SessionCountsTable;
  session_figures: SessionFiguresTable;
  session_first_responses: SessionFirstResponsesTable;
  agent_first_responses: AgentFirstResponsesTable;
  session_days: SessionDaysTable;
  day_first_responses: DayFirstResponsesTable;
  agent_day_first_responses: AgentDayFirstResponsesTable;
  session_metadata_figures: SessionMetadataFiguresTable;
  metadata_first_responses: MetadataFirstResponsesTable;
  session_ids: SessionIdsTable;
  session_metadata: SessionMetadataTable;
  session_metadata_counts: SessionMetadataCountsTable;
  session_search: SessionSearchTable;
  integrations: IntegrationsTable;
  alert_rules: AlertRulesTable;
  alert_transitions: AlertTransitionsTable;
  alert_slack_messages: AlertSlackMessagesTable;
  redaction_settings: RedactionSettingsTable;
  integration_requests: IntegrationRequestsTable;
  session_tags: SessionTagsTable;
  session_tag_counts: SessionTagCountsTable;
  session_tag_set_counts: SessionTagSetCountsTable;
  session_tag_days: SessionTagDaysTable;
  session_review_counts: SessionReviewCountsTable;
  session_scores: SessionScoresTable;
  session_notes: SessionNotesTable;
  saved_views: SavedViewsTable;
  jobs: JobsTable;
  job_items: JobItemsTable;
  users: UsersTable;
  user_sessions: UserSessionsTable;
  account_tokens: AccountTokensTable;
  login_failures: LoginFailuresTable;
  oidc_states: OidcStatesTable;
  audit_log: AuditLogTable;
}

export type UserRow = Selectable<UsersTable>;
export type AuditRow = Selectable<AuditLogTable>;

export type SessionRow = Selectable<SessionsTable>;
export type NewSessionRow = Insertable<SessionsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type EventRow = Selectable<EventsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AgentRow = Selectable<AgentsTable>;
export type WebhookRow = Selectable<WebhooksTable>;
export type WebhookUpdate = Updateable<WebhooksTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
