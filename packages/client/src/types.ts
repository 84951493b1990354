/**
 * The API's shapes as plain TypeScript, so the published declarations stand alone: an integrator
 * installs `@switchboard/client` and nothing else, and hovering a type shows its fields instead
 * of a TypeBox `Static<…>`. `test/contract-types.ts` checks, at compile time, that each of these
 * is the same type as its schema in `@switchboard/contracts`, so the two cannot drift apart.
 */

export type Channel = 'web' | 'phone' | 'telegram' | 'whatsapp' | 'mobile_sdk' | 'sip';
/** Where a session came from: the API (and this SDK), OTLP traces, or a Vapi or Retell integration. */
export type SessionSource = 'api' | 'otlp' | 'vapi' | 'retell';
export type SessionType = 'chat' | 'voice' | 'video';
export type Status = 'active' | 'completed' | 'failed' | 'cancelled';
export type TerminalStatus = Exclude<Status, 'active'>;
export type Sender = 'user' | 'agent';
/** `review`: tags, scores, notes, the reviewed mark, saved views, bulk actions (admin implies it). */
export type Scope = 'read' | 'ingest' | 'admin' | 'review';
/** A person's role: `viewer` reads, `reviewer` reads and reviews, `admin` does everything. */
export type Role = 'viewer' | 'reviewer' | 'admin';
export type ExportFormat = 'csv' | 'json' | 'ndjson';
/**
 * The session figures a range filter (`'turns[gte]': 3`) compares and `sort` orders by:
 * `durationSeconds` and `messageCount` on the Session, the others in its `stats`.
 */
export type RangeField =
  | 'durationSeconds'
  | 'messageCount'
  | 'turns'
  | 'firstResponseMs'
  | 'avgResponseMs'
  | 'maxResponseMs'
  | 'handoffs'
  | 'errors'
  | 'interruptions'
  | 'costUsd'
  | 'inputTokens'
  | 'outputTokens';
export type RangeOp = 'gt' | 'gte' | 'lt' | 'lte';
/** A range filter's parameter name: `<field>[<op>]`, e.g. `costUsd[gt]`. */
export type RangeParam = `${RangeField}[${RangeOp}]`;
/** `{'turns[gte]': 3, 'costUsd[gt]': 0.5}`: every condition must hold. */
export type RangeFilters = { [K in RangeParam]?: string | number };
export type SortField = 'startedAt' | 'endedAt' | RangeField;
export type Sort = SortField | `-${SortField}`;
export type StreamEventType =
  | 'session.started'
  | 'session.updated'
  | 'session.ended'
  | 'message.created'
  | 'event.created'
  | 'note.created'
  | 'alert.fired'
  | 'alert.resolved';

/** Flat key–value pairs: ≤ 64 keys, values a string (≤ 1024 characters), number, boolean or null. */
export type Metadata = { [key: string]: string | number | boolean | null };

/** Tokens and cost, on a message or in a `usage` event; each part optional, none negative. */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  /** US dollars, e.g. 0.0123. */
  costUsd?: number;
  /** ≤ 128 characters. */
  model?: string;
}

/**
 * What happened in a session, kept exact by the server as messages and events arrive. A turn is
 * a user message answered by a later agent message; its latency is that message's `latencyMs`.
 */
export interface SessionStats {
  turns: number;
  userMessages: number;
  agentMessages: number;
  /** The first turn's latency; null before any turn. */
  firstResponseMs: number | null;
  avgResponseMs: number | null;
  maxResponseMs: number | null;
  /** `agent_handoff` events. */
  handoffs: number;
  /** `error` events. */
  errors: number;
  /** Agent messages sent with `interrupted: true`. */
  interruptions: number;
  /** Message usage plus `usage` events. */
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Personal data replaced by redaction in what the session received. */
  redactions: number;
}

