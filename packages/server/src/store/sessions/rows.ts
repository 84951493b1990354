/**
 * A session as every read returns it (its row with its agent's latest name), and rows to API
 * objects: one function per entity, the only place a row's columns become the API's fields.
 */
import type {
  Actor,
  Agent,
  Message,
  ScoreValue,
  Metadata,
  Percentiles,
  Session,
  SessionEvent,
  Usage,
} from '@switchboard/contracts';
import { type Kysely, sql } from 'kysely';
import {
  byConversationOrder,
  emptyStats,
  foldOrdered,
  NANOS_PER_USD,
  percentiles,
  statsOf,
  statsToApi,
} from '../../lib/stats.js';
import { iso, isoOrNull } from '../../lib/time.js';
import type { AgentRow, Database, EventRow, MessageRow, SessionRow } from '../schema.js';
import type { Figures } from './figures.js';

type Db = Kysely<Database>;

export type SessionWithAgent = SessionRow & { agent_name: string };

/**
 * Which columns a read returns: every column, or what a CSV export writes (`CsvSessionRow`). The
 * export reads a million rows; the others (search text, hashes, the organization) were half of
 * its time in the driver, turned into strings nobody used (measured: 163,000 → 251,000 rows/s
 * read alone, SQLite).
 */
export type Columns = 'all' | 'csv';

/**
 * The figures a CSV export writes after `metadata`, in its column order (docs/API.md). They are
 * also every sort column but the times, so the export's keyset can continue in any sort.
 */
export const CSV_STATS_COLUMNS = [
  'turns',
  'first_response_ms',
  'avg_response_ms',
  'max_response_ms',
  'handoffs',
  'errors',
  'interruptions',
  'input_tokens',
  'output_tokens',
  'cost_nanos',
] as const;

/** A session as a CSV export writes it; `metadata` is the stored JSON text. */
export type CsvSessionRow = Pick<
  SessionWithAgent,
  | 'pk'
  | 'id'
  | 'agent_id'
  | 'agent_name'
  | 'channel'
  | 'type'
  | 'status'
  | 'started_at'
  | 'ended_at'
  | 'duration_ms'
  | 'message_count'
  | 'ended_reason'
  | 'source'
  | (typeof CSV_STATS_COLUMNS)[number]
  | 'reviewed_at'
> & { metadata: string; tags: string; scores: string; reviewed_by: string | null };

/**
 * Sessions with their agent's latest name. The name is a scalar subquery, not a join: with a
 * join SQLite's planner may loop over agents first and sort every matching session (a second
 * at 100,000 rows); as a subquery it runs for the returned rows only, after the sort index and
 * LIMIT have done their work.
 */
export function sessionsWithAgent(db: Db, columns: Columns = 'all', orgId?: string) {
  // Every session's agent exists: IngestService upserts it in the session's own transaction.
  // With `orgId` the agent is found by it, not by the row's: Citus then sees that a statement
  // that locks the rows (FOR UPDATE) reads one shard group.
  const agentOrg = orgId === undefined ? sql`s.org_id` : sql`${orgId}`;
  const agentName = sql<string>`(SELECT a.name FROM agents a WHERE a.org_id = ${agentOrg} AND a.id = s.agent_id)`.as(
    'agent_name',
  );
  const all = db.selectFrom('sessions as s').selectAll('s').select(agentName);
  if (columns === 'all') return all;
  // Typed as the full row for the shared query code; `listCsvRows` hands them out as what they are.
  return db
    .selectFrom('sessions as s')
    .select([
      's.pk',
      's.id',
      's.agent_id',
      's.channel',
      's.type',
      's.status',
      's.started_at',
      's.ended_at',
      's.duration_ms',
      's.message_count',
      's.source',
      ...CSV_STATS_COLUMNS.map((c) => `s.${c}` as const),
      's.ended_reason',
      's.reviewed_at',
    ])
    .select(sql<string>`CAST(s.metadata AS TEXT)`.as('metadata'))
    .select(sql<string>`CAST(s.tags AS TEXT)`.as('tags'))
    .select(sql<string>`CAST(s.scores AS TEXT)`.as('scores'))
    .select(sql<string | null>`CAST(s.reviewed_by AS TEXT)`.as('reviewed_by'))
    .select(agentName) as unknown as typeof all;
}

/** A JSON column's value: text on SQLite, already parsed by the driver on PostgreSQL. */
export const parseJson = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

