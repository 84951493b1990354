/**
 * How many sessions match a filter: the total of a page, and the metrics document's counts by
 * channel, status and type. Where counter tables or narrow indexes answer exactly, the wide
 * session rows are never read (docs/PERFORMANCE.md has the budgets and the measurements).
 */
import { CHANNELS, SESSION_TYPES, STATUSES } from '@switchboard/contracts';
import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { DialectName } from '../db.js';
import {
  copiedWhere,
  keysOnly,
  keysPostgres,
  keysSqlite,
  metadataDriven,
  metadataSideWhere,
  needsReview,
  noneBut,
  type SessionFilter,
  searchSessionsPostgres,
  sessionFilterWhere,
  transcriptCountPostgres,
  transcriptOnly,
  type ScoreCondition,
  scoreRowsAnswer,
  tagFlagged,
  tagRowsAnswer,
  tagScoreAnswer,
  tagSetHas,
} from '../filters.js';
import type { Database } from '../schema.js';
import { type SharedWalks, scoreMatches, scoreSized, tagRows, tagSizes } from './page.js';

type Db = Kysely<Database>;

/** session_tag_days' day (0028): a UTC day, by its start in epoch ms. */
const DAY_MS = 86_400_000;

/**
 * True when the filter narrows only by channel, status and type: the session_counts table then
 * answers counts exactly without touching the sessions.
 */
export function countsAnswer(f: SessionFilter): boolean {
  return noneBut(f, 'channels', 'statuses', 'types');
}

/** True when session_review_counts (0029) answers: "Needs review" with channel, status and type only. */
export function reviewCountsAnswer(f: SessionFilter): boolean {
  return needsReview(f) && noneBut(f, 'reviewed', 'problems', 'channels', 'statuses', 'types');
}

async function countRows(db: Db, orgId: string, f: SessionFilter) {
  let q = db.selectFrom('session_counts').select(['channel', 'status', 'type', 'n']).where('org_id', '=', orgId);
  if (f.channels?.length) q = q.where('channel', 'in', f.channels);
  if (f.statuses?.length) q = q.where('status', 'in', f.statuses);
  if (f.types?.length) q = q.where('type', 'in', f.types);
  return q.execute();
}

/** True when session_metadata_counts answers counts exactly: one metadata condition, plus enums. */
function metadataCountsAnswer(f: SessionFilter): boolean {
  return countsAnswer({ ...f, metadata: undefined }) && f.metadata?.length === 1;
}

async function metadataCountRows(db: Db, orgId: string, f: SessionFilter) {
  const [[key, value]] = f.metadata ?? [];
  let q = db
    .selectFrom('session_metadata_counts')
    .select(['channel', 'status', 'type', 'n'])
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .where('value', '=', value);
  if (f.channels?.length) q = q.where('channel', 'in', f.channels);
  if (f.statuses?.length) q = q.where('status', 'in', f.statuses);
  if (f.types?.length) q = q.where('type', 'in', f.types);
  return q.execute();
}

const sumOf = (rows: Array<{ n: number }>) => rows.reduce((sum, r) => sum + r.n, 0);

