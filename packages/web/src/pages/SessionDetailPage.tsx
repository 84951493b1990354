import { type Message, recordingAllowed, type SessionDetail, type SessionEvent } from '@switchboard/contracts';
import {
  AlertTriangle,
  ArrowLeft,
  ArrowRightLeft,
  Bot,
  CircleDot,
  Coins,
  Hand,
  type LucideIcon,
  Mic,
  Plug,
  Unplug,
  User,
  Zap,
} from 'lucide-react';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { POLL_MS, useLive } from '../api/live';
import { useMeQuery, useSessionQuery, useTranscriptPages } from '../api/queries';
import { ChannelBadge } from '../components/ChannelBadge';
import { AutoRefreshToggle, LiveIndicator } from '../components/RefreshControls';
import { RelativeTime } from '../components/RelativeTime';
import { SessionId } from '../components/SessionId';
import { StatusBadge } from '../components/StatusBadge';
import { Button, Card, CardHeader, CopyButton, cx, QueryState } from '../components/ui';
import { clock, compact, dateTime, durationLong, ms, number, timeOfDay, tokens, usdFine } from '../lib/format';
import { isSlow } from '../lib/insights';
import { SOURCE_LABELS, STATUS_LABELS, TYPE_LABELS } from '../lib/vocab';

import { useDocumentTitle } from '../lib/useDocumentTitle';

