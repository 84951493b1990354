import { Bookmark, Layers } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { useLocation } from 'react-router-dom';
import { useBulkMutation, useJobQuery, useSaveViewMutation } from '../api/review';
import { filterQueryString } from '../lib/filters';
import { JobProgress } from './JobProgress';
import { Popover } from './Popover';
import { Button } from './ui';

const TAG_RE = /^[a-z0-9][a-z0-9_.:-]{0,39}$/;
const inputClass =
  'h-8 min-w-0 flex-1 rounded-lg border border-slate-300 bg-white px-2.5 text-sm text-slate-900 placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none';

/** The current filters as the API's query string (no `?`), without sort or page. */
const currentFilters = (search: string) => filterQueryString(new URLSearchParams(search)).replace(/^\?/, '');

/**
 * "Apply to all N matching": tag or mark every session the current filters match (the server's
 * bulk job, on exactly the sessions that match when it starts), with its progress.
 */
export function BulkActions({ total }: { total: number }) {
  const location = useLocation();
  const bulk = useBulkMutation();
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJobQuery(jobId);
  const [tag, setTag] = useState('');
  const [error, setError] = useState('');
  const start = (action: { addTags?: string[]; review?: boolean }) => {
    setError('');
    bulk.mutate({ filters: currentFilters(location.search), action }, { onSuccess: (r) => setJobId(r.jobId) });
  };
  const addTag = (e: FormEvent) => {
    e.preventDefault();
    const t = tag.trim().toLowerCase();
    if (!TAG_RE.test(t)) return setError('Letters, digits and _ . : - only, starting with a letter or digit.');
    start({ addTags: [t] });
  };
  const j = job.data;
  return (
    <Popover
      label="Bulk actions"
      align="right"
      buttonClassName="inline-flex h-9 items-center gap-2 rounded-lg border border-slate-300 bg-white px-3 text-sm font-medium text-slate-700 shadow-xs transition-colors hover:bg-slate-50"
      trigger={
        <>
          <Layers className="size-4" aria-hidden="true" />
          Bulk
        </>
      }
    >
      {() => (
        <div className="flex w-72 max-w-full flex-col gap-3 p-3" data-testid="bulk-panel">
          <p className="text-sm text-slate-700">
            Apply to all <strong className="tabular-nums">{total.toLocaleString('en-US')}</strong> matching sessions
          </p>
          <form onSubmit={addTag} className="flex gap-2">
            <input
              value={tag}
              onChange={(e) => setTag(e.target.value)}
              aria-label="Tag to add"
              placeholder="tag"
              className={inputClass}
            />
            <Button size="sm" type="submit" disabled={bulk.isPending || total === 0}>
              Add tag
            </Button>
          </form>
          <Button size="sm" disabled={bulk.isPending || total === 0} onClick={() => start({ review: true })}>
            Mark all reviewed
          </Button>
          {(error || bulk.error) && (
            <p role="alert" className="text-xs text-red-700">
              {error || bulk.error?.message}
            </p>
          )}
          {j && <JobProgress job={j} label="Bulk action progress" testId="bulk" />}
        </div>
      )}
    </Popover>
  );
}

/** Saves the current filters as a view the whole organization sees in the navigation. */
export function SaveViewButton() {
  const location = useLocation();
  const save = useSaveViewMutation();
  const [name, setName] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    save.mutate({ name: name.trim(), query: currentFilters(location.search) }, { onSuccess: () => setName('') });
  };
  return (
    <Popover
      label="Save view"
      align="right"
      buttonClassName="inline-flex h-9 items-center gap-2 rounded-lg border border-slate-300 bg-white px-3 text-sm font-medium text-slate-700 shadow-xs transition-colors hover:bg-slate-50"
      trigger={
        <>
          <Bookmark className="size-4" aria-hidden="true" />
          Save view
        </>
      }
    >
      {() => (
        <form onSubmit={submit} className="flex w-64 max-w-full flex-col gap-2 p-3">
          <label className="text-xs font-medium text-slate-600" htmlFor="view-name">
            Name of this view (its filters are shared with your organization)
          </label>
          <div className="flex gap-2">
            <input
              id="view-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={128}
              className={inputClass}
            />
            <Button size="sm" type="submit" disabled={save.isPending || !name.trim()}>
              Save
            </Button>
          </div>
          {save.isSuccess && <p className="text-xs text-green-700">Saved: it is in the navigation.</p>}
          {save.error && (
            <p role="alert" className="text-xs text-red-700">
              {save.error.message}
            </p>
          )}
        </form>
      )}
    </Popover>
  );
}
