import { ShieldAlert } from 'lucide-react';
import { useMeQuery } from '../api/queries';
import { Card } from './ui';

/** What an admin-only page shows to a key without the `admin` scope (the API answered 403). */
export function AdminRequired({ what, serverMessage }: { what: string; serverMessage?: string }) {
  const me = useMeQuery();
  return (
    <Card className="flex items-start gap-4 p-6" role="alert">
      <span className="flex size-10 shrink-0 items-center justify-center rounded-full bg-amber-50 text-amber-600">
        <ShieldAlert className="size-5" aria-hidden="true" />
      </span>
      <div>
        <h2 className="font-semibold text-slate-900">This page needs an admin key</h2>
        <p className="mt-1 text-sm text-slate-600">
          You are signed in with{' '}
          <span className="font-medium">{me.data?.user?.name ?? me.data?.key?.name ?? 'a key'}</span>
          {me.data ? ` (scopes: ${me.data.scopes.join(', ')})` : ''}. Sign in with a key that has the{' '}
          <code className="rounded bg-slate-100 px-1">admin</code> scope to {what}.
        </p>
        {serverMessage && <p className="mt-2 text-xs text-slate-500">Server said: {serverMessage}</p>}
      </div>
    </Card>
  );
}
