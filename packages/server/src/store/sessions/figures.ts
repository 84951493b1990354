/**
 * The sessions' figures summed over a filter (docs/INSIGHTS.md): for metrics, the time series and
 * the agent table. Sums are exact; first-response percentiles come from a histogram of lib/stats.ts
 * buckets (within 2 %). Unfiltered (or channel/status/type-only) metrics and the unfiltered agent
 * table read the counter tables of 0012; a time range (with agents, or nothing else) reads the day
 * rollups of 0013 and scans at most half a day at either end; one metadata value reads 0015's
 * sums per value; everything else
 * is one scan of the matching sessions, grouped by response bucket so the histogram comes out of
 * the same pass.
 */
import { CHANNELS, SESSION_TYPES, STATUSES, type Status } from '@switchboard/contracts';
import { type Expression, type Kysely, type RawBuilder, sql } from 'kysely';
import type { DialectName } from '../db.js';
import { noneBut, type SessionFilter, sessionFilterWhere } from '../filters.js';
import type { Database } from '../schema.js';
import { countsAnswer, countsOf, countWhen } from './counts.js';

type Db = Kysely<Database>;

/** The summed figures, as session_figures' columns (0012) name them. */
export const FIGURE_SUMS = [
  'n',
  'ended',
  'duration_ms',
  'turns',
  'response_ms',
  'with_handoffs',
  'handoffs',
  'with_errors',
  'errors',
  'cost_nanos',
  'input_tokens',
  'output_tokens',
] as const;
export type FigureSums = Record<(typeof FIGURE_SUMS)[number], number>;

/** What every figure of a set of sessions is computed from. */
export interface Figures {
  sums: FigureSums;
  byChannel: Record<(typeof CHANNELS)[number], number>;
  byStatus: Record<Status, number>;
  byType: Record<(typeof SESSION_TYPES)[number], number>;
  /** First-response bucket → sessions. */
  firstResponses: Map<number, number>;
}

const zeros = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export const emptyFigures = (): Figures => ({
  sums: zeros(FIGURE_SUMS),
  byChannel: zeros(CHANNELS),
  byStatus: zeros(STATUSES),
  byType: zeros(SESSION_TYPES),
  firstResponses: new Map(),
});

/**
 * lib/stats.ts `responseBucket` in SQL (0012's triggers have the same expression, frozen; a test
 * holds both equal to the JavaScript one). ln(1.02) is written as JavaScript's Math.log(1.02).
 * Null stays null: PostgreSQL's greatest() skips nulls, so without the first branch a session
 * without a response fell into bucket 64 (found by the insights test).
 */
export function firstResponseBucket(dialect: DialectName, x: Expression<unknown>): RawBuilder<number> {
  return dialect === 'postgres'
    ? sql<number>`(CASE WHEN ${x} IS NULL THEN NULL WHEN ${x} < 64 THEN ${x} ELSE 64 + greatest(0, ceil(ln(${x}::float8 / 64.0) / 0.01980262729617973 - 1e-9))::bigint END)`
    : sql<number>`(CASE WHEN ${x} < 64 THEN ${x} ELSE 64 + CAST(max(0, ceil(ln(${x} / 64.0) / 0.01980262729617973 - 1e-9)) AS INTEGER) END)`;
}

/** The sums of FIGURE_SUMS over sessions aliased `t`, each named as its column. */
export function figureSumColumns(t: string) {
  const c = (name: string) => sql.ref(`${t}.${name}`);
  return [
    sql<number>`count(*)`.as('n'),
    sql<number>`sum(CASE WHEN ${c('duration_ms')} IS NULL THEN 0 ELSE 1 END)`.as('ended'),
    sql<number>`COALESCE(sum(${c('duration_ms')}), 0)`.as('duration_ms'),
    sql<number>`sum(${c('turns')})`.as('turns'),
    sql<number>`sum(${c('response_ms_sum')})`.as('response_ms'),
    sql<number>`sum(CASE WHEN ${c('handoffs')} > 0 THEN 1 ELSE 0 END)`.as('with_handoffs'),
    sql<number>`sum(${c('handoffs')})`.as('handoffs'),
    sql<number>`sum(CASE WHEN ${c('errors')} > 0 THEN 1 ELSE 0 END)`.as('with_errors'),
    sql<number>`sum(${c('errors')})`.as('errors'),
    sql<number>`sum(${c('cost_nanos')})`.as('cost_nanos'),
    sql<number>`sum(${c('input_tokens')})`.as('input_tokens'),
    sql<number>`sum(${c('output_tokens')})`.as('output_tokens'),
  ];
}

