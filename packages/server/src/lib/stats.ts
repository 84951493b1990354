/**
 * A session's figures (docs/INSIGHTS.md): turns and response times, handoffs, errors,
 * interruptions, tokens and cost. They are kept on the session's row and changed in the same
 * transaction as the messages and events that change them, so reads never scan transcripts.
 *
 * Two kinds of figure:
 * - Sums (message counts, interruptions, handoffs, errors, tokens, cost) do not depend on order:
 *   each new message or event adds to them.
 * - Turns and their latencies depend on the order of the conversation, which is `timestamp` order
 *   (messages with equal timestamps in the order they arrived, `seq`). Messages usually arrive in
 *   that order, and then each one folds into the row's state (`last_message_at`, `last_user_at`,
 *   `awaiting_reply`). One that belongs before the latest stored message makes the caller fold the
 *   whole conversation again, so the figures are the same whatever order the messages came in.
 *
 * Pure functions: the ingest path, the demo generator and the migration that computes the figures
 * of sessions stored before they existed all use these, so all three agree.
 */
import type { Sender, SessionStats, Usage } from '@switchboard/contracts';

/** Costs are kept as integer nanodollars, so sums are exact and independent of order. */
export const NANOS_PER_USD = 1e9;

/** The stats columns of a session row. */
export interface StatsColumns {
  turns: number;
  user_messages: number;
  agent_messages: number;
  first_response_ms: number | null;
  /** Sum of every turn's latency; `avg_response_ms` is it over `turns`, rounded. */
  response_ms_sum: number;
  avg_response_ms: number | null;
  max_response_ms: number | null;
  handoffs: number;
  errors: number;
  interruptions: number;
  input_tokens: number;
  output_tokens: number;
  cost_nanos: number;
  /** Timestamp of the last message in conversation order; null before the first. */
  last_message_at: number | null;
  /** Timestamp of the latest user message. */
  last_user_at: number | null;
  /** 1 while the last message in conversation order is a user message not yet answered. */
  awaiting_reply: number;
}

export const STATS_COLUMNS = [
  'turns',
  'user_messages',
  'agent_messages',
  'first_response_ms',
  'response_ms_sum',
  'avg_response_ms',
  'max_response_ms',
  'handoffs',
  'errors',
  'interruptions',
  'input_tokens',
  'output_tokens',
  'cost_nanos',
  'last_message_at',
  'last_user_at',
  'awaiting_reply',
] as const satisfies ReadonlyArray<keyof StatsColumns>;

export function emptyStats(): StatsColumns {
  return {
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
  };
}

/** The stats columns of a row (drivers may return bigint columns as strings or bigints). */
export function statsOf(row: { [K in keyof StatsColumns]: unknown }): StatsColumns {
  const n = (v: unknown) => Number(v ?? 0);
  const orNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    turns: n(row.turns),
    user_messages: n(row.user_messages),
    agent_messages: n(row.agent_messages),
    first_response_ms: orNull(row.first_response_ms),
    response_ms_sum: n(row.response_ms_sum),
    avg_response_ms: orNull(row.avg_response_ms),
    max_response_ms: orNull(row.max_response_ms),
    handoffs: n(row.handoffs),
    errors: n(row.errors),
    interruptions: n(row.interruptions),
    input_tokens: n(row.input_tokens),
    output_tokens: n(row.output_tokens),
    cost_nanos: n(row.cost_nanos),
    last_message_at: orNull(row.last_message_at),
    last_user_at: orNull(row.last_user_at),
    awaiting_reply: n(row.awaiting_reply),
  };
}

/** A message as the figures see it. `latency_ms` is the value the client sent, if any. */
export interface StatsMessage {
  sender: Sender;
  timestamp: number;
  seq: number;
  latency_ms: number | null;
  interrupted?: boolean | number;
  /** A Usage object (parsed), if any. */
  usage?: unknown;
}

/** Conversation order: timestamp, then arrival (seq). */
export const byConversationOrder = (a: StatsMessage, b: StatsMessage) => a.timestamp - b.timestamp || a.seq - b.seq;

/**
 * True when messages (in conversation order) can be folded onto the stored state: none of them
 * belongs before the latest stored message. (Seq only grows, so at an equal timestamp a new
 * message comes after the stored one.)
 */
export const foldsInOrder = (s: StatsColumns, ordered: StatsMessage[]) =>
  ordered.length === 0 || s.last_message_at === null || ordered[0].timestamp >= s.last_message_at;

/** Clears the order-dependent figures, before folding a whole conversation again. */
export function resetOrdered(s: StatsColumns): void {
  s.turns = 0;
  s.first_response_ms = null;
  s.response_ms_sum = 0;
  s.avg_response_ms = null;
  s.max_response_ms = null;
  s.last_message_at = null;
  s.last_user_at = null;
  s.awaiting_reply = 0;
}

/**
 * Folds messages, in conversation order, into the order-dependent figures. Returns each
 * message's effective latency: for an agent message the one sent, or else the time since the
 * latest earlier user message (null without one); null for user messages.
 */
