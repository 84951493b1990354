/**
 * One session's story, planned up front: who the agent is, where the user came from, what was
 * said and when, which system events happened, and how it ended. The backfill writes a plan
 * straight into tables; the live simulator plays the same kind of plan through IngestService in
 * real time. Times are offsets from the session start, so either can place it anywhere.
 */
import type { Channel, Metadata, SessionType, Usage } from '@switchboard/contracts';
import {
  AGENTS,
  type AgentProfile,
  CLOSINGS,
  FAILURES,
  FILL,
  FOLLOW_UPS,
  LOCALES,
  MODELS,
  PLANS,
  PRIORITIES,
  type Turn,
} from './catalog.js';
import type { Rng } from './random.js';

export type EndStatus = 'completed' | 'failed' | 'cancelled';

/** An agent of the demo: a catalog profile, possibly as one of several regional deployments. */
export interface DemoAgent {
  id: string;
  name: string;
  profile: AgentProfile;
}

const VARIANTS = [
  ['eu', 'EU'],
  ['apac', 'APAC'],
  ['latam', 'LATAM'],
  ['us-west', 'US West'],
  ['uk', 'UK'],
  ['canada', 'Canada'],
] as const;

/**
 * `count` agents: the catalog first, then regional copies of it (the benchmark asks for 50),
 * which is how one company ends up running "Support Bot (EU)" next to "Support Bot".
 */
export function demoAgents(count = AGENTS.length): DemoAgent[] {
  const out: DemoAgent[] = [];
  for (let i = 0; out.length < count; i++) {
    const profile = AGENTS[i % AGENTS.length];
    const round = Math.floor(i / AGENTS.length);
    if (round === 0) out.push({ id: profile.id, name: profile.name, profile });
    else {
      const [suffix, label] = VARIANTS[(round - 1) % VARIANTS.length];
      const n = Math.floor((round - 1) / VARIANTS.length);
      const tag = n === 0 ? '' : `-${n + 1}`;
      out.push({
        id: `${profile.id}-${suffix}${tag}`,
        name: `${profile.name} (${label}${tag ? ` ${n + 1}` : ''})`,
        profile,
      });
    }
  }
  return out;
}

export interface PlannedMessage {
  sender: 'user' | 'agent';
  content: string;
  /** Milliseconds after the session started. */
  at: number;
  metadata: Metadata;
  /** Agent answers: how long the agent took (the greeting, which answers nobody, has none). */
  latencyMs?: number;
  /** Voice agent answers the caller talked over. */
  interrupted?: boolean;
  /** Agent answers: the model call's tokens and cost. */
  usage?: Usage;
}

export interface PlannedEvent {
  type: string;
  at: number;
  data: Record<string, unknown>;
}

export interface SessionPlan {
  agent: DemoAgent;
  channel: Channel;
  type: SessionType;
  topic: string;
  status: EndStatus;
  endedReason: string | null;
  /** Sent when the session is created (and hashed into create_hash). */
  createMetadata: Metadata;
  /** Merged in when the session ends: what is only known afterwards (rating, recording). */
  endMetadata: Metadata;
  messages: PlannedMessage[];
  /** Every event but `status_changed`, which the server writes itself when the session ends. */
  events: PlannedEvent[];
  /** When the session ends, after its last message and event. */
  durationMs: number;
}

export interface PlanOptions {
  /** Mean number of messages; 0 plans sessions without a transcript. */
  messagesPerSession: number;
  /** Extra chance of failure, for an incident window. */
  failBoost?: number;
  /** Pool of returning users to draw `userId` from. */
  users?: number;
}

function userId(rng: Rng, pool: number): string {
  // A multiplicative hash spreads pool indexes over 7 base-36 digits, so ids look random but a
  // returning user keeps theirs.
  const n = (rng.int(0, Math.max(0, pool - 1)) * 2654435761) % 78364164096;
  return `u_${n.toString(36).padStart(7, '0')}`;
}

const digits = (rng: Rng, n: number) => String(rng.int(10 ** (n - 1), 10 ** n - 1));

