import type { Channel, Status, Timeseries } from '@switchboard/contracts';
import {
  addDays,
  addHours,
  differenceInCalendarDays,
  format,
  parse,
  startOfDay,
  startOfHour,
  subDays,
  subHours,
} from 'date-fns';
import { useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Pie,
  PieChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useRefetchInterval } from '../api/live';
import { type TimeRange, type TimeWindow, useMetricsQuery, useTimeseriesQuery } from '../api/queries';
import {
  AmountChart,
  animate,
  axisTick,
  bucketLabel,
  ChartCard,
  ChartSkeleton,
  LatencyChart,
  NoData,
  RateChart,
  legendText,
  tooltipStyle,
} from '../components/charts/TrendCharts';
import { FigureCards, figuresOfMetrics } from '../components/FigureCards';
import { FilterBar } from '../components/FilterBar';
import { ErrorAlert, PageHeader, cx } from '../components/ui';
import { useListParams } from '../lib/filters';
import { number, usdFine } from '../lib/format';
import { bucketFailureRate, bucketHandoffRate } from '../lib/insights';
import { useNow } from '../lib/useNow';
import {
  CHANNEL_COLORS,
  CHANNEL_LABELS,
  CHANNELS,
  SESSION_TYPES,
  STATUS_COLORS,
  STATUS_LABELS,
  STATUSES,
  TYPE_LABELS,
} from '../lib/vocab';
import { LiveControls } from '../components/RefreshControls';
import { useDocumentTitle } from '../lib/useDocumentTitle';

const RANGES = [
  { id: '24h', label: 'Last 24 hours' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
] as const;
type RangeId = (typeof RANGES)[number]['id'];

/** The preset, unless the filter bar has a date range, which then wins. */
function computeRange(rangeId: RangeId, from: string, to: string, now: number): TimeRange {
  if (from || to) {
    // A bound is a day (inclusive) or, from the "last 15 minutes" presets, an instant.
    const day = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);
    const f = !from ? subDays(now, 30) : day(from) ? parse(from, 'yyyy-MM-dd', new Date()) : new Date(from);
    const t = !to ? new Date(now) : day(to) ? addDays(parse(to, 'yyyy-MM-dd', new Date()), 1) : new Date(to);
    const days = differenceInCalendarDays(t, f);
    return { interval: days > 3 ? 'day' : 'hour', from: f.toISOString(), to: t.toISOString() };
  }
  if (rangeId === '24h') {
    const end = addHours(startOfHour(now), 1);
    return { interval: 'hour', from: subHours(end, 24).toISOString(), to: end.toISOString() };
  }
  const end = addDays(startOfDay(now), 1);
  return { interval: 'day', from: subDays(end, rangeId === '7d' ? 7 : 30).toISOString(), to: end.toISOString() };
}

const HOUR = 3_600_000;
const PRESET_MS: Record<RangeId, number> = { '24h': 24 * HOUR, '7d': 7 * 24 * HOUR, '30d': 30 * 24 * HOUR };
const PRESET_PREVIOUS: Record<RangeId, string> = {
  '24h': 'previous 24 h',
  '7d': 'previous 7 days',
  '30d': 'previous 30 days',
};

/**
 * The windows the figure cards compare: the period shown and the one of the same length before
 * it. A preset ends now (not at the end of the hour or day, as the charts' buckets do), so the
 * two windows are equally long and neither holds a future that has not happened yet.
 */
function compareWindows(
  rangeId: RangeId,
  range: TimeRange,
  fromFilters: boolean,
  now: number,
): { current: TimeWindow; previous: TimeWindow; label: string } {
  const [end, len] = fromFilters
    ? [Date.parse(range.to), Date.parse(range.to) - Date.parse(range.from)]
    : [now, PRESET_MS[rangeId]];
  const iso = (t: number) => new Date(t).toISOString();
  const days = Math.round(len / (24 * HOUR));
  return {
    current: { from: iso(end - len), to: iso(end) },
    previous: { from: iso(end - 2 * len), to: iso(end - len) },
    label: fromFilters ? (days === 1 ? 'previous day' : `previous ${days} days`) : PRESET_PREVIOUS[rangeId],
  };
}

