import { useQueryClient } from '@tanstack/react-query';
import { type ComponentType, type LazyExoticComponent, lazy, Suspense, useEffect, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useNavigate } from 'react-router-dom';
import { setUnauthorizedHandler } from './api/client';
import { Layout } from './components/Layout';
import { RequireAuth } from './components/RequireAuth';
import { Spinner } from './components/ui';

/** A page's chunk, loaded lazily, and its component once it is loaded. */
interface PageChunk {
  loaded: ComponentType | null;
  Lazy: LazyExoticComponent<ComponentType>;
  preload: () => void;
}

function pageChunk(load: () => Promise<{ default: ComponentType }>): PageChunk {
  const track = () =>
    load().then((m) => {
      chunk.loaded = m.default;
      return m;
    });
  const chunk: PageChunk = { loaded: null, Lazy: lazy(track), preload: () => void track() };
  return chunk;
}

/**
 * `lazy()` for a page whose chunk may be loaded before it is first rendered: once loaded, it
 * renders at once. A plain lazy page asks for its module again at its first render, and even a
 * module already loaded answers `import()` a microtask later, so the page suspends: the shell
 * commits its "Loading…" fallback and React holds the page back for 300 ms after showing a
 * fallback (React 19's reveal throttle), which was most of the wait between the list's data
 * arriving and its rows on screen. Which of the two a mount renders is chosen once, as switching
 * would remount the page.
 */
function ChunkPage({ chunk }: { chunk: PageChunk }) {
  const [Page] = useState(() => chunk.loaded ?? chunk.Lazy);
  return <Page />;
}

// Every page is its own chunk: the first load carries only the shell and the page you land on.
const sessionsChunk = pageChunk(() => import('./pages/SessionsPage'));
// Landing on the sessions list, its chunk loads alongside the shell's sign-in check instead of
// after it (import() loads a module once), and is loaded by the time the check lets it render.
if (window.location.pathname === '/') sessionsChunk.preload();
const LoginPage = lazy(() => import('./pages/LoginPage'));
const SessionDetailPage = lazy(() => import('./pages/SessionDetailPage'));
const AnalyticsPage = lazy(() => import('./pages/AnalyticsPage'));
const AgentsPage = lazy(() => import('./pages/agents/AgentsPage'));
const AgentDetailPage = lazy(() => import('./pages/agents/AgentDetailPage'));
const KeysPage = lazy(() => import('./pages/KeysPage'));
const WebhooksPage = lazy(() => import('./pages/webhooks/WebhooksPage'));
const IntegrationsPage = lazy(() => import('./pages/IntegrationsPage'));
const AlertsPage = lazy(() => import('./pages/AlertsPage'));
const RedactionPage = lazy(() => import('./pages/RedactionPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));
const JoinPage = lazy(() => import('./pages/JoinPage'));
const UsersPage = lazy(() => import('./pages/UsersPage'));
const AuditPage = lazy(() => import('./pages/AuditPage'));
const AccountPage = lazy(() => import('./pages/AccountPage'));

/** Any 401 from the API ends the dashboard session: forget cached data and go to sign-in. */
function UnauthorizedBridge() {
  const navigate = useNavigate();
  const qc = useQueryClient();
  useEffect(() => {
    setUnauthorizedHandler(() => {
      if (window.location.pathname === '/login') return;
      qc.clear();
      const next = window.location.pathname + window.location.search;
      navigate(`/login${next && next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`, { replace: true });
    });
  }, [navigate, qc]);
  return null;
}

function PageFallback() {
  return <Spinner label="Loading…" className="py-24" />;
}

export function App() {
  return (
    <BrowserRouter>
      <UnauthorizedBridge />
      <Suspense fallback={<PageFallback />}>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/setup" element={<JoinPage kind="setup" />} />
          <Route path="/invite" element={<JoinPage kind="invite" />} />
          <Route
            element={
              <RequireAuth>
                <Layout />
              </RequireAuth>
            }
          >
            <Route index element={<ChunkPage chunk={sessionsChunk} />} />
            <Route path="sessions" element={<Navigate to="/" replace />} />
            <Route path="sessions/:id" element={<SessionDetailPage />} />
            <Route path="analytics" element={<AnalyticsPage />} />
            <Route path="agents" element={<AgentsPage />} />
            <Route path="agents/:id" element={<AgentDetailPage />} />
            <Route path="alerts" element={<AlertsPage />} />
            <Route path="settings" element={<Navigate to="/settings/keys" replace />} />
            <Route path="settings/keys" element={<KeysPage />} />
            <Route path="settings/webhooks" element={<WebhooksPage />} />
            <Route path="settings/integrations" element={<IntegrationsPage />} />
            <Route path="settings/redaction" element={<RedactionPage />} />
            <Route path="settings/people" element={<UsersPage />} />
            <Route path="settings/audit" element={<AuditPage />} />
            <Route path="settings/account" element={<AccountPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </Suspense>
    </BrowserRouter>
  );
}
