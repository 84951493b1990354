import type { Job } from '@switchboard/client';

/** A background job's progress bar and status line (bulk actions, redaction applied again). */
export function JobProgress({ job, label, testId }: { job: Job; label: string; testId: string }) {
  const pct = job.total
    ? Math.round((100 * (job.done + job.failed)) / job.total)
    : job.status === 'succeeded'
      ? 100
      : 0;
  return (
    <div data-testid={`${testId}-progress`}>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        className="h-2 overflow-hidden rounded-full bg-slate-100"
      >
        <div className="h-full rounded-full bg-indigo-600 transition-all" style={{ width: `${pct}%` }} />
      </div>
      <p className="mt-1 text-xs text-slate-600 tabular-nums" data-testid={`${testId}-status`}>
        {job.status === 'succeeded'
          ? `Done: ${job.done.toLocaleString('en-US')} sessions${job.failed ? `, ${job.failed} gone` : ''}`
          : job.status === 'failed'
            ? `Stopped: ${job.error ?? 'failed'}`
            : `${(job.done + job.failed).toLocaleString('en-US')} of ${(job.total ?? 0).toLocaleString('en-US')}…`}
      </p>
    </div>
  );
}
