/**
 * Historical backfill for `switchboard demo` and the benchmark: sessions over the past N days
 * with transcripts and events, written straight into the tables with multi-row inserts.
 *
 * Going through IngestService would take one transaction and a dozen statements per message —
 * minutes for 100,000 sessions, hours for the benchmark's million. So this writes the rows
 * IngestService would have produced had each session been reported live: the same search_text,
 * create_hash, counters, gap-free seq and status_changed event, agents with the counts and
 * first/last-seen times ensureAgent and countStartedSessions would have left. The FTS5 trigger (SQLite) and the
 * generated tsvector column (PostgreSQL) index the messages as with any other insert.
 *
 * No outbox rows are written: the outbox exists for live subscribers and webhook deliveries,
 * and nobody was subscribed when these sessions "happened". Replaying a month of history into
 * webhooks on first start would be a bug, not realism.
 *
 * Memory stays flat whatever the size: sessions are planned hour by hour, in time order, and
 * written in chunks; only per-agent totals are kept across chunks.
 */
import type { Channel, Metadata, SessionType, Status } from '@switchboard/contracts';
import { CHANNELS, SESSION_TYPES, STATUSES } from '@switchboard/contracts';
import { ensureDefaultOrg } from '../bootstrap.js';
import { hashOf } from '../lib/hash.js';
import { statsOfConversation } from '../lib/stats.js';
import { eventBytes, messageBytes, outOfOrder } from '../lib/transcript.js';
import { searchText } from '../services/ingest.js';
import { retryTransaction } from '../services/transactions.js';
import type { Store } from '../store/db.js';
import { ensureMonths } from '../store/partitions.js';
import { type DemoSessionRows, insertDemoSessions } from '../store/demo.js';
import { type DemoAgent, demoAgents, planSession, recordingUrl, type SessionPlan } from './conversation.js';
import { Rng } from './random.js';

export interface GenerateOptions {
  sessions: number;
  /** How far back the history reaches (default 30). */
  days?: number;
  /** Same seed, same `now`, same data (default "switchboard"). */
  seed?: string | number;
  /** Number of agents (default 12, the catalog; more become regional copies). */
  agents?: number;
  /** Mean messages per session (default 6; 0 for none). */
  messagesPerSession?: number;
  /** The present moment the history leads up to (default Date.now()). */
  now?: number;
  /** Organization to fill (default: the `default` organization, created if missing). */
  orgId?: string;
  /** Sessions per transaction (default 2,000). */
  chunkSize?: number;
  /**
   * false: write the session rows and agents only, not their messages and events. Each row keeps
   * the counts and figures of its planned conversation (what ingest would have kept), so
   * everything that reads the sessions' figures sees the same data set; transcripts are empty.
   * For the alerts benchmark at a million sessions, where the transcripts are most of the
   * generation time and nothing reads them (default true).
   */
  transcripts?: boolean;
  onProgress?: (p: DemoProgress) => void;
}

export interface DemoProgress {
  done: number;
  total: number;
  messages: number;
  events: number;
  elapsedMs: number;
  /** Sessions per second so far. */
  rate: number;
}