export interface Session {
  id: string;
  agent: { id: string; name: string };
  channel: Channel;
  type: SessionType;
  status: Status;
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number | null;
  messageCount: number;
  endedReason: string | null;
  lastActivityAt: string;
  metadata: Metadata;
  stats: SessionStats;
  /** Where the session came from. */
  source: SessionSource;
  /** Lower-case labels, at most 20. */
  tags: string[];
  /** The latest value of each score, by name. */
  scores: Record<string, ScoreValue>;
  /** When it was marked reviewed, and by whom; null when it is not. */
  reviewedAt: string | null;
  reviewedBy: Actor | null;
}

/** Who did something: a person (`user`), an API key (`key`) or a Vapi/Retell integration (`integration`), by id and name. */
export interface Actor {
  type: 'key' | 'user' | 'integration';
  id: string;
  name: string;
}

export type ScoreValue = number | boolean | string;

/** A score with who wrote it and when. */
export interface ScoreDetail {
  name: string;
  value: ScoreValue;
  comment: string | null;
  author: Actor;
  updatedAt: string;
}

/** A plain-text note on a session. */
export interface Note {
  id: string;
  sessionId: string;
  body: string;
  author: Actor;
  createdAt: string;
}

/** A saved view of the Sessions page, shared by the organization. */
export interface SavedView {
  id: string;
  name: string;
  /** The Sessions page's query string, e.g. `problems=true&reviewed=false`. */
  query: string;
  columns: string[] | null;
  createdAt: string;
  updatedAt: string;
}

/** What a bulk action does to every matching session. */
export interface BulkAction {
  addTags?: string[];
  removeTags?: string[];
  /** true marks reviewed, false clears the mark. */
  review?: boolean;
}

/** A background job (a bulk action, redaction applied again): `total` sessions matched when it started. */
export interface Job {
  id: string;
  kind: 'sessions.bulk' | 'redaction.apply';
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  total: number | null;
  done: number;
  failed: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface Message {
  id: string;
  sessionId: string;
  seq: number;
  sender: Sender;
  content: string;
  timestamp: string;
  metadata: Metadata;
  /**
   * Agent messages: how long the agent took, as sent, or else the time since the latest earlier
   * user message (null when there is none). Null on user messages.
   */
  latencyMs: number | null;
  interrupted: boolean;
  usage: Usage | null;
}

export interface SessionEvent {
  id: string;
  sessionId: string;
  seq: number;
  type: string;
  timestamp: string;
  data: { [key: string]: unknown };
}

/** Where a page of a transcript leaves off. */
export interface TranscriptPosition {
  /** More messages or events follow. */
  hasMore: boolean;
  /** The `cursor` of the next page (`sessions.transcriptPage`); null on the last. */
  nextCursor: string | null;
}

/**
 * A session with the first page of its transcript: at most 200 messages and 200 events (fewer
 * when they pass 512 KiB). `transcript.hasMore` says whether more follows; `sessions.transcript`
 * iterates all of it.
 */
export type SessionDetail = Session & {
  messages: Message[];
  events: SessionEvent[];
  transcript: TranscriptPosition & { eventCount: number };
  scoreDetails: ScoreDetail[];
  notes: Note[];
};

/** The next messages and the next events of a transcript, each in `seq` order. */
export type TranscriptPage = { messages: Message[]; events: SessionEvent[] } & TranscriptPosition;

export interface Pagination {
  total: number;
  limit: number;
  offset: number;
  hasMore: boolean;
  nextCursor: string | null;
}

/** A message that holds a word of the `transcript` filter: a line to show under its session. */
export interface TranscriptMatch {
  sessionId: string;
  messageId: string;
  seq: number;
  sender: Sender;
  timestamp: string;
  /** The message around its first matching word (about 160 characters at most), `…` where cut. */
  snippet: string;
}

export interface SessionList {
  data: Session[];
  pagination: Pagination;
  /** Only with the `transcript` filter: up to 2 matching messages per session of the page. */
  matches?: TranscriptMatch[];
}

export interface Metrics {
  totalSessions: number;
  activeSessions: number;
  recentSessions: number;
  topChannel: { channel: Channel; count: number } | null;
  byChannel: Record<Channel, number>;
  byStatus: Record<Status, number>;
  byType: Record<SessionType, number>;
  /** Mean duration of the ended sessions. */
  avgDurationSeconds: number | null;
  /** Over sessions with at least one turn; approximate within 2 %. */
  firstResponseMs: Percentiles;
  /** Mean latency over every turn. */
  avgResponseMs: number | null;
  /** Shares from 0 to 1; null over no sessions. */
  handoffRate: number | null;
  errorRate: number | null;
  /** Failed ÷ ended sessions. */
  failureRate: number | null;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Per numeric score: its mean and how many of the sessions have it. */
  scores: Record<string, { mean: number; count: number }>;
  generatedAt: string;
}

/** Percentiles of first-response time, in ms; null over no sessions with a turn. */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
}

