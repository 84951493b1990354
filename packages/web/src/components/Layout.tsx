import {
  BarChart3,
  BookOpen,
  Bot,
  Building2,
  CircleUserRound,
  KeyRound,
  ScrollText,
  Users,
  LogOut,
  type LucideIcon,
  Menu,
  MessagesSquare,
  Monitor,
  Moon,
  Sun,
  Plug,
  EyeOff,
  Siren,
  Webhook,
  X,
} from 'lucide-react';
import { type ReactNode, type RefObject, Suspense, useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { LiveProvider } from '../api/live';
import { useLogoutMutation, useMeQuery } from '../api/queries';
import { filterQueryString } from '../lib/filters';
import { THEME_CHOICES, type ThemeChoice, useTheme } from '../lib/theme';
import { useTimeZone } from '../lib/timeZone';
import { useMediaQuery, WIDE } from '../lib/useMediaQuery';
import { SavedViewsNav } from './SavedViewsNav';
import { NotificationBell, NotificationProvider, useNotifications } from './Notifications';
import { TimeZoneToggle } from './TimeZoneToggle';
import { ToastProvider } from './Toasts';
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
  return (
    <NotificationProvider>
      <LiveWithNotifications />
    </NotificationProvider>
  );
}

function LiveWithNotifications() {
  const { onStreamEvent } = useNotifications();
  return (
    <LiveProvider onStreamEvent={onStreamEvent}>
      <Shell />
    </LiveProvider>
  );
}

type NavItem = { to: string; label: string; icon: LucideIcon; match: (path: string) => boolean };

function Shell() {
  const me = useMeQuery();
  const location = useLocation();
  const navigate = useNavigate();
  const logout = useLogoutMutation();
  const theme = useTheme();
  const zone = useTimeZone();
  // Under `md` the navigation is a drawer behind a menu button in a top bar.
  const wide = useMediaQuery(WIDE);
  const [drawer, setDrawer] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  // Whatever opened a page (a link in the drawer, the back button) closes the drawer.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation, by design
  useEffect(() => setDrawer(false), [location.pathname]);
  useEffect(() => {
    if (wide) setDrawer(false);
  }, [wide]);

  // Sessions and Analytics share their filters: moving between them keeps the current filter.
  const shared = location.pathname === '/' || location.pathname === '/analytics';
  const carry = shared ? filterQueryString(new URLSearchParams(location.search)) : '';

  const nav: NavItem[] = [
    {
      to: `/${carry}`,
      label: 'Sessions',
      icon: MessagesSquare,
      match: (p: string) => p === '/' || p.startsWith('/sessions'),
    },
    { to: `/analytics${carry}`, label: 'Analytics', icon: BarChart3, match: (p: string) => p.startsWith('/analytics') },
    { to: '/agents', label: 'Agents', icon: Bot, match: (p: string) => p.startsWith('/agents') },
    { to: '/alerts', label: 'Alerts', icon: Siren, match: (p: string) => p.startsWith('/alerts') },
    { to: '/settings/keys', label: 'API keys', icon: KeyRound, match: (p: string) => p.startsWith('/settings/keys') },
    {
      to: '/settings/webhooks',
      label: 'Webhooks',
      icon: Webhook,
      match: (p: string) => p.startsWith('/settings/webhooks'),
    },
    {
      to: '/settings/integrations',
      label: 'Integrations',
      icon: Plug,
      match: (p: string) => p.startsWith('/settings/integrations'),
    },
    {
      to: '/settings/redaction',
      label: 'Redaction',
      icon: EyeOff,
      match: (p: string) => p.startsWith('/settings/redaction'),
    },
    { to: '/settings/people', label: 'People', icon: Users, match: (p: string) => p.startsWith('/settings/people') },
    {
      to: '/settings/audit',
      label: 'Audit log',
      icon: ScrollText,
      match: (p: string) => p.startsWith('/settings/audit'),
    },
    {
      to: '/settings/account',
      label: 'Your account',
      icon: CircleUserRound,
      match: (p: string) => p.startsWith('/settings/account'),
    },
  ];

  // A person sees the admin pages only with the admin role (a key keeps every link and is told
  // on the page what it lacks, as before).
  const adminOnly = [
    '/settings/keys',
    '/settings/webhooks',
    '/settings/integrations',
    '/settings/people',
    '/settings/audit',
    '/settings/redaction',
  ];
  const shown = me.data?.user && me.data.user.role !== 'admin' ? nav.filter((n) => !adminOnly.includes(n.to)) : nav;

  const signOut = () => {
    logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) });
  };

  const content = (
    <NavContent
      nav={shown}
      path={location.pathname}
      onNavigate={() => setDrawer(false)}
      orgName={me.data?.organization.name}
      keyName={me.data?.user ? `${me.data.user.name} · ${me.data.user.role}` : me.data?.key?.name}
      keyPrefix={me.data?.user ? undefined : me.data?.key?.prefix}
      onSignOut={signOut}
      signingOut={logout.isPending}
      theme={theme.choice}
      onTheme={theme.setChoice}
    />
  );

  return (
    <div className="flex min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      {wide ? (
        <aside className="relative z-20 w-56 shrink-0 border-r border-slate-200 bg-white" data-testid="sidebar">
          <div className="sticky top-0 flex h-screen flex-col px-3 py-5">{content}</div>
        </aside>
      ) : (
        <>
          <header className="fixed inset-x-0 top-0 z-30 flex h-14 items-center gap-2 border-b border-slate-200 bg-white/95 px-2 backdrop-blur">
            <button
              ref={menuButton}
              type="button"
              onClick={() => setDrawer(true)}
              aria-label="Open navigation"
              aria-expanded={drawer}
              aria-controls="nav-drawer"
              className="inline-flex size-10 items-center justify-center rounded-lg text-slate-600 hover:bg-slate-100 hover:text-slate-900"
            >
              <Menu className="size-5" aria-hidden="true" />
            </button>
            <Logo />
            <div className="ml-auto">
              <NotificationBell align="right" />
            </div>
          </header>
          {drawer && (
            <NavDrawer onClose={() => setDrawer(false)} returnFocus={menuButton}>
              {content}
            </NavDrawer>
          )}
        </>
      )}
      <main id="main" className={cx('min-w-0 flex-1', !wide && 'pt-14')}>
        <div className="mx-auto max-w-[1440px] px-4 py-5 sm:px-6 sm:py-7 2xl:px-8">
          <Suspense fallback={<Spinner label="Loading…" className="py-24" />}>
            {/* Keyed by the time zone: every time on the page is drawn again in the new one. */}
            <Outlet key={zone} />
          </Suspense>
        </div>
      </main>
    </div>
  );
}

