/** Times travel as ISO 8601 UTC with milliseconds and are stored as epoch milliseconds. */
export const iso = (ms: number): string => new Date(ms).toISOString();
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
