/**
 * Live updates over `GET /api/v1/stream` (Server-Sent Events, one `session.*`, `message.created` or
 * `event.created` envelope per change).
 *
 * One connection for the whole app, opened by the shell, unfiltered: the open page's filters
 * change often and a reconnect per filter edit would drop events in between, while an event that
 * does not match the current filter costs at most one cheap refetch. The stream keeps no state of
 * its own (the query cache is the one copy of server data) but one: which sessions it told of that
 * the list on screen does not show yet.
 *
 * The list stays still under a person's eyes: a session it shows is patched in place (its status,
 * figures, end), and a session it does not show is counted ("3 new sessions") until the person
 * asks for them, or, at the top of page 1 with nobody touching the page, shown by itself, at most
 * one list refetch per 10 s however busy the stream. Metrics, time series and agents are
 * recounted at most every 5 s. Messages and events are appended to the
 * cached detail of their session, so an open 2,000-message transcript is never refetched for one
 * new line. While the stream is down the pages fall back to polling every 10 s; auto-refresh off
 * closes the stream and stops polling, freezing the view.
 */
import type {
  Message,
  OutboxEventType,
  Session,
  SessionDetail,
  SessionEvent,
  SessionList,
} from '@switchboard/contracts';
import { type Query, type QueryClient, useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  createElement,
  type ReactNode,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import type { ListParams } from '../lib/filters';
import { useLocalStorageBoolean } from '../lib/useLocalStorage';
import { OUTBOX_EVENT_TYPES } from '../lib/vocab';
import { isRefused } from './client';
import { queryKeys } from './queries';

/**
 * The one API call that does not go through the SDK. `sb.sessions.stream()` yields events only,
 * so a quiet system would look "connecting" until its first event; EventSource says `open` the
 * moment the stream is up, which is what the Live indicator and the catch-up after a gap hang
 * on. It also brings the cookie by itself and the browser's own reconnect with Last-Event-ID.
 */
const STREAM_PATH = '/api/v1/stream';

export interface StreamEnvelope {
  id: string;
  type: OutboxEventType;
  occurredAt: string;
  data: Session | Message | SessionEvent;
}

export type LiveStatus = 'connecting' | 'live' | 'polling' | 'paused';

/** Polling while the stream is down: every 10 seconds. */
export const POLL_MS = 10_000;
/**
 * Polling while the stream is up: events report changes, not the passage of time, so "Recent
 * sessions (24h)" and relative windows still need an occasional refresh.
 */
const LIVE_POLL_MS = 60_000;
/** A burst of events within this window becomes one refetch (well inside the 1 s budget). */
const FLUSH_MS = 200;
/** Metrics, time series and agents are recounted at most this often while the stream is busy. */
export const RECOUNT_MS = 5_000;
/** The sessions list is refetched by itself at most this often. */
export const LIST_REFRESH_MS = 10_000;
/** After the browser gives up on the stream (e.g. a 502 from a proxy), we try again ourselves. */
const RECONNECT_MS = [2_000, 5_000, 10_000, 15_000];

interface LiveContextValue {
  autoRefresh: boolean;
  setAutoRefresh: (on: boolean) => void;
  status: LiveStatus;
}

const LiveContext = createContext<LiveContextValue | null>(null);

export function useLive(): LiveContextValue {
  const ctx = useContext(LiveContext);
  if (!ctx) throw new Error('useLive outside <LiveProvider>');
  return ctx;
}

/** The `refetchInterval` for list-like queries: short while the stream is down, none when paused. */
export function useRefetchInterval(): number | false {
  const { autoRefresh, status } = useLive();
  if (!autoRefresh) return false;
  return status === 'live' ? LIVE_POLL_MS : POLL_MS;
}

/**
 * The sessions list's `refetchInterval`: none while the stream is up (it reports new sessions
 * and patches the shown ones, and a poll would reorder rows under the reader), 10 s while down.
 */
export function useListRefetchInterval(): number | false {
  const { autoRefresh, status } = useLive();
  if (!autoRefresh || status === 'live') return false;
  return POLL_MS;
}

/**
 * Sessions the stream told of that no list on screen shows, and the one list refetch that shows
 * them: at once when asked (`show`), else (`showSoon`) no sooner than 10 s after the last.
 */
class NewSessions {
  private ids = new Set<string>();
  private listeners = new Set<() => void>();
  private lastRefresh = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(private readonly qc: QueryClient) {}

  count = () => this.ids.size;
  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  };
  private emit() {
    for (const l of this.listeners) l();
  }
  add(id: string) {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    this.emit();
  }
  /** Refetch the lists now (the person asked). */
  show = () => {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastRefresh = Date.now();
    this.ids.clear();
    this.emit();
    void this.qc.invalidateQueries({ queryKey: ['sessions', 'list'], predicate: (q) => !isRefused(q.state.error) });
  };
  /** Refetch the lists as soon as the 10 s since the last refetch are up. */
  showSoon = () => {
    if (this.timer) return;
    const wait = this.lastRefresh + LIST_REFRESH_MS - Date.now();
    if (wait <= 0) this.show();
    else this.timer = setTimeout(this.show, wait);
  };
  /** A list fetched by other means (a filter change, a reconnect) is news to nobody. */
  reset = () => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.ids.size === 0) return;
    this.ids.clear();
    this.emit();
  };
  dispose() {
    clearTimeout(this.timer);
  }
}