/** The per-session values behind `{placeholders}`, drawn once so a session stays consistent. */
function filler(rng: Rng) {
  const values: Record<string, string> = {};
  const draw = (key: string): string => {
    switch (key) {
      case 'order':
        return `ORD-${digits(rng, 6)}`;
      case 'invoice':
        return `INV-${digits(rng, 5)}`;
      case 'ticket':
        return `T-${digits(rng, 5)}`;
      case 'claim':
        return `CLM-${digits(rng, 6)}`;
      case 'last4':
        return digits(rng, 4);
      case 'amount':
        return `$${rng.int(9, 480)}.${String(rng.int(0, 99)).padStart(2, '0')}`;
      case 'plan':
        return rng.pick(['Pro', 'Business', 'Enterprise']);
      case 'email': {
        const first = get('first').toLowerCase();
        const last = get('last')
          .normalize('NFD')
          .replace(/[^A-Za-z]/g, '')
          .toLowerCase();
        return `${first}.${last}@example.com`;
      }
      default: {
        const pool = (FILL as Record<string, readonly string[]>)[key];
        return pool ? rng.pick(pool) : key;
      }
    }
  };
  const get = (key: string): string => (values[key] ??= draw(key));
  const fill = (text: string) => (text.includes('{') ? text.replace(/\{(\w+)\}/g, (_, k: string) => get(k)) : text);
  return { get, fill };
}

function messageCount(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean <= 2) return Math.max(1, Math.round(mean));
  // Two messages minimum, then an exponential tail: most chats are short, a few go long.
  return Math.min(30, 2 + Math.floor(-Math.log(1 - rng.next()) * (mean - 1.5)));
}

const CSAT = [1, 2, 3, 4, 5] as const;

