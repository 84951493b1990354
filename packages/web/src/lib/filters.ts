/**
 * The shared session filters (search, channel, status, agent, date range, range filters on the
 * session figures; the same on the list, metrics, timeseries and export endpoints) as the
 * dashboard holds them, and their round trip through the URL query:
 * `?search=&transcript=&channel=web,phone&status=&agentId=&source=&from=&to=&costUsd[gt]=0.5&sort=&page=`. The URL is
 * the only source of truth, so reload and "copy link" keep the view.
 */
import {
  type Channel,
  filtersToQuery,
  type RangeParam,
  type SessionSource,
  type Sort,
  type Status,
} from '@switchboard/contracts';
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { CHANNELS, RANGE_FIELDS, RANGE_OPS, SOURCES, STATUSES } from './vocab';

/** `{'costUsd[gt]': 0.5, 'errors[gte]': 1}`: the API's own parameter names, in the URL as they are. */
export type RangeFilterValues = Partial<Record<RangeParam, number>>;

export interface SessionFilterValues {
  search: string;
  /** Words that must all occur in the session's messages (the API's full-text `transcript` filter). */
  transcript: string;
  channel: Channel[];
  status: Status[];
  agentId: string[];
  /** Where sessions came from: the API, OpenTelemetry, Vapi, Retell. */
  source: SessionSource[];
  /** YYYY-MM-DD, inclusive; or an instant (`2026-12-03T14:05:00Z`, the "last 15 minutes" presets). */
  from: string;
  /** YYYY-MM-DD, inclusive (the server includes the whole day of a bare date); or an instant, exclusive. */
  to: string;
  ranges: RangeFilterValues;
  /** Sessions with any of these tags. */
  tag: string[];
  /** '' for either, 'true' reviewed, 'false' not yet. */
  reviewed: '' | 'true' | 'false';
  /** Failed or with an error. */
  problems: boolean;
  /** `{'score.quality[gte]': '4'}`: the API's own parameter names, as in the URL. */
  scores: Record<string, string>;
}

export interface ListParams {
  filters: SessionFilterValues;
  sort: Sort;
  page: number;
}

const EMPTY_FILTERS: SessionFilterValues = {
  search: '',
  transcript: '',
  channel: [],
  status: [],
  agentId: [],
  source: [],
  from: '',
  to: '',
  ranges: {},
  tag: [],
  reviewed: '',
  problems: false,
  scores: {},
};

const DEFAULT_SORT: Sort = '-startedAt';
/** The columns of the sessions table that sort (the optional ones included). */
const SORT_FIELDS = [
  'startedAt',
  'durationSeconds',
  'firstResponseMs',
  'turns',
  'costUsd',
  'handoffs',
  'errors',
] as const;
const SORTABLE: readonly Sort[] = SORT_FIELDS.flatMap((f) => [f, `-${f}` as const]);
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z)?$/;
const RANGE_RE = /^([A-Za-z]+)\[([a-z]+)\]$/;

/** Every well-formed `<field>[<op>]=<number>` of the query; unknown fields and non-numbers are dropped. */
function parseRanges(sp: URLSearchParams): RangeFilterValues {
  const out: RangeFilterValues = {};
  for (const [key, raw] of sp) {
    const m = RANGE_RE.exec(key);
    if (!m || !(RANGE_FIELDS as readonly string[]).includes(m[1]) || !(RANGE_OPS as readonly string[]).includes(m[2]))
      continue;
    const v = Number(raw);
    if (raw.trim() !== '' && Number.isFinite(v)) out[key as RangeParam] = v;
  }
  return out;
}