export function sessionRowToApi(row: SessionWithAgent): Session {
  return {
    id: row.id,
    agent: { id: row.agent_id, name: row.agent_name },
    channel: row.channel,
    type: row.type,
    status: row.status,
    startedAt: iso(row.started_at),
    endedAt: isoOrNull(row.ended_at),
    durationSeconds: row.duration_ms === null ? null : row.duration_ms / 1000,
    messageCount: row.message_count,
    endedReason: row.ended_reason,
    lastActivityAt: iso(row.last_activity_at),
    metadata: parseJson<Metadata>(row.metadata),
    stats: statsToApi(statsOf(row), Number(row.redactions ?? 0)),
    source: row.source ?? 'api',
    // Rows built in memory by ingest, before 0022's columns were read back, have none yet.
    tags: row.tags === undefined ? [] : parseJson<string[]>(row.tags),
    scores: row.scores === undefined ? {} : parseJson<Record<string, ScoreValue>>(row.scores),
    reviewedAt: isoOrNull(row.reviewed_at ?? null),
    reviewedBy: row.reviewed_by === null || row.reviewed_by === undefined ? null : parseJson<Actor>(row.reviewed_by),
  };
}

/**
 * A message as the API shows it. `latencyMs` is the one the client sent, or else `derivedLatency`
 * (the time since the latest earlier user message, which only the conversation can tell: see
 * `foldOrdered` in lib/stats.ts); always null on a user message.
 */
export function messageRowToApi(row: MessageRow, sessionId: string, derivedLatency: number | null = null): Message {
  return {
    id: row.id,
    sessionId,
    seq: row.seq,
    sender: row.sender,
    content: row.content,
    timestamp: iso(row.timestamp),
    metadata: parseJson<Metadata>(row.metadata),
    latencyMs: row.sender === 'user' ? null : (row.latency_ms ?? derivedLatency),
    interrupted: !!row.interrupted,
    usage: row.usage === null || row.usage === undefined ? null : parseJson<Usage>(row.usage),
  };
}

/** A session's messages (in the order given) as the API shows them, latencies derived from the whole conversation. */
export function messagesToApi(rows: MessageRow[], sessionId: string): Message[] {
  const ordered = [...rows].sort(byConversationOrder);
  const latencies = foldOrdered(emptyStats(), ordered);
  const latencyOf = new Map(ordered.map((m, i) => [m, latencies[i]]));
  return rows.map((m) => messageRowToApi(m, sessionId, latencyOf.get(m) ?? null));
}

export function eventRowToApi(row: EventRow, sessionId: string): SessionEvent {
  return {
    id: row.id,
    sessionId,
    seq: row.seq,
    type: row.type,
    timestamp: iso(row.timestamp),
    data: parseJson<Record<string, unknown>>(row.data),
  };
}

/** p50 and p95 of a first-response histogram (nearest rank, within 2 %: lib/stats.ts). */
export function firstResponsePercentiles(f: Figures): Percentiles {
  const [p50, p95] = percentiles(f.firstResponses, [0.5, 0.95]);
  return { p50, p95 };
}

/**
 * The figures metrics and the agent table share, from summed figures. A rate is null over no
 * sessions; failures are counted among ended sessions (any status but active), durations among
 * sessions that have one, response times over every turn.
 */
export function figuresToApi(f: Figures) {
  const s = f.sums;
  const ended = s.n - f.byStatus.active;
  return {
    failureRate: ended > 0 ? f.byStatus.failed / ended : null,
    avgDurationSeconds: s.ended > 0 ? s.duration_ms / s.ended / 1000 : null,
    firstResponseMs: firstResponsePercentiles(f),
    avgResponseMs: s.turns > 0 ? Math.round(s.response_ms / s.turns) : null,
    handoffRate: s.n > 0 ? s.with_handoffs / s.n : null,
    errorRate: s.n > 0 ? s.with_errors / s.n : null,
    costUsd: s.cost_nanos / NANOS_PER_USD,
    inputTokens: s.input_tokens,
    outputTokens: s.output_tokens,
  };
}

/** An agent with the figures of its matching sessions (`sessionCount` counts only those). */
export function agentRowToApi(row: AgentRow, f: Figures): Agent {
  const { inputTokens: _i, outputTokens: _o, ...figures } = figuresToApi(f);
  return {
    id: row.id,
    name: row.name,
    sessionCount: f.sums.n,
    firstSeenAt: iso(row.first_seen_at),
    lastSeenAt: iso(row.last_seen_at),
    byStatus: f.byStatus,
    ...figures,
  };
}
