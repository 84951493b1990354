import type { Session } from '@switchboard/contracts';
import { BarChart3, Bell, BellOff, Bot, Building2, KeyRound, LogOut, MessagesSquare, Webhook } from 'lucide-react';
import { Suspense, useCallback } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { LiveProvider } from '../api/live';
import { useLogoutMutation, useMeQuery } from '../api/queries';
import { notifyDesktop, useDesktopNotifications } from '../lib/desktopNotifications';
import { filterQueryString } from '../lib/filters';
import { CHANNEL_LABELS } from '../lib/vocab';
import { ChannelBadge } from './ChannelBadge';
import { ToastProvider, useToasts } from './Toasts';
import { Spinner, cx } from './ui';

function Logo() {
  return (
    <div className="flex items-center gap-2.5 px-2">
      <span className="flex size-8 items-center justify-center rounded-lg bg-indigo-600 text-white shadow-sm">
        <svg viewBox="0 0 32 32" className="size-5" aria-hidden="true">
          <path d="M8 10h16M8 16h10M8 22h13" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
        </svg>
      </span>
      <span className="text-[15px] font-semibold tracking-tight text-slate-900">Switchboard</span>
    </div>
  );
}

/** The signed-in shell: toasts and the live stream live as long as the session does. */
export function Layout() {
  return (
    <ToastProvider>
      <LiveShell />
    </ToastProvider>
  );
}

function LiveShell() {
  const { show } = useToasts();
  const navigate = useNavigate();
  const onSessionFailed = useCallback(
    (s: Session) => {
      const to = `/sessions/${encodeURIComponent(s.id)}`;
      const reason = s.endedReason ?? 'no reason given';
      show({
        id: `failed-${s.id}`,
        title: 'Session failed',
        body: (
          <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <span className="font-medium text-slate-800">{s.agent.name}</span>
            <ChannelBadge channel={s.channel} />
            <code className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{reason}</code>
          </span>
        ),
        link: { to, label: 'View session' },
      });
      notifyDesktop(
        `Session failed: ${s.agent.name}`,
        `${CHANNEL_LABELS[s.channel] ?? s.channel} · ${reason}`,
        `switchboard-failed-${s.id}`,
        () => navigate(to),
      );
    },
    [show, navigate],
  );
  return (
    <LiveProvider onSessionFailed={onSessionFailed}>
      <Shell />
    </LiveProvider>
  );
}

