import type { Message, SessionDetail, SessionEvent } from '@switchboard/contracts';
import {
  AlertTriangle,
  ArrowLeft,
  ArrowRightLeft,
  Bot,
  CircleDot,
  Coins,
  Hand,
  type LucideIcon,
  Plug,
  Unplug,
  User,
  Zap,
} from 'lucide-react';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useParams, useSearchParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { POLL_MS, useLive } from '../api/live';
import { useSessionQuery, useTranscriptPages } from '../api/queries';
import { type RecordingHandle, RecordingPlayer } from '../components/RecordingPlayer';
import { ChannelBadge } from '../components/ChannelBadge';
import { Highlight } from '../components/Highlight';
import { FindBar, useFind } from './sessionDetail/find';
import { FailureSummary } from './sessionDetail/FailureSummary';
import { ListNavigation } from './sessionDetail/ListNavigation';
import { ReviewPanel } from './sessionDetail/ReviewPanel';
import { AutoRefreshToggle, LiveIndicator } from '../components/RefreshControls';
import { RelativeTime } from '../components/RelativeTime';
import { SessionId } from '../components/SessionId';
import { StatusBadge } from '../components/StatusBadge';
import { Button, Card, CardHeader, CopyButton, cx, QueryState } from '../components/ui';
import { clock, compact, dateTime, durationLong, ms, number, timeOfDay, tokens, usdFine } from '../lib/format';
import { isSlow } from '../lib/insights';
import { SOURCE_LABELS, STATUS_LABELS, TYPE_LABELS } from '../lib/vocab';
import { hasWord } from '../lib/words';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export type TimelineItem =
  | { kind: 'message'; at: number; item: Message }
  | { kind: 'event'; at: number; item: SessionEvent };

/** Messages and system events on one timeline, by timestamp (then events first, then seq). */
function buildTimeline(messages: Message[], events: SessionEvent[]): TimelineItem[] {
  const items: TimelineItem[] = [
    ...messages.map((m) => ({ kind: 'message' as const, at: Date.parse(m.timestamp), item: m })),
    ...events.map((e) => ({ kind: 'event' as const, at: Date.parse(e.timestamp), item: e })),
  ];
  return items.sort(
    (a, b) => a.at - b.at || (a.kind === b.kind ? a.item.seq - b.item.seq : a.kind === 'event' ? -1 : 1),
  );
}

const FIRST_BATCH = 150;
const BATCH = 250;

/** What the server still holds of a transcript, and how to ask for it. */
export interface MoreToLoad {
  hasMore: boolean;
  loading: boolean;
  /** The last fetch failed: scrolling stops asking, the button asks again. */
  failed: boolean;
  loadMore: () => void;
}

/**
 * Renders the timeline in growing batches as the reader scrolls (a sentinel near the end pulls in
 * the next batch, and past what is loaded, the next page from the server), and
 * `content-visibility: auto` lets the browser skip off-screen rows, so a long transcript opens
 * instantly and scrolls smoothly without ever being fetched whole.
 */
function useIncremental(length: number, more: MoreToLoad, reveal: number) {
  const [count, setCount] = useState(FIRST_BATCH);
  // A jump to a match further down renders everything up to it.
  useEffect(() => {
    if (reveal >= 0) setCount((c) => Math.max(c, reveal + 1));
  }, [reveal]);
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasMore, loading, failed, loadMore } = more;
  useEffect(() => {
    const el = sentinel.current;
    if (!el || (count >= length && (!hasMore || loading || failed))) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        if (count < length) setCount((c) => Math.min(length, c + BATCH));
        else loadMore();
      },
      { rootMargin: '1200px 0px' },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [count, length, hasMore, loading, failed, loadMore]);
  return { count: Math.min(count, length), sentinel, showAll: () => setCount(length) };
}

const byId = <T extends { id: string }>(lists: T[][]): T[] => {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const list of lists)
    for (const x of list)
      if (!seen.has(x.id)) {
        seen.add(x.id);
        out.push(x);
      }
  return out;
};

/**
 * The transcript as loaded so far: the detail's first page (which the live stream appends to)
 * and the further pages fetched as the reader scrolls, each item once.
 */