export async function countSessions(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  /** Walks the page beside this count makes too (`scoreSized`). */
  shared?: SharedWalks,
): Promise<number> {
  if (countsAnswer(f)) return sumOf(await countRows(db, orgId, f));
  if (metadataCountsAnswer(f)) return sumOf(await metadataCountRows(db, orgId, f));
  if (tagRowsAnswer(f)) return tagTotal(db, orgId, f, shared);
  if (tagScoreAnswer(f)) return tagScoreTotal(db, orgId, f, shared);
  if (scoreRowsAnswer(f))
    // One score condition, alone or with what its rows carry (0035): session_scores' index on the
    // value, read alone — a session has one value per score name, so each counts once.
    return scoreRowsCount(db, orgId, (f.scores as ScoreCondition[])[0], copiedWhere('k', f));
  if (metadataDriven(f)) {
    // A range of session_metadata's covering index; the sessions are not read.
    const m = await db
      .selectFrom('session_metadata as m')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => metadataSideWhere(eb, orgId, f))
      .executeTakeFirstOrThrow();
    return m.n;
  }
  // "Needs review" alone or with channel, status and type: a sum of session_review_counts' rows
  // (0029), where counting the partial index's entries read one per session waiting for review.
  if (reviewCountsAnswer(f)) {
    let q = db
      .selectFrom('session_review_counts')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('n'), sql<number>`0`).as('n'))
      .where('org_id', '=', orgId);
    if (f.channels?.length) q = q.where('channel', 'in', f.channels);
    if (f.statuses?.length) q = q.where('status', 'in', f.statuses);
    if (f.types?.length) q = q.where('type', 'in', f.types);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }
  // "Needs review" with an agent, a source or a time range: the entries of sessions_needs_review
  // (0028); SQLite would otherwise count
  // along the index of an enum condition, every session of the channel or status.
  const rangeFirst = needsReview(f);
  const counted = db
    .selectFrom('sessions as s')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => sessionFilterWhere(eb, dialect, orgId, f, { rangeFirst }));
  if (dialect === 'sqlite' && keysOnly(f)) {
    // search / transcript alone, when no other organization has a session (the usual
    // self-hosted case, read from session_counts in the same statement, so the same snapshot):
    // the distinct keys of their indexes are the answer, with no lookup of each key's
    // organization. That lookup was nearly all the cost: a word in 63,000 of a million
    // sessions, 126 ms with it, 10 ms without (measured).
    const { rows } = await sql<{ n: number }>`SELECT CASE
      WHEN EXISTS (SELECT 1 FROM session_counts WHERE org_id <> ${orgId} AND n > 0) THEN (${counted})
      ELSE (SELECT count(DISTINCT pk) FROM (${keysSqlite(orgId, f)})) END AS n`.execute(db);
    return rows[0].n;
  }
  if (dialect === 'postgres' && transcriptOnly(f)) {
    // From transcript_docs alone: 264 → 88 ms for a word in 63,000 of a million sessions
    // (statement alone, measured), where the join read every session key of the organization.
    const { rows } = await transcriptCountPostgres(orgId, f.transcriptWords ?? []).execute(db);
    return rows[0].n;
  }
  if (dialect === 'postgres' && keysOnly(f)) {
    // From session_search (0010) and transcript_docs alone, never the wide session rows.
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM (${keysPostgres(orgId, f)}) k`.execute(db);
    return rows[0].n;
  }
  return (await counted.executeTakeFirstOrThrow()).n;
}

/**
 * When the tags after the largest hold more than 1/UNION_SHARE of its rows, `tagTotal` counts the
 * union of every tag's rows instead of probing (a probe cost about four reads of a row).
 */
const UNION_SHARE = 4;

/**
 * The total of a `tagRowsAnswer` filter, never reading the sessions (0026). Without a time range
 * the counters answer: one tag from session_tag_counts (a sum of a few rows, however many
 * sessions carry it), several from session_tag_set_counts (0034: `tagSetsTotal`). With a time
 * range, the largest tag's whole days come from session_tag_days (0028, without an agent
 * condition: `tagDaysTotal`) and the rest of each tag's rows in the range are counted in its key's
 * index, conditions read from the tag rows; several tags count each session once, either as the
 * union of their rows or with every tag after the largest adding only its sessions that no tag
 * before it has (a probe of the same key per earlier tag), whichever reads less. One statement,
 * one snapshot. With `reviewed`, `problems` or `source` (0033), which the counters do not split
 * by, the rows are counted as with a time range, even for one tag.
 */
async function tagTotal(db: Db, orgId: string, f: SessionFilter, shared?: SharedWalks): Promise<number> {
  const timed = f.from !== undefined || f.to !== undefined;
  // Largest first; a tag with no matching session adds nothing. The page beside reads the same.
  const tags = [...(await tagSizes(db, orgId, f, shared))].sort((a, b) => b[1] - a[1]);
  if (!tags.length) return 0;
  // With reviewed, problems or source (0033) the counters are only the tags' sizes: the rows count.
  const counted = !timed && !tagFlagged(f);
  if (counted && tags.length === 1) return tags[0][1];
  // Several, largest first: from the counters by tag list (0034).
  if (counted) return tagSetsTotal(db, orgId, f, tags);
  // Tags that are each common: the union of their rows, which both stores take as they are read
  // (SQLite merges the tags' key ranges, each in (started_at, session_pk) order; PostgreSQL hashes
  // them), reads every row once. Probing each later tag's rows into the earlier ones costs an
  // index descent a row: at a million sessions, two 10 % tags took 72 ms of SQLite's CPU that way
  // and 32 ms as a union (docs/PERFORMANCE.md). A rare tag beside a common one is cheaper probed.
  const rest = tags.slice(1).reduce((sum, [, n]) => sum + n, 0);
  if (rest * UNION_SHARE > tags[0][1]) {
    const [first, ...others] = tags.map(([tag]) => tagRows(db, orgId, f, tag).select(['t.started_at', 't.session_pk']));
    const union = others.reduce((q, other) => q.union(other), first);
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM (${union}) u`.execute(db);
    return Number(rows[0].n);
  }
  const parts = tags.map(([tag, n], i) => {
    if (i === 0 && counted) return sql<number>`${n}`;
    if (i === 0 && !f.agentIds?.length && !tagFlagged(f)) {
      const byDays = tagDaysTotal(db, orgId, f, tag);
      if (byDays) return byDays;
    }
    let q = tagRows(db, orgId, f, tag).select((eb) => eb.fn.countAll<number>().as('n'));
    if (i > 0)
      q = q.where(
        sql<SqlBool>`NOT EXISTS (SELECT 1 FROM session_tags o WHERE o.org_id = t.org_id
          AND o.tag IN (${sql.join(tags.slice(0, i).map(([earlier]) => earlier))})
          AND o.started_at = t.started_at AND o.session_pk = t.session_pk)`,
      );
    return sql<number>`(${q})`;
  });
  const { rows } = await sql<{ n: number }>`SELECT ${sql.join(parts, sql` + `)} AS n`.execute(db);
  return Number(rows[0].n);
}

