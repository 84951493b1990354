import type { SessionFilters } from './types.js';

type QueryValue = string | number | boolean | Date | readonly string[] | null | undefined;

const when = (v: Date | string) => (v instanceof Date ? v.toISOString() : v);

/**
 * The shared filters as query-string pairs: arrays become the API's comma-separated lists and
 * `metadata: {plan: 'pro'}` becomes `metadata.plan=pro`. Undefined values are left out, so a
 * filter object can be spread from optional UI state without cleaning it first.
 */
export function toQuery(filters: SessionFilters & Record<string, unknown> = {}): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, raw] of Object.entries(filters)) {
    const value = raw as QueryValue | Record<string, string | number | boolean>;
    if (value === undefined || value === null) continue;
    if (key === 'metadata' && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
      for (const [k, v] of Object.entries(value)) if (v !== undefined) params.append(`metadata.${k}`, String(v));
    } else if (Array.isArray(value)) {
      if (value.length) params.append(key, value.join(','));
    } else if (value instanceof Date) {
      params.append(key, when(value));
    } else {
      params.append(key, String(value));
    }
  }
  return params;
}
