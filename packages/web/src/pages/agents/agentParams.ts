/**
 * The state of the agents pages in the URL: `?from=&to=&channel=&sort=`. Without dates the period
 * is the last 30 days (today included); the resolved period is what the queries use, so the same
 * default reads the same cache on the list and on an agent's page.
 */
import type { AgentSort, Channel } from '@switchboard/contracts';
import { differenceInCalendarDays, format, parse, subDays } from 'date-fns';
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { AgentFilterValues } from '../../api/queries';
import { AGENT_SORT_FIELDS, CHANNELS } from '../../lib/vocab';

export const DEFAULT_PERIOD_DAYS = 30;
const DEFAULT_SORT: AgentSort = '-sessionCount';
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const ISO = 'yyyy-MM-dd';

const AGENT_SORTS: readonly AgentSort[] = AGENT_SORT_FIELDS.flatMap((f) => [f, `-${f}` as const]);

export function defaultPeriod(now = new Date()): { from: string; to: string } {
  return { from: format(subDays(now, DEFAULT_PERIOD_DAYS - 1), ISO), to: format(now, ISO) };
}

/** Days in a period, both ends included. */
export function periodDays(f: { from: string; to: string }): number {
  return differenceInCalendarDays(parse(f.to, ISO, new Date()), parse(f.from, ISO, new Date())) + 1;
}

/** A day per point for longer periods, an hour per point for up to three days. */
export function periodInterval(f: { from: string; to: string }): 'hour' | 'day' {
  return periodDays(f) > 3 ? 'day' : 'hour';
}

/** "last 30 days", or the dates. */
export function periodLabel(f: { from: string; to: string }, isDefault: boolean): string {
  if (isDefault) return `the last ${DEFAULT_PERIOD_DAYS} days`;
  if (f.from === f.to) return format(parse(f.from, ISO, new Date()), 'MMM d, yyyy');
  const a = parse(f.from, ISO, new Date());
  const b = parse(f.to, ISO, new Date());
  return `${format(a, a.getFullYear() === b.getFullYear() ? 'MMM d' : 'MMM d, yyyy')} – ${format(b, 'MMM d, yyyy')}`;
}

export function useAgentParams() {
  const [sp, setSp] = useSearchParams();
  // The default period moves with the calendar day, not with every render.
  const today = format(new Date(), ISO);
  const state = useMemo(() => {
    const from = sp.get('from') ?? '';
    const to = sp.get('to') ?? '';
    const explicit = DATE_RE.test(from) || DATE_RE.test(to);
    const fallback = defaultPeriod(parse(today, ISO, new Date()));
    const period = explicit
      ? { from: DATE_RE.test(from) ? from : fallback.from, to: DATE_RE.test(to) ? to : today }
      : fallback;
    const channel = (sp.get('channel') ?? '')
      .split(',')
      .filter((c): c is Channel => (CHANNELS as readonly string[]).includes(c));
    const sort = sp.get('sort') as AgentSort | null;
    const filters: AgentFilterValues = { ...period, channel };
    return {
      filters,
      isDefaultPeriod: !explicit,
      sort: sort && AGENT_SORTS.includes(sort) ? sort : DEFAULT_SORT,
    };
  }, [sp, today]);

  const update = useCallback(
    (patch: Record<string, string>) => {
      const next = new URLSearchParams(window.location.search);
      for (const [k, v] of Object.entries(patch)) {
        if (v) next.set(k, v);
        else next.delete(k);
      }
      setSp(next);
    },
    [setSp],
  );

  return {
    ...state,
    /** Empty dates go back to the default period. */
    setPeriod: (r: { from: string; to: string }) => update({ from: r.from, to: r.to }),
    setChannel: (channel: Channel[]) => update({ channel: channel.join(',') }),
    setSort: (sort: AgentSort) => update({ sort: sort === DEFAULT_SORT ? '' : sort }),
  };
}

/** The period and channels as a query string, for links between the agents pages and to sessions. */
export function agentFilterQuery(f: AgentFilterValues, isDefaultPeriod: boolean, extra: Record<string, string> = {}) {
  const p = new URLSearchParams(extra);
  if (!isDefaultPeriod) {
    p.set('from', f.from);
    p.set('to', f.to);
  }
  if (f.channel.length) p.set('channel', f.channel.join(','));
  const s = p.toString();
  return s ? `?${s}` : '';
}