export interface TimeseriesBucket {
  start: string;
  total: number;
  byChannel: Record<Channel, number>;
  byStatus: Record<Status, number>;
  failed: number;
  handoffs: number;
  errors: number;
  costUsd: number;
  firstResponseMs: Percentiles;
}

export interface Timeseries {
  interval: 'hour' | 'day';
  from: string;
  to: string;
  buckets: TimeseriesBucket[];
}

/**
 * An agent and how it performs over the sessions the filters select (all of them without
 * filters): `sessionCount` and every figure count only those.
 */
export interface Agent {
  id: string;
  name: string;
  sessionCount: number;
  firstSeenAt: string;
  lastSeenAt: string;
  byStatus: Record<Status, number>;
  /** Failed ÷ ended sessions. */
  failureRate: number | null;
  avgDurationSeconds: number | null;
  firstResponseMs: Percentiles;
  avgResponseMs: number | null;
  handoffRate: number | null;
  errorRate: number | null;
  costUsd: number;
}

/** `agents.get`: the agent's figures and its time series. */
export type AgentDetail = Agent & { timeseries: Timeseries };

export type AgentSortField =
  | 'name'
  | 'sessionCount'
  | 'lastSeenAt'
  | 'failureRate'
  | 'avgDurationSeconds'
  | 'firstResponseMs'
  | 'avgResponseMs'
  | 'handoffRate'
  | 'errorRate'
  | 'costUsd';
/** `firstResponseMs` orders by its p50. */
export type AgentSort = AgentSortField | `-${AgentSortField}`;

export type IntegrationProvider = 'vapi' | 'retell';

/** `POST /integrations`. */
export interface CreateIntegrationInput {
  provider: IntegrationProvider;
  name: string;
  /** Vapi: the server URL secret or HMAC credential secret; Retell: the API key that signs webhooks. */
  secret: string;
  /** The agent id its sessions get; by default the platform's assistant or agent id. */
  agentId?: string;
}

export interface Integration {
  id: string;
  provider: IntegrationProvider;
  name: string;
  /** The path to paste into the platform, after the server's address. */
  url: string;
  agentId: string | null;
  createdAt: string;
  lastRequestAt: string | null;
}

/** One request an integration's address received. */
export interface IntegrationRequest {
  at: string;
  eventType: string | null;
  accepted: boolean;
  status: number;
  reason: string | null;
}

export interface ApiKey {
  id: string;
  name: string;
  scopes: Scope[];
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiKey {
  id: string;
  name: string;
  scopes: Scope[];
  prefix: string;
  createdAt: string;
  /** The secret. The server shows it in this response only. */
  key: string;
}

/** Who a cookie or key signs in as: `sb.auth.me()` and `sb.auth.login()`. */
export interface Me {
  organization: { id: string; name: string };
  /** The person signed in; absent when signed in with an API key. */
  user?: { id: string; email: string; name: string; role: Role };
  /** The API key used; absent when a person signed in. */
  key?: { id: string; name: string; prefix: string };
  scopes: Scope[];
  /** Hosts the dashboard may play session recordings from (the server's SWITCHBOARD_RECORDING_HOSTS). */
  recordingHosts: string[];
}

export interface ProblemFieldError {
  path: string;
  message: string;
}

/** An RFC 9457 problem document, as every error response carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: ProblemFieldError[];
  /** The request's id, as in the `x-request-id` header and the server's log lines. */
  requestId?: string;
}

