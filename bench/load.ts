/**
 * The ingest workload both benchmarks drive through `POST /ingest`: batches of 1,000 items (20
 * sessions with 49 messages each), deterministic text, every item's status checked.
 */
import autocannon from 'autocannon';
import type { Server } from './http.js';

const SESSIONS_PER_BATCH = 20;
export const MESSAGES_PER_SESSION = 49; // 20 × (1 + 49) = 1,000 items, 980 of them messages
const WORDS =
  'thanks order refund account password reset billing invoice plan upgrade delivery tracking address card payment error login app update cancel subscription renew support agent human transfer please help when where how'.split(
    ' ',
  );
const CHANNEL_TYPES = [
  ['web', 'chat'],
  ['phone', 'voice'],
  ['telegram', 'chat'],
  ['whatsapp', 'chat'],
  ['mobile_sdk', 'chat'],
  ['sip', 'voice'],
] as const;

/**
 * How a batch's items are ordered. `consecutive`: each session then its 49 messages, as an
 * importer sends a finished conversation. `interleaved`: the 20 sessions, then their messages
 * round-robin, one message of each in turn, as an SDK's buffer holds many open conversations.
 */
export type BatchShape = 'consecutive' | 'interleaved' | 'short' | 'short-tagged';

/**
 * `short`: 250 whole short sessions a batch, each created, a user message, an agent answer and
 * ended (1,000 items, 500 of them messages), as a platform reports finished calls.
 */
const SHORT_SESSIONS = 250;
// `short-tagged`: the same with two tags on each session at create (the review bench: what the tag
// rows and their counters cost ingest, 0026), so its status change also moves the tag rows' copy.

/** Items and messages a batch of each shape carries. */
export const BATCH_ITEMS: Record<BatchShape, { items: number; messages: number }> = {
  consecutive: {
    items: SESSIONS_PER_BATCH * (1 + MESSAGES_PER_SESSION),
    messages: SESSIONS_PER_BATCH * MESSAGES_PER_SESSION,
  },
  interleaved: {
    items: SESSIONS_PER_BATCH * (1 + MESSAGES_PER_SESSION),
    messages: SESSIONS_PER_BATCH * MESSAGES_PER_SESSION,
  },
  short: { items: SHORT_SESSIONS * 4, messages: SHORT_SESSIONS * 2 },
  'short-tagged': { items: SHORT_SESSIONS * 4, messages: SHORT_SESSIONS * 2 },
};

export interface BatchPlan {
  sessions: {
    id: string;
    agentId: string;
    agentName: string;
    channel: string;
    type: string;
    metadata: Record<string, string>;
  }[];
  messages: {
    sessionIndex: number;
    sender: string;
    content: string;
    latencyMs?: number;
    usage?: { inputTokens: number; outputTokens: number; costUsd: number };
  }[];
}

let batchCounter = 0;
/**
 * A batch's sessions and messages. With `pii`, one message in four also carries what people type
 * into a chat: an email address, a phone number, an order number, a date, an amount (the
 * redaction benchmark's text; the others' text has no digits at all).
 */
export function planBatch(run: string, pii = false): BatchPlan {
  const b = batchCounter++;
  const plan: BatchPlan = { sessions: [], messages: [] };
  for (let i = 0; i < SESSIONS_PER_BATCH; i++) {
    const [channel, type] = CHANNEL_TYPES[(b + i) % CHANNEL_TYPES.length];
    const agent = (b * 7 + i) % 50;
    plan.sessions.push({
      id: `${run}-${b}-${i}`,
      agentId: `bench-agent-${agent}`,
      agentName: `Bench Agent ${agent}`,
      channel,
      type,
      metadata: { plan: ['free', 'pro', 'enterprise'][i % 3], region: ['eu', 'us', 'apac'][b % 3] },
    });
    for (let m = 0; m < MESSAGES_PER_SESSION; m++) {
      let content = '';
      for (let w = 0; w < 12 + ((b + m) % 20); w++)
        content += `${WORDS[(b * 31 + i * 7 + m * 3 + w * 5) % WORDS.length]} `;
      if (pii && m % 4 === 0)
        content += `mail me at user${b}.${i}@example.com or call +1 415 555 ${String(1000 + ((b + m) % 9000))}, order #${b * 100 + i} of 2024-12-04 was $${m + 10}.99 `;
      // Agent messages carry what agents report: a latency and the model's usage.
      const agent = m % 2 === 1;
      plan.messages.push({
        sessionIndex: i,
        sender: agent ? 'agent' : 'user',
        content: content.trim(),
        ...(agent
          ? {
              latencyMs: 400 + ((b * 13 + i * 7 + m * 31) % 3000),
              usage: { inputTokens: 200 + m * 40, outputTokens: 20 + (m % 7) * 9, costUsd: 0.0001 * (1 + (m % 5)) },
            }
          : {}),
      });
    }
  }
  return plan;
}