/**
 * Several tags' sessions from session_tag_set_counts (0034), each session counted once, at the
 * first of the tags it has: the largest tag's size (from session_tag_counts, already summed), then
 * every later tag's rows whose session's list holds none of the tags before it. A sum over a row
 * per distinct tag list (and agent, channel, status, type) of the later tags, where the union of
 * the tags' rows read one per tagged session: 200,000 for two 10 % tags at a million sessions.
 * When every session's list differs it reads as many rows as the later tags have sessions, still
 * fewer than the union. One statement.
 */
async function tagSetsTotal(db: Db, orgId: string, f: SessionFilter, sized: Array<[string, number]>) {
  const tags = sized.map(([tag]) => tag);
  const parts = tags.map((tag, i) => {
    if (i === 0) return sql<number>`${sized[0][1]}`;
    let q = db
      .selectFrom('session_tag_set_counts as c')
      .select(sql<number>`COALESCE(sum(c.n), 0)`.as('n'))
      .where('c.org_id', '=', orgId)
      .where('c.tag', '=', tag)
      .where(copiedWhere('c', f, false));
    for (const earlier of tags.slice(0, i)) q = q.where((eb) => eb.not(tagSetHas('c.tag_set', [earlier])));
    return sql<number>`(${q})`;
  });
  const { rows } = await sql<{ n: number }>`SELECT ${sql.join(parts, sql` + `)} AS n`.execute(db);
  return Number(rows[0].n);
}

/**
 * One tag's sessions in a time range (with channel, status and type conditions) from
 * session_tag_days (0028): the whole UTC days in the range summed from it, the rest of the edge
 * days counted in the tag's index — at most two days of rows however long the range. Undefined
 * when the range holds no whole day.
 */