const NewSessionsContext = createContext<NewSessions | null>(null);

/** How many sessions the list on screen does not show yet, and how to show them. */
export function useNewSessions(): { count: number; show: () => void; showSoon: () => void; reset: () => void } {
  const store = useContext(NewSessionsContext);
  const count = useSyncExternalStore(store?.subscribe ?? noSubscribe, store?.count ?? zero);
  return {
    count,
    show: store?.show ?? noop,
    showSoon: store?.showSoon ?? noop,
    reset: store?.reset ?? noop,
  };
}
const noSubscribe = () => () => {};
const zero = () => 0;
const noop = () => {};

/**
 * Whether a list with these parameters could show this session, from what the browser can tell
 * (channel, status, agent, source, type of list, dates); search, transcript and range filters need the
 * server, so a session passing the rest counts as possibly shown.
 */
function mightShow(p: ListParams, s: Session): boolean {
  const f = p.filters;
  if (f.channel.length && !f.channel.includes(s.channel)) return false;
  if (f.status.length && !f.status.includes(s.status)) return false;
  if (f.agentId.length && !f.agentId.includes(s.agent.id)) return false;
  if (f.source.length && !f.source.includes(s.source)) return false;
  const started = Date.parse(s.startedAt);
  if (f.from && started < Date.parse(f.from)) return false;
  if (f.to) {
    const end = /^\d{4}-\d{2}-\d{2}$/.test(f.to) ? Date.parse(f.to) + 86_400_000 : Date.parse(f.to);
    if (started >= end) return false;
  }
  return true;
}

// The aggregate queries that any session change can move; the detail is patched instead. An
// agent's own figures and series (`['agents', 'detail', …]`) are left to the once-a-minute poll:
// the agents table holds one per visible row for its sparkline, and a refetch of each per burst
// of events would multiply every change by the number of rows.
const isAggregate = (q: Query) =>
  ((q.queryKey[0] === 'sessions' && q.queryKey[1] !== 'detail' && q.queryKey[1] !== 'list') ||
    (q.queryKey[0] === 'agents' && q.queryKey[1] !== 'detail')) &&
  // A view the server refused (a bad filter) stays refused whatever else changes.
  !isRefused(q.state.error);

