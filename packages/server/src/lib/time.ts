/**
 * Times travel as ISO 8601 UTC with milliseconds and are stored as epoch milliseconds. The last
 * one is kept: a batch's items mostly carry the time it arrived (a session's start, its last
 * activity, its messages' timestamps, each in several API objects).
 */
let lastMs = Number.NaN;
let lastIso = '';
export const iso = (ms: number): string => {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
};
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/**
 * Parses a filter bound: an ISO 8601 date-time with a zone, or a bare `YYYY-MM-DD` (UTC midnight).
 * For `to`, a bare date means the end of that day. Returns null when the text is not a time.
 */
export function parseBound(text: string, edge: 'from' | 'to'): number | null {
  if (DATE_ONLY.test(text)) {
    const ms = Date.parse(`${text}T00:00:00.000Z`);
    if (Number.isNaN(ms) || iso(ms).slice(0, 10) !== text) return null;
    return edge === 'to' ? ms + DAY_MS : ms;
  }
  if (!DATE_TIME.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** Parses a validated `date-time` body field. */
export const parseTime = (text: string): number => Date.parse(text);
