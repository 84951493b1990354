/**
 * The shared filters (search, agent, channel, status, type, date range, metadata, transcript;
 * docs/API.md) as one SQL condition over `sessions as s`, used by list, metrics, timeseries and
 * export alike, plus the same filter over `session_metadata as m` for the metadata-driven paths. Where SQLite and PostgreSQL differ (session keys, the trigram and
 * id-prefix lookups of `search`, full-text search) they branch in the small helpers below.
 */
import type { Channel, RangeField, RangeOp, SessionSource, SessionType, Status } from '@switchboard/contracts';
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { DialectName } from './db.js';
import type { Database } from './schema.js';

export interface SessionFilter {
  search?: string;
  agentIds?: string[];
  channels?: Channel[];
  statuses?: Status[];
  types?: SessionType[];
  /** Where sessions came from (`source=otlp,vapi`). */
  sources?: SessionSource[];
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  metadata?: Array<[key: string, value: string]>;
  /** Lower-cased words that must all occur somewhere in the session's messages. */
  transcriptWords?: string[];
  /** `turns[gte]=3`: conditions on the session's figures, all of which must hold. */
  ranges?: RangeCondition[];
  /** `tag=a,b`: sessions with any of these tags. */
  tags?: string[];
  /** `score.quality[gte]=4`, `score.resolved=true`: all must hold. */
  scores?: ScoreCondition[];
  /** `reviewed=true|false`. */
  reviewed?: boolean;
  /** `problems=true`: failed, or at least one `error` event. */
  problems?: boolean;
}

/** A condition on a session's score: equal to the value's text, or a number at least `value`. */
export type ScoreCondition = { name: string; op: 'eq'; value: string } | { name: string; op: 'gte'; value: number };

/** A score's value as the `score.<name>=` filter compares it. */
export const scoreText = (v: number | boolean | string) => String(v);

export interface RangeCondition {
  field: RangeField;
  op: RangeOp;
  /** In the API's unit (seconds for durationSeconds, dollars for costUsd). */
  value: number;
}

/** The column of each range field and how many of its units make one of the API's. */
export const RANGE_COLUMNS = {
  durationSeconds: ['duration_ms', 1000],
  messageCount: ['message_count', 1],
  turns: ['turns', 1],
  firstResponseMs: ['first_response_ms', 1],
  avgResponseMs: ['avg_response_ms', 1],
  maxResponseMs: ['max_response_ms', 1],
  handoffs: ['handoffs', 1],
  errors: ['errors', 1],
  interruptions: ['interruptions', 1],
  costUsd: ['cost_nanos', 1e9],
  inputTokens: ['input_tokens', 1],
  outputTokens: ['output_tokens', 1],
} as const satisfies Record<RangeField, readonly [string, number]>;

const SQL_OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * A range condition over an integer column, with an integer bound: n > 2.5 is n > 2, n ≥ 2.5 is
 * n ≥ 3 (PostgreSQL will not compare a bigint with a fractional parameter).
 */
export function integerBound({ op, value }: RangeCondition, scale: number): number {
  const x = value * scale;
  // 0.00103953 × 1e9 is 1039530.0000000001 in binary floating point: that is 1039530.
  const nearest = Math.round(x);
  if (Math.abs(x - nearest) < 1e-6) return nearest;
  return op === 'gt' || op === 'lte' ? Math.floor(x) : Math.ceil(x);
}

type Eb = ExpressionBuilder<Database & { s: Database['sessions'] }, 's'>;

/** Escapes LIKE wildcards so the user's `search` text matches literally. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * `rangeFirst`: the caller bounds the rows by a range of another index (the alerts' `ended_at`
 * window) and the enum conditions must not lead. SQLite's planner otherwise drives such a read
 * from `(org_id, agent_id, …)` — every session of the agent, 20,000 of a million, where the
 * window's range holds a few hundred (measured: 111–200 ms instead of a few). A unary `+` keeps
 * the condition and takes its column out of index selection; PostgreSQL costs the two itself.
 * The "Needs review" filter (`needsReview`) is bounded likewise, by sessions_needs_review (0028).
 */