/** The navigation, the theme and the signed-in organization: the sidebar, or the drawer's content. */
function NavContent({
  nav,
  path,
  onNavigate,
  orgName,
  keyName,
  keyPrefix,
  onSignOut,
  signingOut,
  theme,
  onTheme,
}: {
  nav: NavItem[];
  path: string;
  onNavigate: () => void;
  orgName?: string;
  keyName?: string;
  keyPrefix?: string;
  onSignOut: () => void;
  signingOut: boolean;
  theme: ThemeChoice;
  onTheme: (c: ThemeChoice) => void;
}) {
  // On a phone the bell is in the top bar, beside the menu that opens this.
  const wide = useMediaQuery(WIDE);
  return (
    <>
      <div className="flex items-center justify-between gap-2">
        <Logo />
        {wide && <NotificationBell />}
      </div>
      <nav aria-label="Main" className="mt-8 flex flex-col gap-0.5">
        <p className="px-3 pb-2 text-[11px] font-semibold tracking-wider text-slate-500 uppercase">Monitor</p>
        {nav.slice(0, 3).map((item) => (
          <SideLink key={item.label} {...item} active={item.match(path)} onNavigate={onNavigate} />
        ))}
        <SavedViewsNav onNavigate={onNavigate} />
        <p className="px-3 pt-5 pb-2 text-[11px] font-semibold tracking-wider text-slate-500 uppercase">Settings</p>
        {nav.slice(3).map((item) => (
          <SideLink key={item.label} {...item} active={item.match(path)} onNavigate={onNavigate} />
        ))}
        {/* A page of the server, not of the dashboard: a full load, and its bundle is its own. */}
        <a
          href="/api/docs"
          className="flex items-center gap-2.5 rounded-lg px-3 py-2 text-sm font-medium text-slate-600 transition-colors hover:bg-slate-50 hover:text-slate-900"
        >
          <BookOpen className="size-4 text-slate-400" aria-hidden="true" />
          API reference
        </a>
      </nav>
      <div className="mt-auto border-t border-slate-100 pt-4">
        <ThemeToggle choice={theme} onChange={onTheme} />
        <TimeZoneToggle />
        <div className="flex items-center gap-2.5 px-2">
          <span className="flex size-8 shrink-0 items-center justify-center rounded-full bg-slate-100 text-slate-500">
            <Building2 className="size-4" aria-hidden="true" />
          </span>
          <div className="min-w-0 flex-1">
            <p className="truncate text-sm font-medium text-slate-900" data-testid="org-name">
              {orgName ?? '—'}
            </p>
            <p className="truncate text-xs text-slate-500" title={keyName ? `Signed in with ${keyName}` : undefined}>
              {keyName ? (keyPrefix ? `${keyName} · ${keyPrefix}…` : keyName) : ''}
            </p>
          </div>
          <button
            type="button"
            onClick={onSignOut}
            disabled={signingOut}
            aria-label="Sign out"
            title="Sign out"
            className="inline-flex size-8 items-center justify-center rounded-md text-slate-500 hover:bg-slate-100 hover:text-slate-900"
          >
            <LogOut className="size-4" aria-hidden="true" />
          </button>
        </div>
      </div>
    </>
  );
}

