/**
 * The write side of the sessions API (docs/API.md): the rules of sessions (idempotent create,
 * status moves, metadata merge, gap-free sequence numbers, duplicates by id) and the outbox
 * entries each change emits. Every operation here runs inside a transaction it is given; the public
 * functions open one per call, `POST /ingest` one per batch with a savepoint per item.
 */
import {
  type AppendEventsResult,
  type AppendMessagesResult,
  type CreateSessionBody,
  type EventInput,
  LIMITS,
  type Message,
  type MessageInput,
  type Metadata,
  type ProblemFieldError,
  type Session,
  type SessionEvent,
  type SessionSource,
  TERMINAL_STATUSES,
  type UpdateSessionBody,
} from '@switchboard/contracts';
import { ApiError, badRequest, notFound } from '../lib/errors.js';
import {
  addEvents,
  addMessages,
  byConversationOrder,
  foldOrdered,
  foldsInOrder,
  resetOrdered,
  STATS_COLUMNS,
  type StatsColumns,
  type StatsMessage,
  statsOf,
} from '../lib/stats.js';
import { canonical, hashOf } from '../lib/hash.js';
import { uuidv7 } from '../lib/ids.js';
import { NO_REDACTION, type Redactor } from '../lib/redaction/engine.js';
import { parseTime } from '../lib/time.js';
import { DEFAULT_SESSION_LIMITS, eventBytes, messageBytes, outOfOrder, type SessionLimits } from '../lib/transcript.js';
import type { Db, Store, Trx } from '../store/db.js';
import type { EventRow, MessageRow, NewSessionRow } from '../store/schema.js';
import { type OutboxEntry, writeOutbox } from '../store/outbox.js';
import { ensureMonths } from '../store/partitions.js';
import { tagsOf, writeTagRows } from '../store/review.js';
import { countStartedSessions, ensureAgents, renameAgent } from '../store/sessions/agents.js';
import {
  eventRowToApi,
  messageRowToApi,
  parseJson,
  sessionRowToApi,
  type SessionWithAgent,
} from '../store/sessions/rows.js';
import { conversationOf, existingIdsOfSessions, insertEvents, insertMessages } from '../store/sessions/transcript.js';
import {
  findSession,
  findSessionByPk,
  findSessions,
  insertSessionIds,
  insertSessionRows,
  insertSessions,
  reserveSessionPks,
  lockSessionRow,
  lockSessions,
  updateSessionSets,
  type SessionKey,
  touchSession,
  updateSessionRow,
} from '../store/sessions/write.js';
import { batchRollups } from '../store/sessions/rollups.js';
import { changesTags, checkTagCount, foldTags, nextTags, sameTags } from './tags.js';
import { GroupCommit, isUniqueViolation, type Outcome, type Tx } from './transactions.js';
import {
  checkContent,
  checkEventData,
  checkId,
  checkMessageFigures,
  checkMetadata,
  checkUsageEvent,
} from './validate.js';

const isTerminal = (status: string | undefined) =>
  status !== undefined && (TERMINAL_STATUSES as readonly string[]).includes(status);

/** Lower-cased agent id and metadata keys and values: the text `search` scans (see filters.ts). */
export function searchText(agentId: string, metadata: Metadata): string {
  const parts = [agentId];
  for (const [k, v] of Object.entries(metadata)) parts.push(k, v === null ? 'null' : String(v));
  return parts.join('\n').toLowerCase();
}

/** When a create body says its session started: its startedAt, or the time it arrived. */
export const startOf = (body: CreateSessionBody, now: number) =>
  body.startedAt !== undefined ? parseTime(body.startedAt) : now;

type NewItem<Item> = { item: Item; id: string; seq: number; timestamp: number };

/** What differs between appending messages and appending events. */
interface AppendKind<Item, Api> {
  counter: 'message_count' | 'event_count';
  /** The ceiling on the counter, and its name in problems and settings. */
  limit: { of: 'maxMessages' | 'maxEvents'; noun: string; setting: string };
  /** The bytes an item adds to the session's transcript_bytes (lib/transcript.ts). */
  bytesOf(item: Item): number;
  outboxType: 'message.created' | 'event.created';
  table: 'messages' | 'session_events';
  /** A stored item as the API shows it (a duplicate is answered with the stored version). */
  toApi(row: MessageRow | EventRow, sessionId: string): Api;
  /**
   * Adds new items to the session's figures (`stats`, as locked). For messages, returns each
   * one's effective latency.
   */
  figure(
    db: Db,
    session: SessionKey,
    stats: StatsColumns,
    fresh: Array<NewItem<Item>>,
  ): Promise<{ latencies?: Array<number | null>; disordered?: boolean }>;
  /** The rows to insert for new items, and the items as API objects, in order. */
  rowsOf(
    session: SessionKey & { org_id: string },
    sessionId: string,
    fresh: Array<NewItem<Item>>,
    latencies?: Array<number | null>,
  ): { rows: unknown[]; api: Api[] };
  insertAll(db: Db, rows: unknown[]): Promise<void>;
  /** The item with its personal data replaced; `counter.n` counts the replacements. */
  redact(redactor: Redactor, item: Item, counter: { n: number }): Item;
}

const MESSAGES: AppendKind<MessageInput, Message> = {
  counter: 'message_count',
  limit: { of: 'maxMessages', noun: 'messages', setting: 'SWITCHBOARD_SESSION_MAX_MESSAGES' },
  bytesOf: (item) =>
    messageBytes({
      content: item.content,
      metadata: JSON.stringify(item.metadata ?? {}),
      usage: item.usage ? JSON.stringify(item.usage) : null,
    }),
  outboxType: 'message.created',
  table: 'messages',
  toApi: (row, sessionId) => messageRowToApi(row as MessageRow, sessionId),
  async figure(db, session, stats, fresh) {
    const messages: StatsMessage[] = fresh.map(({ item, seq, timestamp }) => ({
      sender: item.sender,
      timestamp,
      seq,
      latency_ms: item.latencyMs ?? null,
      interrupted: item.interrupted,
      usage: item.usage,
    }));
    // Before the fold moves last_message_at: whether these come after every stored message.
    const disordered = outOfOrder(
      stats.last_message_at,
      messages.map((m) => m.timestamp),
    );
    addMessages(stats, messages);
    const ordered = [...messages].sort(byConversationOrder);
    let conversation = ordered;
    if (!foldsInOrder(stats, ordered)) {
      // A message that belongs before the latest stored one: the conversation is folded again,
      // stored messages and new ones in their order, so the figures do not depend on arrival.
      const stored = (await conversationOf(db, session)).map((m) => ({ ...m, latency_ms: m.latency_ms ?? null }));
      conversation = [...stored, ...messages].sort(byConversationOrder);
      resetOrdered(stats);
    }
    const folded = foldOrdered(stats, conversation);
    const latencyOf = new Map(conversation.map((m, i) => [m, folded[i]]));
    return { latencies: messages.map((m) => latencyOf.get(m) ?? null), disordered };
  },
  rowsOf(session, sessionId, fresh, latencies = []) {
    const rows = fresh.map(({ item, id, seq, timestamp }) => ({
      org_id: session.org_id,
      session_pk: session.pk,
      session_started_at: session.started_at,
      id,
      seq,
      sender: item.sender,
      content: item.content,
      timestamp,
      metadata: JSON.stringify(item.metadata ?? {}),
      latency_ms: item.latencyMs ?? null,
      interrupted: item.interrupted ? 1 : 0,
      usage: item.usage ? JSON.stringify(item.usage) : null,
    }));
    return { rows, api: rows.map((row, i) => messageRowToApi({ ...row, pk: 0 }, sessionId, latencies[i] ?? null)) };
  },
  insertAll: (db, rows) => insertMessages(db, rows as Parameters<typeof insertMessages>[1]),
  redact(redactor, item, counter) {
    const content = redactor.text(item.content);
    counter.n += content.count;
    const metadata = item.metadata && redactor.flat(item.metadata, counter);
    return content.count || metadata !== item.metadata ? { ...item, content: content.text, metadata } : item;
  },
};

