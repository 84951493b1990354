import type { Session, Sort, TranscriptMatch } from '@switchboard/contracts';
import { ArrowDown, ArrowUp, ArrowUpDown } from 'lucide-react';
import { Fragment, type ReactNode } from 'react';
import { ms, number, usdFine } from '../lib/format';
import { isSlow } from '../lib/insights';
import { TYPE_LABELS } from '../lib/vocab';
import { ChannelBadge } from './ChannelBadge';
import { Duration } from './Duration';
import { Highlight } from './Highlight';
import { RelativeTime } from './RelativeTime';
import { SessionId } from './SessionId';
import { SessionTags } from './SessionTags';
import { StatusBadge } from './StatusBadge';
import { cx, TBody, Th, THead } from './ui';

type SortField = 'startedAt' | 'durationSeconds' | 'firstResponseMs' | 'turns' | 'costUsd' | 'handoffs' | 'errors';

/** A count where zero is the usual, unremarkable case: shown, but quietly. */
function Count({ n, alarm }: { n: number; alarm?: boolean }) {
  if (n === 0) return <span className="text-slate-400">0</span>;
  return <span className={alarm ? 'font-medium text-red-700' : 'text-slate-700'}>{number.format(n)}</span>;
}

/**
 * The columns a person can add to the table (the column picker), in display order. Tags and
 * scores are not in the data model yet.
 */
export const OPTIONAL_COLUMNS = {
  firstResponse: {
    label: 'First response',
    sort: 'firstResponseMs',
    cell: (s: Session) => (
      <span className={isSlow(s.stats.firstResponseMs) ? 'font-medium text-amber-700' : 'text-slate-700'}>
        {ms(s.stats.firstResponseMs)}
      </span>
    ),
  },
  turns: { label: 'Turns', sort: 'turns', cell: (s: Session) => <Count n={s.stats.turns} /> },
  cost: {
    label: 'Cost',
    sort: 'costUsd',
    cell: (s: Session) => <span className="text-slate-700">{usdFine(s.stats.costUsd)}</span>,
  },
  handoffs: { label: 'Handoffs', sort: 'handoffs', cell: (s: Session) => <Count n={s.stats.handoffs} /> },
  errors: { label: 'Errors', sort: 'errors', cell: (s: Session) => <Count n={s.stats.errors} alarm /> },
  endedReason: {
    label: 'Ended reason',
    sort: null,
    cell: (s: Session) =>
      s.endedReason ? (
        <span
          className={cx(
            'block truncate text-left font-mono text-xs',
            s.status === 'failed' ? 'text-red-700' : 'text-slate-700',
          )}
          title={s.endedReason}
        >
          {s.endedReason}
        </span>
      ) : (
        <span className="block text-left text-slate-500">—</span>
      ),
  },
} as const satisfies Record<string, { label: string; sort: SortField | null; cell: (s: Session) => ReactNode }>;
export type OptionalColumn = keyof typeof OPTIONAL_COLUMNS;
export const OPTIONAL_COLUMN_IDS = Object.keys(OPTIONAL_COLUMNS) as OptionalColumn[];

// The six default columns share the table's width as they always have. Added columns take fixed
// widths, as do the default ones then, except the agent's, which gets what is left; below the sum
// the table scrolls sideways.
const BASE_SHARES = ['14%', '24%', '16%', '14%', '17%', '15%'];
const BASE_PX = [112, undefined, 132, 124, 136, 104];
const EXTRA_PX: Record<OptionalColumn, number> = {
  firstResponse: 120,
  turns: 88,
  cost: 92,
  handoffs: 104,
  errors: 88,
  endedReason: 150,
};
const AGENT_MIN_PX = 160;