/**
 * The navigation on a narrow screen: a native modal `<dialog>` sliding in from the left, so the
 * page behind is inert, Escape closes it and focus stays inside; a tap beside it closes it too.
 */
function NavDrawer({
  children,
  onClose,
  returnFocus,
}: {
  children: ReactNode;
  onClose: () => void;
  returnFocus: RefObject<HTMLButtonElement | null>;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    // Effects may run twice (StrictMode); the dialog opens once.
    if (dialog && !dialog.open) dialog.showModal();
    const button = returnFocus.current;
    return () => button?.focus();
  }, [returnFocus]);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a tap beside the panel is a pointer shortcut; Escape is the keyboard's
    <dialog
      ref={ref}
      id="nav-drawer"
      aria-label="Navigation"
      onClose={onClose}
      // The backdrop is part of the dialog element: a click that lands on the element itself is
      // beside the panel. (The keyboard closes it with Escape, natively.)
      onClick={(e) => {
        if (e.target === e.currentTarget) ref.current?.close();
      }}
      className="m-0 h-dvh max-h-none w-72 max-w-[85vw] border-r border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-950/40"
    >
      <div className="relative flex h-full flex-col px-3 py-5">
        <button
          type="button"
          onClick={() => ref.current?.close()}
          aria-label="Close navigation"
          className="absolute top-4 right-3 inline-flex size-9 items-center justify-center rounded-lg text-slate-500 hover:bg-slate-100 hover:text-slate-900"
        >
          <X className="size-5" aria-hidden="true" />
        </button>
        {children}
      </div>
    </dialog>
  );
}

const THEME_OPTIONS: Record<ThemeChoice, { label: string; icon: LucideIcon }> = {
  system: { label: 'System theme', icon: Monitor },
  light: { label: 'Light theme', icon: Sun },
  dark: { label: 'Dark theme', icon: Moon },
};

/** System, light or dark: three buttons that act as one radio group. */
function ThemeToggle({ choice, onChange }: { choice: ThemeChoice; onChange: (c: ThemeChoice) => void }) {
  return (
    <div className="mb-3 flex items-center justify-between gap-2 px-3">
      <span className="text-xs font-medium text-slate-500" id="theme-label">
        Theme
      </span>
      <div
        role="radiogroup"
        aria-labelledby="theme-label"
        className="inline-flex rounded-lg border border-slate-200 bg-slate-50 p-0.5"
      >
        {THEME_CHOICES.map((c) => {
          const { label, icon: Icon } = THEME_OPTIONS[c];
          const on = choice === c;
          return (
            // biome-ignore lint/a11y/useSemanticElements: a segmented control; native radios cannot look like this
            <button
              key={c}
              type="button"
              role="radio"
              aria-checked={on}
              aria-label={label}
              title={label}
              onClick={() => onChange(c)}
              className={cx(
                'inline-flex size-7 items-center justify-center rounded-md transition-colors',
                on ? 'bg-white text-slate-900 shadow-xs' : 'text-slate-500 hover:text-slate-900',
              )}
            >
              <Icon className="size-3.5" aria-hidden="true" />
            </button>
          );
        })}
      </div>
    </div>
  );
}

function SideLink({
  to,
  label,
  icon: Icon,
  active,
  onNavigate,
}: {
  to: string;
  label: string;
  icon: LucideIcon;
  active: boolean;
  onNavigate: () => void;
}) {
  return (
    <NavLink
      to={to}
      onClick={onNavigate}
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