export function planSession(rng: Rng, agent: DemoAgent, opts: PlanOptions): SessionPlan {
  const p = agent.profile;
  const route = rng.weighted(
    p.routes,
    p.routes.map((r) => r.weight),
  );
  const { channel, type } = route;
  const spoken = type !== 'chat';
  const scenario = rng.pick(p.scenarios);
  const { get, fill } = filler(rng);

  // ── how it ends ───────────────────────────────────────────────────────────────────────────
  const failP = 0.07 + (opts.failBoost ?? 0);
  const cancelP = spoken ? 0.14 : 0.09;
  const r = rng.next();
  const status: EndStatus = r < failP ? 'failed' : r < failP + cancelP ? 'cancelled' : 'completed';
  const failure =
    status === 'failed'
      ? rng.weighted(
          FAILURES,
          FAILURES.map((f) => f.weight),
        )
      : undefined;
  // Phone lines hand over to people most: callers ask for one, and transfers are cheap there.
  const handoff =
    status !== 'failed' &&
    (scenario.topic === 'transfer_call' ||
      rng.chance(channel === 'phone' ? 0.24 : p.id === 'support-bot' || p.id === 'billing-assistant' ? 0.1 : 0.04));

  // ── what was said ─────────────────────────────────────────────────────────────────────────
  const n = messageCount(rng, opts.messagesPerSession);
  const agentFirst = spoken || rng.chance(0.3);
  type Line = { sender: 'user' | 'agent'; text: string };
  const lines: Line[] = [];
  const push = (turn: Turn) => lines.push({ sender: 'user', text: turn[0] }, { sender: 'agent', text: turn[1] });
  if (agentFirst) lines.push({ sender: 'agent', text: p.greeting });
  for (const turn of scenario.turns) push(turn);
  // A completed conversation ends with a goodbye; a failed or cancelled one just stops.
  const closingLen = status === 'completed' && n >= 4 ? 2 : 0;
  let f = rng.int(0, FOLLOW_UPS.length - 1);
  while (lines.length + closingLen < n + 1) push(FOLLOW_UPS[f++ % FOLLOW_UPS.length]);
  let bodyLen = n - closingLen;
  // A completed conversation never ends on an unanswered question (and the goodbye starts with
  // the user, so the body before it must end on the agent's turn): take the answer too.
  if (status === 'completed' && bodyLen > 0 && lines[bodyLen - 1].sender === 'user') bodyLen++;
  lines.length = Math.max(0, bodyLen);
  if (closingLen) push(rng.pick(CLOSINGS));

  const events: PlannedEvent[] = [];
  events.push({
    type: 'connection_established',
    at: rng.int(20, 400),
    data: connectionOf(rng, channel, spoken, get('last4')),
  });

  // After a handoff the conversation goes on with a person: their answers are the agent side's
  // messages, marked as a human's, with no model call behind them.
  const human = handoff ? rng.pick(HUMANS) : null;
  const handoffTarget = handoff
    ? scenario.topic === 'transfer_call'
      ? 'ext:accounts'
      : `human:${human?.team ?? 'tier1'}`
    : null;

  const messages: PlannedMessage[] = [];
  let t = events[0].at + (spoken ? rng.int(300, 1500) : rng.int(800, 6000));
  // The bot answers at least once before it hands over: the first response is always its own.
  const firstAnswer = lines.findIndex(
    (l, i) => l.sender === 'agent' && lines.slice(0, i).some((x) => x.sender === 'user'),
  );
  const handoffAfter = handoff ? Math.max(1, firstAnswer + 1, Math.floor(lines.length * 0.6)) : -1;
  const [inPrice, outPrice] = MODELS[p.model];
  // Every call sends the system prompt and the conversation so far.
  let contextTokens = p.promptTokens;
  for (let i = 0; i < lines.length; i++) {
    const { sender } = lines[i];
    const byHuman = human !== null && sender === 'agent' && i >= handoffAfter;
    const firstHuman = byHuman && !messages.some((m) => m.metadata.author === 'human');
    const content = firstHuman
      ? `Hi, this is ${human.name} from the ${human.teamName} team. I've read your conversation so far and I'll take it from here. ${fill(lines[i].text)}`
      : fill(lines[i].text);
    const tokens = Math.ceil(content.length / 4);
    let latencyMs: number | undefined;
    if (i > 0) {
      if (sender === 'user') {
        // Reading the answer, then typing (or speaking) the next question; now and then the user
        // wanders off for a few minutes, which is what makes chat durations long-tailed.
        t += spoken
          ? 600 + content.length * 70 * rng.logNormal(1, 0.25)
          : rng.logNormal(5000, 0.5) + content.length * 260 * rng.logNormal(1, 0.4);
        if (!spoken && rng.chance(0.04)) t += rng.int(60_000, 480_000);
      } else if (byHuman) {
        // A person picks up with the conversation in front of them and answers from templates:
        // a few seconds, reported like any answer's response time.
        latencyMs = firstHuman ? rng.int(2_500, 5_000) : rng.int(1_200, 3_500);
        t += latencyMs + (spoken ? content.length * 30 : rng.int(40, 400));
      } else {
        latencyMs = responseTime(rng, p.medianLatencyMs, spoken);
        // The answer is stamped once it has been said (or shown), after the agent's latency.
        t += latencyMs + (spoken ? content.length * 30 : rng.int(40, 400));
      }
    }
    t = Math.round(t);
    const at = t;
    if (sender === 'user') {
      const metadata: Metadata = spoken ? { asrConfidence: Math.round((0.8 + rng.next() * 0.19) * 100) / 100 } : {};
      messages.push({ sender, content, at, metadata });
      contextTokens += tokens;
    } else if (byHuman && human) {
      messages.push({
        sender,
        content,
        at,
        latencyMs,
        metadata: { author: 'human', humanAgent: human.name, team: human.team },
      });
      contextTokens += tokens;
    } else {
      const inputTokens = contextTokens + rng.int(0, 400); // plus tool results
      const outputTokens = Math.max(1, Math.round(tokens * rng.logNormal(1.15, 0.15)));
      const usage: Usage = {
        inputTokens,
        outputTokens,
        // Whole nanodollars, as the server keeps them.
        costUsd: Math.round(inputTokens * inPrice * 1000 + outputTokens * outPrice * 1000) / 1e9,
        model: p.model,
      };
      contextTokens += tokens;
      messages.push({
        sender,
        content,
        at,
        metadata: {},
        ...(latencyMs === undefined ? {} : { latencyMs }),
        // Callers barge in on a long voice answer now and then.
        ...(type === 'voice' && latencyMs !== undefined && rng.chance(0.07) ? { interrupted: true } : {}),
        usage,
      });
    }
    if (i === handoffAfter - 1)
      events.push({
        type: 'agent_handoff',
        at: at + rng.int(200, 1500),
        data: {
          from: agent.id,
          to: handoffTarget,
          ...(human ? { humanAgent: human.name } : {}),
          reason: rng.pick(['customer_requested', 'low_confidence', 'policy_escalation']),
        },
      });
  }
  // Now and then a tool call fails and the agent recovers: an error in a session that goes on.
  if (status !== 'failed' && messages.length >= 4 && rng.chance(0.03)) {
    const m = messages[Math.floor(messages.length / 2)];
    events.push({
      type: 'error',
      at: m.at + rng.int(50, 400),
      data: { code: 'TOOL_CALL_FAILED', message: 'A tool call failed and was retried', retryable: true },
    });
  }
  const lastAt = Math.max(t, ...events.map((e) => e.at));

  let end: number;
  let endedReason: string | null;
  if (failure) {
    const errAt = lastAt + (failure.reason === 'timeout' ? 30_000 : rng.int(300, 4000));
    events.push({
      type: 'error',
      at: errAt,
      data: { code: failure.code, message: failure.message, retryable: failure.reason !== 'agent_error' },
    });
    end = errAt + rng.int(100, 1500);
    events.push({ type: 'disconnected', at: end, data: { reason: 'error' } });
    endedReason = failure.reason;
  } else if (status === 'cancelled') {
    end = lastAt + (spoken ? rng.int(500, 8000) : rng.int(5000, 90_000));
    endedReason = spoken ? 'user_hangup' : rng.pick(['user_hangup', 'user_closed_chat', 'user_closed_chat']);
    events.push({ type: 'disconnected', at: end, data: { reason: spoken ? 'remote_hangup' : 'client_closed' } });
  } else {
    end = lastAt + rng.int(400, 3000);
    endedReason = handoff ? 'transferred_to_human' : 'resolved';
    events.push({ type: 'disconnected', at: end, data: { reason: spoken ? 'agent_hangup' : 'conversation_closed' } });
  }
  events.sort((a, b) => a.at - b.at);

  // ── metadata ──────────────────────────────────────────────────────────────────────────────
  const [locale, region] = rng.weighted(
    LOCALES,
    LOCALES.map((l) => l[2]),
  );
  const plan = rng.pick(PLANS);
  const createMetadata: Metadata = {
    userId: userId(rng, opts.users ?? 5000),
    plan,
    locale,
    region,
    topic: scenario.topic,
    priority: rng.pick(PRIORITIES),
  };
  const tags: string[] = [];
  if (rng.chance(0.35)) tags.push('returning-customer');
  if (plan === 'enterprise' && rng.chance(0.5)) tags.push('vip');
  if (rng.chance(0.08)) tags.push('beta');
  if (tags.length) createMetadata.tags = tags.join(',');
  if (channel === 'web')
    createMetadata.source = rng.pick(['help_center', 'pricing_page', 'checkout', 'dashboard', 'homepage']);
  if (channel === 'mobile_sdk') createMetadata.appVersion = rng.pick(['4.3.1', '4.3.0', '4.2.7', '4.1.2']);
  if (spoken) createMetadata.callerCountry = locale.slice(3);
  if (p.extra) Object.assign(createMetadata, p.extra(fill));

  const endMetadata: Metadata = {};
  if (status === 'completed') {
    endMetadata.resolved = !handoff;
    if (rng.chance(0.4)) endMetadata.csat = rng.weighted(CSAT, [6, 7, 12, 30, 45]);
  } else if (status === 'cancelled' && rng.chance(0.1)) endMetadata.csat = rng.weighted(CSAT, [40, 25, 20, 10, 5]);
  if (spoken && messages.length > 0 && rng.chance(type === 'voice' ? 0.7 : 0.5)) {
    // Filled in by placeSession once the id is known.
    endMetadata.recordingUrl = type === 'voice' ? '.mp3' : '.webm';
  }

  return {
    agent,
    channel,
    type,
    topic: scenario.topic,
    status,
    endedReason,
    createMetadata,
    endMetadata,
    messages,
    events,
    durationMs: end,
  };
}

