/** The parts of a data table every list repeats: the header row, its cells and the row dividers. */
import type { HTMLAttributes, ReactNode, ThHTMLAttributes } from 'react';
import { cx } from './cx';

export function THead({ children }: { children: ReactNode }) {
  return (
    // Bottom-aligned: a header that wraps onto two lines keeps its neighbours on its last line.
    <thead className="border-b border-slate-200 bg-slate-50/80 [&_th]:align-bottom">
      <tr>{children}</tr>
    </thead>
  );
}

interface ThProps extends Omit<ThHTMLAttributes<HTMLTableCellElement>, 'align'> {
  align?: 'left' | 'right';
  /** Narrower side padding, for tables with many columns. */
  compact?: boolean;
  /** Narrower still and in sentence case, for tables of figures (the agents table). */
  dense?: boolean;
}

export function Th({ align = 'left', compact, dense, className, children, ...rest }: ThProps) {
  return (
    <th
      scope="col"
      className={cx(
        'py-3 text-xs font-semibold text-slate-500',
        // Dense: a table of figures, whose many narrow columns cannot afford capitals.
        dense ? 'px-2.5' : compact ? 'px-4 tracking-wide uppercase' : 'px-5 tracking-wide uppercase',
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
