/**
 * Pages of sessions in any sort order, nulls last, ties broken by pk, by offset or by keyset
 * (cursor paging: the cost does not grow with depth). The list, the export and the CSV export
 * read through here.
 */
import type { SortField } from '@switchboard/contracts';
import {
  type Expression,
  type Kysely,
  type OrderByItemBuilder,
  type RawBuilder,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
} from 'kysely';
import type { DialectName } from '../db.js';
import {
  copiedWhere,
  docsOfSessionHave,
  RANGE_COLUMNS,
  keysOnly,
  keysSqlite,
  metadataDriven,
  metadataSideWhere,
  needsReview,
  noneBut,
  scoreRangeLed,
  scoreRowsOnly,
  type SessionFilter,
  sessionFilterWhere,
  transcriptOnly,
  reviewLed,
  type ScoreCondition,
  tagRowsAnswer,
  tagSetHas,
} from '../filters.js';
import type { Database, SessionRow } from '../schema.js';
import { type Columns, type CsvSessionRow, type SessionWithAgent, sessionsWithAgent } from './rows.js';

type Db = Kysely<Database>;

export interface SortSpec {
  field: SortField;
  desc: boolean;
}

/** Position after the last row of a page: the sort value and the tie-breaking pk. */
export interface Keyset {
  value: number | null;
  pk: number;
}

/** One page: whose sessions, which, in what order, how many, and where it starts. */
export interface PageQuery {
  orgId: string;
  filter: SessionFilter;
  sort: SortSpec;
  limit: number;
  /** Rows to skip; only without `after`. */
  offset?: number;
  /** Start after this position (the previous page's last row). */
  after?: Keyset;
  /** How many sessions the filter matches, when the caller already knows (it counts for the total). */
  matches?: number;
  /** Walks the page's total makes too (`scoreSized`), when the caller counts it beside the page. */
  shared?: SharedWalks;
}

/**
 * At most this many matches of a range filter are sorted rather than found by walking the sort
 * order (SQLite): see `sessionPage`. Measured at 100,000 sessions: no match, 89 → 0.9 ms; but
 * 1,465 matches (errors[gte]=1&channel=phone) took 28 ms to sort where the walk along the
 * channel's index found a page in 14.
 */
const FEW_MATCHES = 1_000;

const SORT_COLUMNS = {
  startedAt: 's.started_at',
  endedAt: 's.ended_at',
  ...(Object.fromEntries(Object.entries(RANGE_COLUMNS).map(([field, [column]]) => [field, `s.${column}`])) as {
    [F in keyof typeof RANGE_COLUMNS]: `s.${(typeof RANGE_COLUMNS)[F][0]}`;
  }),
} as const satisfies Record<SortField, string>;

/** Sort columns that are never null: their keyset needs no nulls-last branch. */
const NOT_NULL_SORTS = new Set<SortField>([
  'startedAt',
  'messageCount',
  'turns',
  'handoffs',
  'errors',
  'interruptions',
  'costUsd',
  'inputTokens',
  'outputTokens',
]);

/** A page of sessions with every column. */
export function listSessions(db: Db, dialect: DialectName, page: PageQuery): Promise<SessionWithAgent[]> {
  return sessionPage(db, dialect, page, 'all');
}

/** `listSessions` with only the columns of a CSV export (the metadata as its JSON text). */
export async function listCsvRows(db: Db, dialect: DialectName, page: PageQuery): Promise<CsvSessionRow[]> {
  return (await sessionPage(db, dialect, page, 'csv')) as unknown as CsvSessionRow[];
}

/** The session columns a sort orders by. */
type SortColumn = (typeof SORT_COLUMNS)[SortField] extends `s.${infer C extends keyof SessionRow}` ? C : never;

/**
 * The keyset of a row: where the next page in `field` order starts. Any row with the sort
 * columns will do (a CSV export's rows carry only what it writes, which includes them all).
 */
export function keysetOf(row: Pick<SessionRow, 'pk' | SortColumn>, field: SortField): Keyset {
  const column = SORT_COLUMNS[field].slice(2) as SortColumn;
  return { value: row[column], pk: row.pk };
}