type Row = Record<string, number | string | null>;

/** Adds one grouped row (sums, counts by enum, and its response bucket's sessions) to `into`. */
function addRow(into: Figures, r: Row) {
  for (const k of FIGURE_SUMS) into.sums[k] += Number(r[k] ?? 0);
  for (const [part, prefix, keys] of [
    [into.byChannel, 'channel', CHANNELS],
    [into.byStatus, 'status', STATUSES],
    [into.byType, 'type', SESSION_TYPES],
  ] as const) {
    const counts = countsOf(r as Record<string, number | null>, prefix, keys);
    for (const k of keys) (part as Record<string, number>)[k] += counts[k as keyof typeof counts];
  }
  if (r.fr !== null && r.fr !== undefined) {
    const b = Number(r.fr);
    into.firstResponses.set(b, (into.firstResponses.get(b) ?? 0) + Number(r.n));
  }
}

const enumCounts = () => [
  ...CHANNELS.map((c) => countWhen('s.channel', c, `channel_${c}` as const)),
  ...STATUSES.map((c) => countWhen('s.status', c, `status_${c}` as const)),
  ...SESSION_TYPES.map((c) => countWhen('s.type', c, `type_${c}` as const)),
];

/**
 * The figures of the matching sessions, per group (`group` is a SQL expression over `sessions as
 * s`, or null for one group keyed ''): one scan grouped by group and first-response bucket.
 */
async function scanFigures(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  group: RawBuilder<number | string> | null,
): Promise<Map<number | string, Figures>> {
  const fr = firstResponseBucket(dialect, sql.ref('s.first_response_ms'));
  const g = group ?? sql<string>`''`;
  const rows = (await db
    .selectFrom('sessions as s')
    .where((eb) => sessionFilterWhere(eb, dialect, orgId, f))
    .select([g.as('g'), fr.as('fr'), ...figureSumColumns('s'), ...enumCounts()])
    .groupBy(group ? [group, fr] : [fr])
    .execute()) as unknown as Row[];
  const out = new Map<number | string, Figures>();
  for (const r of rows) {
    const key = typeof r.g === 'string' ? r.g : Number(r.g);
    const into = out.get(key) ?? emptyFigures();
    out.set(key, into);
    addRow(into, r);
  }
  return out;
}

const DAY_MS = 86_400_000;

/** session_days' (0013) counts per channel, status and type, named as countsOf reads them. */
const DAY_COUNTS = [
  ...CHANNELS.map((c) => `channel_${c}` as const),
  ...STATUSES.map((c) => `status_${c}` as const),
  ...SESSION_TYPES.map((c) => `type_${c}` as const),
];

/** Adds `from`'s figures into `into`, or takes them away (`sign` -1: a part of a day the range leaves out). */
function mergeFigures(into: Figures, from: Figures, sign: 1 | -1 = 1) {
  for (const k of FIGURE_SUMS) into.sums[k] += sign * from.sums[k];
  for (const [a, b] of [
    [into.byChannel, from.byChannel],
    [into.byStatus, from.byStatus],
    [into.byType, from.byType],
  ] as const)
    for (const k of Object.keys(b)) (a as Record<string, number>)[k] += sign * (b as Record<string, number>)[k];
  for (const [bucket, n] of from.firstResponses) {
    const left = (into.firstResponses.get(bucket) ?? 0) + sign * n;
    if (left > 0) into.firstResponses.set(bucket, left);
    else into.firstResponses.delete(bucket);
  }
}

interface DaySplit {
  /** The whole days read from the rollups: [from, to) of day starts, either end open. */
  from?: number;
  to?: number;
  /** Partial days scanned and added. */
  plus: SessionFilter[];
  /** Parts of the rollups' end days outside the range, scanned and taken away. */
  minus: SessionFilter[];
}