// ─── Requests ────────────────────────────────────────────────────────────────────────────────

/** `POST /sessions` and the `session` item of `POST /ingest`. */
export interface CreateSessionBody {
  id?: string;
  agent: { id: string; name?: string };
  channel: Channel;
  type: SessionType;
  status?: Status;
  startedAt?: string;
  endedAt?: string;
  endedReason?: string;
  metadata?: Metadata;
  /** At most 20; stored in lower case, each once. */
  tags?: string[];
}

/**
 * `PATCH /sessions/:id`; metadata merges, and a `null` value deletes its key. `tags` replaces the
 * tags, then `addTags` and `removeTags` change them (a key with only `review` may send just these).
 */
export interface UpdateSessionBody {
  status?: Status;
  endedAt?: string;
  endedReason?: string;
  metadata?: Metadata;
  agent?: { name: string };
  tags?: string[];
  addTags?: string[];
  removeTags?: string[];
}

export interface MessageInput {
  id?: string;
  sender: Sender;
  content: string;
  timestamp?: string;
  metadata?: Metadata;
  /**
   * Agent messages: how long the agent took to produce it, in ms (≤ a day). Without it the
   * server uses the time since the latest earlier user message.
   */
  latencyMs?: number;
  /** Agent messages: the user barged in over it. */
  interrupted?: boolean;
  usage?: Usage;
}

export interface EventInput {
  id?: string;
  type: string;
  timestamp?: string;
  data?: { [key: string]: unknown };
}

/** One item of `POST /ingest`. */
export type IngestItem =
  | { type: 'session'; body: CreateSessionBody }
  | { type: 'message'; body: MessageInput & { sessionId: string } }
  | { type: 'event'; body: EventInput & { sessionId: string } }
  | { type: 'session.update'; body: UpdateSessionBody & { id: string } };

export interface IngestItemResult {
  index: number;
  status: number;
  id?: string;
  error?: Problem;
}

export interface IngestBatchResult {
  results: IngestItemResult[];
}

/**
 * The shared filters of list, metrics, timeseries, export and stream. Lists may be given as
 * arrays or as the API's comma-separated text; dates as `Date`, ISO 8601 or `YYYY-MM-DD`. Range
 * filters are flat keys: `{'turns[gte]': 3, 'costUsd[gt]': 0.5}`.
 */
export interface SessionFilters extends RangeFilters {
  /** Session id prefix, agent id or name substring, metadata key or value substring (literal, any case). */
  search?: string;
  agentId?: string | string[];
  channel?: Channel | Channel[] | string;
  status?: Status | Status[] | string;
  type?: SessionType | SessionType[] | string;
  /** `api`, `otlp`, `vapi`, `retell`. */
  source?: SessionSource | SessionSource[] | string;
  /** startedAt ≥ from. */
  from?: Date | string;
  /** startedAt < to; a bare `YYYY-MM-DD` includes that whole day. */
  to?: Date | string;
  /** Every word must occur in the session's messages (not on the live stream). */
  transcript?: string;
  /** Exact match on each key (compared as text); all must match. */
  metadata?: Record<string, string | number | boolean>;
  /** Sessions with any of these tags. */
  tag?: string | string[];
  /** Marked reviewed (true) or not (false). */
  reviewed?: boolean | 'true' | 'false';
  /** Only sessions that failed or recorded an error. */
  problems?: true | 'true';
  /** Score conditions as flat keys: `{'score.quality[gte]': 4, 'score.resolved': 'true'}`. */
  [score: `score.${string}`]: string | number | boolean | undefined;
}

export interface ListOptions extends SessionFilters {
  sort?: Sort;
  /** Page size, 1–500 (default 50; `list()` asks for 500 per page unless told). */
  limit?: number;
  offset?: number;
  cursor?: string;
}

/** `agents.list`: the shared filters choose the sessions each agent's figures count. */
export interface AgentListOptions extends SessionFilters {
  /** Default `-sessionCount`. */
  sort?: AgentSort;
  /** 1–500 (100). */
  limit?: number;
}

