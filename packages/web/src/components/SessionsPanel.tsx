import type { Session } from '@switchboard/contracts';
import { MessageSquare } from 'lucide-react';
import { useEffect } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { PAGE_SIZE } from '../api/client';
import { useSessionsQuery } from '../api/queries';
import { useListParams } from '../lib/filters';
import { Pagination } from './Pagination';
import { SessionsTable } from './SessionsTable';
import { Button, Card, ErrorAlert, Spinner } from './ui';

/** Fetching, loading, empty and paging around `SessionsTable`. */
export function SessionsPanel({ refetchInterval }: { refetchInterval: number | false }) {
  const { filters, sort, page, setSort, setPage } = useListParams();
  const query = useSessionsQuery({ filters, sort, page }, { refetchInterval });
  const navigate = useNavigate();
  const location = useLocation();

  const total = query.data?.pagination.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  // A shared link can point past the last page once sessions are filtered away.
  useEffect(() => {
    if (query.data && !query.isPlaceholderData && page > pages) setPage(pages);
  }, [query.data, query.isPlaceholderData, page, pages, setPage]);

  const open = (s: Session) =>
    navigate(`/sessions/${encodeURIComponent(s.id)}`, { state: { from: location.pathname + location.search } });

  let body: React.ReactNode;
  if (query.isPending) {
    body = (
      <div className="flex min-h-96 items-center justify-center" data-testid="sessions-loading">
        <Spinner label="Loading sessions..." />
      </div>
    );
  } else if (query.isError && !query.data) {
    body = (
      <div className="p-6">
        <ErrorAlert
          title="Could not load sessions"
          message={query.error.message}
          action={
            <Button size="sm" onClick={() => query.refetch()}>
              Retry
            </Button>
          }
        />
      </div>
    );
  } else if (query.data && query.data.data.length === 0 && !(page > pages)) {
    body = <EmptyState />;
  } else if (query.data) {
    body = (
      <>
        <div className="overflow-x-auto">
          <SessionsTable
            sessions={query.data.data}
            sort={sort}
            onSort={setSort}
            onOpen={open}
            linkState={{ from: location.pathname + location.search }}
            dimmed={query.isPlaceholderData}
          />
        </div>
        <Pagination
          page={page}
          pageSize={PAGE_SIZE}
          total={total}
          offset={query.data.pagination.offset}
          shown={query.data.data.length}
          onPage={setPage}
        />
      </>
    );
  }

  return (
    <Card className="overflow-hidden" aria-busy={query.isFetching || undefined}>
      {query.isError && query.data && (
        <div className="border-b border-red-100 p-3">
          <ErrorAlert message={`Refresh failed: ${query.error.message}`} />
        </div>
      )}
      {body}
    </Card>
  );
}

function EmptyState() {
  return (
    <div
      className="flex min-h-96 flex-col items-center justify-center px-6 py-16 text-center"
      data-testid="sessions-empty"
    >
      <span className="flex size-14 items-center justify-center rounded-full bg-slate-100">
        <MessageSquare className="size-6 text-slate-400" aria-hidden="true" />
      </span>
      <h2 className="mt-4 text-base font-semibold text-slate-900">No sessions found</h2>
      <p className="mt-1 text-sm text-slate-500">Try adjusting your filters or check back later.</p>
    </div>
  );
}
