import type { Agent, AgentSort, AgentSortField } from '@switchboard/contracts';
import { Link } from 'react-router-dom';
import type { AgentFilterValues } from '../../api/queries';
import { useAgentQuery } from '../../api/queries';
import { RelativeTime } from '../../components/RelativeTime';
import { SortHeader } from '../../components/SessionsTable';
import { Sparkline } from '../../components/Sparkline';
import { cx, Skeleton, TBody, Th, THead } from '../../components/ui';
import { ms, number, percent, seconds, usdFine } from '../../lib/format';
import { isSlow } from '../../lib/insights';
import { useInView } from '../../lib/useInView';

// Fixed widths for the figures; the agent's name takes what is left. Long labels wrap onto two
// lines rather than squeezing the numbers.
const COLUMNS: Array<{ field: AgentSortField; label: string; title?: string; px: number }> = [
  { field: 'failureRate', label: 'Failed', title: 'Failure rate: failed ÷ ended sessions', px: 80 },
  { field: 'avgDurationSeconds', label: 'Avg duration', title: 'Mean duration of the ended sessions', px: 96 },
  {
    field: 'firstResponseMs',
    label: 'First response',
    title: 'Time to the first answer: median (p50), and p95 below. Sorts by the median.',
    px: 100,
  },
  { field: 'handoffRate', label: 'Handoffs', title: 'Share of sessions with a handoff', px: 88 },
  { field: 'errorRate', label: 'Errors', title: 'Share of sessions with an error', px: 80 },
  { field: 'costUsd', label: 'Cost', px: 76 },
];

/** Columns only: the page does the fetching, loading and empty states. */
export function AgentsTable({
  agents,
  filters,
  sort,
  onSort,
  onOpen,
  hrefOf,
  dimmed,
}: {
  agents: Agent[];
  /** The period and channels of the figures, which the sparklines follow. */
  filters: AgentFilterValues;
  sort: AgentSort;
  onSort: (sort: AgentSort) => void;
  onOpen: (agent: Agent) => void;
  hrefOf: (agent: Agent) => string;
  dimmed?: boolean;
}) {
  return (
    <table
      className={cx(
        'w-full min-w-[960px] table-fixed border-collapse text-sm transition-opacity',
        dimmed && 'opacity-60',
      )}
    >
      <caption className="sr-only">Agents and how they perform. Select a row to open the agent.</caption>
      <colgroup>
        <col />
        <col style={{ width: '88px' }} />
        <col style={{ width: '104px' }} />
        {COLUMNS.map((c) => (
          <col key={c.field} style={{ width: `${c.px}px` }} />
        ))}
        <col style={{ width: '120px' }} />
      </colgroup>
      <THead>
        {/* The agent's name stays in view while a narrow screen scrolls the figures sideways. */}
        <SortHeader
          dense
          field="name"
          label="Agent"
          sort={sort}
          onSort={onSort}
          className="sticky left-0 z-10 bg-slate-50"
        />
        <SortHeader dense field="sessionCount" label="Sessions" sort={sort} onSort={onSort} align="right" />
        <Th dense>
          <span title="Sessions per day over the period">Trend</span>
        </Th>
        {COLUMNS.map((c) => (
          <SortHeader
            dense
            key={c.field}
            field={c.field}
            label={c.label}
            title={c.title}
            sort={sort}
            onSort={onSort}
            align="right"
          />
        ))}
        <SortHeader dense field="lastSeenAt" label="Last seen" sort={sort} onSort={onSort} align="right" />
      </THead>
      <TBody>
        {agents.map((a) => (
          <AgentRow key={a.id} agent={a} filters={filters} onOpen={onOpen} href={hrefOf(a)} />
        ))}
      </TBody>
    </table>
  );
}

/**
 * One agent. The row, not the sparkline's cell, is what is watched for coming into view: in a
 * table scrolled sideways the cell may be clipped out of sight while its row is on screen.
 */
function AgentRow({
  agent: a,
  filters,
  onOpen,
  href,
}: {
  agent: Agent;
  filters: AgentFilterValues;
  onOpen: (agent: Agent) => void;
  href: string;
}) {
  const { ref, seen } = useInView<HTMLTableRowElement>();
  return (
    <tr
      ref={ref}
      tabIndex={0}
      data-agent-id={a.id}
      onClick={() => onOpen(a)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onOpen(a);
        }
      }}
      className="group cursor-pointer transition-colors hover:bg-slate-50 focus-visible:bg-indigo-50/60 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-500"
    >
      <td className="sticky left-0 z-10 bg-white px-2.5 py-3 transition-colors group-hover:bg-slate-50">
        <Link
          to={href}
          tabIndex={-1}
          onClick={(e) => e.stopPropagation()}
          className="block truncate font-medium text-slate-900 hover:text-indigo-700 hover:underline"
          title={a.name || a.id}
        >
          {a.name || a.id}
        </Link>
        <div className="truncate font-mono text-xs text-slate-500" title={a.id}>
          {a.id}
        </div>
      </td>
      <td className="px-2.5 py-3 text-right font-medium text-slate-900 tabular-nums" data-column="sessionCount">
        {number.format(a.sessionCount)}
      </td>
      <td className="px-2.5 py-2">
        <AgentSparkline agentId={a.id} filters={filters} enabled={seen} />
      </td>
      <Num column="failureRate">{percent(a.failureRate)}</Num>
      <Num column="avgDurationSeconds">{seconds(a.avgDurationSeconds)}</Num>
      <td className="px-2.5 py-3 text-right tabular-nums" data-column="firstResponseMs">
        <span className={isSlow(a.firstResponseMs.p50) ? 'font-medium text-amber-700' : 'text-slate-700'}>
          {ms(a.firstResponseMs.p50)}
        </span>
        <div className="text-xs text-slate-500">p95 {ms(a.firstResponseMs.p95)}</div>
      </td>
      <Num column="handoffRate">{percent(a.handoffRate)}</Num>
      <Num column="errorRate">{percent(a.errorRate)}</Num>
      <Num column="costUsd">{usdFine(a.costUsd)}</Num>
      <td className="px-2.5 py-3 text-right text-slate-600" data-column="lastSeenAt">
        <RelativeTime iso={a.lastSeenAt} />
      </td>
    </tr>
  );
}

function Num({ column, children }: { column: AgentSortField; children: string }) {
  return (
    <td className="px-2.5 py-3 text-right whitespace-nowrap text-slate-700 tabular-nums" data-column={column}>
      {children}
    </td>
  );
}

/**
 * Sessions per day over the period, fetched when the row comes near the screen: one request per
 * visible agent rather than one per agent, and the same cache entry the agent's page reads.
 */
function AgentSparkline({
  agentId,
  filters,
  enabled,
}: {
  agentId: string;
  filters: AgentFilterValues;
  enabled: boolean;
}) {
  const query = useAgentQuery(agentId, filters, 'day', { enabled });
  const buckets = query.data?.timeseries.buckets;
  return (
    <div className="h-6 w-22" data-testid="sparkline">
      {buckets ? (
        <Sparkline
          width={88}
          values={buckets.map((b) => b.total)}
          label={`Sessions per day: ${number.format(buckets.reduce((n, b) => n + b.total, 0))} over ${buckets.length} days, most ${number.format(Math.max(0, ...buckets.map((b) => b.total)))} in a day`}
        />
      ) : query.isError ? (
        <span className="text-xs text-slate-400">—</span>
      ) : (
        <Skeleton className="h-6 w-22" />
      )}
    </div>
  );
}