export interface DemoSummary {
  orgId: string;
  sessions: number;
  messages: number;
  events: number;
  agents: { id: string; name: string; sessionCount: number }[];
  byStatus: Record<Status, number>;
  byChannel: Record<Channel, number>;
  byType: Record<SessionType, number>;
  from: number;
  to: number;
  elapsedMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Relative traffic by UTC hour: quiet nights, a morning ramp, a lunch dip, a long afternoon. */
const BUSINESS_HOURS = [
  0.12, 0.08, 0.06, 0.06, 0.08, 0.15, 0.3, 0.6, 0.95, 1.25, 1.35, 1.3, 1.1, 1.2, 1.35, 1.3, 1.15, 0.95, 0.75, 0.6, 0.5,
  0.38, 0.25, 0.17,
];
/** The after-hours line is the mirror image: it picks up when the office closes. */
const AFTER_HOURS = BUSINESS_HOURS.map((w) => Math.max(0.1, 1.45 - w));
/** Sunday first, as getUTCDay counts. */
const WEEKDAY = [0.42, 1.0, 1.06, 1.04, 1.0, 0.9, 0.52];
const AFTER_HOURS_WEEKDAY = [1.3, 0.9, 0.9, 0.9, 0.95, 1.1, 1.3];

export async function generateDemoData(store: Store, opts: GenerateOptions): Promise<DemoSummary> {
  const began = Date.now();
  const total = Math.max(0, Math.floor(opts.sessions));
  const days = opts.days ?? 30;
  const now = opts.now ?? Date.now();
  const mps = opts.messagesPerSession ?? 6;
  const chunkSize = Math.max(1, opts.chunkSize ?? 2_000);
  const orgId = opts.orgId ?? (await ensureDefaultOrg(store)).id;
  const rng = new Rng(opts.seed ?? 'switchboard');
  const agents = demoAgents(Math.max(1, opts.agents ?? 12));
  const traffic = rng.fork('traffic');
  const users = Math.max(50, Math.round(total / 3));

  const summary: DemoSummary = {
    orgId,
    sessions: 0,
    messages: 0,
    events: 0,
    agents: [],
    byStatus: Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>,
    byChannel: Object.fromEntries(CHANNELS.map((c) => [c, 0])) as Record<Channel, number>,
    byType: Object.fromEntries(SESSION_TYPES.map((t) => [t, 0])) as Record<SessionType, number>,
    from: now - days * DAY,
    to: now,
    elapsedMs: 0,
  };
  const agentTotals = new Map<string, { name: string; count: number }>();

  // ── when sessions start ───────────────────────────────────────────────────────────────────
  // A handful are still going right now (the dashboard's "Active" card and pulsing rows); the
  // rest are spread over hourly buckets by weekday, hour of day and a gentle month-long growth.
  const live = total === 0 ? 0 : Math.min(total, Math.max(3, Math.min(40, Math.round(total * 0.001))));
  const historical = total - live;
  const firstHour = Math.floor(summary.from / HOUR) * HOUR;
  const hours = Math.ceil((now - firstHour) / HOUR);
  const weights = new Float64Array(hours);
  let weightSum = 0;
  for (let h = 0; h < hours; h++) {
    const start = firstHour + h * HOUR;
    const span = Math.max(0, Math.min(start + HOUR, now) - Math.max(start, summary.from)) / HOUR;
    const d = new Date(start);
    const biz = BUSINESS_HOURS[d.getUTCHours()] * WEEKDAY[d.getUTCDay()];
    const night = AFTER_HOURS[d.getUTCHours()] * AFTER_HOURS_WEEKDAY[d.getUTCDay()];
    let w = 0;
    for (const a of agents) w += a.profile.weight * (a.profile.afterHours ? night : biz);
    const growth = 0.8 + (0.4 * h) / hours;
    weights[h] = w * span * growth * traffic.logNormal(1, 0.12);
    weightSum += weights[h];
  }
  // One bad afternoon: an agent's model provider has an outage and its failures spike, the kind
  // of thing "review failed sessions regularly" is about.
  const incidentAgent = agents[traffic.int(0, Math.min(agents.length, 4) - 1)].id;
  const incidentStart = firstHour + Math.floor(hours * (0.35 + traffic.next() * 0.3)) * HOUR;
  const incidentEnd = incidentStart + 3 * HOUR;

  const pending: DemoSessionRows[] = [];
  let carry = 0;

  const flushIfFull = async (force: boolean) => {
    if (pending.length === 0 || (!force && pending.length < chunkSize)) return;
    const batch = pending.splice(0, pending.length);
    await writeChunk(store, orgId, batch);
    for (const p of batch) {
      summary.sessions++;
      summary.messages += p.messages.length;
      summary.events += p.events.length;
    }
    if (opts.onProgress) {
      const elapsedMs = Date.now() - began;
      opts.onProgress({
        done: summary.sessions,
        total,
        messages: summary.messages,
        events: summary.events,
        elapsedMs,
        rate: summary.sessions / Math.max(0.001, elapsedMs / 1000),
      });
    }
  };

  const add = (agent: DemoAgent, startedAt: number, forceActive: boolean) => {
    const plan = planSession(rng, agent, {
      messagesPerSession: mps,
      users,
      failBoost: agent.id === incidentAgent && startedAt >= incidentStart && startedAt < incidentEnd ? 0.45 : 0,
    });
    const p = place(rng, orgId, plan, startedAt, now, forceActive);
    if (opts.transcripts === false) {
      p.messages = [];
      p.events = [];
    }
    pending.push(p);
    summary.byStatus[p.row.status]++;
    summary.byChannel[plan.channel]++;
    summary.byType[plan.type]++;
    const t = agentTotals.get(agent.id);
    if (t) t.count++;
    else agentTotals.set(agent.id, { name: agent.name, count: 1 });
  };

  const agentWeights = (start: number) => {
    const d = new Date(start);
    const biz = BUSINESS_HOURS[d.getUTCHours()] * WEEKDAY[d.getUTCDay()];
    const night = AFTER_HOURS[d.getUTCHours()] * AFTER_HOURS_WEEKDAY[d.getUTCDay()];
    return agents.map((a) => a.profile.weight * (a.profile.afterHours ? night : biz));
  };

  const liveFrom = now - 15 * 60_000;
  for (let h = 0; h < hours; h++) {
    // Cumulative rounding hands out exactly `historical` sessions in total.
    const exact = (historical * weights[h]) / (weightSum || 1) + carry;
    const count = Math.floor(exact);
    carry = exact - count;
    const start = Math.max(firstHour + h * HOUR, summary.from);
    const end = Math.min(firstHour + (h + 1) * HOUR, now);
    const starts: number[] = [];
    for (let i = 0; i < count; i++) starts.push(start + Math.floor(rng.next() * (end - start)));
    // The live ones belong to the last quarter hour; they join the final bucket in time order.
    if (h === hours - 1)
      for (let i = 0; i < live; i++) starts.push(-(liveFrom + Math.floor(rng.next() * (now - 5_000 - liveFrom))));
    starts.sort((a, b) => Math.abs(a) - Math.abs(b));
    const w = agentWeights(start);
    for (const s of starts) {
      add(rng.weighted(agents, w), Math.abs(s), s < 0);
      await flushIfFull(false);
    }
  }
  // Rounding can leave one session over at the very end.
  while (summary.sessions + pending.length < total) add(agents[0], now - rng.int(60_000, HOUR), false);
  await flushIfFull(true);

  summary.agents = [...agentTotals].map(([id, t]) => ({ id, name: t.name, sessionCount: t.count }));
  summary.elapsedMs = Date.now() - began;
  return summary;
}

/**
 * Turns a plan into rows at `startedAt`. A session whose story runs past `now` (or one picked
 * to be live) is still active: only what has happened so far is written.
 */
function place(
  rng: Rng,
  orgId: string,
  plan: SessionPlan,
  startedAt: number,
  now: number,
  forceActive: boolean,
): DemoSessionRows {
  const id = rng.uuidv7(startedAt);
  const active = forceActive || startedAt + plan.durationMs > now;
  const elapsed = now - startedAt;
  const agent = plan.agent;

  const msgs = active ? plan.messages.filter((m) => m.at <= elapsed) : plan.messages;
  const evs = active
    ? plan.events.filter((e) => e.at <= elapsed && e.type !== 'error' && e.type !== 'disconnected')
    : plan.events;

  let metadata: Metadata = plan.createMetadata;
  if (!active) {
    metadata = { ...plan.createMetadata, ...plan.endMetadata };
    if (typeof metadata.recordingUrl === 'string')
      metadata.recordingUrl = recordingUrl(id, startedAt, metadata.recordingUrl);
  }
  const endedAt = active ? null : startedAt + plan.durationMs;

  const messages = msgs.map((m, i) => ({
    id: rng.uuidv7(startedAt + m.at),
    seq: i + 1,
    sender: m.sender,
    content: m.content,
    timestamp: startedAt + m.at,
    metadata: JSON.stringify(m.metadata),
    latency_ms: m.latencyMs ?? null,
    interrupted: m.interrupted ? 1 : 0,
    usage: m.usage ?? null,
  }));
  const events = evs.map((e) => ({
    id: rng.uuidv7(startedAt + e.at),
    type: e.type,
    timestamp: startedAt + e.at,
    data: JSON.stringify(e.data),
  }));
  if (endedAt !== null)
    events.push({
      id: rng.uuidv7(endedAt),
      type: 'status_changed',
      timestamp: endedAt,
      data: JSON.stringify({ from: 'active', to: plan.status }),
    });

  let lastActivity = endedAt ?? startedAt;
  if (active) {
    for (const m of messages) lastActivity = Math.max(lastActivity, m.timestamp);
    for (const e of events) lastActivity = Math.max(lastActivity, e.timestamp);
  }

  // The figures IngestService would have kept as these messages and events arrived.
  // (`evs`, whose data is still an object: a usage event's data counts.)
  const stats = statsOfConversation(messages, evs);

  // The body the agent would have sent to POST /sessions; IngestService hashes it without id.
  const createBody = {
    agent: { id: agent.id, name: agent.name },
    channel: plan.channel,
    type: plan.type,
    startedAt: new Date(startedAt).toISOString(),
    metadata: plan.createMetadata,
  };

  return {
    agentName: agent.name,
    row: {
      org_id: orgId,
      id,
      agent_id: agent.id,
      channel: plan.channel,
      type: plan.type,
      status: active ? 'active' : plan.status,
      started_at: startedAt,
      ended_at: endedAt,
      duration_ms: endedAt === null ? null : endedAt - startedAt,
      message_count: messages.length,
      event_count: events.length,
      ended_reason: active ? null : plan.endedReason,
      last_activity_at: lastActivity,
      metadata: JSON.stringify(metadata),
      search_text: searchText(agent.id, metadata),
      create_hash: hashOf(createBody),
      // What ingest would have counted (lib/transcript.ts).
      transcript_bytes:
        messages.reduce(
          (n, m) => n + messageBytes({ ...m, usage: m.usage === null ? null : JSON.stringify(m.usage) }),
          0,
        ) + events.reduce((n, e) => n + eventBytes(e), 0),
      messages_disordered: outOfOrder(
        null,
        messages.map((m) => m.timestamp),
      )
        ? 1
        : 0,
      ...stats,
    },
    messages,
    events,
  };
}

async function writeChunk(store: Store, orgId: string, batch: DemoSessionRows[]) {
  // The data set spans months (90 days for the benchmark): each needs its partitions first.
  await ensureMonths(
    store,
    batch.map((p) => p.row.started_at),
  );
  await retryTransaction(store, () => insertDemoSessions(store, orgId, batch));
}
