/**
 * The shared filters (search, agent, channel, status, type, date range, metadata, transcript)
 * from query parameters to a SessionFilter, with every bad parameter listed in one 400. Used by
 * the read service and by the live stream.
 */
import {
  CHANNELS,
  type ProblemFieldError,
  RANGE_FIELDS,
  RANGE_OPS,
  SCORE_NAME_PATTERN,
  TAG_PATTERN,
  type RangeField,
  type RangeFilterObject,
  type RangeOp,
  SESSION_SOURCES,
  SESSION_TYPES,
  STATUSES,
} from '@switchboard/contracts';
import { badRequest } from '../lib/errors.js';
import { parseBound } from '../lib/time.js';
import { type RangeCondition, type ScoreCondition, type SessionFilter, transcriptWords } from '../store/filters.js';

export type FilterQuery = Record<string, unknown>;

/**
 * A comma-separated list parameter. An empty item (`agentId=`, `channel=web,`, `status=%20`) is an
 * error, not a dropped filter: leaving it out would answer about everything instead of the few.
 */
function list(q: FilterQuery, name: string, errors: ProblemFieldError[]): string[] {
  const value = q[name];
  if (typeof value !== 'string') return [];
  const items = value.split(',').map((v) => v.trim());
  if (items.includes('')) {
    if (!errors.some((e) => e.path === name))
      errors.push({ path: name, message: 'has an empty item; send a comma-separated list without empty entries' });
    return items.filter(Boolean);
  }
  return items;
}

function enumList<T extends string>(q: FilterQuery, name: string, allowed: readonly T[], errors: ProblemFieldError[]) {
  const values = list(q, name, errors);
  const known = (v: string): v is T => (allowed as readonly string[]).includes(v);
  const bad = values.filter((v) => !known(v));
  if (bad.length)
    errors.push({
      path: name,
      message: `unknown value ${bad.map((b) => `"${b}"`).join(', ')}; must be a comma-separated list of: ${allowed.join(', ')}`,
    });
  // A bad value fails the whole request (parseFilters throws), so only known ones go on.
  const good = values.filter(known);
  return good.length ? [...new Set(good)] : undefined;
}

/** Parses the shared filters; throws one 400 listing every bad parameter. */
export function parseFilters(q: FilterQuery, errors: ProblemFieldError[] = []): SessionFilter {
  const f: SessionFilter = {};
  if (typeof q.search === 'string' && q.search.trim()) f.search = q.search.trim();
  const agents = list(q, 'agentId', errors);
  if (agents.length) f.agentIds = [...new Set(agents)];
  f.channels = enumList(q, 'channel', CHANNELS, errors);
  f.statuses = enumList(q, 'status', STATUSES, errors);
  f.types = enumList(q, 'type', SESSION_TYPES, errors);
  f.sources = enumList(q, 'source', SESSION_SOURCES, errors);
  for (const edge of ['from', 'to'] as const) {
    const text = q[edge];
    if (typeof text !== 'string' || text === '') continue;
    const ms = parseBound(text, edge);
    if (ms === null)
      errors.push({ path: edge, message: 'must be an ISO 8601 date-time with a time zone or a date YYYY-MM-DD' });
    else f[edge] = ms;
  }
  if (f.from !== undefined && f.to !== undefined && f.from >= f.to)
    errors.push({ path: 'to', message: 'must be after from' });
  const metadata: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(q)) {
    if (!k.startsWith('metadata.')) continue;
    if (typeof v !== 'string') {
      errors.push({ path: k, message: 'must be given once' });
      continue;
    }
    metadata.push([k.slice('metadata.'.length), v]);
  }
  if (metadata.length > 16) errors.push({ path: 'metadata', message: 'at most 16 metadata filters' });
  if (metadata.length) f.metadata = metadata;
  const ranges = parseRanges(q, errors);
  if (ranges.length) f.ranges = ranges;
  const tags = list(q, 'tag', errors).map((t) => t.toLowerCase());
  const badTags = tags.filter((t) => !TAG_RE.test(t));
  if (badTags.length)
    errors.push({ path: 'tag', message: `not a tag: ${badTags.map((t) => `"${t}"`).join(', ')} (${TAG_RULE})` });
  else if (tags.length) f.tags = [...new Set(tags)];
  const scores = parseScores(q, errors);
  if (scores.length) f.scores = scores;
  if (q.reviewed !== undefined) {
    if (q.reviewed === 'true' || q.reviewed === 'false') f.reviewed = q.reviewed === 'true';
    else errors.push({ path: 'reviewed', message: 'must be true or false' });
  }
  if (q.problems !== undefined) {
    if (q.problems === 'true') f.problems = true;
    else errors.push({ path: 'problems', message: 'must be true (leave it out for every session)' });
  }
  if (typeof q.transcript === 'string' && q.transcript.trim()) {
    const words = transcriptWords(q.transcript);
    if (words.length === 0) errors.push({ path: 'transcript', message: 'must contain at least one word' });
    else f.transcriptWords = words;
  }
  if (errors.length) throw badRequest(errors);
  return f;
}