/** Event types that change a session's figures. */
const COUNTED_EVENTS = new Set(['agent_handoff', 'error', 'usage']);

const EVENTS: AppendKind<EventInput, SessionEvent> = {
  counter: 'event_count',
  limit: { of: 'maxEvents', noun: 'events', setting: 'SWITCHBOARD_SESSION_MAX_EVENTS' },
  bytesOf: (item) => eventBytes({ data: JSON.stringify(item.data ?? {}) }),
  outboxType: 'event.created',
  table: 'session_events',
  toApi: (row, sessionId) => eventRowToApi(row as EventRow, sessionId),
  async figure(_db, _session, stats, fresh) {
    const counted = fresh.filter(({ item }) => COUNTED_EVENTS.has(item.type)).map(({ item }) => item);
    addEvents(stats, counted);
    return {};
  },
  rowsOf(session, sessionId, fresh) {
    const rows = fresh.map(({ item, id, seq, timestamp }) => ({
      org_id: session.org_id,
      session_pk: session.pk,
      session_started_at: session.started_at,
      id,
      seq,
      type: item.type,
      timestamp,
      data: JSON.stringify(item.data ?? {}),
    }));
    return { rows, api: rows.map((row) => eventRowToApi({ ...row, pk: 0 }, sessionId)) };
  },
  insertAll: (db, rows) => insertEvents(db, rows as Parameters<typeof insertEvents>[1]),
  redact(redactor, item, counter) {
    const data = item.data && redactor.deep(item.data, counter);
    return data !== item.data ? { ...item, data } : item;
  },
};

type SessionSet = Parameters<typeof updateSessionRow>[2];
export type UpdateOutcome = { error: ApiError } | { session: Session; outbox: OutboxEntry[] };

/**
 * What a batch carries from one step to the next (services/batch.ts), so that each session is
 * looked up once and its row written once: the sessions it created or locked, as they are with
 * its changes so far, and each one's row changes not yet written, merged (`writeSessionState`
 * writes them, one UPDATE … FROM VALUES per set of columns, before the batch commits). A short
 * session created, answered and ended in one batch is then an INSERT and one UPDATE, where it
 * was an INSERT, an UPDATE per step and a lookup per step (each UPDATE firing the figures'
 * triggers: docs/PERFORMANCE.md).
 */
export interface SessionState {
  rows: Map<string, SessionWithAgent>;
  pending: Map<number, { key: SessionKey; set: SessionSet }>;
  /**
   * Sessions the batch created and has not inserted yet, by pk (taken ahead with
   * `reserveSessionPks`), each with every change so far: inserted once, in its final state, by
   * `writeSessionState`, its tag rows (from its final list) after it. Its indexes and its rollup
   * triggers are then written once (an insert and an update touched 16 indexes and then 11 of them
   * again: docs/PERFORMANCE.md). Nothing in the transaction reads them from the table meanwhile:
   * the batch answers from `rows`, and the transcript index takes the organization from the
   * messages themselves (0030).
   */
  unwritten: Map<number, NewSessionRow & { pk: number }>;
  /** The next pk a create may take without reading the counter (SQLite: above every unwritten one). */
  nextPk: number;
}

export const newSessionState = (): SessionState => ({
  rows: new Map(),
  pending: new Map(),
  unwritten: new Map(),
  nextPk: 0,
});

/** A copy to change in a savepoint: adopted if it is released, dropped if it is rolled back. */
export const forkSessionState = (s: SessionState): SessionState => ({
  rows: new Map(s.rows),
  pending: new Map(s.pending),
  unwritten: new Map(s.unwritten),
  nextPk: s.nextPk,
});

/**
 * Writes the sessions and changes a batch holds; its rows stay as they are (now what is stored).
 * A session inserted here gets its tag rows now too, from its final list and copying its final
 * columns: none were written before (a tagged session left the batch's single insert, then the
 * end of the call moved each tag row's copy of its status: docs/PERFORMANCE.md).
 */
export async function writeSessionState(db: Db, store: Store, s: SessionState) {
  if (s.unwritten.size) {
    const rows = [...s.unwritten.values()];
    await insertSessionRows(db, rows, await batchRollups(db, store));
    await writeTagRows(
      db,
      rows.flatMap((row) => {
        const after = row.tags === undefined ? [] : tagsOf(row as { tags: string });
        return after.length
          ? [{ ref: { org_id: row.org_id, pk: row.pk, started_at: row.started_at }, before: [], after }]
          : [];
      }),
    );
  }
  s.unwritten.clear();
  await updateSessionSets(db, store.dialect, [...s.pending.values()]);
  s.pending.clear();
}

/** Records a change of a session's row (never changing a row or set object in place: see fork). */
function stage(s: SessionState, row: SessionWithAgent, set: SessionSet) {
  const unwritten = s.unwritten.get(row.pk);
  if (unwritten) {
    s.unwritten.set(row.pk, { ...unwritten, ...set } as NewSessionRow & { pk: number });
    s.rows.set(row.id, { ...row, ...set } as SessionWithAgent);
    return;
  }
  const pending = s.pending.get(row.pk);
  s.pending.set(row.pk, { key: { pk: row.pk, started_at: row.started_at }, set: { ...pending?.set, ...set } });
  s.rows.set(row.id, { ...row, ...set } as SessionWithAgent);
}

/** An agent's new name, in the rows a batch holds (as a read after the rename would show them). */
function renamed(s: SessionState | undefined, agentId: string, name: string) {
  if (!s) return;
  for (const [id, row] of s.rows)
    if (row.agent_id === agentId && row.agent_name !== name) s.rows.set(id, { ...row, agent_name: name });
}

