/**
 * One table type per table, feeding one `Database` interface (Kysely's example app layout).
 * Times are stored as integer milliseconds since the epoch in both dialects: comparisons,
 * sorting and time buckets are then plain integer arithmetic, written once for both databases.
 * JSON columns are text in SQLite and text in PostgreSQL too (parsed in one place each).
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** JSON: text in SQLite, jsonb in PostgreSQL; written as a JSON string, read as either. */
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
  channel: string;
  type: string;
  status: string;
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
  /** Hash of the create body, so a repeated create is recognised as the same (DESIGN §3.1). */
  create_hash: string;
}

export interface MessagesTable {
  pk: Generated<number>;
  session_pk: number;
  id: string;
  seq: number;
  sender: string;
  content: string;
  timestamp: number;
  metadata: JsonColumn;
}

export interface EventsTable {
  pk: Generated<number>;
  session_pk: number;
  id: string;
  seq: number;
  type: string;
  timestamp: number;
  data: JsonColumn;
}

export interface OutboxTable {
  /** The event id of DESIGN §3.4: it only grows, in commit order. */
  seq: Generated<number>;
  org_id: string;
  type: string;
  session_id: string;
  occurred_at: number;
  payload: string;
}

export interface IdempotencyKeysTable {
  org_id: string;
  key: string;
  request_hash: string;
  state: string;
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

export interface Database {
  organizations: OrganizationsTable;
  api_keys: ApiKeysTable;
  agents: AgentsTable;
  sessions: SessionsTable;
  messages: MessagesTable;
  session_events: EventsTable;
  outbox: OutboxTable;
  idempotency_keys: IdempotencyKeysTable;
  dashboard_sessions: DashboardSessionsTable;
}

export type SessionRow = Selectable<SessionsTable>;
export type NewSessionRow = Insertable<SessionsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type EventRow = Selectable<EventsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AgentRow = Selectable<AgentsTable>;
