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

/** Characters of a search result's line: enough for a sentence around the word. */
const SNIPPET_CHARS = 160;

/**
 * The part of `content` around its first whole-word occurrence of any of `words` (lower-case, as
 * `transcriptWords` gives them), about 160 characters, cut at spaces where it can be and marked
 * with `…` where text is left out. A match the indexes found but this cannot (a word that differs
 * only in its accents, which SQLite's index folds) shows the message's beginning.
 */
export function snippetAround(content: string, words: string[]): string {
  const text = content.replace(/\s+/g, ' ').trim();
  if (text.length <= SNIPPET_CHARS) return text;
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const found = new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join('|')})(?![\\p{L}\\p{N}])`, 'iu').exec(text);
  const at = found?.index ?? 0;
  let start = Math.max(0, at - 50);
  let end = Math.min(text.length, start + SNIPPET_CHARS);
  start = Math.max(0, end - SNIPPET_CHARS);
  // Whole words at the cuts, unless that would drop most of a very long one.
  if (start > 0) {
    const space = text.indexOf(' ', start);
    if (space !== -1 && space < at && space - start < 20) start = space + 1;
  }
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > at && end - space < 20) end = space;
  }
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}