export function sessionFilterWhere(
  eb: Eb,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  opts: { rangeFirst?: boolean } = {},
): Expression<SqlBool> {
  const and: Expression<SqlBool>[] = [eb('s.org_id', '=', orgId)];
  const col = (name: 'agent_id' | 'channel' | 'status' | 'type' | 'source') =>
    opts.rangeFirst && dialect === 'sqlite' ? sql<string>`+${sql.ref(`s.${name}`)}` : sql.ref<string>(`s.${name}`);
  if (f.agentIds?.length) and.push(eb(col('agent_id'), 'in', f.agentIds));
  if (f.channels?.length) and.push(eb(col('channel'), 'in', f.channels));
  if (f.statuses?.length) and.push(eb(col('status'), 'in', f.statuses));
  if (f.types?.length) and.push(eb(col('type'), 'in', f.types));
  if (f.sources?.length) and.push(eb(col('source'), 'in', f.sources));
  if (f.from !== undefined) and.push(eb('s.started_at', '>=', f.from));
  if (f.to !== undefined) and.push(eb('s.started_at', '<', f.to));
  if (f.search) and.push(searchMatches(dialect, orgId, f.search));
  for (const [key, value] of f.metadata ?? []) and.push(metadataEquals(dialect, orgId, key, value));
  for (const word of f.transcriptWords ?? []) and.push(transcriptContains(dialect, orgId, word));
  for (const r of f.ranges ?? []) {
    const [column, scale] = RANGE_COLUMNS[r.field];
    and.push(eb(`s.${column}`, SQL_OPS[r.op], integerBound(r, scale)));
  }
  if (f.tags?.length) and.push(sessionKeyIn(dialect, tagKeys(orgId, f.tags)));
  for (const c of f.scores ?? []) and.push(sessionKeyIn(dialect, scoreKeys(orgId, c)));
  if (f.reviewed !== undefined) and.push(eb('s.reviewed_at', f.reviewed ? 'is not' : 'is', null));
  // Literally as sessions_needs_review's condition (0028), not as parameters: both planners then
  // see that the index holds every match of `problems=true&reviewed=false`.
  if (f.problems) and.push(sql<SqlBool>`(s.status = 'failed' OR s.errors > 0)`);
  return eb.and(and);
}

/** The session keys (session_pk, started_at) of the organization's sessions with any of the tags (0022). */
export function tagKeys(orgId: string, tags: string[]) {
  return sql`SELECT t.session_pk, t.started_at FROM session_tags t WHERE t.org_id = ${orgId} AND t.tag IN (${sql.join(tags)})`;
}

/** The session keys of the organization's sessions whose score meets the condition (0022). */
export function scoreKeys(orgId: string, c: ScoreCondition) {
  const match = c.op === 'eq' ? sql`sc.value_text = ${c.value}` : sql`sc.value_num >= ${c.value}`;
  return sql`SELECT sc.session_pk, sc.started_at FROM session_scores sc
    WHERE sc.org_id = ${orgId} AND sc.name = ${c.name} AND ${match}`;
}

/** No conditions but those a session row answers by itself (and scores, a seek each). */
const rowOnly = (rest: SessionFilter) =>
  noneBut(rest, 'agentIds', 'channels', 'statuses', 'types', 'sources', 'from', 'to', 'reviewed', 'problems', 'scores');

/**
 * A filter of one tag (or, without a tag, one `score.<name>=<value>`) with other conditions that
 * the session row answers by itself (agent, channel, status, type, source, time, reviewed,
 * problems, other scores): a page in start order walks the tag's (score's) index, testing each
 * session against the rest, and stops at the page's end — where walking every session of the
 * organization, or collecting every match of the tag and sorting them, read them all. Not with
 * ranges, search or transcript words: those have paths of their own, chosen by how many match.
 */
export function reviewLed(f: SessionFilter): { driver: 'tag' | 'score'; rest: SessionFilter } | null {
  if (f.tags?.length === 1) {
    const rest = { ...f, tags: undefined };
    return rowOnly(rest) ? { driver: 'tag', rest } : null;
  }
  if (!f.tags?.length && f.scores?.length && f.scores[0].op === 'eq') {
    const rest = { ...f, scores: f.scores.slice(1) };
    return rowOnly(rest) ? { driver: 'score', rest } : null;
  }
  return null;
}