/** Sessions with one of the tags (at most: a session with two counts twice), from the counters. */
async function taggedAtMost(db: Db, orgId: string, tags: readonly string[]): Promise<number> {
  const { n } = await db
    .selectFrom('session_tag_counts')
    .select(sql<number>`COALESCE(sum(n), 0)`.as('n'))
    .where('org_id', '=', orgId)
    .where('tag', 'in', tags)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/**
 * A score condition as conditions on session_scores `k`'s value: one per value of a `[gte]` range
 * of a few values (`scoreValues`; as one range PostgreSQL scanned the table for it), none when the
 * range holds no value, else the condition itself. `known`: the range's values, when the caller
 * has them.
 */
export async function scoreMatches(
  db: Db,
  orgId: string,
  c: ScoreCondition,
  known?: number[] | null,
): Promise<RawBuilder<SqlBool>[]> {
  const values = c.op === 'gte' ? (known !== undefined ? known : await scoreValues(db, orgId, c)) : null;
  if (values) return values.map((v) => sql<SqlBool>`k.value_num = ${v}`);
  return [c.op === 'eq' ? sql<SqlBool>`k.value_text = ${String(c.value)}` : sql<SqlBool>`k.value_num >= ${c.value}`];
}

/**
 * The rows of a score meeting the condition, counted up to `than` in its value index (a `[gte]`
 * range of a few values a value at a time: as one range PostgreSQL scanned the table for it), and
 * how many of those meet `hit`, a condition on what the rows carry. `fewer`: fewer than `than`
 * rows meet the condition — the walk then read every one of them, and `hits` is exact. One walk
 * both sizes the score against another driver and, when the score is the smaller, answers a
 * count, or shows that no session meets both (an empty page, found without walking for it).
 * `known`: the range's values (`scoreValues`), when the caller has them.
 */
async function scoreRowsUpTo(
  db: Db,
  orgId: string,
  c: ScoreCondition,
  than: number,
  hit: Expression<SqlBool>,
  known?: number[] | null,
): Promise<{ fewer: boolean; hits: number }> {
  const upTo = (match: RawBuilder<unknown>) => sql`SELECT count(*) AS n, COALESCE(sum(h), 0) AS hits
    FROM (SELECT CASE WHEN ${hit} THEN 1 ELSE 0 END AS h FROM session_scores k
      WHERE k.org_id = ${orgId} AND k.name = ${c.name} AND ${match} LIMIT ${than}) c`;
  const parts = (await scoreMatches(db, orgId, c, known)).map(upTo);
  if (!parts.length) return { fewer: than > 0, hits: 0 };
  const { rows } = await sql<{ n: number; hits: number }>`SELECT sum(n) AS n, sum(hits) AS hits
    FROM (${sql.join(parts, sql` UNION ALL `)}) u`.execute(db);
  return { fewer: Number(rows[0].n) < than, hits: Number(rows[0].hits) };
}

/**
 * Reads that a page and its total would both make, made once: `scoreSized`'s walks, by score
 * condition and tags, and `tagSizes`. For one request (one filter), whose count and page share it.
 */
export type SharedWalks = Map<string, Promise<unknown>>;

function once<T>(shared: SharedWalks | undefined, key: string, make: () => Promise<T>): Promise<T> {
  const made = shared?.get(key) as Promise<T> | undefined;
  if (made) return made;
  const making = make();
  shared?.set(key, making);
  return making;
}

/**
 * Each of the filter's tags with how many sessions carry it under the conditions the counters
 * split by (agent, channel, status, type): session_tag_counts (0026), a sum of a few rows each. An
 * exact size without a time range or a flag (reviewed, problems, source), an upper bound with one;
 * a tag absent is on no such session. Both a tag filter's total and its page read it (`shared`).
 */
export function tagSizes(db: Db, orgId: string, f: SessionFilter, shared?: SharedWalks) {
  const key = JSON.stringify(['tag sizes', f.tags, f.agentIds, f.channels, f.statuses, f.types]);
  return once(shared, key, async () => {
    const rows = await db
      .selectFrom('session_tag_counts as c')
      .select(['c.tag', sql<number>`sum(c.n)`.as('n')])
      .where('c.org_id', '=', orgId)
      .where('c.tag', 'in', f.tags as string[])
      .where(copiedWhere('c', f, false))
      .groupBy('c.tag')
      .execute();
    return new Map(rows.flatMap((r) => (Number(r.n) > 0 ? [[r.tag, Number(r.n)] as const] : [])));
  });
}

/**
 * A score condition against tags (any of them): the score's rows counted up to the tags' size
 * (from session_tag_counts; a session with two of them counts twice, so at most), and of those the
 * ones with a tag and `f`'s conditions that the score rows carry (0035, 0036). Both a page and its
 * total size a tag with a score this way; given `shared`, a walk one of them made the other reuses.
 */
export function scoreSized(
  db: Db,
  orgId: string,
  c: ScoreCondition,
  tags: readonly string[],
  f: SessionFilter,
  shared?: SharedWalks,
  known?: number[] | null,
) {
  const hit = sql<SqlBool>`${tagSetHas('k.tag_set', tags)} AND ${copiedWhere('k', f)}`;
  return once(shared, JSON.stringify(['score sized', c.name, c.op, c.value, tags]), () =>
    taggedAtMost(db, orgId, tags).then((than) => scoreRowsUpTo(db, orgId, c, than, hit, known)),
  );
}

/**
 * `reviewLed`, except that a tag with a `score.<name>=<value>` walks the score's rows when they are
 * fewer than the tag's (its count from session_tag_counts, the score's counted up to it), testing
 * each for the tag on the list it carries (0036). Walking the tag's rows for a score few of them
 * have read every one of them (100,000 at a million sessions for a 10 % tag) before the page was
 * full; probing session_tags for each score row did the same work from the other side when few
 * sessions have both. `none`: the walk that sized the score found no session with both, so the
 * page is empty.
 */
async function sizedReviewLed(
  db: Db,
  orgId: string,
  f: SessionFilter,
  shared?: SharedWalks,
): Promise<{
  driver: 'tag' | 'score';
  rest: SessionFilter;
  score?: ScoreCondition;
  tags?: string[];
  none?: boolean;
} | null> {
  const led = reviewLed(f);
  const scores = led?.rest.scores ?? [];
  const at = scores.findIndex((c) => c.op === 'eq');
  if (led?.driver !== 'tag' || at < 0) return led;
  const tags = f.tags as string[];
  const score = scores[at];
  const rest = { ...led.rest, scores: scores.filter((_, i) => i !== at) };
  const sized = await scoreSized(db, orgId, score, tags, f, shared);
  if (!sized.fewer) return led;
  return { driver: 'score', score, tags, rest, none: sized.hits === 0 };
}

/**
 * `scoreRangeLed`, and with tags when the range has fewer rows than the tags: each walk then
 * tests the tags on the list its rows carry (0036). A tag with `score.<name>[gte]=x` otherwise
 * walked the tag's rows and looked up each session's scores. `none` as for `sizedReviewLed`.
 */
async function sizedRangeLed(db: Db, orgId: string, f: SessionFilter, shared?: SharedWalks) {
  const ranged = scoreRangeLed({ ...f, tags: undefined });
  // The range's values, read once: the walks' and, with tags, the size's.
  const values = ranged && (await scoreValues(db, orgId, ranged.condition));
  if (!ranged || !values) return null;
  const tags = f.tags?.length ? f.tags : undefined;
  if (!tags) return { ...ranged, tags, values, none: false };
  const sized = await scoreSized(db, orgId, ranged.condition, tags, f, shared, values);
  return sized.fewer ? { ...ranged, tags, values, none: sized.hits === 0 } : null;
}

async function sessionPage(db: Db, dialect: DialectName, page: PageQuery, columns: Columns) {
  const { orgId, filter: f, sort, after } = page;
  const col = SORT_COLUMNS[sort.field];
  const dir = sort.desc ? 'desc' : 'asc';
  const beyond = sort.desc ? '<' : '>';
  if (sort.field === 'startedAt' && tagRowsAnswer(f)) {
    // Tags with conditions their rows carry (0026): the page's keys from session_tags alone. Each
    // tag's index walked in start order to the page's end, testing the copied columns; with several
    // tags the page is the first of the union of each tag's first rows (a session on the page is on
    // its own tag's first page too), each session once. With conditions, a tag the counters give
    // no session under them is not walked: its walk would read every one of its rows and keep none
    // (a tag of 100,000 sessions none of which failed: 15 ms at a million sessions).
    const skip = after ? 0 : (page.offset ?? 0);
    const value = after?.value;
    const conditioned = [f.agentIds, f.channels, f.statuses, f.types].some((v) => v?.length);
    const sizes = conditioned ? await tagSizes(db, orgId, f, page.shared) : null;
    const tags = (f.tags as string[]).filter((tag) => !sizes || sizes.has(tag));
    if (!tags.length) return [];
    const walks = tags.map((tag) => {
      let q = tagRows(db, orgId, f, tag).select(['t.session_pk', 't.started_at']);
      if (after && value != null)
        q = q.where((eb) => eb(eb.refTuple('t.started_at', 't.session_pk'), beyond, eb.tuple(value, after.pk)));
      return q
        .orderBy('t.started_at', dir)
        .orderBy('t.session_pk', dir)
        .limit(skip + page.limit);
    });
    return keysPage(db, dialect, columns, walks, dir, skip, page.limit);
  }
  const ranged = sort.field === 'startedAt' ? await sizedRangeLed(db, orgId, f, page.shared) : null;
  if (ranged) {
    const { values } = ranged;
    if (ranged.none) return [];
    // `score.<name>[gte]=x`: one walk of session_scores_num (org, name, value, start) per value in
    // the range, each in start order to the page's end, testing the rest on the session's row;
    // the page is the first of their union. A session has one value per score name, so no
    // session is in two walks.
    const skip = after ? 0 : (page.offset ?? 0);
    const value = after?.value;
    const { rest } = ranged;
    const walks = values.map((v) => {
      let q = db
        .selectFrom('session_scores as k')
        .select(['k.session_pk', 'k.started_at'])
        .where('k.org_id', '=', orgId)
        .where('k.name', '=', ranged.condition.name)
        .where('k.value_num', '=', v);
      if (ranged.tags) q = q.where(tagSetHas('k.tag_set', ranged.tags));
      // What the score rows carry (0035) is tested on them; anything else on the session's row.
      if (scoreRowsOnly(rest)) q = q.where(copiedWhere('k', rest));
      else if (!noneBut(rest)) {
        if (rest.from !== undefined) q = q.where('k.started_at', '>=', rest.from);
        if (rest.to !== undefined) q = q.where('k.started_at', '<', rest.to);
        q = q
          .innerJoin('sessions as s', (j) =>
            j.onRef('s.pk', '=', 'k.session_pk').onRef('s.started_at', '=', 'k.started_at'),
          )
          .where((eb) => sessionFilterWhere(eb as never, dialect, orgId, rest)) as unknown as typeof q;
      }
      if (after && value != null)
        q = q.where((eb) => eb(eb.refTuple('k.started_at', 'k.session_pk'), beyond, eb.tuple(value, after.pk)));
      return q
        .orderBy('k.started_at', dir)
        .orderBy('k.session_pk', dir)
        .limit(skip + page.limit);
    });
    if (walks.length === 0) return [];
    return keysPage(db, dialect, columns, walks, dir, skip, page.limit);
  }
  const led = sort.field === 'startedAt' ? await sizedReviewLed(db, orgId, f, page.shared) : null;
  if (led) {
    // One tag or one score value: the page's keys from its index in start order (0022); with
    // other conditions, each session along the way is tested against them by its row (a join by
    // key), and the walk stops at the page's end. A tag with a score value walks the smaller of
    // the two: the tag's rows probing the session's score, or the score's testing the tag on the
    // list they carry (`sizedReviewLed`).
    const { driver, rest } = led;
    if (led.none) return [];
    const table = driver === 'tag' ? 'session_tags' : 'session_scores';
    let keys = db
      .selectFrom(`${table} as k` as 'session_tags as k')
      .select(['k.session_pk', 'k.started_at'])
      .where('k.org_id', '=', orgId);
    if (driver === 'tag') keys = keys.where('k.tag', '=', (f.tags as string[])[0]);
    else {
      const c = led.score ?? (f.scores as ScoreCondition[])[0];
      keys = keys.where(sql<SqlBool>`k.name = ${c.name} AND k.value_text = ${String(c.value)}`);
    }
    if (led.tags) keys = keys.where(tagSetHas('k.tag_set', led.tags));
    if (driver === 'score' && scoreRowsOnly(rest)) keys = keys.where(copiedWhere('k', rest));
    else if (!noneBut(rest)) {
      if (rest.from !== undefined) keys = keys.where('k.started_at', '>=', rest.from);
      if (rest.to !== undefined) keys = keys.where('k.started_at', '<', rest.to);
      keys = keys
        .innerJoin('sessions as s', (j) =>
          j
            .onRef('s.pk', '=', 'k.session_pk')
            .onRef('s.started_at', '=', 'k.started_at')
            .onRef('s.org_id', '=', 'k.org_id'),
        )
        .where((eb) => sessionFilterWhere(eb as never, dialect, orgId, rest)) as unknown as typeof keys;
    }
    const value = after?.value;
    if (after && value != null)
      keys = keys.where((eb) => eb(eb.refTuple('k.started_at', 'k.session_pk'), beyond, eb.tuple(value, after.pk)));
    keys = keys.orderBy('k.started_at', dir).orderBy('k.session_pk', dir).limit(page.limit);
    if (!after && page.offset) keys = keys.offset(page.offset);
    return sessionsWithAgent(db, columns)
      .where((eb) =>
        dialect === 'postgres'
          ? sql<SqlBool>`(s.pk, s.started_at) IN (${keys})`
          : eb('s.pk', 'in', keys.clearSelect().select('k.session_pk')),
      )
      .orderBy('s.started_at', dir)
      .orderBy('s.pk', dir)
      .execute();
  }
  if (sort.field === 'startedAt' && metadataDriven(f)) {
    // The page's keys from session_metadata's index alone, walked in start order, then only
    // those sessions read: no sort of every match, whether the value is rare or common. As a
    // join, PostgreSQL misjudged how many sessions a common value has (the key and value
    // columns are correlated) and hashed all 332,000 of them for a page (644 ms at a million).
    let keys = db
      .selectFrom('session_metadata as m')
      .select(['m.session_pk', 'm.started_at'])
      .where((eb) => metadataSideWhere(eb, orgId, f));
    const value = after?.value;
    if (after && value != null)
      keys = keys.where((eb) => eb(eb.refTuple('m.started_at', 'm.session_pk'), beyond, eb.tuple(value, after.pk)));
    keys = keys.orderBy('m.started_at', dir).orderBy('m.session_pk', dir).limit(page.limit);
    if (!after && page.offset) keys = keys.offset(page.offset);
    return sessionsWithAgent(db, columns)
      .where((eb) =>
        dialect === 'postgres'
          ? sql<SqlBool>`(s.pk, s.started_at) IN (${keys})`
          : eb('s.pk', 'in', keys.clearSelect().select('m.session_pk')),
      )
      .orderBy('s.started_at', dir)
      .orderBy('s.pk', dir)
      .execute();
  }
  if (sort.field === 'startedAt' && walkable(dialect, f)) {
    const keys = await walkKeysPage(db, dialect, page);
    if (keys)
      return sessionsWithAgent(db, columns)
        .where((eb) =>
          dialect === 'postgres'
            ? eb(
                eb.refTuple('s.pk', 's.started_at'),
                'in',
                keys.map((k) => eb.tuple(k.pk, k.started_at)),
              )
            : eb(
                's.pk',
                'in',
                keys.map((k) => k.pk),
              ),
        )
        .orderBy('s.started_at', dir)
        .orderBy('s.pk', dir)
        .execute();
  }
  // "Needs review" walks sessions_needs_review (0028), never an enum condition's index.
  const rangeFirst = needsReview(f);
  let q = sessionsWithAgent(db, columns).where((eb) => sessionFilterWhere(eb, dialect, orgId, f, { rangeFirst }));
  if (after) {
    const value = after.value;
    q = q.where((eb) =>
      value === null
        ? eb.and([eb(col, 'is', null), eb('s.pk', beyond, after.pk)])
        : NOT_NULL_SORTS.has(sort.field)
          ? // A row-value comparison is one index seek in both databases; the OR form below
            // made SQLite scan from the top of the index on every page (export at 1/5 of the
            // raw driver's speed, measured).
            eb(eb.refTuple(col, 's.pk'), beyond, eb.tuple(value, after.pk))
          : eb.or([
              eb(col, 'is', null),
              eb(col, beyond, value),
              eb.and([eb(col, '=', value), eb('s.pk', beyond, after.pk)]),
            ]),
    );
  }
  // NULLS LAST only where a column can be null: PostgreSQL walks an ascending index backwards
  // only for DESC NULLS FIRST, so on a NOT NULL column the clause (which changes nothing there)
  // turned every first page into a sort of all matching sessions (measured: 240 ms at 100,000).
  const order = (ob: OrderByItemBuilder) => {
    const o = dir === 'desc' ? ob.desc() : ob.asc();
    return NOT_NULL_SORTS.has(sort.field) ? o : o.nullsLast();
  };
  // A rare range condition (35 sessions of 100,000 costing over $0.50, or none lasting an hour):
  // SQLite walked the sort's index testing every session (108 ms, 89 ms with no match; ten times
  // that at a million). Ordering by `+column` keeps SQLite from taking the sort's index, so it
  // finds the few matches through the condition's own index and sorts them (under 1 ms with no
  // match). Only when the count says they are few.
  const sortMatches =
    dialect === 'sqlite' && !!f.ranges?.length && page.matches !== undefined && page.matches <= FEW_MATCHES;
  q = (
    sortMatches
      ? q.orderBy(sql`+${sql.ref(col)}`, order).orderBy(sql`+${sql.ref('s.pk')}`, dir)
      : q.orderBy(col, order).orderBy('s.pk', dir)
  ).limit(page.limit);
  if (!after && page.offset) q = q.offset(page.offset);
  if (!f.search && !f.transcriptWords?.length) return q.execute();
  // search and transcript find their sessions by key (a set of pks from their own indexes); a
  // common term can match tens of thousands. Sorting those by the narrow sessions_keys index
  // and reading the page's rows afterwards beats sorting the wide rows themselves: 115 → 29 ms
  // for a term in 40 % of 100,000 sessions (SQLite, measured).
  const keys = q.clearSelect().select(['s.pk', 's.started_at']);
  return sessionsWithAgent(db, columns)
    .where((eb) =>
      dialect === 'postgres'
        ? sql<SqlBool>`(s.pk, s.started_at) IN (${keys})`
        : eb('s.pk', 'in', keys.clearSelect().select('s.pk')),
    )
    .orderBy(col, order)
    .orderBy('s.pk', dir)
    .execute();
}

/**
 * The page `skip`…`skip + limit` of the union of `walks` (each the first `skip + limit` keys of
 * some index in start order, `dir`), each session once, read with its columns in that order.
 */
function keysPage(
  db: Db,
  dialect: DialectName,
  columns: Columns,
  walks: Array<SelectQueryBuilder<Database, never, { session_pk: number; started_at: number }>>,
  dir: 'asc' | 'desc',
  skip: number,
  limit: number,
) {
  const [first, ...others] = walks;
  let keys = db
    .selectFrom(
      others
        .reduce((u, w) => u.unionAll(db.selectFrom(w.as('w')).selectAll()), db.selectFrom(first.as('w')).selectAll())
        .as('t'),
    )
    .select(['t.session_pk', 't.started_at'])
    .distinct()
    .orderBy('t.started_at', dir)
    .orderBy('t.session_pk', dir)
    .limit(skip + limit);
  if (skip) keys = keys.offset(skip).limit(limit) as typeof keys;
  return sessionsWithAgent(db, columns)
    .where((eb) =>
      dialect === 'postgres'
        ? sql<SqlBool>`(s.pk, s.started_at) IN (${keys})`
        : eb('s.pk', 'in', keys.clearSelect().select('t.session_pk')),
    )
    .orderBy('s.started_at', dir)
    .orderBy('s.pk', dir)
    .execute();
}

/**
 * Most distinct values of a score in a `[gte]` range that `sessionPage` walks one by one (scores
 * are usually a few values, 1–5 or 0–10); more, and it sorts the matches as before.
 */
const SCORE_VALUES = 20;

/**
 * The distinct values of a score at or above the bound, from session_scores_num by a seek each
 * (the next value above the last), or null past SCORE_VALUES.
 */
export async function scoreValues(db: Db, orgId: string, c: { name: string; value: number }): Promise<number[] | null> {
  const next = (above: RawBuilder<unknown>) => sql`(SELECT min(value_num) FROM session_scores
    WHERE org_id = ${orgId} AND name = ${c.name} AND value_num ${above})`;
  const { rows } = await sql<{ v: number }>`WITH RECURSIVE v(x) AS (
      SELECT ${next(sql`>= ${c.value}`)}
      UNION ALL SELECT ${next(sql`> v.x`)} FROM v WHERE v.x IS NOT NULL)
    SELECT x AS v FROM v WHERE x IS NOT NULL LIMIT ${SCORE_VALUES + 1}`.execute(db);
  return rows.length > SCORE_VALUES ? null : rows.map((r) => Number(r.v));
}

/**
 * Sessions walked in start order for a page of a common search or transcript term before
 * falling back to sorting every match.
 */
const KEYS_WALK = 20_000;

/** True when `walkKeysPage` can try the filter: SQLite's `keysOnly`, PostgreSQL's `transcriptOnly`. */
const walkable = (dialect: DialectName, f: SessionFilter) => (dialect === 'sqlite' ? keysOnly(f) : transcriptOnly(f));

/**
 * A page in start order of a `walkable` filter: the organization's sessions walked in start
 * order along their index (at most KEYS_WALK of them), each tested against the matching keys
 * (SQLite: the set of them; PostgreSQL: a probe of the session's transcript documents per word),
 * until the page is full. A term in 6 % of a million sessions fills a page within ~800 sessions:
 * 10 ms on SQLite, where finding every match's start time and sorting them took 150 ms; 2 ms on
 * PostgreSQL (statements alone, measured). Undefined when the walk did not fill the page (a
 * rare term): the caller then sorts the matches, which are few.
 */
async function walkKeysPage(
  db: Db,
  dialect: DialectName,
  { orgId, filter: f, sort, limit, offset, after }: PageQuery,
): Promise<Array<{ pk: number; started_at: number }> | undefined> {
  const dir = sort.desc ? 'desc' : 'asc';
  const skip = after ? 0 : (offset ?? 0);
  if (skip + limit > KEYS_WALK / 10) return undefined;
  let walk = db.selectFrom('sessions as w').select(['w.pk', 'w.started_at']).where('w.org_id', '=', orgId);
  if (after)
    walk = walk.where((eb) =>
      eb(eb.refTuple('w.started_at', 'w.pk'), sort.desc ? '<' : '>', eb.tuple(after.value ?? 0, after.pk)),
    );
  walk = walk.orderBy('w.started_at', dir).orderBy('w.pk', dir).limit(KEYS_WALK);
  const keys = await db
    .selectFrom(walk.as('w'))
    .select(['w.pk', 'w.started_at'])
    .where((eb) =>
      dialect === 'sqlite'
        ? sql<SqlBool>`w.pk IN (${keysSqlite(orgId, f)})`
        : eb.and((f.transcriptWords ?? []).map((w) => docsOfSessionHave(orgId, 'w.pk', 'w.started_at', w))),
    )
    .orderBy('w.started_at', dir)
    .orderBy('w.pk', dir)
    .limit(skip + limit)
    .execute();
  return keys.length === skip + limit ? keys.slice(skip) : undefined;
}

/** One tag's rows (0026) under a `tagRowsAnswer` filter's conditions, read from the rows themselves. */
export function tagRows(db: Db, orgId: string, f: SessionFilter, tag: string) {
  let q = db
    .selectFrom('session_tags as t')
    .where('t.org_id', '=', orgId)
    .where('t.tag', '=', tag)
    .where(copiedWhere('t', f));
  if (f.reviewed !== undefined) q = q.where('t.reviewed', '=', f.reviewed ? 1 : 0);
  if (f.problems) q = q.where('t.problem', '=', 1);
  if (f.sources?.length) q = q.where('t.source', 'in', f.sources);
  return q;
}
