import { useIsFetching, useQueryClient } from '@tanstack/react-query';
import { Pause, Play, RefreshCw } from 'lucide-react';
import { type LiveStatus, POLL_MS, useLive } from '../api/live';
import { Button, cx } from './ui';

const INDICATOR: Record<LiveStatus, { label: string; title: string; className: string; dot: string; pulse: boolean }> =
  {
    live: {
      label: 'Live',
      title: 'Connected to the live stream: changes appear as they happen',
      className: 'border-green-200 bg-green-50 text-green-800',
      dot: 'bg-green-500',
      pulse: true,
    },
    connecting: {
      label: 'Connecting…',
      title: 'Connecting to the live stream; polling every 10 seconds meanwhile',
      className: 'border-slate-200 bg-white text-slate-600',
      dot: 'bg-slate-400',
      pulse: false,
    },
    polling: {
      label: `Polling every ${POLL_MS / 1000} s`,
      title: 'The live stream is unavailable; refreshing every 10 seconds until it is back',
      className: 'border-amber-200 bg-amber-50 text-amber-800',
      dot: 'bg-amber-500',
      pulse: false,
    },
    paused: {
      label: 'Paused',
      title: 'Auto-refresh is off: the view only changes when you refresh it',
      className: 'border-slate-200 bg-slate-50 text-slate-500',
      dot: 'bg-slate-300',
      pulse: false,
    },
  };

/** "Live" with a pulse, "Polling every 10 s" or "Paused"; a status region, so changes are announced. */
export function LiveIndicator() {
  const { status } = useLive();
  const s = INDICATOR[status];
  return (
    <span
      role="status"
      data-testid="live-indicator"
      data-status={status}
      title={s.title}
      className={cx(
        'inline-flex h-9 items-center gap-2 rounded-lg border px-3 text-sm font-medium whitespace-nowrap',
        s.className,
      )}
    >
      <span className="relative flex size-2" aria-hidden="true">
        {s.pulse && <span className="absolute inline-flex size-full rounded-full bg-green-500 animate-sb-ping" />}
        <span className={cx('relative inline-flex size-2 rounded-full', s.dot)} />
      </span>
      {s.label}
    </span>
  );
}

export function AutoRefreshToggle() {
  const { autoRefresh: on, setAutoRefresh } = useLive();
  const Icon = on ? Pause : Play;
  return (
    <button
      type="button"
      aria-pressed={on}
      onClick={() => setAutoRefresh(!on)}
      title={
        on ? 'Auto-refresh is on — click to freeze the view' : 'Auto-refresh is off — click to follow live changes'
      }
      className={cx(
        'inline-flex h-9 items-center gap-2 rounded-lg border px-3 text-sm font-medium shadow-xs transition-colors',
        on
          ? 'border-slate-300 bg-white text-slate-700 hover:bg-slate-50'
          : 'border-indigo-200 bg-indigo-50 text-indigo-700 hover:bg-indigo-100',
      )}
    >
      <Icon className="size-3.5" aria-hidden="true" />
      Auto-refresh {on ? 'on' : 'off'}
    </button>
  );
}

function RefreshButton() {
  const qc = useQueryClient();
  const fetching = useIsFetching({ queryKey: ['sessions'] }) > 0;
  return (
    <Button
      aria-label="Refresh now"
      title="Refresh now"
      size="icon"
      onClick={() => qc.invalidateQueries({ queryKey: ['sessions'] })}
    >
      <RefreshCw className={cx('size-4', fetching && 'animate-spin')} aria-hidden="true" />
    </Button>
  );
}

/** The header's live controls: indicator, auto-refresh toggle and manual refresh. */
export function LiveControls() {
  return (
    <>
      <LiveIndicator />
      <AutoRefreshToggle />
      <RefreshButton />
    </>
  );
}