function list(value: string | null): string[] {
  if (!value) return [];
  return [
    ...new Set(
      value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ];
}

function pick<T extends string>(values: string[], allowed: readonly T[]): T[] {
  return values.filter((v): v is T => (allowed as readonly string[]).includes(v));
}

function parseFilters(sp: URLSearchParams): SessionFilterValues {
  const from = sp.get('from') ?? '';
  const to = sp.get('to') ?? '';
  return {
    search: sp.get('search') ?? '',
    transcript: sp.get('transcript') ?? '',
    channel: pick(list(sp.get('channel')), CHANNELS),
    status: pick(list(sp.get('status')), STATUSES),
    agentId: list(sp.get('agentId')),
    source: pick(list(sp.get('source')), SOURCES),
    from: DATE_RE.test(from) ? from : '',
    to: DATE_RE.test(to) ? to : '',
    ranges: parseRanges(sp),
    tag: list(sp.get('tag')).map((t) => t.toLowerCase()),
    reviewed: sp.get('reviewed') === 'true' ? 'true' : sp.get('reviewed') === 'false' ? 'false' : '',
    problems: sp.get('problems') === 'true',
    scores: Object.fromEntries([...sp].filter(([k, v]) => SCORE_RE.test(k) && v.trim() !== '')),
  };
}

const SCORE_RE = /^score\.[a-z][a-z0-9_]{0,39}(\[gte\])?$/;

export function parseListParams(sp: URLSearchParams): ListParams {
  const sort = sp.get('sort') as Sort | null;
  const page = Number.parseInt(sp.get('page') ?? '1', 10);
  return {
    filters: parseFilters(sp),
    sort: sort && SORTABLE.includes(sort) ? sort : DEFAULT_SORT,
    page: Number.isFinite(page) && page >= 1 ? page : 1,
  };
}

/** API query parameters for the filters; empty filters are left out. */
function filtersToParams(f: SessionFilterValues): URLSearchParams {
  const { ranges, scores, problems, ...rest } = f;
  return filtersToQuery({
    ...rest,
    search: f.search.trim(),
    transcript: f.transcript.trim(),
    ...ranges,
    ...(problems ? { problems: 'true' } : {}),
    ...scores,
  });
}

export function hasActiveFilters(f: SessionFilterValues): boolean {
  return Boolean(
    f.search.trim() ||
      f.transcript.trim() ||
      f.channel.length ||
      f.status.length ||
      f.agentId.length ||
      f.source.length ||
      f.from ||
      f.to ||
      Object.keys(f.ranges).length ||
      f.tag.length ||
      f.reviewed ||
      f.problems ||
      Object.keys(f.scores).length,
  );
}

/** Only the filter part of a URL query (for links between pages that share filters). */
export function filterQueryString(sp: URLSearchParams): string {
  const p = filtersToParams(parseFilters(sp));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * Read and write the list state in the URL. Changing a filter or the sort goes back to page 1;
 * a filter change replaces the history entry while typing would flood it otherwise.
 */
export function useListParams() {
  const [sp, setSp] = useSearchParams();
  const params = useMemo(() => parseListParams(sp), [sp]);

  const write = useCallback(
    (next: ListParams, replace = false) => {
      const p = filtersToParams(next.filters);
      if (next.sort !== DEFAULT_SORT) p.set('sort', next.sort);
      if (next.page > 1) p.set('page', String(next.page));
      // Page-specific view state that is not a filter (the analytics range) survives filter edits.
      const range = new URLSearchParams(window.location.search).get('range');
      if (range) p.set('range', range);
      setSp(p, { replace });
    },
    [setSp],
  );

  const setFilters = useCallback(
    (patch: Partial<SessionFilterValues>, opts?: { replace?: boolean }) => {
      const current = parseListParams(new URLSearchParams(window.location.search));
      write({ ...current, filters: { ...current.filters, ...patch }, page: 1 }, opts?.replace);
    },
    [write],
  );
  const clearFilters = useCallback(() => {
    const current = parseListParams(new URLSearchParams(window.location.search));
    write({ ...current, filters: EMPTY_FILTERS, page: 1 });
  }, [write]);
  const setSort = useCallback(
    (sort: Sort) => {
      const current = parseListParams(new URLSearchParams(window.location.search));
      write({ ...current, sort, page: 1 });
    },
    [write],
  );
  const setPage = useCallback(
    (page: number) => {
      const current = parseListParams(new URLSearchParams(window.location.search));
      write({ ...current, page });
    },
    [write],
  );

  return { ...params, setFilters, clearFilters, setSort, setPage };
}
