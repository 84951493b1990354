/**
 * A known set of sessions for the read-side suites, and a model of what every filter and sort
 * should return on it. Tests compare the API against the model instead of hand-counted numbers,
 * so the fixture can grow without rewriting expectations.
 */
import { CHANNELS, SESSION_TYPES } from '@switchboard/contracts';

export interface FixtureSession {
  id: string;
  agent: { id: string; name: string };
  channel: string;
  type: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  endedReason?: string;
  metadata: Record<string, string | number | boolean | null>;
  messages: string[];
}

export const FIXTURE_BASE = Date.parse('2025-06-01T00:00:00.000Z');
const HOUR = 3_600_000;
const AGENTS = [
  { id: 'alpha-bot', name: 'Alpha Support' },
  { id: 'beta-bot', name: 'Beta Sales' },
  { id: 'gamma-bot', name: 'Gamma Zeta ÜBER Voice' },
];
const TERMINAL = ['completed', 'failed', 'cancelled'];
const WORDS = ['refund', 'invoice', 'password', 'shipping', 'hello'];

/** Sessions in insertion order (so pk order is array order). */
export function fixtureSessions(now = Date.now()): FixtureSession[] {
  const out: FixtureSession[] = [];
  for (let i = 0; i < 30; i++) {
    const started = FIXTURE_BASE + i * 3 * HOUR + (i % 4) * 60_000;
    const active = i % 4 === 0;
    out.push({
      id: `r-${String(i).padStart(3, '0')}`,
      agent: AGENTS[i % 3],
      channel: CHANNELS[i % 6],
      type: SESSION_TYPES[i % 3],
      status: active ? 'active' : TERMINAL[i % 3],
      startedAt: new Date(started).toISOString(),
      // Durations repeat (ties for the sort), some sessions are still active (nulls).
      endedAt: active ? null : new Date(started + ((i * 7) % 5) * 60_000 + 30_000).toISOString(),
      metadata: { idx: i, plan: i % 2 ? 'pro' : 'free', region: ['eu', 'us', 'apac'][i % 3], vip: i % 5 === 0 },
      messages: Array.from({ length: i % 5 }, (_, k) => `${WORDS[(i + k) % 5]} number ${k} for case ${i}`),
    });
  }
  const special = (
    id: string,
    metadata: FixtureSession['metadata'],
    startedAt: number,
    messages: string[] = [],
  ): FixtureSession => ({
    id,
    agent: AGENTS[0],
    channel: 'web',
    type: 'chat',
    status: 'completed',
    startedAt: new Date(startedAt).toISOString(),
    endedAt: new Date(startedAt + 10_000).toISOString(),
    metadata,
    messages,
  });
  // Literal search: %, _ and * are plain characters, and look-alikes must not match.
  out.push(special('pct-1', { note: '100% sure' }, FIXTURE_BASE - 5 * HOUR, ['Where is my Invoice, please?']));
  out.push(special('und-1', { code: 'a_b' }, FIXTURE_BASE - 4 * HOUR));
  out.push(special('star-1', { glob: 'a*b' }, FIXTURE_BASE - 3 * HOUR));
  out.push(special('ctl-1', { note: '100 sure', code: 'axb', glob: 'aXXb' }, FIXTURE_BASE - 2 * HOUR));
  // Recent ones, for metrics.recentSessions and the default time series.
  out.push({ ...special('now-1', { plan: 'pro' }, now - HOUR), status: 'active', endedAt: null });
  out.push(special('now-2', { plan: 'free' }, now - 2 * HOUR));
  out.push(special('old-1', { plan: 'free' }, now - 25 * HOUR));
  return out;
}

/** The `POST /ingest` items that create the fixture. */
export function fixtureBatch(sessions: FixtureSession[]) {
  const items: Array<{ type: string; body: Record<string, unknown> }> = [];
  for (const s of sessions) {
    items.push({
      type: 'session',
      body: {
        id: s.id,
        agent: s.agent,
        channel: s.channel,
        type: s.type,
        status: s.status,
        startedAt: s.startedAt,
        ...(s.endedAt ? { endedAt: s.endedAt } : {}),
        metadata: s.metadata,
      },
    });
    s.messages.forEach((content, k) => {
      items.push({
        type: 'message',
        body: {
          sessionId: s.id,
          sender: k % 2 ? 'agent' : 'user',
          content,
          timestamp: new Date(Date.parse(s.startedAt) + k * 1000).toISOString(),
        },
      });
    });
  }
  return items;
}

// ─── The model ──────────────────────────────────────────────────────────────────────────────

export const durationOf = (s: FixtureSession) =>
  s.endedAt ? (Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000 : null;

export function searchMatches(s: FixtureSession, text: string) {
  const term = text.toLowerCase();
  const hay = [
    s.agent.id,
    s.agent.name,
    ...Object.entries(s.metadata).flatMap(([k, v]) => [k, v === null ? 'null' : String(v)]),
  ];
  return s.id.toLowerCase().startsWith(term) || hay.some((h) => h.toLowerCase().includes(term));
}

export function transcriptMatches(s: FixtureSession, text: string) {
  const tokens = new Set(s.messages.flatMap((m) => m.toLowerCase().split(/[^\p{L}\p{N}]+/u)));
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .every((w) => tokens.has(w));
}

/**
 * The figures of a fixture session: messages alternate user, agent a second apart without a
 * latency, so every agent message answers the user message before it, 1 s later.
 */
export function figuresOf(s: FixtureSession): Record<string, number | null> {
  const turns = Math.floor(s.messages.length / 2);
  const response = turns ? 1000 : null;
  return {
    turns,
    firstResponseMs: response,
    avgResponseMs: response,
    maxResponseMs: response,
    handoffs: 0,
    errors: 0,
    interruptions: 0,
    costUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
  };
}

const sortValue = (s: FixtureSession, field: string): number | null => {
  if (field === 'startedAt') return Date.parse(s.startedAt);
  if (field === 'endedAt') return s.endedAt ? Date.parse(s.endedAt) : null;
  if (field === 'durationSeconds') return durationOf(s);
  if (field === 'messageCount') return s.messages.length;
  const figure = figuresOf(s)[field];
  if (figure === undefined) throw new Error(`no model for sort field ${field}`);
  return figure;
};

/** Sorted like the server: nulls last in both directions, ties by insertion order in the same direction. */
export function sortModel(sessions: FixtureSession[], sort: string): FixtureSession[] {
  const desc = sort.startsWith('-');
  const field = desc ? sort.slice(1) : sort;
  const indexed = sessions.map((s, i) => ({ s, i, v: sortValue(s, field) }));
  indexed.sort((a, b) => {
    if (a.v === null && b.v === null) return desc ? b.i - a.i : a.i - b.i;
    if (a.v === null) return 1;
    if (b.v === null) return -1;
    if (a.v !== b.v) return desc ? b.v - a.v : a.v - b.v;
    return desc ? b.i - a.i : a.i - b.i;
  });
  return indexed.map((x) => x.s);
}