export default function AnalyticsPage() {
  useDocumentTitle('Analytics');
  const { filters } = useListParams();
  const [sp, setSp] = useSearchParams();
  const rangeId: RangeId = RANGES.some((r) => r.id === sp.get('range')) ? (sp.get('range') as RangeId) : '24h';
  const now = useNow();
  // Re-anchor the window at most once a minute so the query key stays stable between renders.
  const minute = Math.floor(now / 60_000);
  const range = useMemo(
    () => computeRange(rangeId, filters.from, filters.to, minute * 60_000),
    [rangeId, filters.from, filters.to, minute],
  );
  const refetchInterval = useRefetchInterval();
  const dateRangeFromFilters = !!(filters.from || filters.to);
  const windows = useMemo(
    () => compareWindows(rangeId, range, dateRangeFromFilters, minute * 60_000),
    [rangeId, range, dateRangeFromFilters, minute],
  );
  const metrics = useMetricsQuery(filters, { refetchInterval, window: windows.current });
  // The window before changes only as time passes: no live refetch, the minute tick moves it.
  const previous = useMetricsQuery(filters, { window: windows.previous });
  const series = useTimeseriesQuery(filters, range, { refetchInterval });

  const setRange = (id: RangeId) => {
    const next = new URLSearchParams(sp);
    if (id === '24h') next.delete('range');
    else next.set('range', id);
    setSp(next, { replace: true });
  };

  return (
    <>
      <PageHeader title="Analytics" subtitle="Volume, speed, outcomes and cost over time." actions={<LiveControls />} />
      <FilterBar />

      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-base font-semibold text-slate-900">
          {dateRangeFromFilters ? 'The selected dates' : RANGES.find((r) => r.id === rangeId)?.label}
        </h2>
        {dateRangeFromFilters ? (
          <p className="text-sm text-slate-500">Using the date range from the filters, by {range.interval}.</p>
        ) : (
          <fieldset className="inline-flex rounded-lg border border-slate-300 bg-white p-0.5 shadow-xs">
            <legend className="sr-only">Time range</legend>
            {RANGES.map((r) => (
              <button
                key={r.id}
                type="button"
                aria-pressed={rangeId === r.id}
                onClick={() => setRange(r.id)}
                className={cx(
                  'rounded-md px-3 py-1.5 text-sm font-medium transition-colors',
                  rangeId === r.id ? 'bg-indigo-600 text-white shadow-sm' : 'text-slate-600 hover:bg-slate-100',
                )}
              >
                {r.label}
              </button>
            ))}
          </fieldset>
        )}
      </div>

      {metrics.isError ? (
        <ErrorAlert className="mb-6" title="Could not load metrics" message={metrics.error.message} />
      ) : (
        <FigureCards
          figures={metrics.data && figuresOfMetrics(metrics.data)}
          previous={previous.data && figuresOfMetrics(previous.data)}
          compareLabel={windows.label}
          loading={metrics.isPending}
        />
      )}

      {series.isError && (
        <ErrorAlert className="mb-4" title="Could not load the time series" message={series.error.message} />
      )}

      <div className="grid grid-cols-1 gap-6 xl:grid-cols-3">
        <ChartCard
          title="Session volume"
          subtitle={`Sessions started per ${range.interval}, by channel`}
          className="xl:col-span-2"
        >
          {series.data ? <VolumeChart data={series.data} /> : <ChartSkeleton />}
        </ChartCard>
        <ChartCard title="Channel distribution" subtitle="Share of sessions by channel">
          {metrics.data ? <ChannelDonut byChannel={metrics.data.byChannel} /> : <ChartSkeleton />}
        </ChartCard>
      </div>

      <div className="my-6 grid grid-cols-1 gap-6 xl:grid-cols-2">
        <ChartCard title="Response time" subtitle={`First response per ${range.interval}: median and p95`}>
          {series.data ? <LatencyChart data={series.data} /> : <ChartSkeleton height="h-64" />}
        </ChartCard>
        <ChartCard title="Failure rate" subtitle={`Failed ÷ ended sessions, by the ${range.interval} they started`}>
          {series.data ? (
            <RateChart data={series.data} rate={bucketFailureRate} name="Failure rate" color="#ef4444" />
          ) : (
            <ChartSkeleton height="h-64" />
          )}
        </ChartCard>
        <ChartCard title="Handoff rate" subtitle={`Handoffs ÷ sessions started per ${range.interval}`}>
          {series.data ? (
            <RateChart
              data={series.data}
              rate={bucketHandoffRate}
              name="Handoff rate"
              color="#8b5cf6"
              empty="No sessions in this range."
            />
          ) : (
            <ChartSkeleton height="h-64" />
          )}
        </ChartCard>
        <ChartCard title="Cost" subtitle={`Usage cost per ${range.interval}`}>
          {series.data ? (
            <AmountChart
              data={series.data}
              value={(b) => b.costUsd}
              name="Cost"
              color="#0ea5e9"
              formatValue={usdFine}
              empty="No cost reported in this range."
            />
          ) : (
            <ChartSkeleton height="h-64" />
          )}
        </ChartCard>
      </div>

      <div className="grid grid-cols-1 gap-6 xl:grid-cols-3">
        <ChartCard
          title="Status trends"
          subtitle={`Sessions started per ${range.interval}, stacked by current status`}
          className="xl:col-span-2"
        >
          {series.data ? <StatusChart data={series.data} /> : <ChartSkeleton />}
        </ChartCard>
        <ChartCard title="Outcomes and modalities" subtitle="Sessions by status and by type">
          {metrics.data ? (
            <Breakdown byStatus={metrics.data.byStatus} byType={metrics.data.byType} />
          ) : (
            <ChartSkeleton />
          )}
        </ChartCard>
      </div>
    </>
  );
}

