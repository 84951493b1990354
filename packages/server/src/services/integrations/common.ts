/** What the Vapi and Retell mappings share: the items they produce and the ids that make redelivery safe. */
import { createHash } from 'node:crypto';
import { type BatchItemType, LIMITS, type Metadata, type Status } from '@switchboard/contracts';

export type Item = { type: BatchItemType; body: Record<string, unknown> };

export interface Mapped {
  /** The platform's event type, for the request log. */
  eventType: string | null;
  items: Item[];
  /** Scores the platform's analysis gave the call (its session), written once its items are applied. */
  scores?: { sessionId: string; values: Record<string, number | boolean | string> };
  /** Why nothing (or not everything) was used, for the request log. */
  note?: string;
}

/** A stable id from what a thing is: the same payload delivered twice names the same rows. */
export const stableId = (prefix: string, ...parts: Array<string | number>) =>
  `${prefix}-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`;

export const isoOf = (ms: number | undefined) =>
  ms !== undefined && Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : undefined;

/** Text that fits a message: no NUL, at most 32 KiB of UTF-8 (cut with an ellipsis). */
export function messageText(text: string): string {
  const clean = text.replace(/\u0000/g, '');
  if (Buffer.byteLength(clean, 'utf8') <= LIMITS.messageContentBytes) return clean;
  return `${Buffer.from(clean, 'utf8')
    .subarray(0, LIMITS.messageContentBytes - 3)
    .toString('utf8')
    .replace(/\uFFFD$/, '')}…`;
}

/** A metadata value: strings cut to the metadata limit, objects as JSON text. */
export function metadataValue(v: unknown): Metadata[string] | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  const text = (typeof v === 'string' ? v : JSON.stringify(v)).replace(/\u0000/g, '');
  return text.slice(0, LIMITS.metadataStringLength);
}

/** A score value as sessions keep them: a finite number, a boolean, or text of at most 64 characters. */
export function scoreValue(v: unknown): number | boolean | string | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string')
    return (
      v
        .replace(/\u0000/g, '')
        .trim()
        .slice(0, 64) || undefined
    );
  return undefined;
}

/** The defined ones of `entries` as scores. */
export function scoresOf(entries: Record<string, unknown>): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  for (const [k, v] of Object.entries(entries)) {
    const value = scoreValue(v);
    if (value !== undefined) out[k] = value;
  }
  return out;
}

/** Drops undefined values. */
export function metadataOf(entries: Record<string, unknown>): Metadata {
  const out: Metadata = {};
  for (const [k, v] of Object.entries(entries)) {
    const value = metadataValue(v);
    if (value !== undefined) out[k] = value;
  }
  return out;
}

/** A client id the API accepts, from a platform's id. */
export function clientId(text: unknown, fallback: string): string {
  if (typeof text !== 'string') return fallback;
  const id = text.replace(/[^A-Za-z0-9._:-]+/g, '-').slice(0, 128);
  return id || fallback;
}

export const terminal = (status: Exclude<Status, 'active'>, endedReason: string, endedAt?: string) => ({
  status,
  endedReason: endedReason.slice(0, LIMITS.endedReasonLength),
  ...(endedAt ? { endedAt } : {}),
});

/**
 * Ids for a transcript's messages: the same role and text the n-th time in the call names the
 * same message, however often (and in whichever payload) the transcript is sent again.
 */
export function occurrenceIds(prefix: string, callId: string, messages: Array<{ role: string; text: string }>) {
  const seen = new Map<string, number>();
  return messages.map((m) => {
    const key = `${m.role}\u0000${m.text}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return stableId(prefix, callId, m.role, m.text, n);
  });
}
