import { X } from 'lucide-react';
import { isRefused } from '../api/client';
import { useEffect } from 'react';
import { useListRefetchInterval, useNewSessions, useRefetchInterval } from '../api/live';
import { useMetricsQuery, useSessionsQuery } from '../api/queries';
import { ColumnPicker } from '../components/ColumnPicker';
import { BulkActions, SaveViewButton } from '../components/ReviewActions';
import { ExportButtons } from '../components/ExportButtons';
import { FilterBar } from '../components/FilterBar';
import { MetricCards } from '../components/MetricCards';
import { Onboarding } from '../components/Onboarding';
import { SessionsPanel } from '../components/SessionsPanel';
import { OPTIONAL_COLUMN_IDS } from '../components/SessionsTable';
import { LiveControls } from '../components/RefreshControls';
import { fieldPath } from '../components/ProblemAlert';
import { Button, ErrorAlert, PageHeader } from '../components/ui';
import { hasActiveFilters, useListParams } from '../lib/filters';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useLocalStorageList } from '../lib/useLocalStorage';

export default function SessionsPage() {
  useDocumentTitle('Sessions');
  const { filters, sort, page, clearFilters } = useListParams();
  const refetchInterval = useRefetchInterval();
  // The list moves only when asked (or idle at the top): the stream reports what is new.
  const listInterval = useListRefetchInterval();
  const metrics = useMetricsQuery(filters, { refetchInterval });
  // Which columns a person added is theirs, not the view's: kept in this browser, not the URL.
  const [columns, setColumns] = useLocalStorageList('switchboard.sessions.columns', OPTIONAL_COLUMN_IDS, []);
  // The same query (and cache entry) as the table's: with no filter set, none found means the
  // organization has no sessions at all, and the page shows how to send the first one instead.
  const list = useSessionsQuery({ filters, sort, page }, { refetchInterval: listInterval });
  const refused = isRefused(list.error) ? list.error : isRefused(metrics.error) ? metrics.error : null;
  const firstStart = !hasActiveFilters(filters) && !list.isPlaceholderData && list.data?.pagination.total === 0;

  // The first session of a new organization replaces the steps at once: there is no list
  // under anyone's eyes to keep still.
  const fresh = useNewSessions();
  const { count: newCount, show: showNew } = fresh;
  useEffect(() => {
    if (firstStart && newCount > 0) showNew();
  }, [firstStart, newCount, showNew]);

  if (firstStart) {
    return (
      <>
        <PageHeader title="Sessions" subtitle="Monitor live and past conversations across every agent and channel." />
        <Onboarding />
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Sessions"
        subtitle="Monitor live and past conversations across every agent and channel."
        actions={<LiveControls />}
      />
      <FilterBar />
      {refused ? (
        // The list and the metrics ask with the same filters and are refused for the same reason:
        // said once, in the server's words, with the way out instead of a Retry that would fail.
        <ErrorAlert
          title="The server refused these filters"
          message={refused.message}
          action={
            <Button size="sm" onClick={() => clearFilters()}>
              <X className="size-4" aria-hidden="true" />
              Clear filters
            </Button>
          }
          className="mb-6"
        >
          {/* One bad field is the message itself; several are listed under it. */}
          {(refused.problem?.errors?.length ?? 0) > 1 && (
            <ul className="mt-1.5 list-disc space-y-0.5 pl-5 text-red-700" data-testid="field-errors">
              {refused.problem?.errors?.map((e) => (
                <li key={`${e.path}:${e.message}`}>
                  <code className="font-mono text-xs">{fieldPath(e.path) || 'query'}</code> {e.message}
                </li>
              ))}
            </ul>
          )}
        </ErrorAlert>
      ) : null}
      {refused ? null : metrics.isError ? (
        <ErrorAlert className="mb-6" title="Could not load metrics" message={metrics.error.message} />
      ) : (
        <MetricCards metrics={metrics.data} loading={metrics.isPending} />
      )}
      {!refused && (
        <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
          <h2 className="text-base font-semibold text-slate-900">Session history</h2>
          <div className="flex flex-wrap items-center gap-2">
            <SaveViewButton />
            <BulkActions total={list.data?.pagination.total ?? 0} />
            <ColumnPicker selected={columns} onChange={setColumns} />
            <ExportButtons filters={filters} sort={sort} />
          </div>
        </div>
      )}
      {!refused && <SessionsPanel refetchInterval={listInterval} columns={columns} />}
    </>
  );
}