function useLoadedTranscript(s: SessionDetail) {
  const [wanted, setWanted] = useState(false);
  const pages = useTranscriptPages(s.id, s.transcript.nextCursor, wanted);
  const { fetchNextPage, hasNextPage, isFetching, isError, refetch } = pages;
  const loaded = pages.data?.pages;
  const messages = useMemo(() => byId([s.messages, ...(loaded ?? []).map((p) => p.messages)]), [s.messages, loaded]);
  const events = useMemo(() => byId([s.events, ...(loaded ?? []).map((p) => p.events)]), [s.events, loaded]);
  const hasMore = loaded ? hasNextPage : s.transcript.hasMore;
  const loadMore = useCallback(() => {
    if (!wanted) setWanted(true);
    else if (isFetching) return;
    else if (isError) void (loaded ? fetchNextPage() : refetch());
    else if (hasNextPage) void fetchNextPage();
  }, [wanted, hasNextPage, isFetching, isError, loaded, fetchNextPage, refetch]);
  return {
    messages,
    events,
    more: { hasMore, loading: isFetching, failed: isError, loadMore },
  };
}

function recordingUrl(s: SessionDetail): string | null {
  const v = s.metadata.recordingUrl;
  if (typeof v !== 'string') return null;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

export default function SessionDetailPage() {
  const { id = '' } = useParams();
  useDocumentTitle(`Session ${id}`);
  const location = useLocation();
  const back = (location.state as { from?: string } | null)?.from ?? '/';
  const live = useLive();
  // The stream appends to the cached transcript, so refetching the whole of it is only for when
  // the stream is down.
  const query = useSessionQuery(id, {
    refetchInterval: live.autoRefresh && live.status !== 'live' ? POLL_MS : false,
  });

  return (
    <>
      {/* The list's previous and next go by the address, not the loaded session: they show at once,
          and j pressed again while the next session loads goes on from it. */}
      <div className="mb-5 flex min-h-8 items-center justify-between gap-3">
        <Link
          to={back}
          className="inline-flex items-center gap-1.5 rounded text-sm font-medium text-slate-500 hover:text-slate-900"
        >
          <ArrowLeft className="size-4" aria-hidden="true" />
          Back to sessions
        </Link>
        <ListNavigation id={id} from={back} />
      </div>
      <QueryState
        query={query}
        label="Loading session..."
        errorTitle="Could not load the session"
        className="py-24"
        staleClassName="mb-4"
        renderError={(err) =>
          err instanceof ApiError && err.status === 404 ? (
            <Card className="px-6 py-16 text-center">
              <h1 className="text-lg font-semibold text-slate-900">Session not found</h1>
              <p className="mt-1 text-sm text-slate-500">
                There is no session <span className="font-mono">{id}</span> in this organization.
              </p>
            </Card>
          ) : undefined
        }
      >
        {(session) => <SessionView key={session.id} session={session} from={back} />}
      </QueryState>
    </>
  );
}

function SessionView({ session: s, from }: { session: SessionDetail; from: string }) {
  const { messages, events, more } = useLoadedTranscript(s);
  const timeline = useMemo(() => buildTimeline(messages, events), [messages, events]);
  const [params, setParams] = useSearchParams();
  const find = useFind(timeline, more, params.get('find') ?? '', (text) => {
    const next = new URLSearchParams(params);
    if (text) next.set('find', text);
    else next.delete('find');
    setParams(next, { replace: true, state: { from } });
  });
  const recording = recordingUrl(s);
  const isCall = s.type === 'voice' || s.type === 'video';
  const player = useRef<RecordingHandle>(null);
  const seek = recording && isCall ? (seconds: number) => player.current?.seek(seconds) : undefined;

  return (
    <>
      <header className="mb-6 flex flex-wrap items-center justify-between gap-4">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
            <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Session</h1>
            <StatusBadge status={s.status} />
            <ChannelBadge channel={s.channel} />
          </div>
          <p className="mt-1 text-slate-500">
            <SessionId id={s.id} />
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <LiveIndicator />
          <AutoRefreshToggle />
        </div>
      </header>

      {s.status === 'failed' && <FailureSummary session={s} events={events} />}

      <StatsStrip stats={s.stats} />

      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[minmax(0,1fr)_360px]">
        <div className="flex min-w-0 flex-col gap-6">
          {recording && isCall && (
            <RecordingPlayer
              ref={player}
              url={recording}
              video={s.type === 'video'}
              startedAt={s.startedAt}
              durationSeconds={s.durationSeconds}
              messages={messages}
            />
          )}
          <Card>
            <CardHeader title={isCall ? 'Call transcript' : 'Conversation'}>
              <p className="text-xs text-slate-500">
                {number.format(s.messageCount)} messages · {number.format(s.transcript.eventCount)} events
              </p>
            </CardHeader>
            <FindBar find={find} />
            <Timeline
              items={timeline}
              session={s}
              voice={isCall}
              more={more}
              pattern={find.pattern}
              current={find.currentIndex}
              onSeek={seek}
            />
          </Card>
        </div>

        <div className="flex flex-col gap-6 lg:sticky lg:top-6">
          <ReviewPanel s={s} />
          <SessionInfo s={s} />
          <MetadataTable metadata={s.metadata} />
        </div>
      </div>
    </>
  );
}

/**
 * The session's figures in one row: how long the agent made people wait, what went wrong, what it
 * cost. Slow (≥ 3 s) and failing figures are coloured; the rest stay quiet.
 */
function StatsStrip({ stats: st }: { stats: SessionDetail['stats'] }) {
  const items: Array<{ label: string; value: ReactNode; hint?: string; tone?: 'warn' | 'bad' }> = [
    { label: 'Turns', value: number.format(st.turns), hint: 'User messages answered by the agent' },
    {
      label: 'First response',
      value: ms(st.firstResponseMs),
      tone: isSlow(st.firstResponseMs) ? 'warn' : undefined,
      hint: 'How long the first answer took',
    },
    {
      label: 'Avg / max response',
      value: (
        <>
          {ms(st.avgResponseMs)}
          <span className="font-normal text-slate-500"> / </span>
          <span className={isSlow(st.maxResponseMs) ? 'text-amber-700' : undefined}>{ms(st.maxResponseMs)}</span>
        </>
      ),
      tone: isSlow(st.avgResponseMs) ? 'warn' : undefined,
    },
    { label: 'Handoffs', value: number.format(st.handoffs) },
    { label: 'Errors', value: number.format(st.errors), tone: st.errors > 0 ? 'bad' : undefined },
    { label: 'Interruptions', value: number.format(st.interruptions), hint: 'Agent messages the user talked over' },
    {
      label: 'Tokens in / out',
      value: (
        <>
          {tokens(st.inputTokens).replace(/ tokens?$/, '')}
          <span className="font-normal text-slate-500"> / </span>
          {tokens(st.outputTokens).replace(/ tokens?$/, '')}
        </>
      ),
    },
    { label: 'Cost', value: usdFine(st.costUsd) },
  ];
  return (
    <Card className="@container mb-6 overflow-hidden">
      {/* Columns follow the card's own width (a container query), not the window's: one row of
          eight only where each figure fits whole. The 1 px gaps over a tinted background draw
          the lines between cells. */}
      <dl
        aria-label="Session figures"
        className="grid grid-cols-1 gap-px bg-slate-100 @xs:grid-cols-2 @xl:grid-cols-4 @5xl:grid-cols-8"
      >
        {items.map((it) => (
          <div key={it.label} className="min-w-0 bg-white px-4 py-3" title={it.hint} data-stat={it.label}>
            <dt className="truncate text-xs font-medium text-slate-500">{it.label}</dt>
            <dd
              className={cx(
                'mt-0.5 text-lg font-semibold whitespace-nowrap tabular-nums',
                it.tone === 'warn' ? 'text-amber-700' : it.tone === 'bad' ? 'text-red-700' : 'text-slate-900',
              )}
            >
              {it.value}
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

/** An agent message's response time ("1.2 s"), amber when slow, and whether the user cut it off. */
function ResponseMarks({ message: m, className }: { message: Message; className?: string }) {
  if (m.sender !== 'agent') return null;
  return (
    <>
      {m.latencyMs !== null && (
        <span
          className={cx(
            'tabular-nums',
            isSlow(m.latencyMs) ? 'rounded bg-amber-50 px-1 font-medium text-amber-700' : 'text-slate-500',
            className,
          )}
          title={`Response time${isSlow(m.latencyMs) ? ' (slow)' : ''}`}
          data-testid="latency"
        >
          {ms(m.latencyMs)}
        </span>
      )}
      {m.interrupted && (
        <span
          className="inline-flex items-center gap-1 rounded border border-orange-200 bg-orange-50 px-1 text-[11px] font-medium text-orange-700"
          title="The user interrupted this message"
          data-testid="interrupted"
        >
          <Hand className="size-3" aria-hidden="true" />
          Interrupted
        </span>
      )}
    </>
  );
}

function SessionInfo({ s }: { s: SessionDetail }) {
  const rows: Array<[string, ReactNode]> = [
    [
      'Session ID',
      <span key="id" className="flex items-start gap-1">
        <span className="font-mono text-xs break-all text-slate-800">{s.id}</span>
        <CopyButton value={s.id} label="Copy full session ID" className="-mt-1 shrink-0" />
      </span>,
    ],
    [
      'Agent',
      <span key="agent">
        <span className="font-medium text-slate-900">{s.agent.name}</span>
        <span className="block font-mono text-xs text-slate-500">{s.agent.id}</span>
      </span>,
    ],
    ['Channel', <ChannelBadge key="c" channel={s.channel} />],
    ['Type', TYPE_LABELS[s.type] ?? s.type],
    ['Source', SOURCE_LABELS[s.source] ?? s.source],
    ['Status', <StatusBadge key="s" status={s.status} />],
    [
      'Started',
      <span key="st">
        {dateTime(s.startedAt)}
        <span className="block text-xs text-slate-500">
          <RelativeTime iso={s.startedAt} />
        </span>
      </span>,
    ],
    [
      'Ended',
      s.endedAt ? (
        dateTime(s.endedAt)
      ) : (
        <span key="e" className="text-slate-500">
          —
        </span>
      ),
    ],
    [
      'Duration',
      s.durationSeconds !== null ? (
        durationLong(s.durationSeconds)
      ) : s.status === 'active' ? (
        <span key="d" className="font-medium text-green-700">
          Ongoing
        </span>
      ) : (
        '—'
      ),
    ],
    [
      'Ended reason',
      s.endedReason ? (
        <code key="r" className="rounded bg-slate-100 px-1.5 py-0.5 text-xs">
          {s.endedReason}
        </code>
      ) : (
        <span key="r" className="text-slate-500">
          —
        </span>
      ),
    ],
    ['Messages', number.format(s.messageCount)],
    ['Last activity', <RelativeTime key="la" iso={s.lastActivityAt} />],
  ];
  return (
    <Card>
      <CardHeader title="Session Information" />
      <dl className="divide-y divide-slate-100 text-sm">
        {rows.map(([label, value]) => (
          <div key={label} className="grid grid-cols-[110px_minmax(0,1fr)] gap-3 px-5 py-2.5">
            <dt className="text-slate-500">{label}</dt>
            <dd className="min-w-0 text-slate-800">{value}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

function MetadataTable({ metadata }: { metadata: SessionDetail['metadata'] }) {
  const entries = Object.entries(metadata);
  return (
    <Card>
      <CardHeader title="Metadata" />
      {entries.length === 0 ? (
        <p className="px-5 py-4 text-sm text-slate-500">No metadata attached to this session.</p>
      ) : (
        <table className="w-full table-fixed text-sm" aria-label="Session metadata">
          <thead className="sr-only">
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {entries.map(([k, v]) => (
              <tr key={k}>
                <th
                  scope="row"
                  className="w-[40%] px-5 py-2.5 text-left align-top font-mono text-xs font-medium break-all text-slate-500"
                >
                  {k}
                </th>
                <td className="px-5 py-2.5 align-top break-words text-slate-800">
                  {v === null ? (
                    <span className="text-slate-500 italic">null</span>
                  ) : typeof v === 'string' ? (
                    /^https?:\/\//i.test(v) ? (
                      <a
                        href={v}
                        target="_blank"
                        rel="noreferrer noopener"
                        className="break-all text-indigo-600 hover:underline"
                      >
                        {v}
                      </a>
                    ) : (
                      v
                    )
                  ) : (
                    <code className="font-mono text-xs text-indigo-700">{String(v)}</code>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function Timeline({
  items,
  session,
  voice,
  more,
  pattern,
  current,
  onSeek,
}: {
  items: TimelineItem[];
  session: SessionDetail;
  voice: boolean;
  more: MoreToLoad;
  /** Words to mark in the messages (the transcript search). */
  pattern: RegExp | null;
  /** The index in `items` of the match in focus, or -1. */
  current: number;
  /** Plays the recording from a line's moment, when there is one. */
  onSeek?: (seconds: number) => void;
}) {
  const { count, sentinel, showAll } = useIncremental(items.length, more, current);
  const start = Date.parse(session.startedAt);
  if (items.length === 0) {
    return <p className="px-5 py-12 text-center text-sm text-slate-500">No messages or events recorded yet.</p>;
  }
  return (
    <div className={cx('px-3 py-4 sm:px-5 sm:py-5', voice ? 'space-y-1' : 'space-y-3')}>
      <ol aria-label="Transcript and system events" className={cx(voice ? 'space-y-1' : 'space-y-3')}>
        {items
          .slice(0, count)
          .map((t, i) =>
            t.kind === 'event' ? (
              <EventRow key={`e-${t.item.id}`} event={t.item} offset={(t.at - start) / 1000} />
            ) : voice ? (
              <VoiceLine
                key={`m-${t.item.id}`}
                message={t.item}
                offset={(t.at - start) / 1000}
                pattern={pattern}
                current={i === current}
                onSeek={onSeek}
              />
            ) : (
              <ChatBubble key={`m-${t.item.id}`} message={t.item} pattern={pattern} current={i === current} />
            ),
          )}
      </ol>
      {count < items.length ? (
        <div ref={sentinel} className="flex justify-center pt-3">
          <Button size="sm" variant="ghost" onClick={showAll}>
            Show all {number.format(items.length)} loaded entries
          </Button>
        </div>
      ) : more.hasMore ? (
        <div ref={sentinel} className="flex flex-col items-center gap-2 pt-3" data-testid="transcript-more">
          {more.failed ? <p className="text-sm text-red-700">Could not load more of the transcript.</p> : null}
          <Button size="sm" variant="ghost" onClick={more.loadMore} disabled={more.loading}>
            {more.loading ? 'Loading more…' : 'Load more'}
          </Button>
        </div>
      ) : null}
    </div>
  );
}

/** What a message row needs to show a search: the words to mark, and whether it is the match in focus. */
interface MatchProps {
  pattern: RegExp | null;
  current: boolean;
}

const matchAttrs = (m: Message, { pattern, current }: MatchProps) => ({
  'data-message-id': m.id,
  'data-match': hasWord(m.content, pattern) ? (current ? 'current' : 'yes') : undefined,
  'aria-current': current ? ('true' as const) : undefined,
});

function ChatBubble({ message: m, ...match }: { message: Message } & MatchProps) {
  const user = m.sender === 'user';
  return (
    <li
      className={cx(
        'cv-auto flex scroll-mt-24 gap-2.5 rounded-xl',
        user ? 'justify-start' : 'flex-row-reverse',
        match.current && 'ring-2 ring-amber-400 ring-offset-4 ring-offset-white',
      )}
      data-sender={m.sender}
      {...matchAttrs(m, match)}
    >
      <span
        className={cx(
          'mt-5 flex size-7 shrink-0 items-center justify-center rounded-full',
          user ? 'bg-slate-100 text-slate-500' : 'bg-indigo-100 text-indigo-600',
        )}
        aria-hidden="true"
      >
        {user ? <User className="size-4" /> : <Bot className="size-4" />}
      </span>
      <div className={cx('flex max-w-[85%] min-w-0 flex-col sm:max-w-[75%]', user ? 'items-start' : 'items-end')}>
        <p className="mb-1 flex items-center gap-2 text-xs text-slate-500">
          <span className="font-medium text-slate-700">{user ? 'User' : 'Agent'}</span>
          <time dateTime={m.timestamp} title={dateTime(m.timestamp)}>
            {timeOfDay(m.timestamp)}
          </time>
          <span className="text-slate-500 tabular-nums">#{m.seq}</span>
          <ResponseMarks message={m} />
        </p>
        <div
          className={cx(
            'rounded-2xl px-3.5 py-2 text-sm leading-relaxed break-words whitespace-pre-wrap',
            user ? 'rounded-tl-sm bg-slate-100 text-slate-800' : 'rounded-tr-sm bg-indigo-600 text-white',
          )}
        >
          <Highlight text={m.content} pattern={match.pattern} />
        </div>
      </div>
    </li>
  );
}

function VoiceLine({
  message: m,
  offset,
  onSeek,
  ...match
}: { message: Message; offset: number; onSeek?: (seconds: number) => void } & MatchProps) {
  const user = m.sender === 'user';
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a pointer shortcut; the line's time is its keyboard button
    <li
      className={cx(
        'cv-auto grid scroll-mt-24 grid-cols-[40px_minmax(0,1fr)] gap-x-2 gap-y-0.5 rounded-lg px-1 py-1.5 hover:bg-slate-50 sm:grid-cols-[56px_84px_minmax(0,1fr)] sm:gap-3 sm:px-2 sm:py-2',
        match.current && 'ring-2 ring-amber-400',
        onSeek && 'cursor-pointer',
      )}
      data-sender={m.sender}
      {...matchAttrs(m, match)}
      // A click anywhere on the line plays it (the time is the keyboard's button); selecting
      // text to copy does not.
      onClick={
        onSeek
          ? (e) => {
              if ((e.target as HTMLElement).closest('button') || window.getSelection()?.toString()) return;
              onSeek(offset);
            }
          : undefined
      }
    >
      {onSeek ? (
        <button
          type="button"
          onClick={() => onSeek(offset)}
          aria-label={`Play the recording from ${clock(offset)}`}
          title={`Play from here · ${dateTime(m.timestamp)} (#${m.seq})`}
          className="self-start rounded pt-0.5 text-right font-mono text-xs text-indigo-600 tabular-nums hover:underline"
        >
          <time dateTime={m.timestamp}>{clock(offset)}</time>
        </button>
      ) : (
        <time
          dateTime={m.timestamp}
          title={`${dateTime(m.timestamp)} (#${m.seq})`}
          className="pt-0.5 text-right font-mono text-xs text-slate-500 tabular-nums"
        >
          {clock(offset)}
        </time>
      )}
      <span
        className={cx('flex items-center gap-1.5 text-sm font-medium', user ? 'text-slate-700' : 'text-indigo-700')}
      >
        {user ? <User className="size-3.5" aria-hidden="true" /> : <Bot className="size-3.5" aria-hidden="true" />}
        {user ? 'Caller' : 'Agent'}
      </span>
      <div className="col-start-2 min-w-0 sm:col-start-auto">
        <p className="text-sm leading-relaxed break-words whitespace-pre-wrap text-slate-800">
          <Highlight text={m.content} pattern={match.pattern} />
        </p>
        {!user && (m.latencyMs !== null || m.interrupted) && (
          <p className="mt-0.5 flex items-center gap-2 text-xs">
            <ResponseMarks message={m} />
          </p>
        )}
      </div>
    </li>
  );
}

const EVENT_STYLE: Record<string, { icon: LucideIcon; className: string; label: string }> = {
  connection_established: {
    icon: Plug,
    className: 'text-emerald-700 bg-emerald-50 border-emerald-200',
    label: 'Connection established',
  },
  disconnected: { icon: Unplug, className: 'text-slate-600 bg-slate-50 border-slate-200', label: 'Disconnected' },
  error: { icon: AlertTriangle, className: 'text-red-700 bg-red-50 border-red-200', label: 'Error' },
  agent_handoff: {
    icon: ArrowRightLeft,
    className: 'text-violet-700 bg-violet-50 border-violet-200',
    label: 'Agent handoff',
  },
  status_changed: { icon: CircleDot, className: 'text-blue-700 bg-blue-50 border-blue-200', label: 'Status changed' },
  usage: { icon: Coins, className: 'text-slate-600 bg-slate-50 border-slate-200', label: 'Usage' },
};

function statusLabel(v: unknown): string {
  return typeof v === 'string' ? (STATUS_LABELS[v as keyof typeof STATUS_LABELS] ?? v) : String(v);
}

function eventSummary(e: SessionEvent): string {
  const d = e.data ?? {};
  if (e.type === 'status_changed' && 'from' in d && 'to' in d) return `${statusLabel(d.from)} → ${statusLabel(d.to)}`;
  if (e.type === 'agent_handoff' && ('from' in d || 'to' in d))
    return [d.from ? `from ${String(d.from)}` : '', d.to ? `to ${String(d.to)}` : ''].filter(Boolean).join(' ');
  if (e.type === 'error' && typeof d.message === 'string') return d.message;
  if (e.type === 'usage') {
    const n = (v: unknown) => (typeof v === 'number' ? v : null);
    const parts = [
      n(d.inputTokens) !== null ? `${compact(n(d.inputTokens))} in` : '',
      n(d.outputTokens) !== null ? `${compact(n(d.outputTokens))} out` : '',
      n(d.costUsd) !== null ? usdFine(n(d.costUsd)) : '',
      typeof d.model === 'string' ? d.model : '',
    ].filter(Boolean);
    if (parts.length) return parts.join(' · ');
  }
  return '';
}

/** A value of an event's data as one short line: strings as they are, the rest as JSON. */
function fieldText(v: unknown): string {
  const t = typeof v === 'string' ? v : JSON.stringify(v);
  return t.length > 80 ? `${t.slice(0, 79)}…` : t;
}

/**
 * A system event as a readable row: what happened, when, and its data's first few fields by
 * name; the whole data as JSON behind "JSON" for whoever needs the exact payload.
 */
function EventRow({ event: e, offset }: { event: SessionEvent; offset: number }) {
  const [raw, setRaw] = useState(false);
  const style = EVENT_STYLE[e.type] ?? {
    icon: Zap,
    className: 'text-amber-700 bg-amber-50 border-amber-200',
    label: e.type,
  };
  const Icon = style.icon;
  const summary = eventSummary(e);
  const data = e.data ?? {};
  const keys = Object.keys(data);
  // A known event says it in words; any other shows its data's first fields by name.
  const fields = summary ? [] : keys.slice(0, 4);
  const failing = e.type === 'error';
  return (
    <li
      className={cx(
        'cv-auto rounded-lg border px-3 py-2 text-xs',
        failing ? 'border-red-200 bg-red-50/60' : 'border-slate-200 bg-slate-50/60',
      )}
      data-event-type={e.type}
    >
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <span className={cx('inline-flex items-center gap-1.5 rounded-full border px-2 py-0.5', style.className)}>
          <Icon className="size-3.5 shrink-0" aria-hidden="true" />
          <span className="font-medium">{style.label}</span>
        </span>
        <time dateTime={e.timestamp} title={dateTime(e.timestamp)} className="text-slate-500 tabular-nums">
          {timeOfDay(e.timestamp)} · +{clock(offset)}
        </time>
        <span className="text-slate-500 tabular-nums">#{e.seq}</span>
        {keys.length > 0 && (
          <button
            type="button"
            onClick={() => setRaw((v) => !v)}
            aria-expanded={raw}
            className="ml-auto rounded px-1.5 py-0.5 font-medium text-slate-500 hover:bg-slate-200/60 hover:text-slate-900"
          >
            {raw ? 'Hide JSON' : 'JSON'}
          </button>
        )}
      </div>
      {summary && fields.length === 0 && (
        <p className={cx('mt-1 break-words', failing ? 'text-red-800' : 'text-slate-700')} data-testid="event-summary">
          {summary}
        </p>
      )}
      {fields.length > 0 && (
        <dl className="mt-1 flex flex-wrap gap-x-4 gap-y-0.5" data-testid="event-fields">
          {fields.map((k) => (
            <div key={k} className="flex min-w-0 gap-1">
              <dt className="shrink-0 text-slate-500">{k}</dt>
              <dd className="min-w-0 truncate font-mono text-slate-800" title={fieldText(data[k])}>
                {fieldText(data[k])}
              </dd>
            </div>
          ))}
          {keys.length > fields.length && <div className="text-slate-500">+{keys.length - fields.length} more</div>}
        </dl>
      )}
      {raw && (
        <pre
          className="mt-2 max-h-80 overflow-auto rounded-md bg-white p-2 font-mono text-[11px] leading-relaxed text-slate-800"
          data-testid="event-json"
        >
          {JSON.stringify(data, null, 2)}
        </pre>
      )}
    </li>
  );
}
