import { Bookmark } from 'lucide-react';
import { NavLink, useLocation } from 'react-router-dom';
import { useViewsQuery } from '../api/review';
import { cx } from './ui';

/** The organization's saved views, each a link to the Sessions page with its query. */
export function SavedViewsNav({ onNavigate }: { onNavigate: () => void }) {
  const views = useViewsQuery();
  const location = useLocation();
  if (!views.data?.length) return null;
  const here = location.pathname === '/' ? location.search.replace(/^\?/, '') : null;
  return (
    <>
      <p className="px-3 pt-5 pb-2 text-[11px] font-semibold tracking-wider text-slate-500 uppercase">Views</p>
      <ul aria-label="Saved views" data-testid="saved-views" className="flex flex-col gap-0.5">
        {views.data.map((v) => {
          const active = here !== null && here === v.query;
          return (
            <li key={v.id}>
              <NavLink
                to={v.query ? `/?${v.query}` : '/'}
                onClick={onNavigate}
                aria-current={active ? 'page' : undefined}
                className={cx(
                  'flex items-center gap-2.5 rounded-lg px-3 py-1.5 text-sm font-medium transition-colors',
                  active ? 'bg-indigo-50 text-indigo-700' : 'text-slate-600 hover:bg-slate-50 hover:text-slate-900',
                )}
              >
                <Bookmark className={cx('size-4', active ? 'text-indigo-600' : 'text-slate-400')} aria-hidden="true" />
                <span className="truncate">{v.name}</span>
              </NavLink>
            </li>
          );
        })}
      </ul>
    </>
  );
}