/** One session of a `short` batch: created, a user message, an agent answer, ended. */
export interface ShortSession {
  id: string;
  agentId: string;
  agentName: string;
  channel: string;
  type: string;
  messages: Array<{
    sender: 'user' | 'agent';
    content: string;
    latencyMs?: number;
    usage?: { inputTokens: number; outputTokens: number; costUsd: number };
  }>;
}

/** The sessions of a `short` batch (the server's body and the raw driver's rows come from it). */
export function planShortBatch(run: string): ShortSession[] {
  const b = batchCounter++;
  const sessions: ShortSession[] = [];
  for (let i = 0; i < SHORT_SESSIONS; i++) {
    const [channel, type] = CHANNEL_TYPES[(b + i) % CHANNEL_TYPES.length];
    const agent = (b * 7 + i) % 50;
    sessions.push({
      id: `${run}-short-${b}-${i}`,
      agentId: `bench-agent-${agent}`,
      agentName: `Bench Agent ${agent}`,
      channel,
      type,
      messages: [
        { sender: 'user', content: `${WORDS[(b + i) % WORDS.length]} please` },
        {
          sender: 'agent',
          content: `${WORDS[(b * 3 + i) % WORDS.length]} done, anything else?`,
          latencyMs: 400 + ((b * 13 + i * 7) % 3000),
          usage: { inputTokens: 240, outputTokens: 30, costUsd: 0.0002 },
        },
      ],
    });
  }
  return sessions;
}

/** A `short` batch: whole sessions of two messages, each ended in the same batch. */
export function shortBatchBody(run: string, tagged = false): string {
  const batch: unknown[] = [];
  for (const [i, s] of planShortBatch(run).entries())
    batch.push(
      {
        type: 'session',
        body: {
          id: s.id,
          agent: { id: s.agentId, name: s.agentName },
          channel: s.channel,
          type: s.type,
          ...(tagged ? { tags: ['bench-ingest', `bench-ingest-${i % 3}`] } : {}),
        },
      },
      ...s.messages.map((m) => ({ type: 'message', body: { sessionId: s.id, ...m } })),
      { type: 'session.update', body: { id: s.id, status: 'completed' } },
    );
  return JSON.stringify({ batch });
}

export function batchBody(p: BatchPlan, shape: BatchShape = 'consecutive'): string {
  const sessionItem = (s: BatchPlan['sessions'][number]) => ({
    type: 'session',
    body: {
      id: s.id,
      agent: { id: s.agentId, name: s.agentName },
      channel: s.channel,
      type: s.type,
      metadata: s.metadata,
    },
  });
  const messageItem = (m: BatchPlan['messages'][number]) => {
    const { sessionIndex, ...body } = m;
    return { type: 'message', body: { sessionId: p.sessions[sessionIndex].id, ...body } };
  };
  const batch: unknown[] = [];
  if (shape === 'consecutive')
    for (let i = 0; i < p.sessions.length; i++) {
      batch.push(sessionItem(p.sessions[i]));
      for (const m of p.messages) if (m.sessionIndex === i) batch.push(messageItem(m));
    }
  else {
    batch.push(...p.sessions.map(sessionItem));
    for (let k = 0; k < MESSAGES_PER_SESSION; k++)
      for (let i = 0; i < p.sessions.length; i++) batch.push(messageItem(p.messages[i * MESSAGES_PER_SESSION + k]));
  }
  return JSON.stringify({ batch });
}

export interface IngestResult {
  batches: number;
  failed: number;
  why?: string;
  badItems: number;
  messagesPerSecond: number;
  itemsPerSecond: number;
  latency: { p50: number; p97_5: number; p99: number };
}

/**
 * Ingest batches into every server at once (one autocannon per server, `connections` spread
 * over them) for `seconds`, or `amount` batches per server. A 207 can still carry refused items:
 * each one is checked, so a figure is never bought with silently dropped rows.
 */
