/**
 * The checks JSON Schema cannot express (byte sizes, nesting depth, reserved ids), shared by the
 * single-item routes and `POST /ingest`.
 */
import {
  LIMITS,
  type MessageInput,
  type Metadata,
  type ProblemFieldError,
  RESERVED_IDS,
  Usage,
} from '@switchboard/contracts';
import { bodyAjv, fieldErrors } from '../lib/ajv.js';

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

export function checkId(id: string | undefined, path: string, errors: ProblemFieldError[]) {
  if (id !== undefined && (RESERVED_IDS as readonly string[]).includes(id))
    errors.push({ path, message: `"${id}" is reserved and cannot be used as an id` });
}

export function checkMetadata(metadata: Metadata | undefined, path: string, errors: ProblemFieldError[]) {
  if (metadata === undefined) return;
  if (byteLength(JSON.stringify(metadata)) > LIMITS.metadataBytes)
    errors.push({ path, message: `must be at most ${LIMITS.metadataBytes} bytes as JSON` });
}

/** Depth of a JSON value, computed without recursion so hostile nesting cannot blow the stack. */
function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > LIMITS.jsonDepth) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

export function checkEventData(data: Record<string, unknown> | undefined, path: string, errors: ProblemFieldError[]) {
  if (data === undefined) return;
  if (jsonDepth(data) > LIMITS.jsonDepth) {
    errors.push({ path, message: `must be nested at most ${LIMITS.jsonDepth} levels deep` });
    return;
  }
  if (byteLength(JSON.stringify(data)) > LIMITS.eventDataBytes)
    errors.push({ path, message: `must be at most ${LIMITS.eventDataBytes} bytes as JSON` });
}

export function checkContent(content: string, path: string, errors: ProblemFieldError[]) {
  if (byteLength(content) > LIMITS.messageContentBytes)
    errors.push({ path, message: `must be at most ${LIMITS.messageContentBytes} bytes of UTF-8` });
}

/**
 * Paths of strings holding U+0000 anywhere in a parsed JSON value or query. PostgreSQL cannot
 * store NUL in text or jsonb, so it is refused up front, the same on both databases.
 */
export function nulPaths(value: unknown, base = ''): string[] {
  const found: string[] = [];
  const stack: Array<[unknown, string]> = [[value, base]];
  while (stack.length && found.length < 20) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      if (v.includes('\u0000')) found.push(path || '/');
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) found.push(`${path}/${k.replace(/\u0000/g, '\\u0000')}`);
        stack.push([child, `${path}/${k}`]);
      }
    }
  }
  return found;
}

/** `latencyMs` and `interrupted` describe how an agent answered; on a user message they are a mistake. */
export function checkMessageFigures(m: MessageInput, path: string, errors: ProblemFieldError[]) {
  if (m.sender !== 'user') return;
  for (const field of ['latencyMs', 'interrupted'] as const)
    if (m[field] !== undefined) errors.push({ path: `${path}/${field}`, message: 'is allowed only on agent messages' });
}

const validUsage = bodyAjv.compile(Usage);

/** A `usage` event's data is a Usage object: it adds to the session's tokens and cost. */
export function checkUsageEvent(data: unknown, path: string, errors: ProblemFieldError[]) {
  if (data === undefined) {
    errors.push({ path, message: 'a usage event needs data: {inputTokens?, outputTokens?, costUsd?, model?}' });
    return;
  }
  if (!validUsage(data)) errors.push(...fieldErrors(validUsage.errors, 'data', path));
}
