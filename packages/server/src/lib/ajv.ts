/**
 * The validators behind every route, and behind each item of `POST /ingest`, so a batch item is
 * judged exactly as the single-item route would judge it. Bodies are not coerced ("5" is not a
 * number); query strings and path parameters are, since everything there arrives as text.
 * Nothing is silently removed: an unknown field is an error the client should hear about.
 */
import type { ProblemFieldError } from '@switchboard/contracts';
import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormats from 'ajv-formats';

const base: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };

function make(opts: Options) {
  const ajv = new Ajv({ ...base, ...opts });
  (addFormats as unknown as (a: Ajv) => Ajv)(ajv);
  return ajv;
}

export const bodyAjv = make({ coerceTypes: false });
export const queryAjv = make({ coerceTypes: true });

/**
 * A request part as its handler receives it: `useDefaults` has filled every property whose
 * schema gives a `default` (`limit`, `sort`, …), which TypeBox still types as optional because a
 * client may leave it out. Services read such properties through this type instead of repeating
 * the default after a `??`.
 */
export type Filled<T, K extends keyof T> = T & { [P in K]-?: Exclude<T[P], undefined> };

/**
 * `x-enum-list`: a comma-separated list whose every item is one of the given values, so a bad
 * `channel=web,fax` is reported by name together with every other bad parameter. An empty item
 * (`channel=`, `channel=web,`, `status=%20`) is an error too: dropping it would quietly widen the
 * filter to everything the client meant to narrow.
 */
queryAjv.addKeyword({
  keyword: 'x-enum-list',
  type: 'string',
  schemaType: 'array',
  errors: true,
  validate: function enumList(allowed: string[], data: string) {
    const items = data.split(',').map((v) => v.trim());
    const bad = items.filter((v) => v && !allowed.includes(v));
    const message = items.includes('')
      ? `has an empty item; must be a comma-separated list of: ${allowed.join(', ')}`
      : bad.length
        ? `unknown value ${bad.map((b) => `"${b}"`).join(', ')}; must be a comma-separated list of: ${allowed.join(', ')}`
        : undefined;
    if (!message) return true;
    (enumList as unknown as { errors: Partial<ErrorObject>[] }).errors = [
      { keyword: 'x-enum-list', message, params: { allowed } },
    ];
    return false;
  },
});

/**
 * Ajv errors as the `errors` of a problem document: one entry per bad field, with a JSON pointer
 * for bodies and the parameter name for query strings.
 */
export function fieldErrors(errors: ErrorObject[] | null | undefined, part: string, prefix = ''): ProblemFieldError[] {
  const byPath = new Map<string, string[]>();
  for (const e of errors ?? []) {
    let path = e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      path += `/${(e.params as { missingProperty: string }).missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      path += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
      message = part === 'querystring' ? 'is not a known parameter' : 'is not allowed';
    } else if (e.keyword === 'enum') {
      message = `must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    } else if (e.keyword === 'anyOf') {
      continue;
    }
    const shown = part === 'querystring' || part === 'params' ? path.replace(/^\//, '') : prefix + (path || '/');
    const list = byPath.get(shown) ?? [];
    if (!list.includes(message)) list.push(message);
    byPath.set(shown, list);
  }
  return [...byPath].map(([path, messages]) => ({
    path,
    message:
      messages.every((m) => m.startsWith('must be ')) && messages.length > 1
        ? `must be ${messages.map((m) => m.slice('must be '.length)).join(' or ')}`
        : messages.join('; '),
  }));
}