/**
 * How long an agent takes to answer: voice agents 0.8–2.5 s (a caller will not wait longer),
 * chat agents 0.6–4 s, and an agent with its own median (the slow one) a long tail of its own.
 */
function responseTime(rng: Rng, median: number | undefined, spoken: boolean): number {
  if (median) return Math.round(Math.max(800, rng.logNormal(median, 0.3)));
  const ms = spoken ? rng.logNormal(1350, 0.3) : rng.logNormal(1500, 0.45);
  return Math.round(Math.min(spoken ? 2500 : 4000, Math.max(spoken ? 800 : 600, ms)));
}

/** The people a session is handed to, by team. */
const HUMANS = [
  { name: 'Dana Whitfield', team: 'tier1', teamName: 'support' },
  { name: 'Marco Bellini', team: 'tier1', teamName: 'support' },
  { name: 'Aisha Rahman', team: 'tier2', teamName: 'technical support' },
  { name: 'Tomás Ortega', team: 'billing', teamName: 'billing' },
  { name: 'Grace Kim', team: 'billing', teamName: 'billing' },
] as const;

/**
 * How the session reached the agent, as its `connection_established` event reports it: phone
 * calls over the telephone network, SIP trunks over SIP, voice and video in a browser or an app
 * over WebRTC, chats over a WebSocket (web and app) or the messaging platform's webhooks.
 */
