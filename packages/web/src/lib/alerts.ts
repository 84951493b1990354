/** Alert rules as a person reads them: metric names, values and conditions. */
import type { Alert, AlertMetric, AlertOp } from '@switchboard/client';

export const METRIC_LABELS: Record<AlertMetric, string> = {
  sessions: 'Sessions started',
  failed: 'Sessions failed',
  failureRate: 'Failure rate',
  active: 'Active sessions (now)',
  firstResponseP95Ms: 'First response p95',
  handoffRate: 'Handoff rate',
  errorRate: 'Error rate',
};
export const METRICS = Object.keys(METRIC_LABELS) as AlertMetric[];
export const OPS: Record<AlertOp, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤' };
export const WINDOWS: Array<[number, string]> = [
  [60, '1 minute'],
  [300, '5 minutes'],
  [900, '15 minutes'],
  [1800, '30 minutes'],
  [3600, '1 hour'],
  [6 * 3600, '6 hours'],
  [86_400, '24 hours'],
];
export const COOLDOWNS: Array<[number, string]> = [
  [0, 'Only once until it resolves'],
  [900, 'Remind every 15 minutes'],
  [3600, 'Remind every hour'],
  [4 * 3600, 'Remind every 4 hours'],
  [86_400, 'Remind every day'],
];

export const isRate = (m: AlertMetric) => m.endsWith('Rate');

/** Whether `value op threshold` holds, as the server decides it (no value never holds). */
export function holds(value: number | null, op: AlertOp, threshold: number | null): boolean {
  if (value === null || threshold === null) return false;
  return op === 'gt'
    ? value > threshold
    : op === 'gte'
      ? value >= threshold
      : op === 'lt'
        ? value < threshold
        : value <= threshold;
}

/** A metric's value as a person reads it: rates in %, times in ms or s. */
export function formatMetric(metric: AlertMetric, value: number | null): string {
  if (value === null) return '—';
  if (isRate(metric)) return `${Math.round(value * 1000) / 10} %`;
  if (metric === 'firstResponseP95Ms')
    return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
  return value.toLocaleString();
}

export const windowLabel = (s: number) => WINDOWS.find(([w]) => w === s)?.[1] ?? `${s} s`;

export function conditionText(a: Pick<Alert, 'metric' | 'op' | 'threshold' | 'windowSeconds'>): string {
  const over = a.metric === 'active' ? '' : ` over ${windowLabel(a.windowSeconds)}`;
  return `${METRIC_LABELS[a.metric]} ${OPS[a.op]} ${formatMetric(a.metric, a.threshold)}${over}`;
}
