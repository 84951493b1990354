/**
 * The performance figures of a set of sessions as cards — volume, failures, speed, handoffs,
 * errors, duration, cost — for Analytics (over a window, each against the window before it) and
 * for an agent's page. Metrics and an agent row carry the same figures under nearly the same
 * names; `figuresOf*` bring them to one shape.
 */
import type { Agent, Metrics, Percentiles } from '@switchboard/contracts';
import {
  ArrowRightLeft,
  CircleDollarSign,
  Clock3,
  Gauge,
  Layers,
  type LucideIcon,
  Timer,
  TriangleAlert,
  XCircle,
} from 'lucide-react';
import type { ReactNode } from 'react';
import { change, ms, number, percent, seconds, usd, usdFine } from '../lib/format';
import { isSlow } from '../lib/insights';
import { cx, Skeleton } from './ui';

export interface Figures {
  sessions: number;
  failureRate: number | null;
  avgDurationSeconds: number | null;
  firstResponseMs: Percentiles;
  avgResponseMs: number | null;
  handoffRate: number | null;
  errorRate: number | null;
  costUsd: number;
}

export const figuresOfMetrics = (m: Metrics): Figures => ({ ...m, sessions: m.totalSessions });
export const figuresOfAgent = (a: Agent): Figures => ({ ...a, sessions: a.sessionCount });

interface CardSpec {
  title: string;
  icon: LucideIcon;
  value: (f: Figures) => ReactNode;
  caption?: (f: Figures) => ReactNode;
  /** The number compared with the previous window. */
  compare: (f: Figures) => number | null;
  kind: 'relative' | 'points';
  /**
   * Which way is good. Null: neither, and the change stays grey — more sessions is not better or
   * worse by itself, and cost mostly follows volume.
   */
  better: 'up' | 'down' | null;
  warn?: (f: Figures) => boolean;
}

const perSession = (f: Figures) => (f.sessions ? `${usdFine(f.costUsd / f.sessions)} per session` : 'No sessions');

const CARDS: CardSpec[] = [
  {
    title: 'Sessions',
    icon: Layers,
    value: (f) => number.format(f.sessions),
    compare: (f) => f.sessions,
    kind: 'relative',
    better: null,
  },
  {
    title: 'Failure rate',
    icon: XCircle,
    value: (f) => percent(f.failureRate),
    caption: () => 'Failed ÷ ended sessions',
    compare: (f) => f.failureRate,
    kind: 'points',
    better: 'down',
  },
  {
    title: 'First response',
    icon: Timer,
    value: (f) => ms(f.firstResponseMs.p50),
    caption: (f) => `Median · p95 ${ms(f.firstResponseMs.p95)}`,
    compare: (f) => f.firstResponseMs.p50,
    kind: 'relative',
    better: 'down',
    warn: (f) => isSlow(f.firstResponseMs.p50),
  },
  {
    title: 'Avg response',
    icon: Gauge,
    value: (f) => ms(f.avgResponseMs),
    caption: () => 'Mean over every turn',
    compare: (f) => f.avgResponseMs,
    kind: 'relative',
    better: 'down',
    warn: (f) => isSlow(f.avgResponseMs),
  },
  {
    title: 'Handoff rate',
    icon: ArrowRightLeft,
    value: (f) => percent(f.handoffRate),
    caption: () => 'Sessions with a handoff',
    compare: (f) => f.handoffRate,
    kind: 'points',
    better: 'down',
  },
  {
    title: 'Error rate',
    icon: TriangleAlert,
    value: (f) => percent(f.errorRate),
    caption: () => 'Sessions with an error',
    compare: (f) => f.errorRate,
    kind: 'points',
    better: 'down',
  },
  {
    title: 'Avg duration',
    icon: Clock3,
    value: (f) => seconds(f.avgDurationSeconds),
    caption: () => 'Of the ended sessions',
    compare: (f) => f.avgDurationSeconds,
    kind: 'relative',
    better: null,
  },
  {
    title: 'Cost',
    icon: CircleDollarSign,
    value: (f) => usd(f.costUsd),
    caption: perSession,
    compare: (f) => f.costUsd,
    kind: 'relative',
    better: null,
  },
];

