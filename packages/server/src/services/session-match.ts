/**
 * The shared filters evaluated in memory against one session, for consumers that see sessions
 * one event at a time (the live stream). Same meaning as the SQL in store/filters.ts; the
 * full-text `transcript` filter has no per-event meaning and is refused by those routes.
 */
import type { Session } from '@switchboard/contracts';
import { noneBut, type RangeCondition, type SessionFilter, scoreText } from '../store/filters.js';

const text = (v: unknown) => (v === null ? 'null' : String(v));

export function sessionMatches(f: SessionFilter, s: Session): boolean {
  if (f.agentIds?.length && !f.agentIds.includes(s.agent.id)) return false;
  if (f.channels?.length && !f.channels.includes(s.channel)) return false;
  if (f.statuses?.length && !f.statuses.includes(s.status)) return false;
  if (f.types?.length && !f.types.includes(s.type)) return false;
  if (f.sources?.length && !f.sources.includes(s.source)) return false;
  if (f.from !== undefined || f.to !== undefined) {
    const started = Date.parse(s.startedAt);
    if (f.from !== undefined && started < f.from) return false;
    if (f.to !== undefined && started >= f.to) return false;
  }
  for (const r of f.ranges ?? []) if (!rangeHolds(r, s)) return false;
  if (f.tags?.length && !f.tags.some((t) => s.tags.includes(t))) return false;
  for (const c of f.scores ?? []) {
    const v = s.scores[c.name];
    if (v === undefined) return false;
    if (c.op === 'eq' ? scoreText(v) !== c.value : typeof v !== 'number' || v < c.value) return false;
  }
  if (f.reviewed !== undefined && (s.reviewedAt !== null) !== f.reviewed) return false;
  if (f.problems && s.status !== 'failed' && s.stats.errors === 0) return false;
  for (const [key, value] of f.metadata ?? []) {
    if (!(key in s.metadata) || text(s.metadata[key]) !== value) return false;
  }
  if (f.search) {
    const term = f.search.toLowerCase();
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

/** The figure a range field names, as the Session object has it; null (never matching) when unknown yet. */
function figureOf(field: RangeCondition['field'], s: Session): number | null {
  if (field === 'durationSeconds') return s.durationSeconds;
  if (field === 'messageCount') return s.messageCount;
  return s.stats[field];
}

function rangeHolds(r: RangeCondition, s: Session): boolean {
  const v = figureOf(r.field, s);
  if (v === null) return false;
  switch (r.op) {
    case 'gt':
      return v > r.value;
    case 'gte':
      return v >= r.value;
    case 'lt':
      return v < r.value;
    case 'lte':
      return v <= r.value;
  }
}

export const isEmptyFilter = (f: SessionFilter) => noneBut(f, 'transcriptWords');
