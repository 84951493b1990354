import type { AgentDetail, Channel } from '@switchboard/contracts';
import { ArrowLeft, MessagesSquare } from 'lucide-react';
import { Link, useLocation, useParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { useRefetchInterval } from '../../api/live';
import { useAgentQuery } from '../../api/queries';
import { AmountChart, ChartCard, LatencyChart, RateChart } from '../../components/charts/TrendCharts';
import { DateRangePicker } from '../../components/DateRangePicker';
import { FigureCards, figuresOfAgent } from '../../components/FigureCards';
import { MultiSelect } from '../../components/MultiSelect';
import { RelativeTime } from '../../components/RelativeTime';
import { LiveControls } from '../../components/RefreshControls';
import { Card, cx, QueryState } from '../../components/ui';
import { compact, dateTime, number, usdFine } from '../../lib/format';
import { bucketFailureRate } from '../../lib/insights';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { CHANNEL_LABELS, CHANNELS, STATUS_LABELS } from '../../lib/vocab';
import { agentFilterQuery, periodInterval, periodLabel, useAgentParams } from './agentParams';

// What went wrong first: the sessions card's line reads "52 failed · 67 cancelled · 4 active · …".
const STATUS_ORDER = ['failed', 'cancelled', 'active', 'completed'] as const;

export default function AgentDetailPage() {
  const { id = '' } = useParams();
  const location = useLocation();
  const { filters, isDefaultPeriod, setPeriod, setChannel } = useAgentParams();
  const interval = periodInterval(filters);
  const refetchInterval = useRefetchInterval();
  const query = useAgentQuery(id, filters, interval, { refetchInterval });
  useDocumentTitle(query.data ? `Agent ${query.data.name || id}` : `Agent ${id}`);
  const back =
    (location.state as { from?: string } | null)?.from ?? `/agents${agentFilterQuery(filters, isDefaultPeriod)}`;
  // The sessions behind the figures: this agent, the same period (always as dates, so the list
  // matches even after the default period moves on) and channels.
  const sessionsLink = `/?${new URLSearchParams({
    agentId: id,
    from: filters.from,
    to: filters.to,
    ...(filters.channel.length ? { channel: filters.channel.join(',') } : {}),
  })}`;

  return (
    <>
      <Link
        to={back}
        className="mb-5 inline-flex items-center gap-1.5 rounded text-sm font-medium text-slate-500 hover:text-slate-900"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        Back to agents
      </Link>
      <header className="mb-5 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="truncate text-2xl font-semibold tracking-tight text-slate-900">{query.data?.name || id}</h1>
          <p className="mt-1 flex flex-wrap items-center gap-x-2 text-sm text-slate-500">
            <span className="font-mono">{id}</span>
            {query.data && (
              <>
                <span aria-hidden="true">·</span>
                <span>
                  Last seen <RelativeTime iso={query.data.lastSeenAt} />
                </span>
                <span aria-hidden="true">·</span>
                <span>First seen {dateTime(query.data.firstSeenAt)}</span>
              </>
            )}
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <LiveControls />
          <Link
            to={sessionsLink}
            className="inline-flex h-9 items-center gap-2 rounded-lg bg-indigo-600 px-3.5 text-sm font-medium whitespace-nowrap text-white shadow-sm hover:bg-indigo-500"
          >
            <MessagesSquare className="size-4" aria-hidden="true" />
            View sessions
          </Link>
        </div>
      </header>
      <section aria-label="Filters" className="mb-5 flex flex-wrap items-center gap-2">
        <DateRangePicker from={filters.from} to={filters.to} onChange={(r) => setPeriod(r)} />
        <MultiSelect<Channel>
          label="Channel"
          options={CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))}
          selected={filters.channel}
          onChange={setChannel}
        />
        <p className="text-sm text-slate-500">Figures for {periodLabel(filters, isDefaultPeriod)}.</p>
      </section>
      <QueryState
        query={query}
        label="Loading agent..."
        errorTitle="Could not load the agent"
        className="py-24"
        staleClassName="mb-4"
        renderError={(err) =>
          err instanceof ApiError && err.status === 404 ? (
            <Card className="px-6 py-16 text-center">
              <h2 className="text-lg font-semibold text-slate-900">Agent not found</h2>
              <p className="mt-1 text-sm text-slate-500">
                No agent <span className="font-mono">{id}</span> has reported a session in this organization.
              </p>
            </Card>
          ) : undefined
        }
      >
        {(agent) => <AgentView agent={agent} dimmed={query.isPlaceholderData} />}
      </QueryState>
    </>
  );
}

function AgentView({ agent: a, dimmed }: { agent: AgentDetail; dimmed: boolean }) {
  const ts = a.timeseries;
  const per = ts.interval;
  return (
    <div className={cx('transition-opacity', dimmed && 'opacity-60')}>
      <FigureCards
        figures={figuresOfAgent(a)}
        loading={false}
        sessionsCaption={STATUS_ORDER.filter((st) => a.byStatus[st] > 0)
          .map((st) => `${number.format(a.byStatus[st])} ${STATUS_LABELS[st].toLowerCase()}`)
          .join(' · ')}
      />
      <h2 className="mb-4 text-base font-semibold text-slate-900">Trends</h2>
      <div className="grid grid-cols-1 gap-6 xl:grid-cols-2">
        <ChartCard title="Sessions" subtitle={`Sessions started per ${per}`}>
          <AmountChart data={ts} value={(b) => b.total} name="Sessions" color="#6366f1" formatValue={compact} integer />
        </ChartCard>
        <ChartCard title="First response" subtitle={`Time to the first answer per ${per}: median and p95`}>
          <LatencyChart data={ts} />
        </ChartCard>
        <ChartCard title="Failure rate" subtitle={`Failed ÷ ended sessions, by the ${per} they started`}>
          <RateChart data={ts} rate={bucketFailureRate} name="Failure rate" color="#ef4444" />
        </ChartCard>
        <ChartCard title="Handoffs" subtitle={`Handoffs per ${per}`}>
          <AmountChart
            data={ts}
            value={(b) => b.handoffs}
            name="Handoffs"
            color="#8b5cf6"
            formatValue={compact}
            integer
            empty="No handoffs in this range."
          />
        </ChartCard>
        <ChartCard title="Cost" subtitle={`Usage cost per ${per}`} className="xl:col-span-2">
          <AmountChart
            data={ts}
            value={(b) => b.costUsd}
            name="Cost"
            color="#0ea5e9"
            formatValue={usdFine}
            empty="No cost reported in this range."
          />
        </ChartCard>
      </div>
    </div>
  );
}
