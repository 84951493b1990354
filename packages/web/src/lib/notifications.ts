/**
 * What notifies a person, decided in the browser from the live stream: which kinds they chose
 * (kept per browser), and whether the session is one the Sessions page's filters would show. A
 * person watching only phone calls is not told about web chats.
 */
import type { Session } from '@switchboard/contracts';
import type { SessionFilterValues } from './filters';

export const NOTIFY_KINDS = ['failed', 'handoff', 'error', 'slow'] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

export interface NotifyPrefs {
  failed: boolean;
  handoff: boolean;
  error: boolean;
  slow: boolean;
  /** A first response at least this slow notifies (when `slow` is on). */
  slowMs: number;
}

/** Failed sessions, as before there was a choice; the rest are opt-in. */
export const DEFAULT_PREFS: NotifyPrefs = { failed: true, handoff: false, error: false, slow: false, slowMs: 5_000 };
export const SLOW_MS_MIN = 500;
export const SLOW_MS_MAX = 600_000;

export const KIND_LABELS: Record<NotifyKind, string> = {
  failed: 'Session failed',
  handoff: 'Handed to a human',
  error: 'Error in a session',
  slow: 'Slow first response',
};

/** Reads stored preferences, keeping only well-formed values (an older build may have stored others). */
export function parsePrefs(raw: string | null): NotifyPrefs {
  if (!raw) return DEFAULT_PREFS;
  try {
    const o = JSON.parse(raw) as Record<string, unknown>;
    const bool = (k: NotifyKind) => (typeof o[k] === 'boolean' ? (o[k] as boolean) : DEFAULT_PREFS[k]);
    const ms = Number(o.slowMs);
    return {
      failed: bool('failed'),
      handoff: bool('handoff'),
      error: bool('error'),
      slow: bool('slow'),
      slowMs: Number.isFinite(ms) ? Math.min(SLOW_MS_MAX, Math.max(SLOW_MS_MIN, Math.round(ms))) : DEFAULT_PREFS.slowMs,
    };
  } catch {
    return DEFAULT_PREFS;
  }
}

export interface AppNotification {
  /** One per kind and session: a session that errors twice notifies once. */
  id: string;
  kind: NotifyKind;
  sessionId: string;
  agentName: string;
  channel: Session['channel'];
  /** The reason, the error's message, the handoff's target or the response time. */
  detail: string;
  at: string;
  read: boolean;
}

/** How many notifications the list keeps (newest first); older ones drop off. */
export const MAX_NOTIFICATIONS = 50;

export function parseNotifications(raw: string | null): AppNotification[] {
  if (!raw) return [];
  try {
    const list = JSON.parse(raw) as unknown;
    if (!Array.isArray(list)) return [];
    return list
      .filter(
        (n): n is AppNotification =>
          n &&
          typeof n === 'object' &&
          typeof n.id === 'string' &&
          (NOTIFY_KINDS as readonly string[]).includes(n.kind) &&
          typeof n.sessionId === 'string' &&
          typeof n.at === 'string',
      )
      .slice(0, MAX_NOTIFICATIONS);
  } catch {
    return [];
  }
}

const DAY_MS = 86_400_000;
const text = (v: unknown) => (v === null ? 'null' : String(v));

/**
 * Whether the Sessions page with these filters would list the session: the same rules as the
 * server's filters (search by id prefix, agent or metadata; bare dates as whole UTC days, the end
 * day included; ranges on the session's figures).
 */
export function sessionMatchesFilters(f: SessionFilterValues, s: Session): boolean {
  if (f.channel.length && !f.channel.includes(s.channel)) return false;
  if (f.status.length && !f.status.includes(s.status)) return false;
  if (f.agentId.length && !f.agentId.includes(s.agent.id)) return false;
  const started = Date.parse(s.startedAt);
  if (f.from && started < Date.parse(`${f.from}T00:00:00Z`)) return false;
  if (f.to && started >= Date.parse(`${f.to}T00:00:00Z`) + DAY_MS) return false;
  for (const [key, value] of Object.entries(f.ranges)) {
    const m = /^([A-Za-z]+)\[([a-z]+)\]$/.exec(key);
    if (!m || value === undefined) continue;
    const [, field, op] = m;
    const v =
      field === 'durationSeconds'
        ? s.durationSeconds
        : field === 'messageCount'
          ? s.messageCount
          : (s.stats[field as keyof Session['stats']] as number | null | undefined);
    if (v === null || v === undefined) return false;
    if (op === 'gt' && !(v > value)) return false;
    if (op === 'gte' && !(v >= value)) return false;
    if (op === 'lt' && !(v < value)) return false;
    if (op === 'lte' && !(v <= value)) return false;
  }
  const term = f.search.trim().toLowerCase();
  if (term) {
    const hit =
      s.id.toLowerCase().startsWith(term) ||
      s.agent.id.toLowerCase().includes(term) ||
      s.agent.name.toLowerCase().includes(term) ||
      Object.entries(s.metadata).some(
        ([k, v]) => k.toLowerCase().includes(term) || text(v).toLowerCase().includes(term),
      );
    if (!hit) return false;
  }
  return true;
}

/** "4.2 s" */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