/** `agents.get`: the shared filters, and the interval of its time series (`day`). */
export interface AgentDetailOptions extends SessionFilters {
  interval?: 'hour' | 'day';
}

// ─── Live stream ─────────────────────────────────────────────────────────────────────────────

interface EnvelopeOf<T extends StreamEventType, D> {
  /** The event id: the organization's own sequence as decimal text (1, 2, 3 …); it only grows. */
  id: string;
  type: T;
  occurredAt: string;
  data: D;
}

/** One live event, as on the stream and in webhook bodies; narrow on `type`. */
export type StreamEvent =
  | EnvelopeOf<'session.started' | 'session.updated' | 'session.ended', Session>
  | EnvelopeOf<'message.created', Message>
  | EnvelopeOf<'event.created', SessionEvent>
  | EnvelopeOf<'note.created', Note>
  | EnvelopeOf<'alert.fired' | 'alert.resolved', AlertEventData>;

// ─── Webhooks (scope `admin`) ────────────────────────────────────────────────────────────────

export type WebhookEventChoice = '*' | StreamEventType;

/** Which sessions' events a webhook receives; lists as arrays (not comma-separated). */
export interface WebhookFilters {
  search?: string;
  agentId?: string[];
  channel?: Channel[];
  status?: Status[];
  type?: SessionType[];
  source?: SessionSource[];
  metadata?: Record<string, string>;
  /** `{turns: {gte: 3}, costUsd: {gt: 0.5}}`: every condition must hold. */
  range?: { [F in RangeField]?: { [O in RangeOp]?: number } };
  /** Sessions with any of these tags. */
  tag?: string[];
  reviewed?: boolean;
  /** Only sessions that failed or recorded an error. */
  problems?: true;
}

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  filters: WebhookFilters;
  createdAt: string;
  updatedAt: string;
  /** Why Switchboard disabled the endpoint (410 Gone, 5 days of failures); null otherwise. */
  disabledReason: string | null;
}

export type WebhookWithSecret = Webhook & {
  /** `whsec_` + base64 of 32 random bytes; shown only when created or rotated. */
  secret: string;
};

export interface CreateWebhookBody {
  url: string;
  events: WebhookEventChoice[];
  description?: string;
  filters?: WebhookFilters;
}

export interface UpdateWebhookBody {
  url?: string;
  events?: WebhookEventChoice[];
  description?: string;
  enabled?: boolean;
  filters?: WebhookFilters;
}

export interface WebhookAttempt {
  attempt: number;
  at: string;
  responseStatus: number | null;
  latencyMs: number;
  error: string | null;
}

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  /** The `webhook-id` header of every attempt: the event id. */
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  attemptLog: WebhookAttempt[];
}

export interface WebhookDeliveryList {
  data: WebhookDelivery[];
  pagination: Pagination;
}

/** A person of your organization (`sb.users`). */
export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
  lastSeenAt: string | null;
  disabledAt: string | null;
  /** True when the person has no password and signs in through SSO only. */
  sso: boolean;
}

/**
 * An invitation: `url` works once, until `expiresAt`. With a mail server configured on the server
 * (`SWITCHBOARD_SMTP_URL`) it was also e-mailed to the person when `emailed` is true; otherwise
 * give them `url` yourself (`emailError` says why sending failed, when it was tried).
 */
export interface Invitation {
  id: string;
  email: string;
  role: Role;
  url: string;
  expiresAt: string;
  /** True when the server e-mailed `url` to the person. */
  emailed: boolean;
  /** Why the e-mail was not sent although a mail server is configured; null otherwise. */
  emailError: string | null;
}

/** One of the signed-in person's sign-ins (`sb.auth.sessions()`). */
export interface AuthSession {
  id: string;
  method: 'password' | 'setup' | 'invitation' | 'oidc';
  userAgent: string | null;
  ip: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  /** The sign-in this request was made with. */
  current: boolean;
}