export function connectionOf(rng: Rng, channel: Channel, spoken: boolean, last4: string): Metadata {
  if (channel === 'phone')
    return { transport: 'pstn', codec: rng.pick(['pcmu', 'pcma', 'g722']), callerId: `+1 ••• ••• ${last4}` };
  if (channel === 'sip')
    return { transport: 'sip', codec: rng.pick(['pcmu', 'g722', 'opus']), callerId: `sip:+1•••••••${last4}@trunk` };
  if (spoken)
    return channel === 'web' || channel === 'mobile_sdk'
      ? { transport: 'webrtc', codec: 'opus', client: channelClient(rng, channel) }
      : // WhatsApp and Telegram calls are WebRTC on the platform's side, relayed to the agent.
        { transport: 'webrtc', codec: 'opus', client: channelClient(rng, channel), relay: channel };
  if (channel === 'whatsapp' || channel === 'telegram')
    return { transport: 'webhook', client: channelClient(rng, channel) };
  return { transport: rng.pick(['websocket', 'websocket', 'sse']), client: channelClient(rng, channel) };
}

function channelClient(rng: Rng, channel: Channel): string {
  switch (channel) {
    case 'mobile_sdk':
      return rng.pick(['iOS 17.5', 'iOS 18.1', 'Android 14', 'Android 15']);
    case 'whatsapp':
      return 'WhatsApp Business API';
    case 'telegram':
      return 'Telegram Bot API';
    default:
      return rng.pick([
        'Chrome 128 / macOS',
        'Chrome 127 / Windows',
        'Safari 17 / iOS',
        'Firefox 129 / Linux',
        'Edge 127 / Windows',
      ]);
  }
}

/** The https address of a session's recording (the dashboard plays it for voice and video). */
export function recordingUrl(sessionId: string, startedAt: number, ext: string): string {
  const d = new Date(startedAt);
  return `https://recordings.switchboard.example/${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${sessionId}${ext}`;
}