/**
 * `problems=true&reviewed=false` (the "Needs review" view) with nothing else but conditions the
 * session row answers: sessions_needs_review (0028) holds every match in start order, so a page
 * walks it and a total counts its entries (with a look at each row only for those conditions).
 */
export function needsReview(f: SessionFilter): boolean {
  return (
    f.reviewed === false &&
    !!f.problems &&
    noneBut(f, 'reviewed', 'problems', 'agentIds', 'channels', 'statuses', 'types', 'sources', 'from', 'to')
  );
}

/**
 * A filter led by a score range (`score.<name>[gte]=x`, no tag) with other conditions the session
 * row answers: its page in start order is the merge of one walk of session_scores' numeric index
 * per distinct value in the range (`sessionPage`), where it used to collect every match and sort.
 */
export function scoreRangeLed(
  f: SessionFilter,
): { condition: ScoreCondition & { op: 'gte' }; rest: SessionFilter } | null {
  const [first, ...others] = f.scores ?? [];
  if (f.tags?.length || first?.op !== 'gte') return null;
  const rest = { ...f, scores: others };
  return rowOnly(rest) ? { condition: first, rest } : null;
}

/** Conditions a score row carries besides its score (0035): agent, channel, status, type, time. */
export function scoreRowsOnly(rest: SessionFilter): boolean {
  return noneBut(rest, 'agentIds', 'channels', 'statuses', 'types', 'from', 'to');
}

/** One score condition, no tag, and otherwise only what its row carries: session_scores answers. */
export function scoreRowsAnswer(f: SessionFilter): boolean {
  return !f.tags?.length && f.scores?.length === 1 && scoreRowsOnly({ ...f, scores: undefined });
}

/**
 * The conditions that a narrow table answers from the columns it copies from its session — agent,
 * channel, status and type (session_tags, session_scores, session_metadata and their counters),
 * and the start time unless `time` is false (the counters have none) — on `alias`'s columns: for a
 * count or a walk that never reads the sessions.
 */
export function copiedWhere(alias: string, f: SessionFilter, time = true): Expression<SqlBool> {
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  const and: Expression<SqlBool>[] = [];
  for (const [name, values] of [
    ['agent_id', f.agentIds],
    ['channel', f.channels],
    ['status', f.statuses],
    ['type', f.types],
  ] as const)
    if (values?.length) and.push(sql<SqlBool>`${col(name)} IN (${sql.join(values)})`);
  if (time && f.from !== undefined) and.push(sql<SqlBool>`${col('started_at')} >= ${f.from}`);
  if (time && f.to !== undefined) and.push(sql<SqlBool>`${col('started_at')} < ${f.to}`);
  return and.length ? sql<SqlBool>`(${sql.join(and, sql` AND `)})` : sql<SqlBool>`1 = 1`;
}

/**
 * The session's tag list in `column` (`,a,b,`: session_tags since 0034, session_scores since 0036)
 * holds one of the tags. `_`, which a tag may have, is LIKE's one-character wildcard: escaped.
 */
export function tagSetHas(column: string, tags: readonly string[]): Expression<SqlBool> {
  const one = (tag: string) => sql<SqlBool>`${sql.ref(column)} LIKE ${`%,${tag.replaceAll('_', '\\_')},%`} ESCAPE '\\'`;
  return tags.length === 1 ? one(tags[0]) : sql<SqlBool>`(${sql.join(tags.map(one), sql` OR `)})`;
}

/**
 * True when session_tags alone answers the filter's count (0026): tags, with conditions only on
 * the columns each tag row copies from its session (agent, channel, status, type; since 0033
 * reviewed, problems and source) and time.
 */
export function tagRowsAnswer(f: SessionFilter): boolean {
  return (
    !!f.tags?.length &&
    noneBut(f, 'tags', 'agentIds', 'channels', 'statuses', 'types', 'from', 'to', 'reviewed', 'problems', 'sources')
  );
}

/**
 * Conditions of a `tagRowsAnswer` filter that the tag rows carry (0033) but their counters do not
 * split by: with any of them, a total counts the tag's rows.
 */
export function tagFlagged(f: SessionFilter): boolean {
  return f.reviewed !== undefined || !!f.problems || !!f.sources?.length;
}

