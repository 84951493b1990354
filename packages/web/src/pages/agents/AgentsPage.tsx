import type { Agent, Channel } from '@switchboard/contracts';
import { Bot } from 'lucide-react';
import { useNavigate } from 'react-router-dom';
import { useRefetchInterval } from '../../api/live';
import { useAgentListQuery } from '../../api/queries';
import { DateRangePicker } from '../../components/DateRangePicker';
import { MultiSelect } from '../../components/MultiSelect';
import { LiveControls } from '../../components/RefreshControls';
import { Card, EmptyState, PageHeader, QueryState } from '../../components/ui';
import { number } from '../../lib/format';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { CHANNEL_LABELS, CHANNELS } from '../../lib/vocab';
import { AgentsTable } from './AgentsTable';
import { agentFilterQuery, periodLabel, useAgentParams } from './agentParams';

export default function AgentsPage() {
  useDocumentTitle('Agents');
  const { filters, isDefaultPeriod, sort, setPeriod, setChannel, setSort } = useAgentParams();
  const refetchInterval = useRefetchInterval();
  const query = useAgentListQuery(filters, sort, { refetchInterval });
  const navigate = useNavigate();
  const hrefOf = (a: Agent) => `/agents/${encodeURIComponent(a.id)}${agentFilterQuery(filters, isDefaultPeriod)}`;
  const sessions = query.data?.reduce((n, a) => n + a.sessionCount, 0) ?? 0;

  return (
    <>
      <PageHeader
        title="Agents"
        subtitle="How each agent performs: volume, speed, outcomes and cost."
        actions={<LiveControls />}
      />
      <section aria-label="Filters" className="mb-4 flex flex-wrap items-center gap-2">
        <DateRangePicker from={filters.from} to={filters.to} onChange={(r) => setPeriod(r)} />
        <MultiSelect<Channel>
          label="Channel"
          options={CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))}
          selected={filters.channel}
          onChange={setChannel}
        />
        <p className="ml-auto text-sm text-slate-500" data-testid="agents-summary">
          {query.data
            ? `${number.format(query.data.length)} ${query.data.length === 1 ? 'agent' : 'agents'} · ${number.format(sessions)} sessions in ${periodLabel(filters, isDefaultPeriod)}`
            : '\u00a0'}
        </p>
      </section>
      <Card className="overflow-hidden" aria-busy={query.isFetching || undefined}>
        <QueryState
          query={query}
          label="Loading agents..."
          errorTitle="Could not load agents"
          className="min-h-96"
          errorClassName="p-6"
          isEmpty={(data) => data.length === 0}
          empty={
            <EmptyState
              icon={Bot}
              title="No agents in this period"
              className="min-h-96 py-16"
              data-testid="agents-empty"
            >
              Agents appear here once they report a session. Try a longer period.
            </EmptyState>
          }
        >
          {(data) => (
            <div className="relative overflow-x-auto">
              <AgentsTable
                agents={data}
                filters={filters}
                sort={sort}
                onSort={setSort}
                onOpen={(a) => navigate(hrefOf(a))}
                hrefOf={hrefOf}
                dimmed={query.isPlaceholderData}
              />
            </div>
          )}
        </QueryState>
      </Card>
    </>
  );
}
