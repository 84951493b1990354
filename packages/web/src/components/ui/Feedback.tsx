/** Loading and failure: the skeleton, the spinner and the error box every page shows the same way. */
import { AlertTriangle, RefreshCw } from 'lucide-react';
import type { HTMLAttributes, ReactNode } from 'react';
import { cx } from './cx';

export function Skeleton({ className }: { className?: string }) {
  return <span aria-hidden="true" className={cx('block animate-pulse rounded-md bg-slate-200/80', className)} />;
}

export function Spinner({ label, className, ...rest }: { label: string } & HTMLAttributes<HTMLDivElement>) {
  return (
    <div
      role="status"
      className={cx('flex items-center justify-center gap-2.5 text-sm text-slate-500', className)}
      {...rest}
    >
      <RefreshCw className="size-5 animate-spin text-indigo-500" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function ErrorAlert({
  title,
  message,
  action,
  className,
  children,
}: {
  title?: ReactNode;
  message: ReactNode;
  /** A control at the right, e.g. Retry. */
  action?: ReactNode;
  className?: string;
  /** More detail under the message (the field errors of a problem document). */
  children?: ReactNode;
}) {
  return (
    <div
      role="alert"
      className={cx('flex items-start gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm', className)}
    >
      <AlertTriangle className="mt-0.5 size-4 shrink-0 text-red-500" aria-hidden="true" />
      <div className="min-w-0 flex-1">
        {title && <p className="font-medium text-red-800">{title}</p>}
        <p className="text-red-700">{message}</p>
        {children}
      </div>
      {action}
    </div>
  );
}