function tagDaysTotal(db: Db, orgId: string, f: SessionFilter, tag: string) {
  const first = f.from === undefined ? undefined : Math.ceil(f.from / DAY_MS) * DAY_MS;
  const end = f.to === undefined ? undefined : Math.floor(f.to / DAY_MS) * DAY_MS;
  if (first !== undefined && end !== undefined && first >= end) return undefined;
  let days = db
    .selectFrom('session_tag_days as d')
    .select(sql<number>`COALESCE(sum(d.n), 0)`.as('n'))
    .where('d.org_id', '=', orgId)
    .where('d.tag', '=', tag);
  if (first !== undefined) days = days.where('d.day', '>=', first);
  if (end !== undefined) days = days.where('d.day', '<', end);
  if (f.channels?.length) days = days.where('d.channel', 'in', f.channels);
  if (f.statuses?.length) days = days.where('d.status', 'in', f.statuses);
  if (f.types?.length) days = days.where('d.type', 'in', f.types);
  const edge = (from: number | undefined, to: number | undefined) =>
    sql<number>`(${tagRows(db, orgId, { ...f, from, to }, tag).select((eb) => eb.fn.countAll<number>().as('n'))})`;
  const parts = [sql<number>`(${days})`];
  if (first !== undefined && f.from !== undefined && f.from < first) parts.push(edge(f.from, first));
  if (end !== undefined && f.to !== undefined && end < f.to) parts.push(edge(end, f.to));
  return sql<number>`(${sql.join(parts, sql` + `)})`;
}

/**
 * The total of a `tagScoreAnswer` filter from the narrow tables, never the sessions: the score's
 * rows (a range of its index on the value), testing the tags on the list each carries (0036) and
 * the other conditions on its copied columns (0035); or, for one tag with fewer matching rows
 * than the score (its size from the counters, the score's counted up to it), the tag's rows, each
 * probing the session's score by its key. A session has one value per score, so each counts once
 * either way. Where the sessions themselves were looked up (`tag=<10 %>&score.quality=5` at a
 * million: 100,000 rows read for 4,000 matches), this reads the score's few thousand index
 * entries — and where each of those probed the tag's rows, it tests a string on the entry.
 */
async function tagScoreTotal(db: Db, orgId: string, f: SessionFilter, shared?: SharedWalks): Promise<number> {
  const c = (f.scores as ScoreCondition[])[0];
  const tags = f.tags as string[];
  const matches = (v: string, n: string) =>
    c.op === 'eq' ? sql<SqlBool>`${sql.ref(v)} = ${c.value}` : sql<SqlBool>`${sql.ref(n)} >= ${c.value}`;
  // The score's rows counted up to the tags' size (without the other conditions: a guide only);
  // the same walk counts those meeting the filter, the answer when the score's are the fewer. The
  // page beside this total sizes the score the same way: one walk for both (`shared`).
  const sized = await scoreSized(db, orgId, c, tags, f, shared);
  if (sized.fewer) return sized.hits;
  if (tags.length === 1) {
    const r = await tagRows(db, orgId, f, tags[0])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('session_scores as sc')
            .select(sql`1`.as('one'))
            .whereRef('sc.session_pk', '=', 't.session_pk')
            // The organization too: on Citus a correlated subquery must join on it.
            .whereRef('sc.org_id', '=', 't.org_id')
            .where('sc.name', '=', c.name)
            .whereRef('sc.started_at', '=', 't.started_at')
            .where(matches('sc.value_text', 'sc.value_num')),
        ),
      )
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
  return scoreRowsCount(db, orgId, c, sql<SqlBool>`${copiedWhere('k', f)} AND ${tagSetHas('k.tag_set', tags)}`);
}

/**
 * The score rows (`session_scores as k`) meeting the condition and `rest`, counted in the value
 * indexes alone. A `[gte]` range of a few distinct values is counted a value at a time, as its
 * page walks it: as one range PostgreSQL took it for a large share of the table (40 % at a million
 * sessions, where every score row has the same name) and scanned the table instead, 50 ms where
 * the index ranges take 7.
 */
async function scoreRowsCount(db: Db, orgId: string, c: ScoreCondition, rest: Expression<SqlBool>) {
  const rows = (match: Expression<SqlBool>) =>
    db
      .selectFrom('session_scores as k')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('k.org_id', '=', orgId)
      .where('k.name', '=', c.name)
      .where(match)
      .where(rest);
  const parts = (await scoreMatches(db, orgId, c)).map((match) => sql<number>`(${rows(match)})`);
  if (!parts.length) return 0;
  const { rows: r } = await sql<{ n: number }>`SELECT ${sql.join(parts, sql` + `)} AS n`.execute(db);
  return Number(r[0].n);
}

/** A `sum(…)` column: null over no rows. */
type Counts = { [column: string]: number | null };

export const countWhen = <A extends string>(column: string, value: string, alias: A) =>
  sql<number | null>`sum(case when ${sql.ref(column)} = ${value} then 1 else 0 end)`.as(alias);