/** Columns only: fetching, loading, empty and paging belong to `SessionsPanel`. */
export function SessionsTable({
  sessions,
  sort,
  onSort,
  onOpen,
  linkState,
  dimmed,
  columns = [],
  matches,
  pattern = null,
  detailSuffix = '',
}: {
  sessions: Session[];
  sort: Sort;
  onSort: (sort: Sort) => void;
  onOpen: (session: Session) => void;
  /** Router state for the detail link (where "Back to sessions" returns). */
  linkState?: unknown;
  dimmed?: boolean;
  /** Added columns, after the default six (shown in `OPTIONAL_COLUMNS` order). */
  columns?: OptionalColumn[];
  /** A transcript search's matching lines, by session id: shown under the session's row. */
  matches?: Map<string, TranscriptMatch[]>;
  /** The searched words, marked in those lines. */
  pattern?: RegExp | null;
  /** Appended to the detail link (`?find=…`, so the detail opens on the match). */
  detailSuffix?: string;
}) {
  const extras = OPTIONAL_COLUMN_IDS.filter((c) => columns.includes(c));
  const fixed = extras.length > 0;
  const minWidth = fixed
    ? BASE_PX.reduce<number>((n, w) => n + (w ?? AGENT_MIN_PX), 0) + extras.reduce((n, c) => n + EXTRA_PX[c], 0)
    : undefined;
  return (
    <table
      className={cx('w-full table-fixed border-collapse text-sm transition-opacity', dimmed && 'opacity-60')}
      style={minWidth ? { minWidth: `${minWidth}px` } : undefined}
    >
      <caption className="sr-only">Sessions. Select a row to open its details.</caption>
      <colgroup>
        {BASE_SHARES.map((share, i) => {
          const px = BASE_PX[i];
          // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list of columns
          return <col key={i} style={fixed ? (px ? { width: `${px}px` } : undefined) : { width: share }} />;
        })}
        {extras.map((c) => (
          <col key={c} style={{ width: `${EXTRA_PX[c]}px` }} />
        ))}
      </colgroup>
      <THead>
        <Th compact>Session ID</Th>
        <Th compact>Agent</Th>
        <Th compact>Channel</Th>
        <Th compact>Status</Th>
        <SortHeader field="startedAt" label="Started" sort={sort} onSort={onSort} />
        <SortHeader field="durationSeconds" label="Duration" sort={sort} onSort={onSort} />
        {extras.map((c) => {
          const col = OPTIONAL_COLUMNS[c];
          return col.sort ? (
            <SortHeader key={c} field={col.sort} label={col.label} sort={sort} onSort={onSort} align="right" />
          ) : (
            <Th key={c} compact>
              {col.label}
            </Th>
          );
        })}
      </THead>
      <TBody>
        {sessions.map((s) => (
          <Fragment key={s.id}>
            <tr
              tabIndex={0}
              data-session-id={s.id}
              onClick={() => onOpen(s)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  onOpen(s);
                }
              }}
              className="group cursor-pointer transition-colors hover:bg-slate-50 focus-visible:bg-indigo-50/60 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-500"
            >
              <td className="px-4 py-3">
                {/* A real link too, so ⌘/Ctrl-click and middle-click open a new tab; the row is the keyboard target. */}
                <SessionId
                  id={s.id}
                  to={`/sessions/${encodeURIComponent(s.id)}${detailSuffix}`}
                  linkState={linkState}
                  reveal
                />
                <SessionTags s={s} />
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
              {extras.map((c) => (
                <td key={c} className="px-4 py-3 text-right whitespace-nowrap tabular-nums" data-column={c}>
                  {OPTIONAL_COLUMNS[c].cell(s)}
                </td>
              ))}
            </tr>
            {matches?.get(s.id)?.length ? (
              // The lines that matched, under their session; a click opens it at the first one.
              <tr
                className="cursor-pointer border-t-0 hover:bg-slate-50"
                onClick={() => onOpen(s)}
                data-matches-of={s.id}
              >
                <td colSpan={6 + extras.length} className="px-4 pt-0 pb-3">
                  <MatchLines matches={matches.get(s.id) ?? []} pattern={pattern} />
                </td>
              </tr>
            ) : null}
          </Fragment>
        ))}
      </TBody>
    </table>
  );
}

/** A transcript search's matching lines of one session: who said it, and the words marked. */
export function MatchLines({ matches, pattern }: { matches: TranscriptMatch[]; pattern: RegExp | null }) {
  return (
    <ul className="space-y-1 border-l-2 border-amber-300 pl-3 text-xs text-slate-600" aria-label="Matching lines">
      {matches.map((m) => (
        <li key={m.messageId} className="line-clamp-2 break-words" data-testid="transcript-match">
          <span className="font-medium text-slate-500">{m.sender === 'user' ? 'User' : 'Agent'}:</span>{' '}
          <Highlight text={m.snippet} pattern={pattern} />
        </li>
      ))}
    </ul>
  );
}

export function SortHeader<F extends string, S extends string>({
  field,
  label,
  sort,
  onSort,
  align = 'left',
  title,
  dense,
  className,
}: {
  field: F;
  label: string;
  sort: S;
  onSort: (sort: F | `-${F}`) => void;
  align?: 'left' | 'right';
  /** Says more than the short label (what a figure means), on hover. */
  title?: string;
  dense?: boolean;
  className?: string;
}) {
  const current: string = sort;
  const active = current === field || current === `-${field}`;
  const desc = current === `-${field}`;
  const Icon = !active ? ArrowUpDown : desc ? ArrowDown : ArrowUp;
  const next: F | `-${F}` = active ? (desc ? field : `-${field}`) : `-${field}`;
  const cut = label.lastIndexOf(' ');
  const [head, last] = cut < 0 ? ['', label] : [label.slice(0, cut), label.slice(cut + 1)];
  return (
    <Th
      compact
      dense={dense}
      align={align}
      className={className}
      aria-sort={active ? (desc ? 'descending' : 'ascending') : 'none'}
    >
      {/* Inline, not flex: a long label wraps onto a second line with the arrow after its last word. */}
      <button
        type="button"
        onClick={() => onSort(next)}
        title={title}
        className={cx(
          '-mx-1.5 rounded px-1.5 py-0.5 hover:bg-slate-200/60 hover:text-slate-800',
          !dense && 'uppercase',
          align === 'right' ? 'text-right' : 'text-left',
          active && 'text-slate-900',
        )}
        aria-label={`Sort by ${label.toLowerCase()}, ${next.startsWith('-') ? 'descending' : 'ascending'}`}
      >
        {head && `${head} `}
        {/* The arrow stays with the last word. */}
        <span className="whitespace-nowrap">
          {last}
          <Icon
            className={cx(
              'inline',
              dense ? 'ml-0.5 size-3 align-[-2px]' : 'ml-1 size-3.5 align-[-3px]',
              active ? 'text-indigo-600' : 'text-slate-400',
            )}
            aria-hidden="true"
          />
        </span>
      </button>
    </Th>
  );
}
