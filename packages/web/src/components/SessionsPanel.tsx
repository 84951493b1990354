import type { Session } from '@switchboard/contracts';
import { ArrowUp, MessageSquare } from 'lucide-react';
import { type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { PAGE_SIZE } from '../api/client';
import { useNewSessions } from '../api/live';
import { useSessionsQuery } from '../api/queries';
import { useListParams } from '../lib/filters';
import { useMediaQuery, WIDE } from '../lib/useMediaQuery';
import { searchWords, wordsPattern } from '../lib/words';
import { Pagination } from './Pagination';
import { SessionList } from './SessionList';
import { type OptionalColumn, SessionsTable } from './SessionsTable';
import { Card, EmptyState, QueryState } from './ui';

/** Nobody has touched the list for this long: it may move. */
const IDLE_MS = 5_000;

/**
 * True once nobody has pointed at, scrolled, typed in or touched the page for `ms` (a pointer
 * resting over the list counts as looking at it); false again at the next such event.
 */
function useIdle(target: RefObject<HTMLElement | null>, ms: number): boolean {
  const [idle, setIdle] = useState(false);
  useEffect(() => {
    let timer = setTimeout(() => setIdle(true), ms);
    const busy = () => {
      clearTimeout(timer);
      setIdle(false);
      timer = setTimeout(() => setIdle(true), ms);
    };
    const events = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll'] as const;
    for (const e of events) window.addEventListener(e, busy, { passive: true });
    const el = target.current;
    el?.addEventListener('pointermove', busy, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const e of events) window.removeEventListener(e, busy);
      el?.removeEventListener('pointermove', busy);
    };
  }, [target, ms]);
  return idle;
}

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
  const fresh = useNewSessions();
  const panel = useRef<HTMLDivElement>(null);
  const idle = useIdle(panel, IDLE_MS);
  // Another filter, sort or page is a new list: what the old one had not shown is moot.
  const viewKey = JSON.stringify([filters, sort, page]);
  const { reset, showSoon } = fresh;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the view changes, by design
  useEffect(() => reset(), [viewKey, reset]);
  // At the top of the first page with nobody at the controls, new sessions come in by themselves
  // (no sooner than 10 s after the last refetch); anywhere else they wait for the bar.
  useEffect(() => {
    if (fresh.count > 0 && page === 1 && idle && window.scrollY < 80) showSoon();
  }, [fresh.count, page, idle, showSoon]);

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
    <div ref={panel}>
      <Card className="overflow-hidden" aria-busy={query.isFetching || undefined}>
        {fresh.count > 0 && (
          <div className="flex items-center justify-center border-b border-indigo-100 bg-indigo-50/70 px-3 py-1.5">
            <button
              type="button"
              onClick={() => fresh.show()}
              className="inline-flex items-center gap-1.5 rounded-full px-3 py-1 text-sm font-medium text-indigo-700 hover:bg-indigo-100"
              data-testid="new-sessions"
            >
              <ArrowUp className="size-4" aria-hidden="true" />
              {fresh.count === 1 ? '1 new session' : `${fresh.count.toLocaleString('en-US')} new sessions`} · Show
            </button>
          </div>
        )}
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
    </div>
  );
}
