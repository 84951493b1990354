/**
 * The trend charts of Analytics and of an agent's page, over one time series: response time (p50
 * and p95), a rate per bucket, an amount per bucket. Recharts is imported only here and in the
 * Analytics page, both reached through lazily loaded pages, so it stays out of the first load.
 */
import type { Timeseries, TimeseriesBucket } from '@switchboard/contracts';
import { format } from 'date-fns';
import type { ReactNode } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { ms, percent, percentAxis } from '../../lib/format';
import { Card, cx, Skeleton, Spinner } from '../ui';

export const axisTick = { fontSize: 12, fill: '#64748b' };
// Charts honour the operating system's "reduce motion" setting.
export const animate =
  typeof window === 'undefined' || !window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
/**
 * Legend labels in the text colour, not the series colour recharts gives them: an amber or sky
 * label on white fails WCAG AA (2.2:1); the dot before it carries the colour.
 */
export const legendText = (value: string) => <span className="text-slate-600">{value}</span>;

// Palette variables (inline styles take them), so the tooltip follows the theme.
export const tooltipStyle = {
  borderRadius: 8,
  borderColor: 'var(--color-slate-200)',
  backgroundColor: 'var(--color-white)',
  fontSize: 12,
};

export function bucketLabel(iso: string, interval: 'hour' | 'day') {
  return format(new Date(iso), interval === 'hour' ? 'HH:mm' : 'MMM d');
}

function fullLabel(iso: string | undefined, interval: 'hour' | 'day') {
  return iso ? format(new Date(iso), interval === 'hour' ? 'MMM d, HH:mm' : 'EEE, MMM d') : '';
}

export function ChartCard({
  title,
  subtitle,
  className,
  children,
}: {
  title: string;
  subtitle: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <Card className={cx('p-5', className)} data-chart={title}>
      <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
      <p className="mb-4 text-xs text-slate-500">{subtitle}</p>
      {children}
    </Card>
  );
}

export function ChartSkeleton({ height = 'h-80' }: { height?: string }) {
  return (
    <div className={cx('relative', height)}>
      <Skeleton className="absolute inset-0" />
      <Spinner label="Loading chart…" className="absolute inset-0" />
    </div>
  );
}

export function NoData({
  height = 'h-80',
  children = 'No sessions in this range.',
}: {
  height?: string;
  children?: ReactNode;
}) {
  return (
    <div
      className={cx(
        'flex items-center justify-center rounded-lg border border-dashed border-slate-200 text-sm text-slate-500',
        height,
      )}
    >
      {children}
    </div>
  );
}

/** The top of a rate axis: the next of 5, 10, 20, 50 or 100 % above the highest value. */
function niceRateMax(max: number): number {
  return [0.05, 0.1, 0.2, 0.5, 1].find((m) => max <= m) ?? 1;
}
function rateTicks(rows: Array<{ value: number | null }>): number[] {
  const top = niceRateMax(Math.max(0, ...rows.map((r) => r.value ?? 0)));
  return [0, 0.25, 0.5, 0.75, 1].map((f) => f * top);
}

const GRID = <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />;
const MARGIN = { top: 4, right: 8, bottom: 0, left: -8 };

function rowsOf<T extends object>(data: Timeseries, pick: (b: TimeseriesBucket) => T) {
  // `Timeseries` is the schema's type intersected with the typed buckets; name the typed one.
  const buckets: TimeseriesBucket[] = data.buckets;
  return buckets.map((b) => ({ label: bucketLabel(b.start, data.interval), full: b.start, ...pick(b) }));
}

function XAxisOf() {
  return <XAxis dataKey="label" tick={axisTick} tickLine={false} axisLine={{ stroke: '#cbd5e1' }} minTickGap={16} />;
}