type TimelineItem = { kind: 'message'; at: number; item: Message } | { kind: 'event'; at: number; item: SessionEvent };

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
interface MoreToLoad {
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
function useIncremental(length: number, more: MoreToLoad) {
  const [count, setCount] = useState(FIRST_BATCH);
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

/**
 * The call's recording: a player when the URL's host is one the operator allows
 * (SWITCHBOARD_RECORDING_HOSTS, which the page's CSP `media-src` enforces as well), else the URL
 * as text with how to allow its host. The URL is whatever the integration sent; loading it
 * unasked would tell its owner when, and from where, someone opened this session.
 */
function RecordingCard({ url, video }: { url: string; video: boolean }) {
  const me = useMeQuery();
  const hosts = me.data?.recordingHosts ?? [];
  const playable = recordingAllowed(url, hosts, window.location.protocol);
  const host = new URL(url).host;
  return (
    <Card className="p-5">
      <h2 className="mb-3 flex items-center gap-2 text-sm font-semibold text-slate-900">
        <Mic className="size-4 text-slate-400" aria-hidden="true" />
        Recording
      </h2>
      {!playable ? (
        <div data-testid="recording-not-loaded">
          <p className="flex items-center gap-1 font-mono text-sm text-slate-700">
            <span className="min-w-0 break-all">{url}</span>
            <CopyButton value={url} label="Copy recording URL" />
          </p>
          <p className="mt-2 text-xs text-slate-500">
            Not loaded: the dashboard plays recordings only from hosts the operator allows, so a link in a transcript
            cannot learn who opened it. To play recordings from {host}, add it to{' '}
            <code className="font-mono text-slate-700">SWITCHBOARD_RECORDING_HOSTS</code>
            {hosts.length ? ` (now ${hosts.join(', ')})` : ''} and restart the server.
          </p>
        </div>
      ) : video ? (
        <video
          controls
          preload="metadata"
          src={url}
          className="w-full rounded-lg bg-black"
          aria-label="Session recording"
        >
          <track kind="captions" />
        </video>
      ) : (
        <audio controls preload="metadata" src={url} className="w-full" aria-label="Session recording">
          <track kind="captions" />
        </audio>
      )}
    </Card>
  );
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
      <Link
        to={back}
        className="mb-5 inline-flex items-center gap-1.5 rounded text-sm font-medium text-slate-500 hover:text-slate-900"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        Back to sessions
      </Link>
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
        {(session) => <SessionView session={session} />}
      </QueryState>
    </>
  );
}

function SessionView({ session: s }: { session: SessionDetail }) {
  const { messages, events, more } = useLoadedTranscript(s);
  const timeline = useMemo(() => buildTimeline(messages, events), [messages, events]);
  const recording = recordingUrl(s);
  const isCall = s.type === 'voice' || s.type === 'video';

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

      <StatsStrip stats={s.stats} />

      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[minmax(0,1fr)_360px]">
        <div className="flex min-w-0 flex-col gap-6">
          {recording && isCall && <RecordingCard url={recording} video={s.type === 'video'} />}
          <Card>
            <CardHeader title={isCall ? 'Call transcript' : 'Conversation'}>
              <p className="text-xs text-slate-500">
                {number.format(s.messageCount)} messages · {number.format(s.transcript.eventCount)} events
              </p>
            </CardHeader>
            <Timeline items={timeline} session={s} voice={isCall} more={more} />
          </Card>
        </div>

        <div className="flex flex-col gap-6 lg:sticky lg:top-6">
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
}: {
  items: TimelineItem[];
  session: SessionDetail;
  voice: boolean;
  more: MoreToLoad;
}) {
  const { count, sentinel, showAll } = useIncremental(items.length, more);
  const start = Date.parse(session.startedAt);
  if (items.length === 0) {
    return <p className="px-5 py-12 text-center text-sm text-slate-500">No messages or events recorded yet.</p>;
  }
  return (
    <div className={cx('px-3 py-4 sm:px-5 sm:py-5', voice ? 'space-y-1' : 'space-y-3')}>
      <ol aria-label="Transcript and system events" className={cx(voice ? 'space-y-1' : 'space-y-3')}>
        {items
          .slice(0, count)
          .map((t) =>
            t.kind === 'event' ? (
              <EventRow key={`e-${t.item.id}`} event={t.item} offset={(t.at - start) / 1000} />
            ) : voice ? (
              <VoiceLine key={`m-${t.item.id}`} message={t.item} offset={(t.at - start) / 1000} />
            ) : (
              <ChatBubble key={`m-${t.item.id}`} message={t.item} />
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

function ChatBubble({ message: m }: { message: Message }) {
  const user = m.sender === 'user';
  return (
    <li className={cx('cv-auto flex gap-2.5', user ? 'justify-start' : 'flex-row-reverse')} data-sender={m.sender}>
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
          {m.content}
        </div>
      </div>
    </li>
  );
}

function VoiceLine({ message: m, offset }: { message: Message; offset: number }) {
  const user = m.sender === 'user';
  return (
    <li
      className="cv-auto grid grid-cols-[40px_minmax(0,1fr)] gap-x-2 gap-y-0.5 rounded-lg px-1 py-1.5 hover:bg-slate-50 sm:grid-cols-[56px_84px_minmax(0,1fr)] sm:gap-3 sm:px-2 sm:py-2"
      data-sender={m.sender}
    >
      <time
        dateTime={m.timestamp}
        title={`${dateTime(m.timestamp)} (#${m.seq})`}
        className="pt-0.5 text-right font-mono text-xs text-slate-500 tabular-nums"
      >
        {clock(offset)}
      </time>
      <span
        className={cx('flex items-center gap-1.5 text-sm font-medium', user ? 'text-slate-700' : 'text-indigo-700')}
      >
        {user ? <User className="size-3.5" aria-hidden="true" /> : <Bot className="size-3.5" aria-hidden="true" />}
        {user ? 'Caller' : 'Agent'}
      </span>
      <div className="col-start-2 min-w-0 sm:col-start-auto">
        <p className="text-sm leading-relaxed break-words whitespace-pre-wrap text-slate-800">{m.content}</p>
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
  const keys = Object.keys(d);
  if (!keys.length) return '';
  const json = JSON.stringify(d);
  return json.length > 160 ? `${json.slice(0, 157)}…` : json;
}

function EventRow({ event: e, offset }: { event: SessionEvent; offset: number }) {
  const style = EVENT_STYLE[e.type] ?? {
    icon: Zap,
    className: 'text-amber-700 bg-amber-50 border-amber-200',
    label: e.type,
  };
  const Icon = style.icon;
  const summary = eventSummary(e);
  return (
    <li className="cv-auto flex items-center gap-3 py-1" data-event-type={e.type}>
      <span className="h-px flex-1 bg-slate-200" aria-hidden="true" />
      <span
        className={cx(
          'inline-flex max-w-[80%] items-center gap-1.5 rounded-full border px-3 py-1 text-xs',
          style.className,
        )}
        title={`${dateTime(e.timestamp)} · +${clock(offset)} · event #${e.seq}${Object.keys(e.data ?? {}).length ? `\n${JSON.stringify(e.data, null, 2)}` : ''}`}
      >
        <Icon className="size-3.5 shrink-0" aria-hidden="true" />
        <span className="font-medium">{style.label}</span>
        {summary && <span className="truncate">· {summary}</span>}
        <time dateTime={e.timestamp} className="ml-1 shrink-0 tabular-nums">
          {timeOfDay(e.timestamp)}
        </time>
      </span>
      <span className="h-px flex-1 bg-slate-200" aria-hidden="true" />
    </li>
  );
}