/**
 * A filter the day rollups (0013) answer, cut into whole UTC days and the partial days at its
 * ends. A partial day is scanned, or, when it is more than half its day, the whole day comes from
 * the rollups and the rest of it is scanned and taken away: an end scans at most half a day of
 * sessions (a range ending "now", as the dashboard's do, takes away the seconds to midnight).
 * Undefined when the rollups do not answer: any filter but agents and the range, no range, or a
 * range of a day or less (a scan of it is as short).
 */
function daySplit(f: SessionFilter): DaySplit | undefined {
  if (!noneBut(f, 'agentIds', 'from', 'to') || (f.from === undefined && f.to === undefined)) return undefined;
  if (f.from !== undefined && f.to !== undefined && f.to - f.from <= DAY_MS) return undefined;
  const out: DaySplit = { plus: [], minus: [] };
  if (f.from !== undefined) {
    const start = Math.floor(f.from / DAY_MS) * DAY_MS;
    if (f.from === start) out.from = start;
    else if (start + DAY_MS - f.from > DAY_MS / 2) {
      out.from = start;
      out.minus.push({ ...f, from: start, to: f.from });
    } else {
      out.from = start + DAY_MS;
      out.plus.push({ ...f, to: start + DAY_MS });
    }
  }
  if (f.to !== undefined) {
    const start = Math.floor(f.to / DAY_MS) * DAY_MS;
    if (f.to === start) out.to = start;
    else if (f.to - start > DAY_MS / 2) {
      out.to = start + DAY_MS;
      out.minus.push({ ...f, from: f.to, to: start + DAY_MS });
    } else {
      out.to = start;
      out.plus.push({ ...f, from: start });
    }
  }
  return out;
}

/**
 * The figures of a filter `daySplit` cut: the whole days from the rollups (sums by day, agent,
 * channel, status and type; the histogram by day, and by agent when agents matter), grouped by
 * day, by agent or not at all, with the scanned parts of the end days added or taken away.
 */
async function dayFigures(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  split: DaySplit,
  by: 'day' | 'agent' | null,
): Promise<Map<number | string, Figures>> {
  const byAgent = by === 'agent' || !!f.agentIds?.length;
  let sums = db
    .selectFrom('session_days as s')
    .where('s.org_id', '=', orgId)
    .select([
      sql<number | string>`${by === 'day' ? sql`s.day` : by === 'agent' ? sql`s.agent_id` : sql`''`}`.as('g'),
      ...[...FIGURE_SUMS, ...DAY_COUNTS].map((c) => sql<number>`sum(${sql.ref(`s.${c}`)})`.as(c)),
    ]);
  if (by) sums = sums.groupBy(by === 'day' ? 's.day' : 's.agent_id');
  let hist = db
    // Typed as the agent histogram; agent_id is referenced only when it is the one read.
    .selectFrom(
      (byAgent ? 'agent_day_first_responses as h' : 'day_first_responses as h') as 'agent_day_first_responses as h',
    )
    .where('h.org_id', '=', orgId)
    .select([
      sql<number | string>`${by === 'day' ? sql`h.day` : by === 'agent' ? sql`h.agent_id` : sql`''`}`.as('g'),
      'h.bucket',
      sql<number>`sum(h.n)`.as('n'),
    ])
    .groupBy([
      ...(by === 'day' ? ['h.day' as const] : by === 'agent' ? ['h.agent_id' as const] : []),
      'h.bucket' as const,
    ]);
  if (split.from !== undefined) {
    sums = sums.where('s.day', '>=', split.from);
    hist = hist.where('h.day', '>=', split.from);
  }
  if (split.to !== undefined) {
    sums = sums.where('s.day', '<', split.to);
    hist = hist.where('h.day', '<', split.to);
  }
  if (f.agentIds?.length) {
    sums = sums.where('s.agent_id', 'in', f.agentIds);
    hist = hist.where('h.agent_id', 'in', f.agentIds);
  }
  const group =
    by === 'day'
      ? sql<number>`(s.started_at / ${sql.lit(DAY_MS)}) * ${sql.lit(DAY_MS)}`
      : by === 'agent'
        ? sql<string>`s.agent_id`
        : null;
  const [sumRows, histRows, ...edges] = await Promise.all([
    sums.execute(),
    hist.execute(),
    ...[...split.plus, ...split.minus].map((e) => scanFigures(db, dialect, orgId, e, group)),
  ]);
  const out = new Map<number | string, Figures>();
  const of = (g: number | string) => {
    const key = typeof g === 'string' ? g : Number(g);
    const into = out.get(key) ?? emptyFigures();
    out.set(key, into);
    return into;
  };
  for (const r of sumRows as unknown as Row[]) addRow(of(r.g as number | string), { ...r, fr: null });
  for (const r of histRows) {
    const n = Number(r.n);
    if (n === 0) continue;
    const into = of(r.g);
    const b = Number(r.bucket);
    into.firstResponses.set(b, (into.firstResponses.get(b) ?? 0) + n);
  }
  edges.forEach((edge, i) => {
    for (const [g, figures] of edge) mergeFigures(of(g), figures, i < split.plus.length ? 1 : -1);
  });
  return out;
}

