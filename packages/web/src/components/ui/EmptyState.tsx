import type { LucideIcon } from 'lucide-react';
import type { HTMLAttributes, ReactNode } from 'react';
import { cx } from './cx';

/** What a list shows when it has nothing: an icon, a title, a line of advice and maybe an action. */
export function EmptyState({
  icon: Icon,
  title,
  action,
  className,
  children,
  ...rest
}: {
  icon: LucideIcon;
  title: string;
  action?: ReactNode;
} & HTMLAttributes<HTMLDivElement>) {
  return (
    <div className={cx('flex flex-col items-center justify-center px-6 text-center', className)} {...rest}>
      <span className="flex size-12 items-center justify-center rounded-full bg-slate-100">
        <Icon className="size-6 text-slate-400" aria-hidden="true" />
      </span>
      <h2 className="mt-3 text-base font-semibold text-slate-900">{title}</h2>
      <p className="mt-1 max-w-md text-sm text-slate-500">{children}</p>
      {action && <div className="mt-4">{action}</div>}
    </div>
  );
}
