/**
 * The shared session filters (search, channel, status, agent, date range; the same on the list,
 * metrics, timeseries and export endpoints) as the dashboard holds them, and their round trip through the
 * URL query: `?search=&channel=web,phone&status=&agentId=&from=&to=&sort=&page=`. The URL is the
 * only source of truth, so reload and "copy link" keep the view.
 */
import { type Channel, filtersToQuery, type Sort, type Status } from '@switchboard/contracts';
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { CHANNELS, STATUSES } from './vocab';

export interface SessionFilterValues {
  search: string;
  channel: Channel[];
  status: Status[];
  agentId: string[];
  /** YYYY-MM-DD, inclusive. */
  from: string;
  /** YYYY-MM-DD, inclusive (the server includes the whole day of a bare date). */
  to: string;
}

export interface ListParams {
  filters: SessionFilterValues;
  sort: Sort;
  page: number;
}

const EMPTY_FILTERS: SessionFilterValues = {
  search: '',
  channel: [],
  status: [],
  agentId: [],
  from: '',
  to: '',
};

const DEFAULT_SORT: Sort = '-startedAt';
const SORTABLE: readonly Sort[] = ['startedAt', '-startedAt', 'durationSeconds', '-durationSeconds'];
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

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
    channel: pick(list(sp.get('channel')), CHANNELS),
    status: pick(list(sp.get('status')), STATUSES),
    agentId: list(sp.get('agentId')),
    from: DATE_RE.test(from) ? from : '',
    to: DATE_RE.test(to) ? to : '',
  };
}

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
  return filtersToQuery({ ...f, search: f.search.trim() });
}

export function hasActiveFilters(f: SessionFilterValues): boolean {
  return Boolean(f.search.trim() || f.channel.length || f.status.length || f.agentId.length || f.from || f.to);
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
