/**
 * Notifications: the live stream's failures, handoffs, errors and slow first responses that a
 * person chose to hear about, for sessions the Sessions page's filters would show. Each raises a
 * toast (and a browser notification while the tab is hidden, when allowed) and goes into the
 * list behind the bell, which keeps the recent ones with an unread count, per browser.
 */
import type { AlertEventData } from '@switchboard/client';
import type { Message, Session, SessionEvent } from '@switchboard/contracts';
import { useQueryClient } from '@tanstack/react-query';
import {
  AlertTriangle,
  ArrowRightLeft,
  Bell,
  BellOff,
  BellRing,
  Hourglass,
  type LucideIcon,
  Siren,
  XCircle,
} from 'lucide-react';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { call, sb } from '../api/client';
import type { StreamEnvelope } from '../api/live';
import { queryKeys, useAlertsQuery } from '../api/queries';
import { notifyDesktop, useDesktopNotifications } from '../lib/desktopNotifications';
import { hasActiveFilters, parseListParams, type SessionFilterValues } from '../lib/filters';
import {
  type AppNotification,
  KIND_LABELS,
  MAX_NOTIFICATIONS,
  NOTIFY_KINDS,
  type NotifyKind,
  type NotifyPrefs,
  parseNotifications,
  parsePrefs,
  SLOW_MS_MAX,
  SLOW_MS_MIN,
  seconds,
  sessionMatchesFilters,
} from '../lib/notifications';
import { CHANNEL_LABELS, STATUS_LABELS } from '../lib/vocab';
import { conditionText, formatMetric } from '../lib/alerts';
import { ChannelBadge } from './ChannelBadge';
import { Popover } from './Popover';
import { RelativeTime } from './RelativeTime';
import { useToasts } from './Toasts';
import { Checkbox, cx } from './ui';

const PREFS_KEY = 'switchboard.notifyPrefs';
const LIST_KEY = 'switchboard.notifications';
/** The Sessions page's query string, remembered while other pages are open. */
const FILTERS_KEY = 'switchboard.sessionsFilters';

function load(key: string, storage: 'local' | 'session' = 'local'): string | null {
  try {
    return (storage === 'local' ? localStorage : sessionStorage).getItem(key);
  } catch {
    return null;
  }
}
/** Runs `fn` once the page is idle (never cancelled: the last write wins, as it should). */
function whenIdle(fn: () => void) {
  if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(fn, { timeout: 2_000 });
  else window.setTimeout(fn, 200);
}

function save(key: string, value: string, storage: 'local' | 'session' = 'local'): void {
  try {
    (storage === 'local' ? localStorage : sessionStorage).setItem(key, value);
  } catch {
    /* private mode: this page only */
  }
}

interface NotificationsApi {
  items: AppNotification[];
  unread: number;
  prefs: NotifyPrefs;
  setPrefs: (p: NotifyPrefs) => void;
  markAllRead: () => void;
  markRead: (id: string) => void;
  filters: SessionFilterValues;
  /** For the live stream: every event goes through here. */
  onStreamEvent: (env: StreamEnvelope) => void;
}

const Ctx = createContext<NotificationsApi | null>(null);

export function useNotifications(): NotificationsApi {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('useNotifications outside <NotificationProvider>');
  return ctx;
}

const KIND_ICON: Record<NotifyKind, { icon: LucideIcon; className: string }> = {
  failed: { icon: XCircle, className: 'text-red-500' },
  handoff: { icon: ArrowRightLeft, className: 'text-violet-500' },
  error: { icon: AlertTriangle, className: 'text-amber-500' },
  slow: { icon: Hourglass, className: 'text-amber-500' },
};