function VolumeChart({ data }: { data: Timeseries }) {
  const rows = data.buckets.map((b) => ({ label: bucketLabel(b.start, data.interval), full: b.start, ...b.byChannel }));
  const total = data.buckets.reduce((n, b) => n + b.total, 0);
  if (total === 0) return <NoData />;
  return (
    <div className="h-80" role="img" aria-label={`Session volume chart: ${total} sessions in range`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="label" tick={axisTick} tickLine={false} axisLine={{ stroke: '#cbd5e1' }} minTickGap={16} />
          <YAxis allowDecimals={false} tick={axisTick} tickLine={false} axisLine={false} />
          <Tooltip
            cursor={{ fill: '#f1f5f9' }}
            contentStyle={tooltipStyle}
            labelFormatter={(_, p) => {
              const full = p?.[0]?.payload?.full as string | undefined;
              return full ? format(new Date(full), data.interval === 'hour' ? 'MMM d, HH:mm' : 'EEE, MMM d') : '';
            }}
          />
          <Legend
            iconType="circle"
            iconSize={8}
            wrapperStyle={{ fontSize: 12 }}
            itemSorter={null}
            formatter={legendText}
          />
          {CHANNELS.map((c, i) => (
            <Bar
              key={c}
              dataKey={c}
              name={CHANNEL_LABELS[c]}
              stackId="channel"
              fill={CHANNEL_COLORS[c]}
              radius={i === CHANNELS.length - 1 ? [3, 3, 0, 0] : 0}
              maxBarSize={36}
              isAnimationActive={animate}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function StatusChart({ data }: { data: Timeseries }) {
  const rows = data.buckets.map((b) => ({ label: bucketLabel(b.start, data.interval), full: b.start, ...b.byStatus }));
  if (data.buckets.every((b) => b.total === 0)) return <NoData />;
  return (
    <div className="h-80" role="img" aria-label="Status trends chart">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
          <defs>
            {STATUSES.map((s) => (
              <linearGradient key={s} id={`grad-${s}`} x1="0" y1="0" x2="0" y2="1">
                <stop offset="0%" stopColor={STATUS_COLORS[s]} stopOpacity={0.55} />
                <stop offset="100%" stopColor={STATUS_COLORS[s]} stopOpacity={0.15} />
              </linearGradient>
            ))}
          </defs>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="label" tick={axisTick} tickLine={false} axisLine={{ stroke: '#cbd5e1' }} minTickGap={16} />
          <YAxis allowDecimals={false} tick={axisTick} tickLine={false} axisLine={false} />
          <Tooltip contentStyle={tooltipStyle} />
          <Legend
            iconType="circle"
            iconSize={8}
            wrapperStyle={{ fontSize: 12 }}
            itemSorter={null}
            formatter={legendText}
          />
          {STATUSES.map((s) => (
            <Area
              key={s}
              type="monotone"
              stackId="status"
              dataKey={s}
              name={STATUS_LABELS[s]}
              stroke={STATUS_COLORS[s]}
              strokeWidth={2}
              fill={`url(#grad-${s})`}
              isAnimationActive={animate}
            />
          ))}
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}

function ChannelDonut({ byChannel }: { byChannel: Record<Channel, number> }) {
  const total = CHANNELS.reduce((n, c) => n + (byChannel[c] ?? 0), 0);
  if (total === 0) return <NoData />;
  const rows = CHANNELS.map((c) => ({ channel: c, name: CHANNEL_LABELS[c], value: byChannel[c] ?? 0 }));
  return (
    <div>
      <div className="relative h-48" role="img" aria-label="Channel distribution chart">
        <ResponsiveContainer width="100%" height="100%">
          <PieChart>
            <Pie
              data={rows.filter((r) => r.value > 0)}
              dataKey="value"
              nameKey="name"
              innerRadius="62%"
              outerRadius="95%"
              paddingAngle={2}
              stroke="none"
              isAnimationActive={animate}
            >
              {rows
                .filter((r) => r.value > 0)
                .map((r) => (
                  <Cell key={r.channel} fill={CHANNEL_COLORS[r.channel]} />
                ))}
            </Pie>
            <Tooltip contentStyle={tooltipStyle} />
          </PieChart>
        </ResponsiveContainer>
        <div className="pointer-events-none absolute inset-0 flex flex-col items-center justify-center">
          <span className="text-2xl font-semibold text-slate-900 tabular-nums">{number.format(total)}</span>
          <span className="text-xs text-slate-500">sessions</span>
        </div>
      </div>
      <ul className="mt-4 space-y-1.5 text-sm">
        {rows.map((r) => (
          <li key={r.channel} className="flex items-center gap-2">
            <span
              className="size-2.5 rounded-full"
              style={{ background: CHANNEL_COLORS[r.channel] }}
              aria-hidden="true"
            />
            <span className="flex-1 text-slate-700">{r.name}</span>
            <span className="text-slate-900 tabular-nums">{number.format(r.value)}</span>
            <span className="w-12 text-right text-xs text-slate-500 tabular-nums">
              {((r.value / total) * 100).toFixed(1)}%
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Breakdown({
  byStatus,
  byType,
}: {
  byStatus: Record<Status, number>;
  byType: Record<'chat' | 'voice' | 'video', number>;
}) {
  const statusTotal = STATUSES.reduce((n, s) => n + (byStatus[s] ?? 0), 0);
  const typeTotal = SESSION_TYPES.reduce((n, t) => n + (byType[t] ?? 0), 0);
  if (statusTotal === 0) return <NoData />;
  const bar = (label: string, value: number, total: number, color: string) => (
    <li key={label}>
      <div className="mb-1 flex justify-between text-sm">
        <span className="text-slate-700">{label}</span>
        <span className="text-slate-900 tabular-nums">
          {number.format(value)}{' '}
          <span className="text-xs text-slate-500">({total ? ((value / total) * 100).toFixed(0) : 0}%)</span>
        </span>
      </div>
      <div className="h-2 rounded-full bg-slate-100">
        <div
          className="h-2 rounded-full"
          style={{ width: `${total ? (value / total) * 100 : 0}%`, background: color }}
        />
      </div>
    </li>
  );
  return (
    <div className="space-y-6">
      <ul className="space-y-3" aria-label="Sessions by status">
        {STATUSES.map((s) => bar(STATUS_LABELS[s], byStatus[s] ?? 0, statusTotal, STATUS_COLORS[s]))}
      </ul>
      <ul className="space-y-3 border-t border-slate-100 pt-5" aria-label="Sessions by type">
        {SESSION_TYPES.map((t) => bar(TYPE_LABELS[t], byType[t] ?? 0, typeTotal, '#6366f1'))}
      </ul>
    </div>
  );
}