export function FigureCards({
  figures,
  previous,
  compareLabel,
  sessionsCaption,
  loading,
}: {
  figures: Figures | undefined;
  /** The line under the session count ("2 failed · 1 completed"). */
  sessionsCaption?: ReactNode;
  /** The window before, for the change line; leave out for no comparison. */
  previous?: Figures;
  /** "previous 24 h": what the change is against. */
  compareLabel?: string;
  loading: boolean;
}) {
  return (
    <section aria-label="Figures" className="mb-6 grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-4">
      {CARDS.map((card) => {
        const Icon = card.icon;
        const warn = figures && card.warn?.(figures);
        return (
          <div
            key={card.title}
            className="min-w-0 rounded-xl border border-slate-200 bg-white p-3 shadow-xs sm:p-4"
            aria-busy={loading || undefined}
            data-figure={card.title}
          >
            <p className="flex items-center gap-1.5 text-[13px] font-medium text-slate-500 sm:text-sm sm:whitespace-nowrap">
              <Icon className="size-4 shrink-0 text-slate-400" aria-hidden="true" />
              {card.title}
            </p>
            {loading || !figures ? (
              <>
                <Skeleton className="mt-2.5 h-7 w-20" />
                <Skeleton className="mt-2 h-3.5 w-full max-w-32" />
              </>
            ) : (
              <>
                <p
                  className={cx(
                    'mt-1.5 text-2xl font-semibold tracking-tight tabular-nums',
                    warn ? 'text-amber-700' : 'text-slate-900',
                  )}
                  data-testid={`figure-${card.title}`}
                >
                  {card.value(figures)}
                </p>
                {(card.caption || (card.title === 'Sessions' && sessionsCaption)) && (
                  <p
                    className="mt-0.5 text-xs text-slate-500 sm:truncate"
                    title={
                      card.title === 'Sessions' && typeof sessionsCaption === 'string' ? sessionsCaption : undefined
                    }
                  >
                    {card.title === 'Sessions' ? sessionsCaption : card.caption?.(figures)}
                  </p>
                )}
                {compareLabel && (
                  <ChangeLine
                    current={card.compare(figures)}
                    previous={previous ? card.compare(previous) : null}
                    pending={!previous}
                    kind={card.kind}
                    better={card.better}
                    label={compareLabel}
                  />
                )}
              </>
            )}
          </div>
        );
      })}
    </section>
  );
}

function ChangeLine({
  current,
  previous,
  pending,
  kind,
  better,
  label,
}: {
  current: number | null;
  previous: number | null;
  pending: boolean;
  kind: 'relative' | 'points';
  better: 'up' | 'down' | null;
  label: string;
}) {
  if (pending) return <Skeleton className="mt-2 h-3.5 w-28" />;
  const c = change(current, previous, kind);
  if (!c)
    return (
      <p className="mt-1.5 text-xs text-slate-500 sm:truncate" data-testid="change">
        No figure for the {label}
      </p>
    );
  // A change too small to act on (under 2 %, or half a percentage point) stays grey: a red
  // "▲ 0.1 %" would be noise, and colour is for what needs a look.
  const notable = c.size >= (kind === 'points' ? 0.5 : 0.02);
  const good = better === null || c.direction === 0 || !notable ? null : (c.direction === 1) === (better === 'up');
  const arrow = c.direction === 1 ? '▲' : c.direction === -1 ? '▼' : '';
  return (
    <p
      className={cx(
        'mt-1.5 text-xs sm:truncate',
        good === null ? 'text-slate-500' : good ? 'text-emerald-700' : 'text-red-700',
      )}
      data-testid="change"
      data-good={good === null ? undefined : String(good)}
      title={kind === 'points' ? 'Change in percentage points' : undefined}
    >
      <span className="font-medium tabular-nums">
        {arrow ? `${arrow} ` : ''}
        {c.direction === 0 ? 'No change' : c.text}
      </span>{' '}
      vs {label}
    </p>
  );
}
