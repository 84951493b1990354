/**
 * The shared session filters as a URL query string, one implementation for the SDK, the
 * dashboard and the CLI. Arrays become the API's comma-separated lists, `metadata: {plan: 'pro'}`
 * becomes `metadata.plan=pro`, dates become ISO text; `undefined`, `null`, empty strings and empty
 * lists are left out, so a filter object can be spread from optional UI state without cleaning it.
 */
export type QueryScalar = string | number | boolean | Date;
export type QueryInput = Record<
  string,
  QueryScalar | readonly QueryScalar[] | Record<string, string | number | boolean | undefined> | null | undefined
>;

const text = (v: QueryScalar) => (v instanceof Date ? v.toISOString() : String(v));

export function filtersToQuery(filters: object = {}): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters as QueryInput)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length) params.append(key, value.map(text).join(','));
    } else if (value instanceof Date || typeof value !== 'object') {
      params.append(key, text(value as QueryScalar));
    } else {
      for (const [k, v] of Object.entries(value)) if (v !== undefined) params.append(`${key}.${k}`, String(v));
    }
  }
  return params;
}