const TAG_RE = new RegExp(TAG_PATTERN);
const TAG_RULE = 'lower-case letters, digits, _ . : -, a letter or digit first, at most 40 characters';
const SCORE_NAME_RE = new RegExp(SCORE_NAME_PATTERN);
const SCORE_PARAM = /^score\.([^[\]]*)(?:\[([A-Za-z_]*)\])?$/;

/** `score.<name>=<value>` and `score.<name>[gte]=<number>`; every bad one is named in `errors`. */
function parseScores(q: FilterQuery, errors: ProblemFieldError[]): ScoreCondition[] {
  const out: ScoreCondition[] = [];
  for (const [key, raw] of Object.entries(q)) {
    if (!key.startsWith('score.')) continue;
    const m = SCORE_PARAM.exec(key);
    const text = typeof raw === 'number' ? String(raw) : raw;
    if (!m || !SCORE_NAME_RE.test(m[1])) {
      errors.push({
        path: key,
        message: 'use score.<name>=<value> or score.<name>[gte]=<number>, name like "quality"',
      });
      continue;
    }
    if (typeof text !== 'string') {
      errors.push({ path: key, message: 'must be given once' });
      continue;
    }
    if (m[2] === undefined) {
      if (text === '') errors.push({ path: key, message: 'must not be empty' });
      else out.push({ name: m[1], op: 'eq', value: text });
    } else if (m[2] !== 'gte') {
      errors.push({ path: key, message: `unknown operator "${m[2]}"; score filters take [gte]` });
    } else {
      const value = text.trim() === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(value)) errors.push({ path: key, message: `"${text}" is not a number` });
      else out.push({ name: m[1], op: 'gte', value });
    }
  }
  if (out.length > 8) errors.push({ path: 'score', message: 'at most 8 score filters' });
  return out;
}

const RANGE_PARAM = /^([A-Za-z_]+)\[([A-Za-z_]+)\]$/;
const isRangeField = (v: string): v is RangeField => (RANGE_FIELDS as readonly string[]).includes(v);
const isRangeOp = (v: string): v is RangeOp => (RANGE_OPS as readonly string[]).includes(v);

/** `<field>[gt|gte|lt|lte]=<number>` parameters; a bad field, operator or number is named in `errors`. */
function parseRanges(q: FilterQuery, errors: ProblemFieldError[]): RangeCondition[] {
  const ranges: RangeCondition[] = [];
  for (const [key, raw] of Object.entries(q)) {
    const match = RANGE_PARAM.exec(key);
    if (!match) continue;
    const [, field, op] = match;
    if (!isRangeField(field)) {
      errors.push({
        path: key,
        message: `unknown field "${field}"; range filters take one of: ${RANGE_FIELDS.join(', ')}`,
      });
      continue;
    }
    if (!isRangeOp(op)) {
      errors.push({ path: key, message: `unknown operator "${op}"; use one of: ${RANGE_OPS.join(', ')}` });
      continue;
    }
    const text = typeof raw === 'number' ? String(raw) : raw;
    const value = typeof text === 'string' && text.trim() !== '' ? Number(text) : Number.NaN;
    if (typeof text !== 'string') errors.push({ path: key, message: 'must be given once' });
    else if (!Number.isFinite(value)) errors.push({ path: key, message: `"${text}" is not a number` });
    else ranges.push({ field, op, value });
  }
  return ranges;
}

/** A webhook subscription's `range` object as range conditions. */
export function rangesOfObject(range: RangeFilterObject | undefined): RangeCondition[] | undefined {
  if (!range) return undefined;
  const out: RangeCondition[] = [];
  for (const field of RANGE_FIELDS)
    for (const op of RANGE_OPS) {
      const value = range[field]?.[op];
      if (value !== undefined) out.push({ field, op, value });
    }
  return out.length ? out : undefined;
}

/** The bad parameters parseFilters would report, without throwing. */
export function filterErrors(q: FilterQuery): ProblemFieldError[] {
  const errors: ProblemFieldError[] = [];
  try {
    parseFilters(q, errors);
  } catch {}
  return errors;
}
