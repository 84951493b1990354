import { type Channel, LIMITS, type RangeParam, type SessionSource, type Status } from '@switchboard/contracts';
import { type LucideIcon, MessageSquareText, Search, X } from 'lucide-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useAgentsQuery } from '../api/queries';
import { hasActiveFilters, useListParams } from '../lib/filters';
import { useDebounced } from '../lib/useDebounced';
import { CHANNEL_LABELS, CHANNELS, SOURCE_LABELS, SOURCES, STATUS_LABELS, STATUSES } from '../lib/vocab';
import { DateRangePicker, dateBadge } from './DateRangePicker';
import { MultiSelect } from './MultiSelect';
import { RangeFilterPopover, rangeLabel } from './RangeFilters';
import { Button, Input } from './ui';

const SEARCH_DEBOUNCE_MS = 300;

/**
 * A search box whose text is local while typing; the URL (and so the queries) follow 300 ms after
 * the last keystroke, and a change of the URL from elsewhere (badge ×, clear, back) shows in it.
 */
function SearchBox({
  value,
  onCommit,
  label,
  placeholder,
  icon,
  maxLength,
  className,
}: {
  value: string;
  onCommit: (text: string) => void;
  label: string;
  placeholder: string;
  icon: LucideIcon;
  /** The API's bound for this parameter: longer text would only be refused. */
  maxLength: number;
  className?: string;
}) {
  const [text, setText] = useState(value);
  const debounced = useDebounced(text, SEARCH_DEBOUNCE_MS);
  const pushed = useRef(value);
  useEffect(() => {
    if (debounced !== pushed.current) {
      pushed.current = debounced;
      onCommit(debounced);
    }
  }, [debounced, onCommit]);
  useEffect(() => {
    if (value !== pushed.current) {
      pushed.current = value;
      setText(value);
    }
  }, [value]);
  return (
    <div className={className}>
      <Input
        icon={icon}
        type="search"
        aria-label={label}
        placeholder={placeholder}
        value={text}
        maxLength={maxLength}
        onChange={(e) => setText(e.target.value.slice(0, maxLength))}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && text) {
            e.preventDefault();
            setText('');
          }
        }}
        className="shadow-xs"
      />
    </div>
  );
}

