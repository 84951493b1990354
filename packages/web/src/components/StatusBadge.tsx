import type { Status } from '@switchboard/contracts';
import { STATUS_LABELS } from '../lib/vocab';
import { cx } from './ui';

const STYLES: Record<Status, { badge: string; dot: string }> = {
  active: { badge: 'border-green-200 bg-green-50 text-green-700', dot: 'bg-green-500' },
  completed: { badge: 'border-blue-200 bg-blue-50 text-blue-700', dot: 'bg-blue-500' },
  failed: { badge: 'border-red-200 bg-red-50 text-red-700', dot: 'bg-red-500' },
  cancelled: { badge: 'border-orange-200 bg-orange-50 text-orange-700', dot: 'bg-orange-500' },
};

export function StatusBadge({ status }: { status: Status }) {
  const style = STYLES[status] ?? { badge: 'border-slate-200 bg-slate-50 text-slate-700', dot: 'bg-slate-400' };
  return (
    <span
      data-status={status}
      className={cx(
        'inline-flex items-center gap-1.5 rounded-full border px-2.5 py-0.5 text-xs font-medium whitespace-nowrap',
        style.badge,
      )}
    >
      <span className="relative flex size-1.5" aria-hidden="true">
        {status === 'active' && (
          <span className={cx('absolute inline-flex size-full rounded-full animate-sb-ping', style.dot)} />
        )}
        <span className={cx('relative inline-flex size-1.5 rounded-full', style.dot)} />
      </span>
      {STATUS_LABELS[status] ?? status}
    </span>
  );
}
