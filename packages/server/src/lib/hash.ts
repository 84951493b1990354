import { createHash } from 'node:crypto';

/** JSON with object keys sorted and undefined members left out: equal values, equal text. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

/** SHA-256 of the canonical JSON, base64url: the same for the same value whatever its key order. */
export const hashOf = (value: unknown) => createHash('sha256').update(canonical(value)).digest('base64url');