/** First-response time per bucket: the median and the 95th percentile. */
export function LatencyChart({ data, height = 'h-64' }: { data: Timeseries; height?: string }) {
  const rows = rowsOf(data, (b) => ({ p50: b.firstResponseMs.p50, p95: b.firstResponseMs.p95 }));
  if (rows.every((r) => r.p50 === null)) return <NoData height={height}>No answered turns in this range.</NoData>;
  // A line needs two points: with only a few buckets holding figures, mark each one.
  const sparse = rows.filter((r) => r.p50 !== null).length <= 3;
  return (
    <div className={height} role="img" aria-label="First response time chart, p50 and p95">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={MARGIN}>
          {GRID}
          {XAxisOf()}
          <YAxis tick={axisTick} tickLine={false} axisLine={false} tickFormatter={(v: number) => ms(v)} width={64} />
          <Tooltip
            contentStyle={tooltipStyle}
            formatter={(v) => ms(typeof v === 'number' ? v : null)}
            labelFormatter={(_, p) => fullLabel(p?.[0]?.payload?.full as string | undefined, data.interval)}
          />
          <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} formatter={legendText} />
          <Line
            type="monotone"
            dataKey="p50"
            name="p50 (median)"
            stroke="#6366f1"
            strokeWidth={2}
            dot={sparse ? { r: 2 } : false}
            connectNulls
            isAnimationActive={animate}
          />
          <Line
            type="monotone"
            dataKey="p95"
            name="p95"
            stroke="#f59e0b"
            strokeWidth={2}
            strokeDasharray="4 3"
            dot={sparse ? { r: 2 } : false}
            connectNulls
            isAnimationActive={animate}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** A share per bucket (0–1), drawn in percent; buckets without a figure leave a gap. */
export function RateChart({
  data,
  rate,
  name,
  color,
  height = 'h-64',
  empty = 'No ended sessions in this range.',
}: {
  data: Timeseries;
  rate: (b: TimeseriesBucket) => number | null;
  name: string;
  color: string;
  height?: string;
  empty?: string;
}) {
  const rows = rowsOf(data, (b) => ({ value: rate(b) }));
  if (rows.every((r) => r.value === null)) return <NoData height={height}>{empty}</NoData>;
  return (
    <div className={height} role="img" aria-label={`${name} chart`}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={MARGIN}>
          {GRID}
          {XAxisOf()}
          <YAxis
            tick={axisTick}
            tickLine={false}
            axisLine={false}
            tickFormatter={percentAxis}
            width={56}
            domain={[0, niceRateMax]}
            ticks={rateTicks(rows)}
          />
          <Tooltip
            contentStyle={tooltipStyle}
            formatter={(v) => percent(typeof v === 'number' ? v : null)}
            labelFormatter={(_, p) => fullLabel(p?.[0]?.payload?.full as string | undefined, data.interval)}
          />
          <Line
            type="monotone"
            dataKey="value"
            name={name}
            stroke={color}
            strokeWidth={2}
            dot={rows.length <= 31 ? { r: 2 } : false}
            connectNulls
            isAnimationActive={animate}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** An amount per bucket as bars: sessions, handoffs, cost. */
export function AmountChart({
  data,
  value,
  name,
  color,
  formatValue,
  integer = false,
  height = 'h-64',
  empty = 'No sessions in this range.',
}: {
  data: Timeseries;
  value: (b: TimeseriesBucket) => number;
  name: string;
  color: string;
  formatValue: (v: number) => string;
  /** Counts: whole-number ticks only. */
  integer?: boolean;
  height?: string;
  empty?: string;
}) {
  const rows = rowsOf(data, (b) => ({ value: value(b) }));
  if (rows.every((r) => r.value === 0)) return <NoData height={height}>{empty}</NoData>;
  return (
    <div className={height} role="img" aria-label={`${name} chart`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={MARGIN}>
          {GRID}
          {XAxisOf()}
          <YAxis
            tick={axisTick}
            tickLine={false}
            axisLine={false}
            tickFormatter={formatValue}
            width={56}
            allowDecimals={!integer}
          />
          <Tooltip
            cursor={{ fill: '#f1f5f9' }}
            contentStyle={tooltipStyle}
            formatter={(v) => (typeof v === 'number' ? formatValue(v) : String(v))}
            labelFormatter={(_, p) => fullLabel(p?.[0]?.payload?.full as string | undefined, data.interval)}
          />
          <Bar
            dataKey="value"
            name={name}
            fill={color}
            radius={[3, 3, 0, 0]}
            maxBarSize={28}
            isAnimationActive={animate}
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