/**
 * The figures of one metadata value (0015): sums and the histogram per key and value, the count
 * of sessions and its split by channel, status and type from session_metadata_counts (0007). A
 * few hundred rows at most.
 */
async function metadataFigures(db: Db, orgId: string, [key, value]: [string, string]): Promise<Figures> {
  const [sums, counts, hist] = await Promise.all([
    db
      .selectFrom('session_metadata_figures')
      .select(FIGURE_SUMS.filter((c) => c !== 'n') as Exclude<(typeof FIGURE_SUMS)[number], 'n'>[])
      .where('org_id', '=', orgId)
      .where('key', '=', key)
      .where('value', '=', value)
      .executeTakeFirst(),
    db
      .selectFrom('session_metadata_counts')
      .select(['channel', 'status', 'type', 'n'])
      .where('org_id', '=', orgId)
      .where('key', '=', key)
      .where('value', '=', value)
      .execute(),
    db
      .selectFrom('metadata_first_responses')
      .select(['bucket', 'n'])
      .where('org_id', '=', orgId)
      .where('key', '=', key)
      .where('value', '=', value)
      .where('n', '>', 0)
      .execute(),
  ]);
  const out = emptyFigures();
  for (const k of FIGURE_SUMS) if (k !== 'n') out.sums[k] = Number(sums?.[k] ?? 0);
  for (const r of counts) {
    out.sums.n += Number(r.n);
    out.byChannel[r.channel] += Number(r.n);
    out.byStatus[r.status] += Number(r.n);
    out.byType[r.type] += Number(r.n);
  }
  for (const r of hist) out.firstResponses.set(Number(r.bucket), Number(r.n));
  return out;
}