export function NotificationProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const { show } = useToasts();
  const navigate = useNavigate();
  const location = useLocation();
  const [prefs, setPrefsState] = useState<NotifyPrefs>(() => parsePrefs(load(PREFS_KEY)));
  const [items, setItems] = useState<AppNotification[]>(() => parseNotifications(load(LIST_KEY)));
  // Landing on the list, its URL is the answer: the tab's first sessionStorage access blocks the
  // page for up to a tenth of a second in a fresh tab, so it is left for later.
  const [filterSearch, setFilterSearch] = useState<string>(() =>
    location.pathname === '/' ? location.search : (load(FILTERS_KEY, 'session') ?? ''),
  );

  // The Sessions page's filters are its URL; remember them while another page is open, written
  // when the page is idle rather than between the first response and the first rows.
  useEffect(() => {
    if (location.pathname !== '/') return;
    setFilterSearch(location.search);
    const search = location.search;
    whenIdle(() => save(FILTERS_KEY, search, 'session'));
  }, [location.pathname, location.search]);
  const filters = useMemo(() => parseListParams(new URLSearchParams(filterSearch)).filters, [filterSearch]);

  // The handler runs outside React's render: it reads the latest state through refs.
  const latest = useRef({ prefs, filters, items });
  latest.current = { prefs, filters, items };
  // Sessions already looked at for a kind, so a burst of errors in one session costs one fetch.
  const checked = useRef(new Set<string>());

  useEffect(() => save(LIST_KEY, JSON.stringify(items)), [items]);

  // Another tab of this browser changed the preferences or read the list: follow it.
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key === PREFS_KEY) setPrefsState(parsePrefs(e.newValue));
      if (e.key === LIST_KEY) setItems(parseNotifications(e.newValue));
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const setPrefs = useCallback((p: NotifyPrefs) => {
    setPrefsState(p);
    save(PREFS_KEY, JSON.stringify(p));
  }, []);
  const markAllRead = useCallback(() => setItems((cur) => cur.map((n) => (n.read ? n : { ...n, read: true }))), []);
  const markRead = useCallback(
    (id: string) => setItems((cur) => cur.map((n) => (n.id === id && !n.read ? { ...n, read: true } : n))),
    [],
  );

  const raise = useCallback(
    (kind: NotifyKind, s: Session, detail: string) => {
      const id = `${kind}-${s.id}`;
      if (latest.current.items.some((n) => n.id === id)) return;
      const n: AppNotification = {
        id,
        kind,
        sessionId: s.id,
        agentName: s.agent.name,
        channel: s.channel,
        detail,
        at: new Date().toISOString(),
        read: false,
      };
      setItems((cur) => [n, ...cur.filter((x) => x.id !== id)].slice(0, MAX_NOTIFICATIONS));
      const to = `/sessions/${encodeURIComponent(s.id)}`;
      show({
        id,
        title: KIND_LABELS[kind],
        tone: kind === 'failed' || kind === 'error' ? 'error' : 'info',
        body: (
          <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <span className="font-medium text-slate-800">{s.agent.name}</span>
            <ChannelBadge channel={s.channel} />
            {detail && <code className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{detail}</code>}
          </span>
        ),
        link: { to, label: 'View session' },
      });
      notifyDesktop(
        `${KIND_LABELS[kind]}: ${s.agent.name}`,
        `${CHANNEL_LABELS[s.channel] ?? s.channel}${detail ? ` · ${detail}` : ''}`,
        `switchboard-${id}`,
        () => navigate(to),
      );
    },
    [show, navigate],
  );

  /** The session as it is now (the event carries only its id), then the filters decide. */
  const withSession = useCallback(
    async (kind: NotifyKind, sessionId: string, decide: (s: Session) => string | null) => {
      const key = `${kind}-${sessionId}`;
      if (checked.current.has(key)) return;
      checked.current.add(key);
      try {
        const s = await qc.fetchQuery({
          queryKey: queryKeys.session(sessionId),
          queryFn: ({ signal }) => call(() => sb.sessions.get(sessionId, { signal })),
          staleTime: 0,
        });
        if (!sessionMatchesFilters(latest.current.filters, s)) return;
        const detail = decide(s);
        if (detail !== null) raise(kind, s, detail);
      } catch {
        checked.current.delete(key); // a later event may try again
      }
    },
    [qc, raise],
  );

  /** An alert rule fired: a toast, and the browser's notification while the tab is hidden. */
  const alertFired = useCallback(
    (d: AlertEventData) => {
      const id = `alert-${d.rule.id}-${d.rule.lastFiredAt ?? ''}`;
      const detail = `${formatMetric(d.rule.metric, d.value)} · ${conditionText(d.rule)}`;
      show({
        id,
        title: `Alert firing: ${d.rule.name}`,
        tone: 'error',
        body: <span className="text-slate-700">{detail}</span>,
        link: { to: '/alerts', label: 'View alerts' },
      });
      notifyDesktop(`Alert firing: ${d.rule.name}`, detail, `switchboard-${id}`, () => navigate('/alerts'));
    },
    [show, navigate],
  );

  const onStreamEvent = useCallback(
    (env: StreamEnvelope) => {
      const { prefs: p, filters: f } = latest.current;
      if (env.type === 'alert.fired') {
        alertFired(env.data as unknown as AlertEventData);
        return;
      }
      if (env.type === 'session.ended') {
        const s = env.data as Session;
        if (p.failed && s.status === 'failed' && sessionMatchesFilters(f, s))
          raise('failed', s, s.endedReason ?? 'no reason given');
        return;
      }
      if (env.type === 'event.created') {
        const e = env.data as SessionEvent;
        const d = (e.data ?? {}) as Record<string, unknown>;
        if (p.handoff && e.type === 'agent_handoff')
          void withSession('handoff', e.sessionId, () => (d.to ? `to ${String(d.to)}` : ''));
        if (p.error && e.type === 'error')
          void withSession('error', e.sessionId, () =>
            typeof d.message === 'string' ? d.message.slice(0, 120) : typeof d.code === 'string' ? d.code : '',
          );
        return;
      }
      if (env.type === 'message.created') {
        const m = env.data as Message;
        if (!p.slow || m.sender !== 'agent' || m.latencyMs === null || m.latencyMs < p.slowMs) return;
        // Only the first answer counts: the session's figure says whether this was it.
        void withSession('slow', m.sessionId, (s) => {
          const first = s.stats.firstResponseMs;
          return first !== null && first >= latest.current.prefs.slowMs ? seconds(first) : null;
        });
      }
    },
    [raise, withSession, alertFired],
  );

  const unread = items.filter((n) => !n.read).length;
  const value = useMemo(
    () => ({ items, unread, prefs, setPrefs, markAllRead, markRead, filters, onStreamEvent }),
    [items, unread, prefs, setPrefs, markAllRead, markRead, filters, onStreamEvent],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** "Phone, WhatsApp · Failed · search “refund”": what the notifications follow. */
function filterSummary(f: SessionFilterValues): string {
  if (!hasActiveFilters(f)) return 'all sessions';
  const parts: string[] = [];
  if (f.channel.length) parts.push(f.channel.map((c) => CHANNEL_LABELS[c] ?? c).join(', '));
  if (f.status.length) parts.push(f.status.map((s) => STATUS_LABELS[s] ?? s).join(', '));
  if (f.agentId.length) parts.push(`agent ${f.agentId.join(', ')}`);
  if (f.search.trim()) parts.push(`“${f.search.trim()}”`);
  if (f.from || f.to) parts.push(`${f.from || '…'} – ${f.to || '…'}`);
  const ranges = Object.keys(f.ranges).length;
  if (ranges) parts.push(`${ranges} range filter${ranges > 1 ? 's' : ''}`);
  return parts.join(' · ');
}

/** The bell: unread count, the recent notifications, and what notifies this browser. */
export function NotificationBell({ align = 'left' }: { align?: 'left' | 'right' }) {
  const { items, unread, markAllRead } = useNotifications();
  const alerts = useAlertsQuery();
  const firing = (alerts.data ?? []).filter((a) => a.enabled && a.state === 'firing');
  const count = unread + firing.length;
  const label = [
    'Notifications',
    firing.length ? `${firing.length} alert${firing.length > 1 ? 's' : ''} firing` : '',
    unread ? `${unread} unread` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <Popover
      label={label}
      align={align}
      className="w-[360px] max-w-[calc(100vw-1rem)]"
      buttonClassName="relative inline-flex size-9 items-center justify-center rounded-lg text-slate-500 hover:bg-slate-100 hover:text-slate-900"
      trigger={
        <>
          {count ? <BellRing className="size-5" aria-hidden="true" /> : <Bell className="size-5" aria-hidden="true" />}
          {count > 0 && (
            <span
              data-testid="unread-count"
              className="absolute -top-0.5 -right-0.5 flex h-4.5 min-w-4.5 items-center justify-center rounded-full bg-red-600 px-1 text-[10px] font-semibold text-white ring-2 ring-white"
            >
              {count > 99 ? '99+' : count}
            </span>
          )}
        </>
      }
    >
      {(close) => (
        <div className="flex max-h-[inherit] flex-col text-sm" data-testid="notification-panel">
          <div className="flex items-center justify-between gap-2 border-b border-slate-100 px-4 py-3">
            <h2 className="font-semibold text-slate-900">Notifications</h2>
            <button
              type="button"
              onClick={markAllRead}
              disabled={unread === 0}
              className="rounded text-xs font-medium text-indigo-600 hover:text-indigo-500 hover:underline disabled:text-slate-400 disabled:no-underline"
            >
              Mark all read
            </button>
          </div>
          {firing.length > 0 && (
            <ul
              aria-label="Firing alerts"
              className="border-b border-slate-100 bg-red-50/50"
              data-testid="firing-alerts"
            >
              {firing.map((a) => (
                <li key={a.id}>
                  <Link
                    to="/alerts"
                    onClick={close}
                    className="flex items-start gap-3 px-4 py-2.5 hover:bg-red-50"
                    data-testid="firing-alert"
                  >
                    <Siren className="mt-0.5 size-4 shrink-0 text-red-600" aria-hidden="true" />
                    <span className="min-w-0 flex-1">
                      <span className="flex items-center justify-between gap-2">
                        <span className="truncate font-semibold text-slate-900">{a.name}</span>
                        <span className="shrink-0 text-xs text-slate-500">
                          <RelativeTime iso={a.stateSince} />
                        </span>
                      </span>
                      <span className="block truncate text-xs text-slate-600">
                        {formatMetric(a.metric, a.value)} · {conditionText(a)}
                      </span>
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <NotificationList items={items} close={close} />
          <NotificationSettings />
        </div>
      )}
    </Popover>
  );
}

function NotificationList({ items, close }: { items: AppNotification[]; close: () => void }) {
  const { markRead } = useNotifications();
  const navigate = useNavigate();
  if (items.length === 0)
    return (
      <p className="px-4 py-6 text-center text-slate-500" data-testid="notifications-empty">
        Nothing yet. What you choose below shows up here as it happens.
      </p>
    );
  return (
    <ul aria-label="Recent notifications" className="max-h-72 divide-y divide-slate-100 overflow-y-auto">
      {items.map((n) => {
        const { icon: Icon, className } = KIND_ICON[n.kind];
        return (
          <li key={n.id}>
            <button
              type="button"
              data-testid="notification"
              data-read={n.read}
              onClick={() => {
                markRead(n.id);
                close();
                navigate(`/sessions/${encodeURIComponent(n.sessionId)}`);
              }}
              className={cx(
                'flex w-full items-start gap-3 px-4 py-2.5 text-left hover:bg-slate-50',
                !n.read && 'bg-indigo-50/60',
              )}
            >
              <Icon className={cx('mt-0.5 size-4 shrink-0', className)} aria-hidden="true" />
              <span className="min-w-0 flex-1">
                <span className="flex items-center justify-between gap-2">
                  <span className={cx('truncate text-slate-900', !n.read && 'font-semibold')}>
                    {KIND_LABELS[n.kind]}
                  </span>
                  <span className="shrink-0 text-xs text-slate-500">
                    <RelativeTime iso={n.at} />
                  </span>
                </span>
                <span className="block truncate text-xs text-slate-600">
                  {n.agentName} · {CHANNEL_LABELS[n.channel] ?? n.channel}
                  {n.detail ? ` · ${n.detail}` : ''}
                </span>
              </span>
              {!n.read && <span className="sr-only">(unread)</span>}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function NotificationSettings() {
  const { prefs, setPrefs, filters } = useNotifications();
  const [slowText, setSlowText] = useState(String(prefs.slowMs / 1000));
  useEffect(() => setSlowText(String(prefs.slowMs / 1000)), [prefs.slowMs]);
  const slowValue = Number(slowText);
  const slowValid =
    slowText.trim() !== '' &&
    Number.isFinite(slowValue) &&
    slowValue * 1000 >= SLOW_MS_MIN &&
    slowValue * 1000 <= SLOW_MS_MAX;
  return (
    <div className="border-t border-slate-100 bg-slate-50/60 px-4 py-3">
      <fieldset>
        <legend className="text-xs font-semibold tracking-wide text-slate-500 uppercase">Notify me about</legend>
        <div className="mt-2 grid gap-1.5">
          {NOTIFY_KINDS.map((k) => (
            <div key={k} className="flex min-h-7 items-center gap-2 text-slate-700">
              <label className="flex items-center gap-2">
                <Checkbox checked={prefs[k]} onChange={(e) => setPrefs({ ...prefs, [k]: e.target.checked })} />
                {KIND_LABELS[k]}
              </label>
              {k === 'slow' && (
                <span className="ml-auto flex items-center gap-1 text-xs text-slate-500">
                  ≥
                  <input
                    type="number"
                    inputMode="decimal"
                    min={SLOW_MS_MIN / 1000}
                    max={SLOW_MS_MAX / 1000}
                    step={0.5}
                    value={slowText}
                    aria-label="Threshold in seconds"
                    aria-invalid={!slowValid}
                    onChange={(e) => {
                      setSlowText(e.target.value);
                      const v = Number(e.target.value);
                      if (e.target.value.trim() !== '' && v * 1000 >= SLOW_MS_MIN && v * 1000 <= SLOW_MS_MAX)
                        setPrefs({ ...prefs, slowMs: Math.round(v * 1000) });
                    }}
                    className={cx(
                      'h-7 w-16 rounded-md border bg-white px-1.5 text-right text-sm text-slate-900 tabular-nums',
                      slowValid ? 'border-slate-300' : 'border-red-400',
                    )}
                  />
                  s
                </span>
              )}
            </div>
          ))}
        </div>
        {!slowValid && (
          <p className="mt-1 text-xs text-red-700" role="alert">
            The threshold is {SLOW_MS_MIN / 1000} to {SLOW_MS_MAX / 1000} seconds.
          </p>
        )}
      </fieldset>
      <p className="mt-2 text-xs text-slate-500" data-testid="notify-scope">
        For the Sessions page’s filters: <span className="font-medium text-slate-700">{filterSummary(filters)}</span>
      </p>
      <DesktopNotificationsControl />
    </div>
  );
}

/**
 * The browser's own notifications, for when this tab is hidden: a button that asks the browser,
 * and what it answered.
 */
function DesktopNotificationsControl() {
  const { state, enable, disable } = useDesktopNotifications();
  const base = 'mt-3 flex items-start gap-2 rounded-lg border px-3 py-2 text-xs';
  if (state === 'unsupported')
    return (
      <p className={cx(base, 'border-slate-200 text-slate-500')}>
        <BellOff className="size-4 shrink-0" aria-hidden="true" />
        This browser cannot show notifications; they appear here while the page is open.
      </p>
    );
  if (state === 'denied')
    return (
      <p className={cx(base, 'border-amber-200 bg-amber-50 text-amber-800')} role="status" data-testid="desktop-denied">
        <BellOff className="size-4 shrink-0" aria-hidden="true" />
        <span>
          The browser blocked notifications for this site. To get them while this tab is hidden, allow notifications in
          the site’s settings (the icon left of the address), then reload.
        </span>
      </p>
    );
  const on = state === 'on';
  return (
    <div className={cx(base, 'items-center justify-between border-slate-200 bg-white')}>
      <span className="text-slate-600">
        {on ? 'Browser notifications are on while this tab is hidden.' : 'Also notify me while this tab is hidden.'}
      </span>
      <button
        type="button"
        onClick={() => (on ? disable() : void enable())}
        className="shrink-0 rounded-md border border-slate-300 bg-white px-2 py-1 font-medium text-slate-700 hover:bg-slate-50"
      >
        {on ? 'Turn off' : 'Allow'}
      </button>
    </div>
  );
}