/**
 * Tags and one score condition, with otherwise only what the tag rows carry (0026): the total is
 * counted from session_tags and session_scores alone (`tagScoreTotal`), never the sessions.
 */
export function tagScoreAnswer(f: SessionFilter): boolean {
  return (
    !!f.tags?.length &&
    f.scores?.length === 1 &&
    noneBut(f, 'tags', 'scores', 'agentIds', 'channels', 'statuses', 'types', 'from', 'to')
  );
}

/** `s` is one of the sessions whose keys (session_pk, started_at) the subquery returns. */
function sessionKeyIn(dialect: DialectName, keys: ReturnType<typeof sql>): Expression<SqlBool> {
  // PostgreSQL: with the partition key, so each month's partition is probed by its own index.
  if (dialect === 'postgres') return sql<SqlBool>`(s.pk, s.started_at) IN (${keys})`;
  return sql<SqlBool>`s.pk IN (SELECT session_pk FROM (${keys}))`;
}

/**
 * `metadata.<key>=value`: exact match on the value's text (a number 42 matches "42", true
 * "true", null "null"), looked up in session_metadata (0007), whose triggers store each value's
 * text exactly as the JSON lookup used to compute it.
 */
function metadataEquals(dialect: DialectName, orgId: string, key: string, value: string): Expression<SqlBool> {
  const rows = sql`SELECT m.session_pk, m.started_at FROM session_metadata m
    WHERE m.org_id = ${orgId} AND m.key = ${key} AND m.value = ${value}`;
  // SQLite: the pk alone is the rowid, which lets the planner seek sessions by it.
  if (dialect === 'postgres') return sql<SqlBool>`(s.pk, s.started_at) IN (${rows})`;
  return sql<SqlBool>`s.pk IN (SELECT session_pk FROM (${rows}))`;
}

/**
 * True when session_metadata alone can answer a count, metrics or a page in start order: the
 * filter has a metadata condition and nothing that needs the session row itself (its other
 * filter columns are copied into session_metadata).
 */
export function metadataDriven(f: SessionFilter): f is SessionFilter & { metadata: Array<[string, string]> } {
  return !!f.metadata?.length && noneBut(f, 'metadata', 'agentIds', 'channels', 'statuses', 'types', 'from', 'to');
}

export type MetadataEb = ExpressionBuilder<Database & { m: Database['session_metadata'] }, 'm'>;

/**
 * The filter over `session_metadata as m`, for `metadataDriven` filters: the first metadata
 * condition is the index range, the others are seeks by the full key of the same session.
 */
export function metadataSideWhere(eb: MetadataEb, orgId: string, f: SessionFilter): Expression<SqlBool> {
  const [[key, value], ...rest] = f.metadata ?? [];
  const and: Expression<SqlBool>[] = [
    eb('m.org_id', '=', orgId),
    eb('m.key', '=', key),
    eb('m.value', '=', value),
    copiedWhere('m', f),
  ];
  for (const [k, v] of rest)
    and.push(
      sql<SqlBool>`EXISTS (SELECT 1 FROM session_metadata m2 WHERE m2.org_id = m.org_id AND m2.key = ${k}
        AND m2.value = ${v} AND m2.started_at = m.started_at AND m2.session_pk = m.session_pk)`,
    );
  return eb.and(and);
}

/**
 * `search`: the union of three indexed branches' session keys — id prefix (an index on
 * lower(id)), agent id or metadata substring (a trigram index on search_text: FTS5 on SQLite,
 * pg_trgm on PostgreSQL) and agent name substring (the agents table). A term shorter than three
 * characters has no trigram: SQLite then scans search_text (PostgreSQL decides for itself, and
 * scans too without pg_trgm). The LIKE patterns stay in every branch, so the result is exactly
 * that of the plain LIKEs whatever an index returns.
 */
function searchMatches(dialect: DialectName, orgId: string, search: string): Expression<SqlBool> {
  if (dialect === 'postgres') return sql<SqlBool>`(s.pk, s.started_at) IN (${searchKeysPostgres(orgId, search)})`;
  return sql<SqlBool>`s.pk IN (${searchKeysSqlite(orgId, search)})`;
}