/** What an update does to a session's row, judged against the row as it is (under its lock). */
interface UpdatePlan {
  set: SessionSet;
  ended: boolean;
  /** Something the API shows changed (metadata, the agent's name): a session.updated entry. */
  changed: boolean;
  /** The agent's new name. */
  rename?: string;
  /** The session's tags before and after, when they change (session_tags follows: writeTagRows). */
  tags?: { before: string[]; after: string[] };
}

/**
 * Whether an update only changes tags: then it is a reviewer's (or an agent's) label, not a sign of
 * life from the conversation, and leaves `last_activity_at` (and so the idle timeout) alone, as
 * `PATCH /sessions/:id/tags` does.
 */
const onlyTags = (body: UpdateSessionBody) =>
  changesTags(body) && Object.keys(body).every((k) => k === 'tags' || k === 'addTags' || k === 'removeTags');

/** A create body with its tags as stored (lower case, each once; none is no `tags`), before its hash. */
function foldCreateTags<B extends CreateSessionBody>(body: B): B {
  if (body.tags === undefined) return body;
  const { tags, ...rest } = body;
  const folded = foldTags(tags);
  return (folded.length ? { ...rest, tags: folded } : rest) as B;
}

/** A create body with its metadata's strings and its endedReason redacted. */
function redactCreate<B extends CreateSessionBody>(redactor: Redactor, body: B, counter: { n: number }): B {
  const metadata = body.metadata && redactor.flat(body.metadata, counter);
  const reason = body.endedReason === undefined ? undefined : redactor.text(body.endedReason);
  if (reason) counter.n += reason.count;
  if (metadata === body.metadata && !reason?.count) return body;
  return { ...body, metadata, ...(reason ? { endedReason: reason.text } : {}) };
}

/**
 * Plans an update on its redacted body. Its replacements count only where they are kept: in
 * metadata that changed, in the endedReason of the ending (a repeated update changes nothing).
 */
function planRedactedUpdate(redactor: Redactor, session: SessionWithAgent, body: UpdateSessionBody, now: number) {
  if (redactor.empty) return planUpdate(session, body, now);
  const inMetadata = { n: 0 };
  const metadata = body.metadata && redactor.flat(body.metadata, inMetadata);
  const reason = body.endedReason === undefined ? undefined : redactor.text(body.endedReason);
  const plan = planUpdate(session, { ...body, metadata, ...(reason ? { endedReason: reason.text } : {}) }, now);
  const n = (plan.set.metadata !== undefined ? inMetadata.n : 0) + (plan.ended ? (reason?.count ?? 0) : 0);
  if (n) plan.set.redactions = Number(session.redactions ?? 0) + n;
  return plan;
}

