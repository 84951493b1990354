import type { ElementType, HTMLAttributes, ReactNode } from 'react';
import { cx } from './cx';

export function Card({ className, children, ...rest }: HTMLAttributes<HTMLDivElement>) {
  return (
    <div className={cx('rounded-xl border border-slate-200 bg-white shadow-xs', className)} {...rest}>
      {children}
    </div>
  );
}

/** The title bar of a card: a small heading, and whatever sits at its right (counts, controls). */
export function CardHeader({
  title,
  as: Heading = 'h2',
  children,
}: {
  title: ReactNode;
  as?: ElementType;
  children?: ReactNode;
}) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 px-5 py-3.5">
      <Heading className="text-sm font-semibold text-slate-900">{title}</Heading>
      {children}
    </div>
  );
}
