import type { Session, TranscriptMatch } from '@switchboard/contracts';
import { TYPE_LABELS } from '../lib/vocab';
import { ChannelBadge } from './ChannelBadge';
import { Duration } from './Duration';
import { RelativeTime } from './RelativeTime';
import { SessionId } from './SessionId';
import { MatchLines, OPTIONAL_COLUMN_IDS, OPTIONAL_COLUMNS, type OptionalColumn } from './SessionsTable';
import { SessionTags } from './SessionTags';
import { StatusBadge } from './StatusBadge';
import { cx } from './ui';

/**
 * The sessions as a list of cards, for narrow screens where a six-column table would leave each
 * column a few characters wide. Same data and behaviour as `SessionsTable`: a card opens the
 * session on tap, Enter or Space; the added columns show as labelled figures under it.
 */
export function SessionList({
  sessions,
  onOpen,
  linkState,
  dimmed,
  columns = [],
  matches,
  pattern = null,
  detailSuffix = '',
}: {
  sessions: Session[];
  onOpen: (session: Session) => void;
  linkState?: unknown;
  dimmed?: boolean;
  columns?: OptionalColumn[];
  matches?: Map<string, TranscriptMatch[]>;
  pattern?: RegExp | null;
  detailSuffix?: string;
}) {
  const extras = OPTIONAL_COLUMN_IDS.filter((c) => columns.includes(c));
  return (
    <ul
      aria-label="Sessions. Select one to open its details."
      className={cx('divide-y divide-slate-100 transition-opacity', dimmed && 'opacity-60')}
      data-testid="session-list"
    >
      {sessions.map((s) => (
        <li key={s.id}>
          {/* biome-ignore lint/a11y/useSemanticElements: holds its own link and button, so it cannot be a <button> */}
          <div
            role="button"
            tabIndex={0}
            data-testid="session-card"
            data-session-id={s.id}
            onClick={() => onOpen(s)}
            onKeyDown={(e) => {
              if (e.target !== e.currentTarget) return;
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                onOpen(s);
              }
            }}
            className="block cursor-pointer px-4 py-3 transition-colors hover:bg-slate-50 focus-visible:bg-indigo-50/60 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-500"
          >
            <div className="flex items-start justify-between gap-3">
              <div className="min-w-0">
                <p className="truncate text-sm font-medium text-slate-900">{s.agent.name || s.agent.id}</p>
                <p className="mt-0.5 text-xs text-slate-500">
                  {TYPE_LABELS[s.type] ?? s.type} · <RelativeTime iso={s.startedAt} /> ·{' '}
                  <Duration seconds={s.durationSeconds} status={s.status} />
                </p>
              </div>
              <StatusBadge status={s.status} />
            </div>
            <div className="mt-2 flex items-center justify-between gap-3">
              <ChannelBadge channel={s.channel} />
              <SessionId
                id={s.id}
                to={`/sessions/${encodeURIComponent(s.id)}${detailSuffix}`}
                linkState={linkState}
                className="-my-1 -mr-1"
              />
            </div>
            <SessionTags s={s} />
            {extras.length > 0 && (
              <dl className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs">
                {extras.map((c) => (
                  <div key={c} className="flex gap-1.5" data-column={c}>
                    <dt className="text-slate-500">{OPTIONAL_COLUMNS[c].label}</dt>
                    <dd className="tabular-nums">{OPTIONAL_COLUMNS[c].cell(s)}</dd>
                  </div>
                ))}
              </dl>
            )}
            {matches?.get(s.id)?.length ? (
              <div className="mt-2">
                <MatchLines matches={matches.get(s.id) ?? []} pattern={pattern} />
              </div>
            ) : null}
          </div>
        </li>
      ))}
    </ul>
  );
}
