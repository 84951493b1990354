import type { SessionDetail, SessionEvent } from '@switchboard/contracts';
import { AlertTriangle } from 'lucide-react';
import { StatusBadge } from '../../components/StatusBadge';
import { dateTime } from '../../lib/format';

/** The message of an error event: `data.message`, else `data.error` (a string or `{message}`). */
export function errorMessage(e: SessionEvent): string | null {
  const d = e.data ?? {};
  if (typeof d.message === 'string' && d.message) return d.message;
  if (typeof d.error === 'string' && d.error) return d.error;
  if (d.error && typeof d.error === 'object' && typeof (d.error as { message?: unknown }).message === 'string')
    return (d.error as { message: string }).message;
  return null;
}

/**
 * What went wrong, first: a failed session opens on its status, why it ended and the last error
 * it reported, before the figures and the transcript that explain it.
 */
export function FailureSummary({ session: s, events }: { session: SessionDetail; events: SessionEvent[] }) {
  const errors = events.filter((e) => e.type === 'error' || e.type.endsWith('.error') || e.type.endsWith('_error'));
  const last = errors.at(-1);
  const message = last ? errorMessage(last) : null;
  return (
    <section
      aria-label="Why this session failed"
      className="mb-6 rounded-xl border border-red-200 bg-red-50 px-4 py-3.5 sm:px-5"
      data-testid="failure-summary"
    >
      <div className="flex items-start gap-3">
        <AlertTriangle className="mt-0.5 size-5 shrink-0 text-red-600" aria-hidden="true" />
        <div className="min-w-0 flex-1 space-y-1.5 text-sm">
          <p className="flex flex-wrap items-center gap-2 font-medium text-red-900">
            <StatusBadge status={s.status} />
            {s.endedAt && <span className="font-normal text-red-800">ended {dateTime(s.endedAt)}</span>}
          </p>
          <p className="text-red-900">
            <span className="font-medium">Ended reason: </span>
            {s.endedReason ? (
              <code className="rounded bg-white/70 px-1.5 py-0.5 font-mono text-xs break-all">{s.endedReason}</code>
            ) : (
              <span className="text-red-800">none given</span>
            )}
          </p>
          <p className="text-red-900" data-testid="last-error">
            <span className="font-medium">Last error: </span>
            {last ? (
              <>
                <span className="break-words">{message ?? last.type}</span>
                <span className="ml-1.5 text-xs text-red-800">({dateTime(last.timestamp)})</span>
              </>
            ) : (
              <span className="text-red-800">no error event recorded</span>
            )}
          </p>
        </div>
      </div>
    </section>
  );
}