export interface AuditActor {
  type: 'user' | 'key' | 'system';
  id: string | null;
  name: string;
}

/** One entry of the audit log (`sb.audit.list()`). */
export interface AuditEntry {
  id: string;
  at: string;
  actor: AuditActor;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

export interface AuditList {
  data: AuditEntry[];
  pagination: { limit: number; hasMore: boolean; nextCursor: string | null };
}

/** `sb.audit.list(query)`: all optional. */
export interface AuditQuery {
  /** A user or key id, or its name. */
  actor?: string;
  /** An action (`user.updated`) or its group (`user`). */
  action?: string;
  from?: string | Date;
  to?: string | Date;
  cursor?: string;
  limit?: number;
}

// ─── Alerts (scope `read` to list, `admin` to change) ────────────────────────────────────────

export type AlertMetric =
  | 'sessions'
  | 'failed'
  | 'failureRate'
  | 'active'
  | 'firstResponseP95Ms'
  | 'handoffRate'
  | 'errorRate';
export type AlertOp = 'gt' | 'gte' | 'lt' | 'lte';
export type AlertState = 'ok' | 'firing';

export interface CreateAlertBody {
  name: string;
  /** The shared filters as a query string: `filtersToQuery({channel: ['phone']}).toString()`. */
  filters?: string;
  metric: AlertMetric;
  op: AlertOp;
  /** Rates are fractions (0.2 = 20 %), times milliseconds. */
  threshold: number;
  /** 60–86,400. */
  windowSeconds: number;
  /** While firing, fire again after this many seconds; 0 (default) never. */
  cooldownSeconds?: number;
  /** A Slack incoming-webhook URL; never shown again. null removes it. */
  slackUrl?: string | null;
  enabled?: boolean;
}

export type UpdateAlertBody = Partial<CreateAlertBody>;

export interface Alert {
  id: string;
  name: string;
  filters: string;
  metric: AlertMetric;
  op: AlertOp;
  threshold: number;
  windowSeconds: number;
  cooldownSeconds: number;
  /** Whether a Slack URL is set. */
  slack: boolean;
  enabled: boolean;
  state: AlertState;
  stateSince: string;
  /** The last evaluation's value; null before the first or for a rate over nothing. */
  value: number | null;
  evaluatedAt: string | null;
  lastFiredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AlertTransition {
  state: AlertState;
  value: number | null;
  threshold: number;
  op: AlertOp;
  windowSeconds: number;
  at: string;
}

export interface AlertPreviewBody {
  filters?: string;
  metric: AlertMetric;
  windowSeconds: number;
}

export interface AlertPreview {
  value: number | null;
  /** Each hour of the last 24 h and now, oldest first. */
  points: Array<{ at: string; value: number | null }>;
  generatedAt: string;
}

/** The `data` of `alert.fired` and `alert.resolved` events. */
export interface AlertEventData {
  rule: Alert;
  value: number | null;
  threshold: number;
  /** Seconds. */
  window: number;
}

/** A built-in redaction detector. */
export type RedactionDetector = 'email' | 'phone' | 'card' | 'iban' | 'ip' | 'ssn';

/** A custom redaction pattern: RE2 syntax; a match becomes `[redacted:<name>]`. */
export interface RedactionPattern {
  name: string;
  pattern: string;
}

/** `PUT /settings/redaction`. */
export interface RedactionSettingsInput {
  detectors: RedactionDetector[];
  custom?: RedactionPattern[];
}

/** `GET /settings/redaction`: `source` is `server` until the organization saves its own. */
export interface RedactionSettings {
  detectors: RedactionDetector[];
  custom: RedactionPattern[];
  source: 'organization' | 'server';
  updatedAt: string | null;
}

/** `POST /settings/redaction/preview`: without `detectors`/`custom`, the saved settings. */
export interface RedactionPreviewInput {
  text: string;
  detectors?: RedactionDetector[];
  custom?: RedactionPattern[];
}

export interface RedactionPreview {
  text: string;
  redactions: number;
  byDetector: Record<string, number>;
}