/** `{web: 3, phone: 0, …}` from the `<prefix>_<value>` columns that `countWhen` selected. */
export function countsOf<K extends string>(row: Counts, prefix: string, keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, row[`${prefix}_${k}`] ?? 0])) as Record<K, number>;
}

/** Every count of the metrics document in one scan of the matching sessions. */
export async function sessionCounts(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  recentSince: number,
) {
  const byMetadata = metadataCountsAnswer(f);
  if (countsAnswer(f) || byMetadata) {
    // Totals from the counters; "recent" is a range of the started_at index (one day of rows),
    // or of session_metadata's (org_id, key, value, started_at).
    const [rows, recent] = await Promise.all([
      byMetadata ? metadataCountRows(db, orgId, f) : countRows(db, orgId, f),
      byMetadata
        ? db
            .selectFrom('session_metadata as m')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where((eb) => metadataSideWhere(eb, orgId, { ...f, from: recentSince }))
            .executeTakeFirstOrThrow()
        : db
            .selectFrom('sessions as s')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where((eb) => sessionFilterWhere(eb, dialect, orgId, { ...f, from: recentSince }))
            .executeTakeFirstOrThrow(),
    ]);
    const tally = <K extends string>(keys: readonly K[], pick: (r: (typeof rows)[number]) => K) => {
      const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
      for (const r of rows) if (pick(r) in out) out[pick(r)] += r.n;
      return out;
    };
    return {
      total: sumOf(rows),
      recent: recent.n,
      byChannel: tally(CHANNELS, (r) => r.channel),
      byStatus: tally(STATUSES, (r) => r.status),
      byType: tally(SESSION_TYPES, (r) => r.type),
    };
  }
  if (metadataDriven(f)) {
    // From session_metadata's covering index alone (it carries channel, status and type).
    const row = await db
      .selectFrom('session_metadata as m')
      .where((eb) => metadataSideWhere(eb, orgId, f))
      .select(metricColumns('m', recentSince))
      .executeTakeFirstOrThrow();
    return metricsOf(row);
  }
  if (dialect === 'postgres' && keysOnly(f) && !f.transcriptWords?.length) {
    const { rows } = await sql<Counts>`SELECT ${sql.join(metricColumns('k', recentSince))}
      FROM (${searchSessionsPostgres(orgId, f.search ?? '')}) k`.execute(db);
    return metricsOf(rows[0]);
  }
  if (dialect === 'postgres' && keysOnly(f)) {
    // The matching keys, counted by channel, status and type from session_search's narrow rows
    // (0010) rather than the sessions' wide ones.
    const row = await db
      .selectFrom('session_search as q')
      .where('q.org_id', '=', orgId)
      .where(sql<SqlBool>`(q.session_pk, q.started_at) IN (${keysPostgres(orgId, f)})`)
      .select(metricColumns('q', recentSince))
      .executeTakeFirstOrThrow();
    return metricsOf(row);
  }
  const row = await db
    .selectFrom('sessions as s')
    .where((eb) => sessionFilterWhere(eb, dialect, orgId, f))
    .select(metricColumns('s', recentSince))
    .executeTakeFirstOrThrow();
  return metricsOf(row);
}

/** One scan's total, recent and per channel/status/type counts, over `sessions` or a narrow copy of it. */
const metricColumns = (t: 's' | 'm' | 'q' | 'k', recentSince: number) => [
  sql<number>`count(*)`.as('total'),
  sql<number | null>`sum(case when ${sql.ref(`${t}.started_at`)} >= ${recentSince} then 1 else 0 end)`.as('recent'),
  ...CHANNELS.map((c) => countWhen(`${t}.channel`, c, `channel_${c}` as const)),
  ...STATUSES.map((c) => countWhen(`${t}.status`, c, `status_${c}` as const)),
  ...SESSION_TYPES.map((c) => countWhen(`${t}.type`, c, `type_${c}` as const)),
];

const metricsOf = (row: Counts) => ({
  total: row.total ?? 0,
  recent: row.recent ?? 0,
  byChannel: countsOf(row, 'channel', CHANNELS),
  byStatus: countsOf(row, 'status', STATUSES),
  byType: countsOf(row, 'type', SESSION_TYPES),
});