export async function ingestLoad(
  servers: Server[],
  run: string,
  opts: { seconds?: number; amount?: number; connections: number; shape?: BatchShape; pii?: boolean },
): Promise<IngestResult> {
  let ok = 0;
  let bad = 0;
  let badItems = 0;
  let firstProblem: string | undefined;
  const results = await Promise.all(
    servers.map((server, i) =>
      autocannon({
        url: server.url,
        connections: Math.max(1, Math.round(opts.connections / servers.length)),
        pipelining: 1,
        ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.seconds }),
        timeout: 120,
        headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' },
        requests: [
          {
            method: 'POST',
            path: '/api/v1/ingest',
            setupRequest: (req) => ({
              ...req,
              body:
                opts.shape === 'short' || opts.shape === 'short-tagged'
                  ? shortBatchBody(`${run}-${i}`, opts.shape === 'short-tagged')
                  : batchBody(planBatch(`${run}-${i}`, opts.pii), opts.shape),
            }),
            onResponse: (status, body) => {
              const items =
                status === 207 ? (JSON.parse(body).results as Array<{ status: number; error?: unknown }>) : [];
              const refused = items.filter((r) => r.status >= 300);
              if (status === 207 && refused.length === 0) ok++;
              else {
                bad++;
                badItems += refused.length;
                firstProblem ??= `HTTP ${status}: ${(refused[0] ? JSON.stringify(refused[0]) : body).slice(0, 300)}`;
              }
            },
          },
        ],
      }),
    ),
  );
  const seconds = Math.max(...results.map((r) => r.duration));
  const errors = results.reduce((n, r) => n + r.errors + r.timeouts, 0);
  // The slowest server's percentiles: what a client of the busiest process saw.
  const worst = (f: (r: (typeof results)[number]) => number) => Math.max(...results.map(f));
  return {
    batches: ok,
    failed: bad + errors,
    why: firstProblem ?? (errors ? `${errors} connection errors or timeouts` : undefined),
    badItems,
    messagesPerSecond: Math.round((ok * BATCH_ITEMS[opts.shape ?? 'consecutive'].messages) / seconds),
    itemsPerSecond: Math.round((ok * BATCH_ITEMS[opts.shape ?? 'consecutive'].items) / seconds),
    latency: {
      p50: worst((r) => r.latency.p50),
      p97_5: worst((r) => r.latency.p97_5),
      p99: worst((r) => r.latency.p99),
    },
  };
}

/**
 * Many agents each sending one message at a time: `connections` sessions (created first, in one
 * batch), each connection posting single messages to its own session through
 * `POST /sessions/:id/messages` for `seconds`. Every response is checked.
 */
export async function singleItemLoad(
  server: Server,
  run: string,
  opts: { seconds?: number; amount?: number; connections: number },
): Promise<{ requestsPerSecond: number; failed: number; why?: string; latency: { p50: number; p99: number } }> {
  const ids = Array.from({ length: opts.connections }, (_, i) => `${run}-single-${i}`);
  const res = await fetch(`${server.url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      batch: ids.map((id, i) => ({
        type: 'session',
        body: { id, agent: { id: `bench-agent-${i % 50}` }, channel: 'web', type: 'chat' },
      })),
    }),
  });
  if (res.status !== 207) throw new Error(`creating the sessions: HTTP ${res.status} ${await res.text()}`);
  let ok = 0;
  let bad = 0;
  let firstProblem: string | undefined;
  let n = 0;
  const result = await autocannon({
    url: server.url,
    connections: opts.connections,
    pipelining: 1,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.seconds }),
    timeout: 60,
    headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const i = n++;
          const id = ids[i % ids.length];
          return {
            ...req,
            path: `/api/v1/sessions/${id}/messages`,
            body: JSON.stringify({
              messages: [{ sender: i % 2 ? 'agent' : 'user', content: `${WORDS[i % WORDS.length]} message ${i}` }],
            }),
          };
        },
        onResponse: (status, body) => {
          if (status === 201) ok++;
          else {
            bad++;
            firstProblem ??= `HTTP ${status}: ${body.slice(0, 300)}`;
          }
        },
      },
    ],
  });
  const errors = result.errors + result.timeouts;
  return {
    requestsPerSecond: Math.round(ok / result.duration),
    failed: bad + errors,
    why: firstProblem ?? (errors ? `${errors} connection errors or timeouts` : undefined),
    latency: { p50: result.latency.p50, p99: result.latency.p99 },
  };
}