export function foldOrdered(s: StatsColumns, ordered: StatsMessage[]): Array<number | null> {
  const latencies: Array<number | null> = [];
  for (const m of ordered) {
    if (m.sender === 'user') {
      s.last_user_at = m.timestamp;
      s.awaiting_reply = 1;
      latencies.push(null);
    } else {
      const latency = m.latency_ms ?? (s.last_user_at === null ? null : m.timestamp - s.last_user_at);
      latencies.push(latency);
      if (s.awaiting_reply && latency !== null) {
        s.turns++;
        s.response_ms_sum += latency;
        if (s.first_response_ms === null) s.first_response_ms = latency;
        if (s.max_response_ms === null || latency > s.max_response_ms) s.max_response_ms = latency;
      }
      s.awaiting_reply = 0;
    }
    s.last_message_at = m.timestamp;
  }
  s.avg_response_ms = s.turns ? Math.round(s.response_ms_sum / s.turns) : null;
  return latencies;
}

/** Adds the order-independent figures of new messages (counts, interruptions, usage). */
export function addMessages(s: StatsColumns, messages: StatsMessage[]): void {
  for (const m of messages) {
    if (m.sender === 'user') s.user_messages++;
    else {
      s.agent_messages++;
      if (m.interrupted) s.interruptions++;
    }
    if (m.usage) addUsage(s, m.usage as Usage);
  }
}

export function addUsage(s: StatsColumns, u: Usage): void {
  s.input_tokens += u.inputTokens ?? 0;
  s.output_tokens += u.outputTokens ?? 0;
  s.cost_nanos += Math.round((u.costUsd ?? 0) * NANOS_PER_USD);
}

/** Adds what new events say: `agent_handoff` and `error` are counted, `usage` adds its data. */
export function addEvents(s: StatsColumns, events: Array<{ type: string; data?: unknown }>): void {
  for (const e of events) {
    if (e.type === 'agent_handoff') s.handoffs++;
    else if (e.type === 'error') s.errors++;
    else if (e.type === 'usage' && e.data && typeof e.data === 'object') addUsage(s, e.data as Usage);
  }
}

/** Every figure of one conversation, from scratch: the messages in any order, and its events. */
export function statsOfConversation(
  messages: StatsMessage[],
  events: Array<{ type: string; data?: unknown }> = [],
): StatsColumns {
  const s = emptyStats();
  addMessages(s, messages);
  foldOrdered(s, [...messages].sort(byConversationOrder));
  addEvents(s, events);
  return s;
}

/** `redactions` is kept beside the figures (a session's column, not one of these): docs/REDACTION.md. */
export function statsToApi(s: StatsColumns, redactions = 0): SessionStats {
  return {
    turns: s.turns,
    userMessages: s.user_messages,
    agentMessages: s.agent_messages,
    firstResponseMs: s.first_response_ms,
    avgResponseMs: s.avg_response_ms,
    maxResponseMs: s.max_response_ms,
    handoffs: s.handoffs,
    errors: s.errors,
    interruptions: s.interruptions,
    inputTokens: s.input_tokens,
    outputTokens: s.output_tokens,
    costUsd: s.cost_nanos / NANOS_PER_USD,
    redactions,
  };
}

// ─── Percentiles ───────────────────────────────────────────────────────────────────────────────

/**
 * Response times are counted in buckets: below 64 ms one bucket per millisecond (exact); above,
 * logarithmic buckets (as DDSketch does), bucket 64 + k holding the values in (64γ^(k-1), 64γ^k].
 * Reporting a bucket as 64·2γ^k/(γ+1), rounded to a millisecond, is within (γ-1)/(γ+1) + 0.5/64
 * of any value in it: 0.99 % + 0.78 % < 2 % for γ = 1.02. A percentile is then exact up to that
 * error, since the bucket holding the value of that rank is found from exact counts.
 */
export const RESPONSE_GAMMA = 1.02;
const LOG_GAMMA = Math.log(RESPONSE_GAMMA);
const EXACT_BELOW = 64;

export function responseBucket(ms: number): number {
  if (ms < EXACT_BELOW) return Math.max(0, Math.round(ms));
  return EXACT_BELOW + Math.max(0, Math.ceil(Math.log(ms / EXACT_BELOW) / LOG_GAMMA - 1e-9));
}

export function bucketValue(bucket: number): number {
  if (bucket < EXACT_BELOW) return bucket;
  return Math.round((EXACT_BELOW * 2 * RESPONSE_GAMMA ** (bucket - EXACT_BELOW)) / (RESPONSE_GAMMA + 1));
}

/**
 * The p-th percentiles (0–1, nearest rank) of a histogram of buckets → counts; null when empty.
 */
export function percentiles(
  counts: Iterable<readonly [bucket: number, n: number]>,
  ps: readonly number[],
): Array<number | null> {
  const sorted = [...counts].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return ps.map(() => null);
  return ps.map((p) => {
    const rank = Math.max(1, Math.ceil(p * total));
    let seen = 0;
    for (const [bucket, n] of sorted) {
      seen += n;
      if (seen >= rank) return bucketValue(bucket);
    }
    return bucketValue(sorted[sorted.length - 1][0]);
  });
}
