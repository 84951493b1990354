import { useRefetchInterval } from '../api/live';
import { useMetricsQuery, useSessionsQuery } from '../api/queries';
import { ColumnPicker } from '../components/ColumnPicker';
import { ExportButtons } from '../components/ExportButtons';
import { FilterBar } from '../components/FilterBar';
import { MetricCards } from '../components/MetricCards';
import { Onboarding } from '../components/Onboarding';
import { SessionsPanel } from '../components/SessionsPanel';
import { OPTIONAL_COLUMN_IDS } from '../components/SessionsTable';
import { LiveControls } from '../components/RefreshControls';
import { ErrorAlert, PageHeader } from '../components/ui';
import { hasActiveFilters, useListParams } from '../lib/filters';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useLocalStorageList } from '../lib/useLocalStorage';

export default function SessionsPage() {
  useDocumentTitle('Sessions');
  const { filters, sort, page } = useListParams();
  const refetchInterval = useRefetchInterval();
  const metrics = useMetricsQuery(filters, { refetchInterval });
  // Which columns a person added is theirs, not the view's: kept in this browser, not the URL.
  const [columns, setColumns] = useLocalStorageList('switchboard.sessions.columns', OPTIONAL_COLUMN_IDS, []);
  // The same query (and cache entry) as the table's: with no filter set, none found means the
  // organization has no sessions at all, and the page shows how to send the first one instead.
  const list = useSessionsQuery({ filters, sort, page }, { refetchInterval });
  const firstStart = !hasActiveFilters(filters) && !list.isPlaceholderData && list.data?.pagination.total === 0;

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
      {metrics.isError ? (
        <ErrorAlert className="mb-6" title="Could not load metrics" message={metrics.error.message} />
      ) : (
        <MetricCards metrics={metrics.data} loading={metrics.isPending} />
      )}
      <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-base font-semibold text-slate-900">Session history</h2>
        <div className="flex flex-wrap items-center gap-2">
          <ColumnPicker selected={columns} onChange={setColumns} />
          <ExportButtons filters={filters} sort={sort} />
        </div>
      </div>
      <SessionsPanel refetchInterval={refetchInterval} columns={columns} />
    </>
  );
}
