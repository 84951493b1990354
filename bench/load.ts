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

export interface BatchPlan {
  sessions: {
    id: string;
    agentId: string;
    agentName: string;
    channel: string;
    type: string;
    metadata: Record<string, string>;
  }[];
  messages: { sessionIndex: number; sender: string; content: string }[];
}

let batchCounter = 0;
export function planBatch(run: string): BatchPlan {
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
      plan.messages.push({ sessionIndex: i, sender: m % 2 ? 'agent' : 'user', content: content.trim() });
    }
  }
  return plan;
}

function batchBody(p: BatchPlan): string {
  const batch: unknown[] = [];
  for (let i = 0; i < p.sessions.length; i++) {
    const s = p.sessions[i];
    batch.push({
      type: 'session',
      body: {
        id: s.id,
        agent: { id: s.agentId, name: s.agentName },
        channel: s.channel,
        type: s.type,
        metadata: s.metadata,
      },
    });
    for (const m of p.messages)
      if (m.sessionIndex === i)
        batch.push({ type: 'message', body: { sessionId: s.id, sender: m.sender, content: m.content } });
  }
  return JSON.stringify({ batch });
}

export interface IngestResult {
  batches: number;
  failed: number;
  why?: string;
  badItems: number;
  messagesPerSecond: number;
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
  opts: { seconds?: number; amount?: number; connections: number },
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
            setupRequest: (req) => ({ ...req, body: batchBody(planBatch(`${run}-${i}`)) }),
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
    messagesPerSecond: Math.round((ok * SESSIONS_PER_BATCH * MESSAGES_PER_SESSION) / seconds),
    latency: {
      p50: worst((r) => r.latency.p50),
      p97_5: worst((r) => r.latency.p97_5),
      p99: worst((r) => r.latency.p99),
    },
  };
}