/**
 * PostgreSQL: the keys (pk, started_at) of `search`'s three branches, duplicates possible; the
 * substring through session_search's trigram index (0010), a narrow copy of the sessions.
 */
function searchKeysPostgres(orgId: string, search: string, withEnums = false) {
  const { term, contains, agents } = searchTerms(orgId, search);
  const enums = sql.raw(withEnums ? ', channel, status, type' : '');
  return sql`SELECT session_pk AS pk, started_at${enums} FROM session_search
      WHERE org_id = ${orgId} AND search_text LIKE ${contains} ESCAPE '\\'
    UNION ALL SELECT pk, started_at${enums} FROM sessions WHERE org_id = ${orgId} AND lower(id) LIKE ${`${term}%`} ESCAPE '\\'
    UNION ALL SELECT pk, started_at${enums} FROM sessions WHERE org_id = ${orgId} AND agent_id IN (${agents})`;
}

/**
 * PostgreSQL, `search` alone: each matching session once, with its channel, status and type,
 * straight from the branches' own indexes (session_search carries them; the agent branch's
 * index covers them) — metrics of a common term without reading or joining 80,000 rows again.
 */
export function searchSessionsPostgres(orgId: string, search: string) {
  return sql`SELECT DISTINCT pk, started_at, channel, status, type FROM (${searchKeysPostgres(orgId, search, true)}) u`;
}

/**
 * PostgreSQL, for a `keysOnly` filter: the distinct keys (pk, started_at) of the organization's
 * matching sessions, from session_search and transcript_docs alone. One set per condition,
 * intersected (INTERSECT also removes duplicates).
 */
export function keysPostgres(orgId: string, f: SessionFilter) {
  const sets = [
    ...(f.search ? [sql`SELECT pk, started_at FROM (${searchKeysPostgres(orgId, f.search)}) k`] : []),
    ...(f.transcriptWords ?? []).map(
      (w) => sql`SELECT session_pk AS pk, session_started_at AS started_at FROM transcript_docs
        WHERE org_id = ${orgId} AND tsv @@ plainto_tsquery('simple', ${w})`,
    ),
  ];
  return sets.length === 1 ? sql`SELECT DISTINCT pk, started_at FROM (${sets[0]}) d` : sql.join(sets, sql` INTERSECT `);
}

/** The lower-cased term, as a LIKE literal and a LIKE substring pattern, and the agents whose name contains it. */
function searchTerms(orgId: string, search: string) {
  const lower = search.toLowerCase();
  const term = likeLiteral(lower);
  const contains = `%${term}%`;
  const agents = sql`SELECT a.id FROM agents a WHERE a.org_id = ${orgId} AND a.search_name LIKE ${contains} ESCAPE '\\'`;
  return { lower, term, contains, agents };
}

/**
 * SQLite: the pks of `search`'s three branches (duplicates possible). The trigram branch is not
 * limited to the organization: callers either check each key against the organization or know
 * it owns every session (`keysOnly`).
 */
function searchKeysSqlite(orgId: string, search: string) {
  const { lower, term, contains, agents } = searchTerms(orgId, search);
  // The trigram index is case-sensitive over text both sides have lower-cased; a quoted FTS5
  // string is a phrase of its trigrams, i.e. the substring itself (quotes inside are doubled).
  const text =
    [...lower].length >= 3
      ? sql`SELECT rowid AS pk FROM sessions_search WHERE sessions_search MATCH ${`"${lower.replace(/"/g, '""')}"`}`
      : sql`SELECT pk FROM sessions WHERE org_id = ${orgId} AND search_text LIKE ${contains} ESCAPE '\\'`;
  // The id prefix as a range of the lower(id) index (ids are ASCII, so every id with the prefix
  // sorts below prefix + U+10FFFF); LIKE keeps it exact.
  return sql`${text}
    UNION ALL SELECT pk FROM sessions WHERE org_id = ${orgId} AND lower(id) >= ${lower}
      AND lower(id) < ${`${lower}\u{10FFFF}`} AND lower(id) LIKE ${`${term}%`} ESCAPE '\\'
    UNION ALL SELECT pk FROM sessions WHERE org_id = ${orgId} AND agent_id IN (${agents})`;
}

