/** The parts of a data table every list repeats: the header row, its cells and the row dividers. */
import type { HTMLAttributes, ReactNode, ThHTMLAttributes } from 'react';
import { cx } from './cx';

export function THead({ children }: { children: ReactNode }) {
  return (
    <thead className="border-b border-slate-200 bg-slate-50/80">
      <tr>{children}</tr>
    </thead>
  );
}

interface ThProps extends Omit<ThHTMLAttributes<HTMLTableCellElement>, 'align'> {
  align?: 'left' | 'right';
  /** Narrower side padding, for tables with many columns. */
  compact?: boolean;
}

export function Th({ align = 'left', compact, className, children, ...rest }: ThProps) {
  return (
    <th
      scope="col"
      className={cx(
        'py-3 text-xs font-semibold tracking-wide text-slate-500 uppercase',
        compact ? 'px-4' : 'px-5',
        align === 'right' ? 'text-right' : 'text-left',
        className,
      )}
      {...rest}
    >
      {children}
    </th>
  );
}

export function TBody({ className, ...rest }: HTMLAttributes<HTMLTableSectionElement>) {
  return <tbody className={cx('divide-y divide-slate-100', className)} {...rest} />;
}