/** Collects what needs refetching and does it once per FLUSH_MS window. */
function createBatcher(qc: QueryClient) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let aggregates = false;
  let lastRecount = 0;
  const details = new Set<string>();
  const flush = () => {
    timer = undefined;
    if (aggregates) {
      lastRecount = Date.now();
      void qc.invalidateQueries({ predicate: isAggregate });
    }
    for (const id of details) void qc.invalidateQueries({ queryKey: queryKeys.session(id), exact: true });
    aggregates = false;
    details.clear();
  };
  const schedule = (wait = FLUSH_MS) => {
    timer ??= setTimeout(flush, wait);
  };
  return {
    aggregates() {
      aggregates = true;
      // The first change after a quiet spell shows within FLUSH_MS; a busy stream recounts
      // once per RECOUNT_MS, not once per burst.
      schedule(Math.max(FLUSH_MS, lastRecount + RECOUNT_MS - Date.now()));
    },
    detail(id: string) {
      details.add(id);
      schedule();
    },
    /** Catch up after a gap (stream down or paused): everything, including open details. */
    everything() {
      void qc.invalidateQueries({ queryKey: ['sessions'], predicate: (q) => !isRefused(q.state.error) });
      void qc.invalidateQueries({ queryKey: queryKeys.agents, predicate: (q) => !isRefused(q.state.error) });
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

const later = (a: string, b: string) => (Date.parse(a) > Date.parse(b) ? a : b);

/**
 * A session event against the cached lists: a list that shows the session gets it patched in
 * place; one that could show it but does not yet counts it as new.
 */
function applyToLists(qc: QueryClient, s: Session, fresh: NewSessions): void {
  let shown = false;
  let couldShow = false;
  for (const q of qc.getQueryCache().findAll({ queryKey: ['sessions', 'list'] })) {
    const data = q.state.data as SessionList | undefined;
    if (data?.data.some((x) => x.id === s.id)) {
      shown = true;
      qc.setQueryData<SessionList>(q.queryKey, (old) =>
        old ? { ...old, data: old.data.map((x) => (x.id === s.id ? { ...x, ...s } : x)) } : old,
      );
    } else if (q.getObserversCount() > 0 && !isRefused(q.state.error)) {
      const params = q.queryKey[2] as ListParams | undefined;
      if (params && mightShow(params, s)) couldShow = true;
    }
  }
  if (!shown && couldShow) fresh.add(s.id);
}

/** Applies one event to the cache: patch what is cached, invalidate what is derived. */
function applyEvent(
  qc: QueryClient,
  env: StreamEnvelope,
  batch: ReturnType<typeof createBatcher>,
  fresh: NewSessions,
): void {
  if (env.type === 'alert.fired' || env.type === 'alert.resolved') {
    // The rules' states (the Alerts page, the bell) are read again; no session changed.
    void qc.invalidateQueries({ queryKey: ['alerts'] });
    return;
  }
  if (env.type === 'message.created' || env.type === 'event.created') {
    const item = env.data as Message | SessionEvent;
    const key = queryKeys.session(item.sessionId);
    // A fetch already under way may have read the transcript before this item: fetch again after it.
    if (qc.getQueryState(key)?.fetchStatus === 'fetching') batch.detail(item.sessionId);
    qc.setQueryData<SessionDetail>(key, (old) => {
      if (!old) return old;
      if (env.type === 'message.created') {
        const m = item as Message;
        if (old.messages.some((x) => x.id === m.id)) return old;
        return {
          ...old,
          messages: [...old.messages, m],
          messageCount: old.messageCount + 1,
          lastActivityAt: later(old.lastActivityAt, m.timestamp),
        };
      }
      const e = item as SessionEvent;
      if (old.events.some((x) => x.id === e.id)) return old;
      return {
        ...old,
        events: [...old.events, e],
        transcript: { ...old.transcript, eventCount: old.transcript.eventCount + 1 },
        lastActivityAt: later(old.lastActivityAt, e.timestamp),
      };
    });
    return;
  }
  const s = env.data as Session;
  qc.setQueryData<SessionDetail>(queryKeys.session(s.id), (old) => (old ? { ...old, ...s } : old));
  applyToLists(qc, s, fresh);
  batch.aggregates();
}

/**
 * Opens the stream while auto-refresh is on and reports its state. `onStreamEvent` hears every
 * event after it was applied to the cache (the notifications pick theirs), live only: a fresh
 * connection starts at "now", so the backlog never raises a notification.
 */
export function LiveProvider({
  children,
  onStreamEvent,
}: {
  children: ReactNode;
  onStreamEvent?: (env: StreamEnvelope) => void;
}) {
  const qc = useQueryClient();
  const [autoRefresh, setAutoRefresh] = useLocalStorageBoolean('switchboard.autoRefresh', true);
  const [status, setStatus] = useState<LiveStatus>(autoRefresh ? 'connecting' : 'paused');
  const listener = useRef(onStreamEvent);
  useEffect(() => {
    listener.current = onStreamEvent;
  }, [onStreamEvent]);
  // True after the view was frozen: the next connection must catch up on what it missed.
  const stale = useRef(false);
  const [fresh] = useState(() => new NewSessions(qc));
  useEffect(() => () => fresh.dispose(), [fresh]);

  useEffect(() => {
    if (!autoRefresh) {
      stale.current = true;
      setStatus('paused');
      return;
    }
    if (typeof EventSource === 'undefined') {
      setStatus('polling');
      return;
    }
    const batch = createBatcher(qc);
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let lastId = '';
    let down = false;

    const onEvent = (ev: MessageEvent<string>) => {
      if (ev.lastEventId) lastId = ev.lastEventId;
      let env: StreamEnvelope;
      try {
        env = JSON.parse(ev.data) as StreamEnvelope;
      } catch {
        return;
      }
      applyEvent(qc, env, batch, fresh);
      listener.current?.(env);
    };

    const connect = () => {
      // Our own reconnects resume where we stopped (the browser's own ones send Last-Event-ID).
      const url = `${STREAM_PATH}${lastId ? `?lastEventId=${encodeURIComponent(lastId)}` : ''}`;
      const es = new EventSource(url, { withCredentials: true });
      source = es;
      es.onopen = () => {
        failures = 0;
        setStatus('live');
        if (down || stale.current) {
          fresh.reset();
          batch.everything();
        }
        down = false;
        stale.current = false;
      };
      es.onerror = () => {
        down = true;
        setStatus('polling');
        // CONNECTING: the browser retries by itself. CLOSED (an HTTP error status, a wrong
        // content type): it has given up, so we retry with a backoff.
        if (es.readyState === EventSource.CLOSED) {
          es.close();
          const wait = RECONNECT_MS[Math.min(failures, RECONNECT_MS.length - 1)];
          failures++;
          retry = setTimeout(connect, wait);
        }
      };
      for (const type of OUTBOX_EVENT_TYPES) es.addEventListener(type, onEvent);
    };

    setStatus('connecting');
    connect();
    return () => {
      clearTimeout(retry);
      batch.cancel();
      source?.close();
    };
  }, [autoRefresh, qc, fresh]);

  const value = useMemo(() => ({ autoRefresh, setAutoRefresh, status }), [autoRefresh, setAutoRefresh, status]);
  return createElement(
    LiveContext.Provider,
    { value },
    createElement(NewSessionsContext.Provider, { value: fresh }, children),
  );
}