/** One indexed full-text lookup per word: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL. */
function transcriptContains(dialect: DialectName, orgId: string, word: string): Expression<SqlBool> {
  if (dialect === 'postgres') {
    // The documents of 0009 (one per session and insert statement), with the partition key.
    return sql<SqlBool>`(s.pk, s.started_at) IN (SELECT d.session_pk, d.session_started_at FROM transcript_docs d
      WHERE d.org_id = ${orgId} AND d.tsv @@ plainto_tsquery('simple', ${word}))`;
  }
  return sql<SqlBool>`s.pk IN (${transcriptKeysSqlite(word)})`;
}

/**
 * SQLite: the pks of the sessions whose messages contain `word`, of every organization.
 * transcript_fts's rowid is `session_pk << 32 | seq` (0009): the session without a lookup.
 */
function transcriptKeysSqlite(word: string) {
  // A quoted FTS5 string is matched as a phrase of its tokens; quotes inside are doubled.
  const phrase = `"${word.replace(/"/g, '""')}"`;
  return sql`SELECT rowid >> 32 AS pk FROM transcript_fts WHERE transcript_fts MATCH ${phrase}`;
}

/**
 * True when the filter is only `search` and/or `transcript`: its sessions are then exactly the
 * keys of `keysSqlite` that belong to the organization, and nothing else about a session needs
 * reading to decide whether it matches.
 */
export function keysOnly(f: SessionFilter): boolean {
  return (!!f.search || !!f.transcriptWords?.length) && noneBut(f, 'search', 'transcriptWords');
}

/** True when the filter has no condition but (perhaps) the named ones. */
export function noneBut(f: SessionFilter, ...allowed: Array<keyof SessionFilter>): boolean {
  return (Object.keys(f) as Array<keyof SessionFilter>).every((k) => {
    const v = f[k];
    return allowed.includes(k) || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
  });
}

/**
 * PostgreSQL, for a filter of `transcript` words alone: how many sessions of the organization
 * have every word, from the documents alone (they carry the organization). The first word's
 * documents are the candidates; each further word is a probe of the same session's documents.
 */
export function transcriptCountPostgres(orgId: string, words: string[]) {
  const [first, ...rest] = words;
  const probes = rest.map((w) => sql`AND ${docsOfSessionHave(orgId, 'd.session_pk', 'd.session_started_at', w)}`);
  return sql<{ n: number }>`SELECT count(*) AS n FROM (SELECT DISTINCT d.session_pk, d.session_started_at
    FROM transcript_docs d WHERE d.org_id = ${orgId} AND d.tsv @@ plainto_tsquery('simple', ${first})
    ${sql.join(probes, sql` `)}) x`;
}

/**
 * PostgreSQL: some document of the session (of organization `orgId`, pk and started_at columns
 * given) has the word. The organization, as a value, lets Citus send the whole statement to the
 * organization's one shard group.
 */
export function docsOfSessionHave(orgId: string, pk: string, startedAt: string, word: string) {
  return sql<SqlBool>`EXISTS (SELECT 1 FROM transcript_docs t WHERE t.org_id = ${orgId}
    AND t.session_pk = ${sql.ref(pk)} AND t.session_started_at = ${sql.ref(startedAt)} AND t.tsv @@ plainto_tsquery('simple', ${word}))`;
}

/** Only `transcript` words: PostgreSQL's documents answer counts and pages alone. */
export function transcriptOnly(f: SessionFilter): boolean {
  return keysOnly(f) && !f.search;
}

/**
 * SQLite, for a `keysOnly` filter: the distinct pks of the sessions it matches, of every
 * organization (callers keep those of theirs). One set per condition, intersected.
 */
export function keysSqlite(orgId: string, f: SessionFilter) {
  const sets = [
    ...(f.search ? [sql`SELECT pk FROM (${searchKeysSqlite(orgId, f.search)})`] : []),
    ...(f.transcriptWords ?? []).map((w) => transcriptKeysSqlite(w)),
  ];
  return sql.join(sets, sql` INTERSECT `);
}

/** Splits `transcript` text into the words both full-text engines index. */
export function transcriptWords(text: string): string[] {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  return [...new Set(words)].slice(0, 16);
}
