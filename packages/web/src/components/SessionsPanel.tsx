import type { Session } from '@switchboard/contracts';
import { MessageSquare } from 'lucide-react';
import { useEffect, useMemo } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { PAGE_SIZE } from '../api/client';
import { useSessionsQuery } from '../api/queries';
import { useListParams } from '../lib/filters';
import { useMediaQuery, WIDE } from '../lib/useMediaQuery';
import { searchWords, wordsPattern } from '../lib/words';
import { Pagination } from './Pagination';
import { SessionList } from './SessionList';
import { type OptionalColumn, SessionsTable } from './SessionsTable';
import { Card, EmptyState, QueryState } from './ui';

/** Fetching, loading, empty and paging around `SessionsTable`. */
export function SessionsPanel({
  refetchInterval,
  columns,
}: {
  refetchInterval: number | false;
  columns: OptionalColumn[];
}) {
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

  // A table where there is room for its columns, a list of cards on a phone.
  const wide = useMediaQuery(WIDE);
  const linkState = { from: location.pathname + location.search };
  // A transcript search carries on into the detail, which opens on the first match.
  const find = filters.transcript.trim();
  const detailSuffix = find ? `?find=${encodeURIComponent(find)}` : '';
  const open = (s: Session) => navigate(`/sessions/${encodeURIComponent(s.id)}${detailSuffix}`, { state: linkState });
  const pattern = useMemo(() => wordsPattern(searchWords(find)), [find]);
  const matches = useMemo(() => {
    const bySession = new Map<string, NonNullable<typeof query.data>['matches'] & object>();
    for (const m of query.data?.matches ?? []) {
      const list = bySession.get(m.sessionId);
      if (list) list.push(m);
      else bySession.set(m.sessionId, [m]);
    }
    return bySession;
  }, [query.data]);

  return (
    <Card className="overflow-hidden" aria-busy={query.isFetching || undefined}>
      <QueryState
        query={query}
        label="Loading sessions..."
        errorTitle="Could not load sessions"
        className="min-h-96"
        testId="sessions-loading"
        errorClassName="p-6"
        // Past the last page (a shared link, after sessions were filtered away) is not "empty":
        // the effect above moves to the last page.
        isEmpty={(data) => data.data.length === 0 && !(page > pages)}
        empty={
          <EmptyState
            icon={MessageSquare}
            title="No sessions found"
            className="min-h-96 py-16"
            data-testid="sessions-empty"
          >
            Try adjusting your filters or check back later.
          </EmptyState>
        }
      >
        {(data) => (
          <>
            {wide ? (
              <div className="relative overflow-x-auto">
                <SessionsTable
                  sessions={data.data}
                  sort={sort}
                  onSort={setSort}
                  onOpen={open}
                  linkState={linkState}
                  dimmed={query.isPlaceholderData}
                  columns={columns}
                  matches={matches}
                  pattern={pattern}
                  detailSuffix={detailSuffix}
                />
              </div>
            ) : (
              <SessionList
                sessions={data.data}
                onOpen={open}
                linkState={linkState}
                dimmed={query.isPlaceholderData}
                columns={columns}
                matches={matches}
                pattern={pattern}
                detailSuffix={detailSuffix}
              />
            )}
            <Pagination
              page={page}
              pageSize={PAGE_SIZE}
              total={total}
              offset={data.pagination.offset}
              shown={data.data.length}
              onPage={setPage}
            />
          </>
        )}
      </QueryState>
    </Card>
  );
}