/** The rules of `PATCH /sessions/:id` (docs/API.md) for one row; throws the 422s. */
function planUpdate(session: SessionWithAgent, body: UpdateSessionBody, now: number): UpdatePlan {
  const set: SessionSet = onlyTags(body) ? {} : { last_activity_at: now };
  let changed = false;
  let ended = false;
  const wasTerminal = isTerminal(session.status);
  const target = body.status;
  if (target !== undefined && target !== session.status) {
    if (wasTerminal)
      throw new ApiError(
        422,
        'invalid-transition',
        `The session is ${session.status}; a terminal status is final and cannot change to ${target}.`,
      );
    // active → terminal
    const endedAt = body.endedAt !== undefined ? parseTime(body.endedAt) : Math.max(now, session.started_at);
    if (endedAt < session.started_at)
      throw new ApiError(422, 'invalid-time', 'endedAt must not be before the session started.', [
        { path: '/endedAt', message: 'must not be before startedAt' },
      ]);
    set.status = target;
    set.ended_at = endedAt;
    set.duration_ms = endedAt - session.started_at;
    set.ended_reason = body.endedReason ?? null;
    ended = true;
  } else if (!wasTerminal && (body.endedAt !== undefined || body.endedReason !== undefined)) {
    throw new ApiError(
      422,
      'invalid-transition',
      'endedAt and endedReason can only be set when the session ends (send a terminal status).',
    );
  }
  if (body.metadata !== undefined) {
    const metadata = parseJson<Metadata>(session.metadata);
    const merged: Metadata = { ...metadata };
    for (const [k, v] of Object.entries(body.metadata)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    const errors: ProblemFieldError[] = [];
    if (Object.keys(merged).length > LIMITS.metadataKeys)
      errors.push({
        path: '/metadata',
        message: `the merged metadata would have more than ${LIMITS.metadataKeys} keys`,
      });
    checkMetadata(merged, '/metadata', errors);
    if (errors.length)
      throw new ApiError(422, 'metadata-too-large', 'The merged metadata would exceed its limits.', errors);
    if (canonical(merged) !== canonical(metadata)) {
      set.metadata = JSON.stringify(merged);
      set.search_text = searchText(session.agent_id, merged);
      changed = true;
    }
  }
  const rename = body.agent?.name !== undefined && body.agent.name !== session.agent_name ? body.agent.name : undefined;
  if (rename !== undefined) changed = true;
  let tags: UpdatePlan['tags'];
  if (changesTags(body)) {
    const before = tagsOf(session);
    const after = nextTags(before, body);
    checkTagCount(after);
    if (!sameTags(before, after)) {
      set.tags = JSON.stringify(after);
      tags = { before, after };
      changed = true;
    }
  }
  return { set, ended, changed, rename, tags };
}

/**
 * A created session's row as stored: the inserted columns, the figures' defaults and its key. One
 * object literal with every column, not a spread of the row and the defaults: the spread made
 * each row a slow dictionary object, and building and copying them was the largest part of
 * creating a session in JavaScript (docs/PERFORMANCE.md).
 */
function createdRow(row: NewSessionRow, key: SessionKey): NewSessionRow & { pk: number } {
  const whole: NewSessionRow & { pk: number } = {
    pk: key.pk,
    org_id: row.org_id,
    id: row.id,
    agent_id: row.agent_id,
    channel: row.channel,
    type: row.type,
    status: row.status,
    started_at: key.started_at,
    ended_at: row.ended_at,
    duration_ms: row.duration_ms,
    message_count: row.message_count,
    event_count: row.event_count,
    ended_reason: row.ended_reason,
    last_activity_at: row.last_activity_at,
    metadata: row.metadata,
    search_text: row.search_text,
    create_hash: row.create_hash,
    source: row.source,
    redactions: row.redactions ?? 0,
    turns: 0,
    user_messages: 0,
    agent_messages: 0,
    first_response_ms: null,
    response_ms_sum: 0,
    avg_response_ms: null,
    max_response_ms: null,
    handoffs: 0,
    errors: 0,
    interruptions: 0,
    input_tokens: 0,
    output_tokens: 0,
    cost_nanos: 0,
    last_message_at: null,
    last_user_at: null,
    awaiting_reply: 0,
    transcript_bytes: 0,
    messages_disordered: 0,
  };
  if (row.tags !== undefined) whole.tags = row.tags;
  return whole;
}

/**
 * A create body as the services take it: the API's, plus where the session came from, which only
 * the server sets (the OTLP route and the integrations; the API's bodies refuse the field).
 */
export type SourcedCreateBody = CreateSessionBody & { source?: SessionSource };

export type CreateOutcome = { error: ApiError } | { status: 200 | 201; session: Session; outbox: OutboxEntry[] };

/** One session's items of an append, and what became of them. */
export interface AppendGroup<Item> {
  sessionId: string;
  items: Item[];
  /** When its request arrived, if not the call's `now` (single requests run together, GroupCommit). */
  now?: number;
}
export type AppendOutcome<Api> =
  | { error: ApiError }
  | {
      accepted: number;
      duplicates: number;
      /** Each item as stored, in order; undefined where `refused` has the item's error. */
      items: Array<Api | undefined>;
      outbox: OutboxEntry[];
      /** With `partial`: the items (by position) refused for the session's ceiling. */
      refused?: Map<number, ApiError>;
    };

/**
 * The 422 of an item that would take its session past a ceiling: which one, what the session
 * holds, and the setting that raises it.
 */
function ceilingError(
  kind: AppendKind<unknown, unknown>,
  limits: SessionLimits,
  held: { count: number; bytes: number },
  itemBytes: number,
  path: string,
): ApiError {
  const max = limits[kind.limit.of];
  if (held.count >= max)
    return new ApiError(
      422,
      'session-limit',
      `The session holds ${held.count} ${kind.limit.noun}, the most one session may hold (${kind.limit.setting}=${max}); start a new session to continue.`,
      [{ path, message: `would be ${kind.limit.noun.slice(0, -1)} ${held.count + 1} of at most ${max}` }],
    );
  return new ApiError(
    422,
    'session-limit',
    `The session's transcript holds ${held.bytes} bytes; ${itemBytes} more would pass the most one session may hold (SWITCHBOARD_SESSION_MAX_BYTES=${limits.maxBytes}); start a new session to continue.`,
    [{ path, message: `would take the transcript to ${held.bytes + itemBytes} bytes of at most ${limits.maxBytes}` }],
  );
}

export class IngestService {
  /** Concurrent single-item writes share a commit (GroupCommit). */
  private readonly group: GroupCommit;

  constructor(
    private readonly store: Store,
    /** The ceilings on one session's transcript (SWITCHBOARD_SESSION_MAX_*). */
    readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    /** Each organization's redactor (services/redaction.ts); nothing is redacted without one. */
    private readonly redaction?: { redactorFor(orgId: string, db: Db): Promise<Redactor> },
  ) {
    this.group = new GroupCommit(store);
  }

  /**
   * The redactor for an organization's writes. Every ingest path (the single routes, /ingest,
   * OTLP, Vapi, Retell) reaches the store through createSessionsIn, appendManyIn and the update
   * functions below, and each redacts there, before rows, outbox entries (the stream, webhooks)
   * or the idempotent-create hash are made: docs/REDACTION.md.
   */
  private redactorFor(orgId: string, db: Db): Promise<Redactor> {
    return this.redaction ? this.redaction.redactorFor(orgId, db) : Promise.resolve(NO_REDACTION);
  }

  private tx<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return this.group.run(fn as never) as Promise<T>;
  }

  /**
   * Runs `fn` in a transaction shared with the writes that arrive while another commit runs
   * (GroupCommit): in a savepoint of its own when it has company, rolled back alone if it fails.
   * `items` is what it writes, so that one commit holds a bounded amount (a batch of 1,000 items
   * shares with up to three others).
   */
  together<T>(fn: (trx: Tx) => Promise<T>, items: number): Promise<T> {
    return this.group.run(fn as never, undefined, items) as Promise<T>;
  }

  /** Commits of single writes and shared batches so far (see `together`). */
  get commits() {
    return this.group.commits;
  }

  // ─── create ─────────────────────────────────────────────────────────────────────────────

  validateCreate(body: CreateSessionBody, base = ''): void {
    const errors: ProblemFieldError[] = [];
    checkId(body.id, `${base}/id`, errors);
    checkId(body.agent.id, `${base}/agent/id`, errors);
    checkMetadata(body.metadata, `${base}/metadata`, errors);
    if ((body.endedAt !== undefined || body.endedReason !== undefined) && !isTerminal(body.status))
      errors.push({
        path: `${base}/${body.endedAt !== undefined ? 'endedAt' : 'endedReason'}`,
        message: 'is allowed only with a terminal status (completed, failed or cancelled)',
      });
    if (
      body.endedAt !== undefined &&
      body.startedAt !== undefined &&
      parseTime(body.endedAt) < parseTime(body.startedAt)
    )
      errors.push({ path: `${base}/endedAt`, message: 'must not be before startedAt' });
    if (errors.length) throw badRequest(errors);
  }

  /**
   * Writes outbox entries, or hands them to `sink` when the caller writes them itself: the batch
   * route collects every item's entries and writes them with one statement just before commit,
   * which on PostgreSQL also moves the outbox's advisory lock from the batch's first item to its
   * end (concurrent batches used to serialize for their whole length; measured by the benchmark).
   */
  private async emit(db: Db, orgId: string, entries: OutboxEntry[], sink?: OutboxEntry[]) {
    if (sink) for (const e of entries) sink.push(e);
    else {
      await writeOutbox(db, this.store.dialect, orgId, entries);
      await countStartedSessions(db, this.store.dialect, orgId, entries);
    }
  }

  async createSession(orgId: string, body: CreateSessionBody, now = Date.now()) {
    this.validateCreate(body);
    await ensureMonths(this.store, [startOf(body, now)]);
    try {
      return await this.tx((trx) => this.createSessionIn(trx, orgId, body, now));
    } catch (err) {
      // Two creates of one id raced; the loser now finds the winner's row and compares.
      if (body.id !== undefined && isUniqueViolation(err))
        return this.tx((trx) => this.createSessionIn(trx, orgId, body, now));
      throw err;
    }
  }

  async createSessionIn(db: Db, orgId: string, body: SourcedCreateBody, now: number, sink?: OutboxEntry[]) {
    const [outcome] = await this.createSessionsIn(db, orgId, [body], now);
    if ('error' in outcome) throw outcome.error;
    await this.emit(db, orgId, outcome.outbox, sink);
    return { status: outcome.status, session: outcome.session };
  }

  /**
   * Creates sessions with a fixed number of statements however many there are: the given ids
   * looked up in one, the agents ensured together (`ensureAgents`), the rows inserted in one
   * multi-row insert per table, read back with their agents' names in one. A repeated create of
   * an id answers 200 with the stored session when its body is the same and 409 when not, as
   * does a second create of an id earlier in the same call. Outbox entries are returned per
   * body, for the caller to write in its order.
   */
  async createSessionsIn(
    db: Db,
    orgId: string,
    bodies: SourcedCreateBody[],
    now: number,
    state?: SessionState,
  ): Promise<CreateOutcome[]> {
    const redactor = await this.redactorFor(orgId, db);
    bodies = bodies.map(foldCreateTags);
    // Every row of one insert has the same columns: `tags` only when a body of this call has some.
    const tagged = bodies.some((b) => b.tags !== undefined);
    const redactions = bodies.map(() => ({ n: 0 }));
    if (!redactor.empty) bodies = bodies.map((b, i) => redactCreate(redactor, b, redactions[i]));
    const hashes = bodies.map((b) => hashOf({ ...b, id: undefined }));
    const given = [...new Set(bodies.flatMap((b) => (b.id === undefined ? [] : [b.id])))];
    // A session this batch holds is answered as it is now, with the batch's changes so far.
    const held = given.filter((id) => state?.rows.has(id));
    const existing =
      given.length > held.length
        ? await findSessions(
            db,
            orgId,
            given.filter((id) => !state?.rows.has(id)),
          )
        : new Map<string, SessionWithAgent>();
    for (const id of held) existing.set(id, state?.rows.get(id) as SessionWithAgent);
    /** Where each id is answered from: a stored session, or the body earlier in this call that creates it. */
    const creates = new Map<string, number>();
    const plans: Array<
      | { row: NewSessionRow; terminal: boolean }
      | { id: string; same: boolean; stored?: SessionWithAgent; earlier?: number }
    > = [];
    for (const [i, body] of bodies.entries()) {
      const stored = body.id !== undefined ? existing.get(body.id) : undefined;
      const earlier = body.id !== undefined ? creates.get(body.id) : undefined;
      if (body.id !== undefined && (stored || earlier !== undefined)) {
        const hash = stored ? stored.create_hash : hashes[earlier as number];
        plans.push({ id: body.id, same: hash === hashes[i], stored, earlier });
        continue;
      }
      const id = body.id ?? uuidv7(now);
      creates.set(id, i);
      const status = body.status ?? 'active';
      const startedAt = startOf(body, now);
      const terminal = isTerminal(status);
      const endedAt = terminal
        ? body.endedAt !== undefined
          ? parseTime(body.endedAt)
          : Math.max(now, startedAt)
        : null;
      const metadata = body.metadata ?? {};
      plans.push({
        terminal,
        row: {
          org_id: orgId,
          id,
          agent_id: body.agent.id,
          channel: body.channel,
          type: body.type,
          status,
          started_at: startedAt,
          ended_at: endedAt,
          duration_ms: endedAt === null ? null : endedAt - startedAt,
          message_count: 0,
          event_count: 0,
          ended_reason: terminal ? (body.endedReason ?? null) : null,
          last_activity_at: now,
          metadata: JSON.stringify(metadata),
          search_text: searchText(body.agent.id, metadata),
          create_hash: hashes[i],
          source: body.source ?? 'api',
          ...(redactions[i].n ? { redactions: redactions[i].n } : {}),
          ...(tagged ? { tags: JSON.stringify(body.tags ?? []) } : {}),
        },
      });
    }
    const rows = plans.flatMap((p) => ('row' in p ? [p.row] : []));
    const created = new Map<string, Session>();
    if (rows.length) {
      // The name the last create of each agent gave, as creating them in order would leave it.
      const agents = new Map<string, string | undefined>();
      for (const [i, p] of plans.entries())
        if ('row' in p) agents.set(p.row.agent_id, bodies[i].agent.name ?? agents.get(p.row.agent_id));
      const names = await ensureAgents(
        db,
        orgId,
        [...agents].map(([id, name]) => ({ id, name })),
        now,
      );
      for (const [id, name] of names) renamed(state, id, name);
      // A batch inserts the rows it creates once, when it has finished with them, and their tag
      // rows after them (writeSessionState).
      const later = state !== undefined;
      let keys: Map<string, SessionKey>;
      if (later) {
        const pks = await reserveSessionPks(db, this.store.dialect, rows.length, state.nextPk - 1);
        keys = new Map(rows.map((row, i) => [row.id, { pk: pks[i], started_at: row.started_at }]));
        state.nextPk = pks[pks.length - 1] + 1;
        await insertSessionIds(
          db,
          rows.map((row, i) => ({ org_id: orgId, id: row.id, pk: pks[i], started_at: row.started_at })),
        );
      } else keys = await insertSessions(db, rows);
      if (tagged && !later)
        await writeTagRows(
          db,
          rows.flatMap((row) => {
            const after = tagsOf(row as { tags: string });
            const key = keys.get(row.id) as SessionKey;
            return after.length ? [{ ref: { ...key, org_id: orgId }, before: [], after }] : [];
          }),
        );
      // The rows as stored, without reading them back: the inserted columns, the figures' defaults
      // and the agents' names as ensureAgents left them.
      for (const row of rows) {
        const key = keys.get(row.id) as SessionKey;
        const whole = createdRow(row, key);
        const stored = { ...whole, agent_name: names.get(row.agent_id) ?? row.agent_id } as SessionWithAgent;
        state?.rows.set(row.id, stored);
        if (later && state) state.unwritten.set(key.pk, whole);
        created.set(row.id, sessionRowToApi(stored));
      }
    }
    return plans.map((p): CreateOutcome => {
      if ('row' in p) {
        const session = created.get(p.row.id) as Session;
        const outbox: OutboxEntry[] = [
          { type: 'session.started', sessionId: session.id, occurredAt: now, data: session },
        ];
        if (p.terminal) outbox.push({ type: 'session.ended', sessionId: session.id, occurredAt: now, data: session });
        return { status: 201, session, outbox };
      }
      if (!p.same)
        return {
          error: new ApiError(
            409,
            'conflict',
            `A session with id "${p.id}" already exists with other fields; a repeated create must send the same body.`,
          ),
        };
      const session = p.stored ? sessionRowToApi(p.stored) : (created.get(p.id) as Session);
      return { status: 200, session, outbox: [] };
    });
  }

  // ─── messages and events ────────────────────────────────────────────────────────────────

  validateMessages(messages: MessageInput[], pathOf = (i: number) => `/messages/${i}`) {
    const errors: ProblemFieldError[] = [];
    messages.forEach((m, i) => {
      const path = pathOf(i);
      checkId(m.id, `${path}/id`, errors);
      checkContent(m.content, `${path}/content`, errors);
      checkMetadata(m.metadata, `${path}/metadata`, errors);
      checkMessageFigures(m, path, errors);
    });
    if (errors.length) throw badRequest(errors);
  }

  validateEvents(events: EventInput[], pathOf = (i: number) => `/events/${i}`) {
    const errors: ProblemFieldError[] = [];
    events.forEach((e, i) => {
      const path = pathOf(i);
      checkId(e.id, `${path}/id`, errors);
      checkEventData(e.data, `${path}/data`, errors);
      if (e.type === 'usage') checkUsageEvent(e.data, `${path}/data`, errors);
    });
    if (errors.length) throw badRequest(errors);
  }

  async appendMessages(orgId: string, sessionId: string, messages: MessageInput[], now = Date.now()) {
    this.validateMessages(messages);
    return this.group.run((trx) => this.appendMessagesIn(trx, orgId, sessionId, messages, now), {
      key: `messages\u0000${orgId}`,
      input: { sessionId, items: messages, now },
      run: async (trx, groups) =>
        (await this.appendTogether(trx as Db, orgId, groups, MESSAGES)).map((o) =>
          o.ok
            ? {
                ok: true,
                value: { accepted: o.value.accepted, duplicates: o.value.duplicates, messages: o.value.items },
              }
            : o,
        ),
    });
  }

  async appendMessagesIn(
    db: Db,
    orgId: string,
    sessionId: string,
    messages: MessageInput[],
    now: number,
    sink?: OutboxEntry[],
  ): Promise<AppendMessagesResult> {
    const { items, ...counts } = await this.appendIn(db, orgId, sessionId, messages, now, MESSAGES, sink);
    return { ...counts, messages: items };
  }

  async appendEvents(orgId: string, sessionId: string, events: EventInput[], now = Date.now()) {
    this.validateEvents(events);
    return this.group.run((trx) => this.appendEventsIn(trx, orgId, sessionId, events, now), {
      key: `events\u0000${orgId}`,
      input: { sessionId, items: events, now },
      run: async (trx, groups) =>
        (await this.appendTogether(trx as Db, orgId, groups, EVENTS)).map((o) =>
          o.ok
            ? { ok: true, value: { accepted: o.value.accepted, duplicates: o.value.duplicates, events: o.value.items } }
            : o,
        ),
    });
  }

  async appendEventsIn(
    db: Db,
    orgId: string,
    sessionId: string,
    events: EventInput[],
    now: number,
    sink?: OutboxEntry[],
  ): Promise<AppendEventsResult> {
    const { items, ...counts } = await this.appendIn(db, orgId, sessionId, events, now, EVENTS, sink);
    return { ...counts, events: items };
  }

  /**
   * Single append requests that arrived together (GroupCommit), as one append: each answered as
   * if alone (its own time, 404, 422 or items), their events written in one outbox statement.
   */
  private async appendTogether<Item extends { id?: string; timestamp?: string }, Api>(
    db: Db,
    orgId: string,
    groups: Array<Required<AppendGroup<Item>>>,
    kind: AppendKind<Item, Api>,
  ): Promise<Array<Outcome<{ accepted: number; duplicates: number; items: Api[] }>>> {
    const now = Math.max(...groups.map((g) => g.now));
    const outcomes = await this.appendManyIn(db, orgId, groups, now, kind);
    await this.emit(
      db,
      orgId,
      outcomes.flatMap((o) => ('error' in o ? [] : o.outbox)),
    );
    return outcomes.map((o) =>
      'error' in o
        ? { ok: false, err: o.error }
        : { ok: true, value: { accepted: o.accepted, duplicates: o.duplicates, items: o.items as Api[] } },
    );
  }

  /** Appends to one session; see `appendManyIn`. */
  private async appendIn<Item extends { id?: string; timestamp?: string }, Api>(
    db: Db,
    orgId: string,
    sessionId: string,
    items: Item[],
    now: number,
    kind: AppendKind<Item, Api>,
    sink?: OutboxEntry[],
  ) {
    const [outcome] = await this.appendManyIn(db, orgId, [{ sessionId, items }], now, kind);
    if ('error' in outcome) throw outcome.error;
    await this.emit(db, orgId, outcome.outbox, sink);
    // Without `partial` an append is whole or refused: every item is here.
    return { accepted: outcome.accepted, duplicates: outcome.duplicates, items: outcome.items as Api[] };
  }

  appendManyMessagesIn(
    db: Db,
    orgId: string,
    groups: Array<AppendGroup<MessageInput>>,
    now: number,
    partial = false,
    state?: SessionState,
  ) {
    return this.appendManyIn(db, orgId, groups, now, MESSAGES, partial, state);
  }

  appendManyEventsIn(
    db: Db,
    orgId: string,
    groups: Array<AppendGroup<EventInput>>,
    now: number,
    partial = false,
    state?: SessionState,
  ) {
    return this.appendManyIn(db, orgId, groups, now, EVENTS, partial, state);
  }

  /**
   * Sessions by id, locked for writing (`lockSessions`): those `state` holds as it holds them,
   * the others found and locked in two statements (and then held by `state`).
   */
  private async lockedSessions(db: Db, orgId: string, ids: string[], state?: SessionState) {
    const out = new Map<string, SessionWithAgent>();
    const missing: string[] = [];
    for (const id of ids) {
      const held = state?.rows.get(id);
      if (held) out.set(id, held);
      else missing.push(id);
    }
    if (missing.length) {
      const found = await findSessions(db, orgId, missing);
      for (const row of (await lockSessions(db, this.store.dialect, [...found.values()])).values()) {
        out.set(row.id, row);
        state?.rows.set(row.id, row);
      }
    }
    return out;
  }

  /**
   * Appends messages or events to any number of sessions with a fixed number of statements: the
   * sessions found by id in one, touched (locked on PostgreSQL, their counters and figures read)
   * in one, the given ids looked up in one, every new item inserted in one multi-row insert, the
   * counters and figures written in one. Gap-free `seq` per session from its counter; an item whose
   * id is already stored (or came earlier in this call) is a duplicate, answered with the stored
   * version. A group of an unknown session gets a 404 outcome and changes nothing. Outbox entries
   * are returned per group, for the caller to write in its order.
   *
   * A new item that would take its session past a ceiling (`limits`: messages or events, and
   * transcript bytes, counted from the locked row) is refused with a 422: the whole group, or
   * with `partial` (`POST /ingest`, where each item stands alone) that item only.
   */
  async appendManyIn<Item extends { id?: string; timestamp?: string }, Api>(
    db: Db,
    orgId: string,
    groups: Array<AppendGroup<Item>>,
    now: number,
    kind: AppendKind<Item, Api>,
    partial = false,
    sessionState?: SessionState,
  ): Promise<Array<AppendOutcome<Api>>> {
    const { dialect } = this.store;
    const redactor = await this.redactorFor(orgId, db);
    const found = await this.lockedSessions(db, orgId, [...new Set(groups.map((g) => g.sessionId))], sessionState);
    const sessions = [...found.values()];
    const given = groups.flatMap((g) => g.items.map((m) => m.id).filter((id): id is string => id !== undefined));
    const existing = await existingIdsOfSessions(db, kind.table, sessions, [...new Set(given)]);

    /** Each session's running state across its groups (a session may have more than one). */
    const state = new Map<
      number,
      {
        seq: number;
        stats: StatsColumns;
        known: Map<string, Api>;
        appended: boolean;
        /** Whether a group of it was kept (a refused one changes nothing), and the latest time of one. */
        active: number | undefined;
        before: StatsColumns;
        bytes: number;
        disordered: boolean;
        /** The session's `redactions`, as locked and then with this call's. */
        redactions: number;
      }
    >();
    const max = this.limits[kind.limit.of];
    const rows: unknown[] = [];
    const outcomes: Array<AppendOutcome<Api>> = [];
    for (const g of groups) {
      const session = found.get(g.sessionId);
      if (!session) {
        outcomes.push({ error: notFound() });
        continue;
      }
      let st = state.get(session.pk);
      if (!st) {
        const known = new Map<string, Api>();
        for (const r of existing.get(session.pk) ?? []) known.set(r.id, kind.toApi(r, g.sessionId));
        const stats = statsOf(session);
        st = {
          seq: Number(session[kind.counter]),
          stats,
          before: { ...stats },
          known,
          appended: false,
          active: undefined,
          bytes: Number(session.transcript_bytes),
          disordered: Number(session.messages_disordered) === 1,
          redactions: Number(session.redactions ?? 0),
        };
        state.set(session.pk, st);
      }
      const at = g.now ?? now;
      const ids: string[] = [];
      const fresh: Array<NewItem<Item>> = [];
      let bytes = 0;
      let redacted = 0;
      const refused = new Map<number, ApiError>();
      for (const [i, given] of g.items.entries()) {
        const id = given.id ?? uuidv7(at);
        ids.push(id);
        // A duplicate is answered with what was stored: redacted then, and counted then.
        if (st.known.has(id) || fresh.some((f) => f.id === id)) continue;
        const counter = { n: 0 };
        const item = redactor.empty ? given : kind.redact(redactor, given, counter);
        const size = kind.bytesOf(item);
        const held = { count: st.seq + fresh.length, bytes: st.bytes + bytes };
        if (held.count >= max || held.bytes + size > this.limits.maxBytes) {
          const path = `/${kind.limit.noun}/${i}`;
          refused.set(i, ceilingError(kind as AppendKind<unknown, unknown>, this.limits, held, size, path));
          continue;
        }
        bytes += size;
        redacted += counter.n;
        fresh.push({
          item,
          id,
          seq: st.seq + fresh.length + 1,
          timestamp: item.timestamp !== undefined ? parseTime(item.timestamp) : at,
        });
      }
      if (refused.size && !partial) {
        // The first item past the ceiling names it; nothing of the append is stored.
        outcomes.push({ error: [...refused.values()][0] });
        continue;
      }
      st.seq += fresh.length;
      st.bytes += bytes;
      st.redactions += redacted;
      st.active = Math.max(st.active ?? at, at);
      const outbox: OutboxEntry[] = [];
      if (fresh.length) {
        const { latencies, disordered } = await kind.figure(db, session, st.stats, fresh);
        if (disordered) st.disordered = true;
        st.appended = true;
        const built = kind.rowsOf(session, g.sessionId, fresh, latencies);
        for (const r of built.rows) rows.push(r);
        for (const [i, api] of built.api.entries()) {
          st.known.set(fresh[i].id, api);
          outbox.push({ type: kind.outboxType, sessionId: g.sessionId, occurredAt: at, data: api });
        }
      }
      outcomes.push({
        accepted: fresh.length,
        duplicates: g.items.length - fresh.length - refused.size,
        items: ids.map((id, i) => (refused.has(i) ? undefined : st.known.get(id))),
        outbox,
        ...(refused.size ? { refused } : {}),
      });
    }
    if (rows.length) await kind.insertAll(db, rows);
    // Every session an append named is marked active (a duplicate too; a group refused whole changes
    // nothing); those it added to also get their counter and the figures that changed — each
    // indexed one (cost, first response, errors, handoffs) set costs an index update and wakes the
    // rollup triggers, changed or not.
    const writes = sessions.flatMap((session) => {
      const st = state.get(session.pk);
      if (st?.active === undefined) return [];
      const set = {
        last_activity_at: st.active,
        ...(st.appended
          ? {
              [kind.counter]: st.seq,
              transcript_bytes: st.bytes,
              ...(st.redactions !== Number(session.redactions ?? 0) ? { redactions: st.redactions } : {}),
              ...(st.disordered && Number(session.messages_disordered) !== 1 ? { messages_disordered: 1 } : {}),
              ...Object.fromEntries(
                STATS_COLUMNS.filter((c) => st.stats[c] !== st.before[c]).map((c) => [c, st.stats[c]]),
              ),
            }
          : {}),
      } as SessionSet;
      return [{ session, set }];
    });
    if (sessionState) for (const w of writes) stage(sessionState, w.session, w.set);
    else
      await updateSessionSets(
        db,
        dialect,
        writes.map((w) => ({ key: w.session, set: w.set })),
      );
    return outcomes;
  }

  // ─── update and end ─────────────────────────────────────────────────────────────────────

  validateUpdate(body: UpdateSessionBody, base = '') {
    const errors: ProblemFieldError[] = [];
    checkMetadata(body.metadata, `${base}/metadata`, errors);
    if (errors.length) throw badRequest(errors);
  }

  async updateSession(orgId: string, sessionId: string, body: UpdateSessionBody, now = Date.now()) {
    this.validateUpdate(body);
    return this.tx((trx) => this.updateSessionIn(trx, orgId, sessionId, body, now));
  }

  async updateSessionIn(
    db: Db,
    orgId: string,
    sessionId: string,
    body: UpdateSessionBody,
    now: number,
    sink?: OutboxEntry[],
  ): Promise<Session> {
    return (await this.applyUpdate(db, orgId, sessionId, body, now, sink)) as Session;
  }

  /** `precondition` is checked against the locked row; when it fails nothing changes (null). */
  private async applyUpdate(
    db: Db,
    orgId: string,
    sessionId: string,
    body: UpdateSessionBody,
    now: number,
    sink?: OutboxEntry[],
    precondition?: (row: SessionWithAgent) => boolean,
  ): Promise<Session | null> {
    const first = await findSession(db, orgId, sessionId);
    if (!first) throw notFound();
    if (precondition) {
      await lockSessionRow(db, first);
      if (!precondition((await findSessionByPk(db, first)) as SessionWithAgent)) return null;
    }
    // A change of tags alone only locks the row; anything else also marks activity.
    if (onlyTags(body)) await lockSessionRow(db, first);
    else await touchSession(db, first, now);
    // The touch locked the row, waiting for any other writer of it (another process, the idle
    // sweep): judge by the row as it is now, not as first read, or two writers ending one session
    // at once would both record the ending. (SQLite has one writer; the re-read is just a read.)
    const session = (await findSessionByPk(db, first)) as SessionWithAgent;
    const plan = planRedactedUpdate(await this.redactorFor(orgId, db), session, body, now);
    if (plan.rename !== undefined) await renameAgent(db, orgId, session.agent_id, plan.rename);
    const { set, events, outbox, after } = this.updateEffects(session, plan, session.event_count, sessionId, now);
    if (Object.keys(set).length) await updateSessionRow(db, session, set);
    if (plan.tags) await writeTagRows(db, [{ ref: session, ...plan.tags }]);
    if (events.length) await insertEvents(db, events);
    await this.emit(db, orgId, outbox, sink);
    return after;
  }

  /** The row changes, status_changed event and outbox entries of a planned update. */
  private updateEffects(
    session: SessionWithAgent,
    plan: UpdatePlan,
    eventCount: number,
    sessionId: string,
    now: number,
  ) {
    const set: SessionSet = { ...plan.set };
    const events: Array<Parameters<typeof insertEvents>[1][number]> = [];
    const outbox: OutboxEntry[] = [];
    if (plan.ended) {
      const row = {
        org_id: session.org_id,
        session_pk: session.pk,
        session_started_at: session.started_at,
        id: uuidv7(now),
        seq: eventCount + 1,
        type: 'status_changed',
        // When the session ended (which the agent may give as endedAt), so the timeline reads right.
        timestamp: set.ended_at ?? now,
        data: JSON.stringify({ from: session.status, to: set.status }),
      };
      events.push(row);
      set.event_count = row.seq;
      set.transcript_bytes = Number(session.transcript_bytes) + eventBytes(row);
      outbox.push({
        type: 'event.created',
        sessionId,
        occurredAt: now,
        data: eventRowToApi({ ...row, pk: 0 }, sessionId),
      });
    }
    const after = sessionRowToApi({
      ...session,
      ...set,
      agent_name: plan.rename ?? session.agent_name,
    } as SessionWithAgent);
    if (plan.changed) outbox.push({ type: 'session.updated', sessionId, occurredAt: now, data: after });
    if (plan.ended) outbox.push({ type: 'session.ended', sessionId, occurredAt: now, data: after });
    return { set, events, outbox, after };
  }

  /**
   * Updates many sessions with a fixed number of statements: found by id in one, locked
   * (PostgreSQL) in one, read back under the lock in one, their rows written with one UPDATE …
   * FROM (VALUES …) per set of changed columns, their status_changed events inserted in one.
   * Each update is judged as `updateSession` judges it; one refused (404, 422) changes nothing.
   */
  async updateSessionsIn(
    db: Db,
    orgId: string,
    units: Array<{ sessionId: string; body: UpdateSessionBody }>,
    now: number,
    state?: SessionState,
  ): Promise<UpdateOutcome[]> {
    const { dialect } = this.store;
    const redactor = await this.redactorFor(orgId, db);
    const current = await this.lockedSessions(db, orgId, [...new Set(units.map((u) => u.sessionId))], state);
    const writes = new Map<number, { key: SessionKey; set: SessionSet }>();
    const events: Array<Parameters<typeof insertEvents>[1][number]> = [];
    const tagChanges: Parameters<typeof writeTagRows>[1] = [];
    const outcomes: UpdateOutcome[] = [];
    for (const { sessionId, body } of units) {
      const session = current.get(sessionId);
      if (!session) {
        outcomes.push({ error: notFound() });
        continue;
      }
      let plan: UpdatePlan;
      try {
        plan = planRedactedUpdate(redactor, session, body, now);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        outcomes.push({ error: err });
        continue;
      }
      if (plan.rename !== undefined) {
        await renameAgent(db, orgId, session.agent_id, plan.rename);
        // Every session of the agent this call (or the batch) holds now shows the new name.
        for (const [id, row] of current)
          if (row.agent_id === session.agent_id) current.set(id, { ...row, agent_name: plan.rename });
        renamed(state, session.agent_id, plan.rename);
      }
      const effects = this.updateEffects(session, plan, session.event_count, sessionId, now);
      events.push(...effects.events);
      if (plan.tags) tagChanges.push({ ref: session, ...plan.tags });
      if (state) stage(state, current.get(sessionId) as SessionWithAgent, effects.set);
      else {
        const write = writes.get(session.pk);
        writes.set(session.pk, { key: session, set: { ...write?.set, ...effects.set } });
      }
      // A later update of the same session in this call sees this one applied.
      current.set(sessionId, {
        ...(current.get(sessionId) as SessionWithAgent),
        ...effects.set,
      } as SessionWithAgent);
      outcomes.push({ session: effects.after, outbox: effects.outbox });
    }
    await updateSessionSets(db, dialect, [...writes.values()]);
    if (events.length) await insertEvents(db, events);
    // Each change was judged against the tags as the one before it left them: applied in order. A
    // session the batch has not inserted yet has no tag rows: its final list is written with it.
    const stored = state ? tagChanges.filter((c) => !state.unwritten.has(c.ref.pk)) : tagChanges;
    if (stored.length) await writeTagRows(db, stored);
    return outcomes;
  }

  /** Ends a session the agent forgot (the idle timeout); no-op if it ended meanwhile. */
  async endIdle(
    orgId: string,
    sessionId: string,
    lastActivityBefore: number,
    now = Date.now(),
    /** How it ends: an idle timeout by default; OTLP sessions end `inactive` (services/idle.ts). */
    ending: { status: 'completed' | 'failed'; endedReason: string } = { status: 'failed', endedReason: 'idle_timeout' },
  ): Promise<Session | null> {
    const idle = (s: SessionWithAgent) => s.status === 'active' && s.last_activity_at < lastActivityBefore;
    return this.tx(async (trx) => {
      const s = await findSession(trx, orgId, sessionId);
      if (!s || !idle(s)) return null;
      // The session really ended when it last heard from its agent; its duration says so.
      const endedAt = Math.max(s.last_activity_at, s.started_at);
      // Checked again under the row lock: the agent (or another process's sweep) may have ended
      // the session, or sent something, since the read above.
      return this.applyUpdate(
        trx,
        orgId,
        sessionId,
        { ...ending, endedAt: new Date(endedAt).toISOString() },
        now,
        undefined,
        idle,
      );
    });
  }
}
