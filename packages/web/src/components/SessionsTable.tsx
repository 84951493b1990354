import type { Session, Sort } from '@switchboard/contracts';
import { ArrowDown, ArrowUp, ArrowUpDown } from 'lucide-react';
import { Link } from 'react-router-dom';
import { TYPE_LABELS } from '../lib/vocab';
import { ChannelBadge } from './ChannelBadge';
import { Duration } from './Duration';
import { RelativeTime } from './RelativeTime';
import { StatusBadge } from './StatusBadge';
import { cx, TBody, Th, THead } from './ui';

type SortField = 'startedAt' | 'durationSeconds';

/** Columns only: fetching, loading, empty and paging belong to `SessionsPanel`. */
export function SessionsTable({
  sessions,
  sort,
  onSort,
  onOpen,
  linkState,
  dimmed,
}: {
  sessions: Session[];
  sort: Sort;
  onSort: (sort: Sort) => void;
  onOpen: (session: Session) => void;
  /** Router state for the detail link (where "Back to sessions" returns). */
  linkState?: unknown;
  dimmed?: boolean;
}) {
  return (
    <table className={cx('w-full table-fixed border-collapse text-sm transition-opacity', dimmed && 'opacity-60')}>
      <caption className="sr-only">Sessions. Select a row to open its details.</caption>
      <colgroup>
        <col className="w-[14%]" />
        <col className="w-[24%]" />
        <col className="w-[16%]" />
        <col className="w-[14%]" />
        <col className="w-[17%]" />
        <col className="w-[15%]" />
      </colgroup>
      <THead>
        <Th compact>Session ID</Th>
        <Th compact>Agent</Th>
        <Th compact>Channel</Th>
        <Th compact>Status</Th>
        <SortHeader field="startedAt" label="Started" sort={sort} onSort={onSort} />
        <SortHeader field="durationSeconds" label="Duration" sort={sort} onSort={onSort} />
      </THead>
      <TBody>
        {sessions.map((s) => (
          <tr
            key={s.id}
            tabIndex={0}
            data-session-id={s.id}
            onClick={() => onOpen(s)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                onOpen(s);
              }
            }}
            className="cursor-pointer transition-colors hover:bg-slate-50 focus-visible:bg-indigo-50/60 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-500"
          >
            <td className="px-4 py-3">
              {/* A real link too, so ⌘/Ctrl-click and middle-click open a new tab; the row is the keyboard target. */}
              <Link
                to={`/sessions/${encodeURIComponent(s.id)}`}
                state={linkState}
                tabIndex={-1}
                onClick={(e) => e.stopPropagation()}
                className="font-mono text-[13px] text-slate-700 hover:text-indigo-700 hover:underline"
                title={s.id}
              >
                {s.id.length > 8 ? `${s.id.slice(0, 8)}…` : s.id}
              </Link>
            </td>
            <td className="px-4 py-3">
              <div className="truncate font-medium text-slate-900" title={s.agent.name}>
                {s.agent.name || s.agent.id}
              </div>
              <div className="text-xs text-slate-500">{TYPE_LABELS[s.type] ?? s.type}</div>
            </td>
            <td className="px-4 py-3">
              <ChannelBadge channel={s.channel} />
            </td>
            <td className="px-4 py-3">
              <StatusBadge status={s.status} />
            </td>
            <td className="px-4 py-3 text-slate-600">
              <RelativeTime iso={s.startedAt} />
            </td>
            <td className="px-4 py-3 text-slate-600">
              <Duration seconds={s.durationSeconds} status={s.status} />
            </td>
          </tr>
        ))}
      </TBody>
    </table>
  );
}

function SortHeader({
  field,
  label,
  sort,
  onSort,
}: {
  field: SortField;
  label: string;
  sort: Sort;
  onSort: (sort: Sort) => void;
}) {
  const active = sort === field || sort === `-${field}`;
  const desc = sort === `-${field}`;
  const Icon = !active ? ArrowUpDown : desc ? ArrowDown : ArrowUp;
  const next: Sort = active ? (desc ? field : `-${field}`) : `-${field}`;
  return (
    <Th compact aria-sort={active ? (desc ? 'descending' : 'ascending') : 'none'}>
      <button
        type="button"
        onClick={() => onSort(next)}
        className={cx(
          '-mx-1.5 inline-flex items-center gap-1 rounded px-1.5 py-0.5 uppercase hover:bg-slate-200/60 hover:text-slate-800',
          active && 'text-slate-900',
        )}
        aria-label={`Sort by ${label.toLowerCase()}, ${next.startsWith('-') ? 'descending' : 'ascending'}`}
      >
        {label}
        <Icon className={cx('size-3.5', active ? 'text-indigo-600' : 'text-slate-400')} aria-hidden="true" />
      </button>
    </Th>
  );
}