function Shell() {
  const me = useMeQuery();
  const location = useLocation();
  const navigate = useNavigate();
  const logout = useLogoutMutation();

  // Sessions and Analytics share their filters: moving between them keeps the current filter.
  const shared = location.pathname === '/' || location.pathname === '/analytics';
  const carry = shared ? filterQueryString(new URLSearchParams(location.search)) : '';

  const nav = [
    {
      to: `/${carry}`,
      label: 'Sessions',
      icon: MessagesSquare,
      match: (p: string) => p === '/' || p.startsWith('/sessions'),
    },
    { to: `/analytics${carry}`, label: 'Analytics', icon: BarChart3, match: (p: string) => p.startsWith('/analytics') },
    { to: '/agents', label: 'Agents', icon: Bot, match: (p: string) => p.startsWith('/agents') },
    { to: '/settings/keys', label: 'API keys', icon: KeyRound, match: (p: string) => p.startsWith('/settings/keys') },
    {
      to: '/settings/webhooks',
      label: 'Webhooks',
      icon: Webhook,
      match: (p: string) => p.startsWith('/settings/webhooks'),
    },
  ];

  const signOut = () => {
    logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) });
  };

  return (
    <div className="flex min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      <aside className="w-56 shrink-0 border-r border-slate-200 bg-white">
        <div className="sticky top-0 flex h-screen flex-col px-3 py-5">
          <Logo />
          <nav aria-label="Main" className="mt-8 flex flex-col gap-0.5">
            <p className="px-3 pb-2 text-[11px] font-semibold tracking-wider text-slate-400 uppercase">Monitor</p>
            {nav.slice(0, 3).map((item) => (
              <SideLink key={item.label} {...item} active={item.match(location.pathname)} />
            ))}
            <p className="px-3 pt-5 pb-2 text-[11px] font-semibold tracking-wider text-slate-400 uppercase">Settings</p>
            {nav.slice(3).map((item) => (
              <SideLink key={item.label} {...item} active={item.match(location.pathname)} />
            ))}
          </nav>
          <div className="mt-auto border-t border-slate-100 pt-4">
            <DesktopNotificationsControl />
            <div className="flex items-center gap-2.5 px-2">
              <span className="flex size-8 shrink-0 items-center justify-center rounded-full bg-slate-100 text-slate-500">
                <Building2 className="size-4" aria-hidden="true" />
              </span>
              <div className="min-w-0 flex-1">
                <p className="truncate text-sm font-medium text-slate-900" data-testid="org-name">
                  {me.data?.organization.name ?? '—'}
                </p>
                <p
                  className="truncate text-xs text-slate-500"
                  title={me.data ? `Signed in with ${me.data.key.name}` : undefined}
                >
                  {me.data ? `${me.data.key.name} · ${me.data.key.prefix}…` : ''}
                </p>
              </div>
              <button
                type="button"
                onClick={signOut}
                disabled={logout.isPending}
                aria-label="Sign out"
                title="Sign out"
                className="inline-flex size-8 items-center justify-center rounded-md text-slate-500 hover:bg-slate-100 hover:text-slate-900"
              >
                <LogOut className="size-4" aria-hidden="true" />
              </button>
            </div>
          </div>
        </div>
      </aside>
      <main id="main" className="min-w-0 flex-1">
        <div className="mx-auto max-w-[1440px] px-6 py-7 2xl:px-8">
          <Suspense fallback={<Spinner label="Loading…" className="py-24" />}>
            <Outlet />
          </Suspense>
        </div>
      </main>
    </div>
  );
}

function SideLink({
  to,
  label,
  icon: Icon,
  active,
}: {
  to: string;
  label: string;
  icon: typeof MessagesSquare;
  active: boolean;
}) {
  return (
    <NavLink
      to={to}
      aria-current={active ? 'page' : undefined}
      className={cx(
        'flex items-center gap-2.5 rounded-lg px-3 py-2 text-sm font-medium transition-colors',
        active ? 'bg-indigo-50 text-indigo-700' : 'text-slate-600 hover:bg-slate-50 hover:text-slate-900',
      )}
    >
      <Icon className={cx('size-4', active ? 'text-indigo-600' : 'text-slate-400')} aria-hidden="true" />
      {label}
    </NavLink>
  );
}

/** Opt-in for browser notifications of failed sessions while the tab is hidden. */
function DesktopNotificationsControl() {
  const { state, enable, disable } = useDesktopNotifications();
  if (state === 'unsupported') return null;
  const base =
    'mb-3 flex w-full items-center gap-2.5 rounded-lg px-3 py-2 text-left text-xs font-medium transition-colors';
  if (state === 'denied') {
    return (
      <p className={cx(base, 'text-slate-400')} title="Allow notifications for this site in the browser settings">
        <BellOff className="size-4 shrink-0" aria-hidden="true" />
        Desktop notifications blocked
      </p>
    );
  }
  const on = state === 'on';
  return (
    <button
      type="button"
      onClick={() => (on ? disable() : void enable())}
      title={
        on
          ? 'You get a desktop notification when a session fails while this tab is hidden — click to stop'
          : 'Get a desktop notification when a session fails while this tab is hidden'
      }
      className={cx(
        base,
        on ? 'text-indigo-700 hover:bg-indigo-50' : 'text-slate-500 hover:bg-slate-50 hover:text-slate-900',
      )}
    >
      {on ? (
        <Bell className="size-4 shrink-0" aria-hidden="true" />
      ) : (
        <BellOff className="size-4 shrink-0" aria-hidden="true" />
      )}
      {on ? 'Turn off desktop notifications' : 'Enable desktop notifications'}
    </button>
  );
}
