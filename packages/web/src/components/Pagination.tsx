import { ChevronLeft, ChevronRight } from 'lucide-react';
import { number } from '../lib/format';
import { Button, cx } from './ui';

/** Up to five page numbers centred on the current page. */
function pageWindow(page: number, pages: number, size = 5): number[] {
  const count = Math.min(size, pages);
  let start = Math.max(1, page - Math.floor(size / 2));
  start = Math.min(start, Math.max(1, pages - count + 1));
  return Array.from({ length: count }, (_, i) => start + i);
}

export function Pagination({
  page,
  pageSize,
  total,
  offset,
  shown,
  onPage,
}: {
  page: number;
  pageSize: number;
  total: number;
  /** Offset and row count of the rows on screen (which lag `page` while the next page loads). */
  offset: number;
  shown: number;
  onPage: (page: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = shown === 0 ? 0 : offset + 1;
  const last = offset + shown;
  return (
    <nav
      aria-label="Pagination"
      className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-200 px-4 py-3"
    >
      <p className="text-sm text-slate-600" aria-live="polite" data-testid="pagination-summary">
        Showing <span className="font-medium text-slate-900">{number.format(first)}</span> to{' '}
        <span className="font-medium text-slate-900">{number.format(last)}</span> of{' '}
        <span className="font-medium text-slate-900">{number.format(total)}</span> sessions
      </p>
      <div className="flex items-center gap-1">
        <Button size="sm" onClick={() => onPage(page - 1)} disabled={page <= 1} aria-label="Previous page">
          <ChevronLeft className="size-4" aria-hidden="true" />
          Previous
        </Button>
        {pageWindow(page, pages).map((p) => (
          <button
            key={p}
            type="button"
            onClick={() => onPage(p)}
            aria-label={`Page ${p}`}
            aria-current={p === page ? 'page' : undefined}
            className={cx(
              'inline-flex h-8 min-w-8 items-center justify-center rounded-lg px-2 text-xs font-medium tabular-nums transition-colors',
              p === page
                ? 'bg-indigo-600 text-white shadow-sm'
                : 'border border-transparent text-slate-600 hover:border-slate-200 hover:bg-slate-50',
            )}
          >
            {p}
          </button>
        ))}
        <Button size="sm" onClick={() => onPage(page + 1)} disabled={page >= pages} aria-label="Next page">
          Next
          <ChevronRight className="size-4" aria-hidden="true" />
        </Button>
      </div>
    </nav>
  );
}
