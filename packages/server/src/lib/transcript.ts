/**
 * What a session's transcript weighs, and the ceilings it may not pass (docs/SECURITY.md, "One
 * large session stalls everyone"). A message counts the UTF-8 bytes of its content, metadata and
 * usage as stored; an event the bytes of its data as stored. Migration 0018 sums the same measure
 * with octet_length over the stored text, and a transcript page budgets its items with it.
 */

/** How many messages and events, and how many bytes of them, one session may hold. */
export interface SessionLimits {
  maxMessages: number;
  maxEvents: number;
  maxBytes: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxMessages: 10_000,
  maxEvents: 10_000,
  maxBytes: 20 * 1024 * 1024,
};

export const messageBytes = (row: { content: string; metadata: string; usage: string | null }) =>
  Buffer.byteLength(row.content) +
  Buffer.byteLength(row.metadata) +
  (row.usage === null ? 0 : Buffer.byteLength(row.usage));

export const eventBytes = (row: { data: string }) => Buffer.byteLength(row.data);

/**
 * Whether messages, in seq order, arrive out of conversation order: one's timestamp is before
 * that of an earlier seq (`latest`: the latest timestamp stored before them, or null).
 */
export function outOfOrder(latest: number | null, timestamps: number[]): boolean {
  let max = latest ?? Number.NEGATIVE_INFINITY;
  for (const t of timestamps) {
    if (t < max) return true;
    if (t > max) max = t;
  }
  return false;
}
