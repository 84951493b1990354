import { useIsFetching, useQueryClient } from '@tanstack/react-query';
import { RefreshCw } from 'lucide-react';
import { Button, cx } from './ui';

export const REFRESH_INTERVAL_MS = 10_000;

export function AutoRefreshToggle({ on, onChange }: { on: boolean; onChange: (on: boolean) => void }) {
  return (
    <button
      type="button"
      aria-pressed={on}
      onClick={() => onChange(!on)}
      title={
        on ? 'Updating every 10 seconds — click to pause' : 'Auto-refresh is off — click to update every 10 seconds'
      }
      className={cx(
        'inline-flex h-9 items-center gap-2 rounded-lg border px-3 text-sm font-medium shadow-xs transition-colors',
        on
          ? 'border-green-200 bg-green-50 text-green-800 hover:bg-green-100'
          : 'border-slate-300 bg-white text-slate-600 hover:bg-slate-50',
      )}
    >
      <span className="relative flex size-2" aria-hidden="true">
        {on && <span className="absolute inline-flex size-full rounded-full bg-green-500 animate-sb-ping" />}
        <span className={cx('relative inline-flex size-2 rounded-full', on ? 'bg-green-500' : 'bg-slate-300')} />
      </span>
      Auto-refresh {on ? 'on' : 'off'}
    </button>
  );
}

export function RefreshButton() {
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
