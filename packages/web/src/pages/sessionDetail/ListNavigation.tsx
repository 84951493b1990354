import type { Session } from '@switchboard/contracts';
import { ChevronLeft, ChevronRight } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { useNavigate } from 'react-router-dom';
import { PAGE_SIZE } from '../../api/client';
import { useSessionsQuery } from '../../api/queries';
import { Button } from '../../components/ui';
import { parseListParams } from '../../lib/filters';

/**
 * Previous and next session of the list the detail was opened from, with its filters and sort
 * (and across its pages): an operator goes through "failed, newest first" one session at a time.
 * The list's URL travels in the router state, so "Back to sessions" returns to the page of the
 * session last shown.
 */
export function ListNavigation({ id, from }: { id: string; from: string }) {
  const navigate = useNavigate();
  const url = new URL(from, window.location.origin);
  const onList = url.pathname === '/';
  const params = parseListParams(url.searchParams);
  const list = useSessionsQuery(params);
  const rows = list.data?.data ?? [];
  const at = rows.findIndex((s) => s.id === id);
  const total = list.data?.pagination.total ?? 0;
  const lastPage = Math.max(1, Math.ceil(total / PAGE_SIZE));
  // The neighbouring page only when the session sits at an edge of its own.
  const needNext = onList && at >= 0 && at === rows.length - 1 && params.page < lastPage;
  const needPrev = onList && at === 0 && params.page > 1;
  const nextPage = useSessionsQuery({ ...params, page: needNext ? params.page + 1 : params.page });
  const prevPage = useSessionsQuery({ ...params, page: needPrev ? params.page - 1 : params.page });
  // The review loop's keys: j next, k previous (not while typing). A key pressed again before the
  // page has caught up with the last one (the router renders a navigation as a transition) goes on
  // from the address, over the rows at hand, not from the session still on screen.
  const keys = useRef<{ j?: () => void; k?: () => void }>({});
  const walk = useRef<{ rows: Array<[Session, number]>; go: (s: Session, page: number) => void } | null>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (e.metaKey || e.ctrlKey || e.altKey || (e.key !== 'j' && e.key !== 'k')) return;
      if (el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName))) return;
      const step = e.key === 'j' ? 1 : -1;
      const addressed = decodeURIComponent(window.location.pathname.replace(/^\/sessions\//, ''));
      const rows = walk.current?.rows ?? [];
      const at = rows.findIndex(([s]) => s.id === addressed);
      const target = at >= 0 ? rows[at + step] : undefined;
      const run = target ? () => walk.current?.go(...target) : e.key === 'j' ? keys.current.j : keys.current.k;
      if (run) {
        e.preventDefault();
        run();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  keys.current = {};
  walk.current = null;
  // Where the session sat when the list last showed it: marking it reviewed in "Needs review"
  // takes it off the refetched list, and the loop must still go on to its neighbours.
  const seen = useRef<{
    id: string;
    prev: [Session, number] | null;
    next: [Session, number] | null;
    position: number;
  } | null>(null);
  if (!onList) return null;

  const pageUrl = (page: number) => {
    const sp = new URLSearchParams(url.searchParams);
    if (page > 1) sp.set('page', String(page));
    else sp.delete('page');
    const q = sp.toString();
    return q ? `/?${q}` : '/';
  };
  const go = (s: Session, page: number) => {
    const find = new URLSearchParams(window.location.search).get('find');
    navigate(`/sessions/${encodeURIComponent(s.id)}${find ? `?find=${encodeURIComponent(find)}` : ''}`, {
      state: { from: pageUrl(page) },
    });
  };
  if (at >= 0) {
    const prevHere: [Session, number] | null =
      at > 0
        ? [rows[at - 1], params.page]
        : needPrev && prevPage.data?.data.length
          ? [prevPage.data.data[prevPage.data.data.length - 1], params.page - 1]
          : null;
    const nextHere: [Session, number] | null =
      at < rows.length - 1
        ? [rows[at + 1], params.page]
        : needNext && nextPage.data?.data[0]
          ? [nextPage.data.data[0], params.page + 1]
          : null;
    seen.current = { id, prev: prevHere, next: nextHere, position: (params.page - 1) * PAGE_SIZE + at + 1 };
  }
  walk.current = {
    rows: [
      ...(needPrev ? (prevPage.data?.data ?? []).map((s): [Session, number] => [s, params.page - 1]) : []),
      ...rows.map((s): [Session, number] => [s, params.page]),
      ...(needNext ? (nextPage.data?.data ?? []).map((s): [Session, number] => [s, params.page + 1]) : []),
    ],
    go,
  };
  const here = seen.current?.id === id ? seen.current : null;
  if (!here) return null;
  const { prev, next, position } = here;
  keys.current = { j: next ? () => go(...next) : undefined, k: prev ? () => go(...prev) : undefined };

  return (
    <nav aria-label="Sessions of the list" className="flex items-center gap-1">
      <Button
        size="icon-sm"
        variant="ghost"
        aria-label="Previous session"
        title="Previous session in the list (k)"
        disabled={!prev}
        onClick={() => prev && go(...prev)}
      >
        <ChevronLeft className="size-4" aria-hidden="true" />
      </Button>
      <span className="text-xs whitespace-nowrap text-slate-500 tabular-nums" data-testid="list-position">
        {position.toLocaleString('en-US')} of {total.toLocaleString('en-US')}
      </span>
      <Button
        size="icon-sm"
        variant="ghost"
        aria-label="Next session"
        title="Next session in the list (j)"
        disabled={!next}
        onClick={() => next && go(...next)}
      >
        <ChevronRight className="size-4" aria-hidden="true" />
      </Button>
    </nav>
  );
}