/** The figures of every session the filter matches. */
export async function sessionFigures(db: Db, dialect: DialectName, orgId: string, f: SessionFilter): Promise<Figures> {
  const byAgentOnly = noneBut(f, 'agentIds') && !!f.agentIds?.length;
  if (countsAnswer(f) || byAgentOnly) {
    // From the counters (0012): a sum over their rows, never the sessions.
    let sums = db
      .selectFrom('session_figures as s')
      .where('s.org_id', '=', orgId)
      .select([
        's.channel',
        's.status',
        's.type',
        ...FIGURE_SUMS.map((c) => sql<number>`sum(${sql.ref(`s.${c}`)})`.as(c)),
      ])
      .groupBy(['s.channel', 's.status', 's.type']);
    if (f.agentIds?.length) sums = sums.where('s.agent_id', 'in', f.agentIds);
    if (f.channels?.length) sums = sums.where('s.channel', 'in', f.channels);
    if (f.statuses?.length) sums = sums.where('s.status', 'in', f.statuses);
    if (f.types?.length) sums = sums.where('s.type', 'in', f.types);
    const hist = byAgentOnly
      ? db
          .selectFrom('agent_first_responses')
          .select(['bucket', sql<number>`sum(n)`.as('n')])
          .where('org_id', '=', orgId)
          .where('agent_id', 'in', f.agentIds ?? [])
          .groupBy('bucket')
      : (() => {
          let q = db
            .selectFrom('session_first_responses')
            .select(['bucket', sql<number>`sum(n)`.as('n')])
            .where('org_id', '=', orgId)
            .groupBy('bucket');
          if (f.channels?.length) q = q.where('channel', 'in', f.channels);
          if (f.statuses?.length) q = q.where('status', 'in', f.statuses);
          if (f.types?.length) q = q.where('type', 'in', f.types);
          return q;
        })();
    const [sumRows, histRows] = await Promise.all([sums.execute(), hist.execute()]);
    const out = emptyFigures();
    for (const r of sumRows) {
      for (const k of FIGURE_SUMS) out.sums[k] += Number(r[k] ?? 0);
      out.byChannel[r.channel] += Number(r.n);
      out.byStatus[r.status] += Number(r.n);
      out.byType[r.type] += Number(r.n);
    }
    for (const r of histRows) if (Number(r.n) > 0) out.firstResponses.set(Number(r.bucket), Number(r.n));
    return out;
  }
  if (noneBut(f, 'metadata') && f.metadata?.length === 1) return metadataFigures(db, orgId, f.metadata[0]);
  const split = daySplit(f);
  const groups = split
    ? await dayFigures(db, dialect, orgId, f, split, null)
    : await scanFigures(db, dialect, orgId, f, null);
  return groups.get('') ?? emptyFigures();
}

/** The figures per time bucket of `bucketMs` (keyed by the bucket's start, epoch ms). */
export async function figuresByTime(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  bucketMs: number,
): Promise<Map<number, Figures>> {
  // The size is inlined, not bound: a bound parameter is a REAL to better-sqlite3 (so `/` stops
  // being integer division), and PostgreSQL cannot match a parameterised GROUP BY to the SELECT.
  const split = bucketMs === DAY_MS ? daySplit(f) : undefined;
  if (split) return (await dayFigures(db, dialect, orgId, f, split, 'day')) as Map<number, Figures>;
  const size = sql.lit(Math.trunc(bucketMs));
  return (await scanFigures(db, dialect, orgId, f, sql<number>`(s.started_at / ${size}) * ${size}`)) as Map<
    number,
    Figures
  >;
}

/** The figures per agent of the matching sessions; without filters from the counters (0012), over a time range from the day rollups (0013). */
export async function figuresByAgent(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
): Promise<Map<string, Figures>> {
  if (!noneBut(f, 'agentIds')) {
    const split = daySplit(f);
    return (
      split
        ? await dayFigures(db, dialect, orgId, f, split, 'agent')
        : await scanFigures(db, dialect, orgId, f, sql<string>`s.agent_id`)
    ) as Map<string, Figures>;
  }
  let sums = db
    .selectFrom('session_figures as s')
    .where('s.org_id', '=', orgId)
    .select(['s.agent_id', 's.channel', 's.status', 's.type', ...FIGURE_SUMS.map((c) => sql.ref(`s.${c}`).as(c))]);
  let hist = db
    .selectFrom('agent_first_responses')
    .select(['agent_id', 'bucket', 'n'])
    .where('org_id', '=', orgId)
    .where('n', '>', 0);
  if (f.agentIds?.length) {
    sums = sums.where('s.agent_id', 'in', f.agentIds);
    hist = hist.where('agent_id', 'in', f.agentIds);
  }
  const [sumRows, histRows] = await Promise.all([sums.execute(), hist.execute()]);
  const out = new Map<string, Figures>();
  const of = (agent: string) => {
    const into = out.get(agent) ?? emptyFigures();
    out.set(agent, into);
    return into;
  };
  for (const r of sumRows) {
    const into = of(r.agent_id);
    for (const k of FIGURE_SUMS) into.sums[k] += Number(r[k] ?? 0);
    into.byChannel[r.channel] += Number(r.n);
    into.byStatus[r.status] += Number(r.n);
    into.byType[r.type] += Number(r.n);
  }
  for (const r of histRows) of(r.agent_id).firstResponses.set(Number(r.bucket), Number(r.n));
  return out;
}
