import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { ApiError } from '../api/client';
import { useMeQuery } from '../api/queries';
import { Button, ErrorAlert, Spinner } from './ui';

export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMeQuery();
  const location = useLocation();
  if (me.isPending) return <Spinner label="Loading…" className="min-h-screen" />;
  if (me.isError) {
    if (me.error instanceof ApiError && me.error.status === 401) {
      const next = location.pathname + location.search;
      return <Navigate to={`/login${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`} replace />;
    }
    return (
      <div className="mx-auto mt-24 max-w-md">
        <ErrorAlert
          title="Switchboard is not reachable"
          message={me.error.message}
          action={
            <Button size="sm" onClick={() => me.refetch()}>
              Retry
            </Button>
          }
        />
      </div>
    );
  }
  return <>{children}</>;
}