/** The shared filter bar of Sessions and Analytics; reads and writes the URL. */
export function FilterBar() {
  const { filters, setFilters, clearFilters } = useListParams();
  const agents = useAgentsQuery();
  const commitSearch = useCallback((search: string) => setFilters({ search }, { replace: true }), [setFilters]);
  const commitTranscript = useCallback(
    (transcript: string) => setFilters({ transcript }, { replace: true }),
    [setFilters],
  );

  // By name, whatever order the API lists them in: a list that reshuffles as counts change
  // makes a person hunt for the same agent twice.
  const agentOptions = (agents.data ?? [])
    .map((a) => ({ value: a.id, label: a.name || a.id, hint: String(a.sessionCount) }))
    .sort(
      (a, b) => a.label.localeCompare(b.label, undefined, { sensitivity: 'base' }) || a.value.localeCompare(b.value),
    );
  // Keep ids from the URL selectable even before (or without) the agent list.
  for (const id of filters.agentId)
    if (!agentOptions.some((o) => o.value === id)) agentOptions.push({ value: id, label: id, hint: '' });

  const active = hasActiveFilters(filters);
  const agentName = (id: string) => agents.data?.find((a) => a.id === id)?.name || id;

  const badges: Array<{ key: string; label: string; remove: () => void }> = [];
  if (filters.search.trim())
    badges.push({
      key: 'search',
      label: `Search: “${filters.search.trim()}”`,
      remove: () => setFilters({ search: '' }),
    });
  if (filters.transcript.trim())
    badges.push({
      key: 'transcript',
      label: `Transcript: “${filters.transcript.trim()}”`,
      remove: () => setFilters({ transcript: '' }),
    });
  for (const c of filters.channel)
    badges.push({
      key: `channel-${c}`,
      label: `Channel: ${CHANNEL_LABELS[c]}`,
      remove: () => setFilters({ channel: filters.channel.filter((v) => v !== c) }),
    });
  for (const s of filters.status)
    badges.push({
      key: `status-${s}`,
      label: `Status: ${STATUS_LABELS[s]}`,
      remove: () => setFilters({ status: filters.status.filter((v) => v !== s) }),
    });
  for (const v of filters.source)
    badges.push({
      key: `source-${v}`,
      label: `Source: ${SOURCE_LABELS[v]}`,
      remove: () => setFilters({ source: filters.source.filter((x) => x !== v) }),
    });
  for (const a of filters.agentId)
    badges.push({
      key: `agent-${a}`,
      label: `Agent: ${agentName(a)}`,
      remove: () => setFilters({ agentId: filters.agentId.filter((v) => v !== a) }),
    });
  if (filters.from || filters.to)
    badges.push({
      key: 'date',
      label: dateBadge(filters.from, filters.to),
      remove: () => setFilters({ from: '', to: '' }),
    });
  for (const [param, value] of Object.entries(filters.ranges) as Array<[RangeParam, number]>)
    badges.push({
      key: param,
      label: rangeLabel(param, value),
      remove: () => {
        const { [param]: _, ...rest } = filters.ranges;
        setFilters({ ranges: rest });
      },
    });

  return (
    <section aria-label="Filters" className="mb-6">
      <div className="flex flex-wrap items-center gap-2">
        <SearchBox
          className="min-w-48 flex-1"
          icon={Search}
          label="Search sessions"
          placeholder="Search ID, agent, metadata…"
          value={filters.search}
          onCommit={commitSearch}
          maxLength={LIMITS.searchLength}
        />
        <SearchBox
          className="min-w-48 flex-1"
          icon={MessageSquareText}
          label="Search transcripts"
          placeholder="Search transcripts…"
          value={filters.transcript}
          onCommit={commitTranscript}
          maxLength={LIMITS.transcriptSearchLength}
        />
        <DateRangePicker from={filters.from} to={filters.to} onChange={(r) => setFilters(r)} />
        <MultiSelect<Channel>
          label="Channel"
          options={CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))}
          selected={filters.channel}
          onChange={(channel) => setFilters({ channel })}
        />
        <MultiSelect<Status>
          label="Status"
          options={STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))}
          selected={filters.status}
          onChange={(status) => setFilters({ status })}
        />
        <MultiSelect<string>
          label="Agent"
          options={agentOptions}
          selected={filters.agentId}
          onChange={(agentId) => setFilters({ agentId })}
          emptyText={agents.isPending ? 'Loading agents…' : 'No agents yet'}
          searchable
        />
        <MultiSelect<SessionSource>
          label="Source"
          options={SOURCES.map((v) => ({ value: v, label: SOURCE_LABELS[v] }))}
          selected={filters.source}
          onChange={(source) => setFilters({ source })}
        />
        <RangeFilterPopover ranges={filters.ranges} onChange={(ranges) => setFilters({ ranges })} />
        {active && (
          <Button variant="ghost" onClick={() => clearFilters()}>
            <X className="size-4" aria-hidden="true" />
            Clear filters
          </Button>
        )}
      </div>
      {badges.length > 0 && (
        <ul aria-label="Active filters" className="mt-3 flex flex-wrap items-center gap-2">
          {badges.map((b) => (
            <li
              key={b.key}
              className="inline-flex max-w-full min-w-0 items-center gap-1 rounded-full border border-indigo-200 bg-indigo-50 py-0.5 pr-1 pl-2.5 text-xs font-medium text-indigo-700"
            >
              {/* A long search or agent name is cut, whole in the tooltip, so one chip never fills a phone's width. */}
              <span className="max-w-[14rem] truncate sm:max-w-[24rem]" title={b.label} data-testid="filter-chip-label">
                {b.label}
              </span>
              <button
                type="button"
                onClick={b.remove}
                aria-label={`Remove filter ${b.label}`}
                className="inline-flex size-5 shrink-0 items-center justify-center rounded-full text-indigo-500 hover:bg-indigo-100 hover:text-indigo-800"
              >
                <X className="size-3" aria-hidden="true" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
