import type { Metrics } from '@switchboard/contracts';
import { Activity, Clock3, Layers, type LucideIcon, TrendingUp } from 'lucide-react';
import type { ReactNode } from 'react';
import { number } from '../lib/format';
import { CHANNEL_LABELS } from '../lib/vocab';
import { Skeleton, cx } from './ui';

interface CardSpec {
  title: string;
  icon: LucideIcon;
  /** Card accent: border, icon tile. */
  accent: string;
  iconTile: string;
  value: (m: Metrics) => ReactNode;
  caption: (m: Metrics) => ReactNode;
  pulse?: boolean;
}

const CARDS: CardSpec[] = [
  {
    title: 'Total Sessions',
    icon: Layers,
    accent: 'border-slate-200',
    iconTile: 'bg-slate-100 text-slate-600',
    value: (m) => number.format(m.totalSessions),
    caption: () => 'Matching the filters',
  },
  {
    title: 'Active Sessions',
    icon: Activity,
    accent: 'border-green-200 bg-gradient-to-br from-green-50/80 to-white',
    iconTile: 'bg-green-100 text-green-700',
    value: (m) => number.format(m.activeSessions),
    caption: () => 'In progress right now',
    pulse: true,
  },
  {
    title: 'Recent Sessions (24h)',
    icon: Clock3,
    accent: 'border-blue-200 bg-gradient-to-br from-blue-50/80 to-white',
    iconTile: 'bg-blue-100 text-blue-700',
    value: (m) => number.format(m.recentSessions),
    caption: () => 'Started in the last day',
  },
  {
    title: 'Top Channel',
    icon: TrendingUp,
    accent: 'border-purple-200 bg-gradient-to-br from-purple-50/80 to-white',
    iconTile: 'bg-purple-100 text-purple-700',
    value: (m) => (m.topChannel ? CHANNEL_LABELS[m.topChannel.channel] : '—'),
    caption: (m) => (m.topChannel ? `${number.format(m.topChannel.count)} sessions` : 'No matching sessions'),
  },
];

export function MetricCards({ metrics, loading }: { metrics: Metrics | undefined; loading: boolean }) {
  return (
    <section aria-label="Metrics" className="mb-6 grid grid-cols-2 gap-3 sm:gap-4 xl:grid-cols-4">
      {CARDS.map((card) => {
        const Icon = card.icon;
        const live = card.pulse && metrics && metrics.activeSessions > 0;
        return (
          <div
            key={card.title}
            className={cx('relative min-w-0 rounded-xl border bg-white p-3 shadow-xs sm:p-4 2xl:p-5', card.accent)}
            aria-busy={loading || undefined}
          >
            <div className="flex items-start justify-between gap-2">
              <div className="min-w-0">
                <p className="text-[13px] leading-snug font-medium text-slate-500 sm:text-sm sm:whitespace-nowrap">
                  {card.title}
                </p>
                {loading || !metrics ? (
                  <>
                    <Skeleton className="mt-2.5 h-8 w-full max-w-24" />
                    <Skeleton className="mt-2.5 h-3.5 w-full max-w-36" />
                  </>
                ) : (
                  <>
                    <p
                      className="mt-1.5 truncate text-2xl font-semibold tracking-tight text-slate-900 tabular-nums sm:text-3xl"
                      data-testid={`metric-${card.title}`}
                    >
                      {card.value(metrics)}
                    </p>
                    <p className="mt-1 text-xs text-slate-500 sm:truncate">{card.caption(metrics)}</p>
                  </>
                )}
              </div>
              <span
                className={cx(
                  'relative flex size-7 shrink-0 items-center justify-center rounded-lg sm:size-8',
                  card.iconTile,
                )}
              >
                {live && (
                  <span className="absolute inset-0 rounded-lg bg-green-300/60 animate-ping" aria-hidden="true" />
                )}
                <Icon className="relative size-4" aria-hidden="true" />
              </span>
            </div>
          </div>
        );
      })}
    </section>
  );
}
