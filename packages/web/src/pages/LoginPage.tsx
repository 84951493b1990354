import { KeyRound, Loader2 } from 'lucide-react';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { useLoginMutation, useMeQuery } from '../api/queries';
import { Button, ConfirmDialog, ErrorAlert, Field, Input } from '../components/ui';
import { useDocumentTitle } from '../lib/useDocumentTitle';

function safeNext(next: string | null): string {
  // Only same-app paths: never let ?next= send a signed-in user to another site.
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/**
 * A key taken from the hash and not yet sent. It outlives the render that took it: React may
 * throw away a render before committing it (a concurrent render interrupted on a busy machine)
 * and run the state initializer again, by which time the hash is gone; that second run must
 * still get the key, or the one-click link leaves the user on an empty sign-in form.
 */
let pendingHashKey: string | null = null;

/** The one-click link printed at first start is `/login#key=swb_…`; the fragment never reaches the server. */
function takeKeyFromHash(): string | null {
  const m = /(?:^#|&)key=([^&]+)/.exec(window.location.hash);
  if (m?.[1]) {
    // Drop the secret from the address bar and history before doing anything else.
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
    try {
      pendingHashKey = decodeURIComponent(m[1]);
    } catch {
      pendingHashKey = m[1];
    }
  }
  return pendingHashKey;
}

export default function LoginPage() {
  useDocumentTitle('Sign in');
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const navigate = useNavigate();
  const login = useLoginMutation();
  const [key, setKey] = useState('');
  const [hashKey] = useState(takeKeyFromHash);
  const me = useMeQuery();
  const started = useRef(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  // Someone already signed in who opens a link with another key is asked first: a link can come
  // from anyone, and following it must not quietly move them into another organization (where
  // what they then type or change lands somewhere they did not mean). The same key needs no asking.
  const signedIn = me.isSuccess ? me.data : null;
  const switching = hashKey !== null && signedIn !== null && !(signedIn.key && hashKey.startsWith(signedIn.key.prefix));
  useEffect(() => {
    // Wait until it is known whether someone is signed in.
    if (!hashKey || started.current || me.isPending || switching) return;
    started.current = true;
    // Sent once: a later visit to /login (after signing out) must not sign in with it again.
    pendingHashKey = null;
    if (signedIn) navigate(next, { replace: true });
    else login.mutate(hashKey, { onSuccess: () => navigate(next, { replace: true }) });
  }, [hashKey, login, me.isPending, navigate, next, signedIn, switching]);

  if (me.isSuccess && !hashKey && !login.isPending) return <Navigate to={next} replace />;
  if (switching && signedIn)
    return (
      <ConfirmDialog
        title="Switch to another key?"
        confirmLabel="Switch"
        pendingLabel="Signing in…"
        variant="primary"
        pending={login.isPending}
        error={login.error && <ErrorAlert title="Sign-in failed" message={login.error.message} />}
        onConfirm={() => login.mutateAsync(hashKey)}
        onClose={() => {
          // Switched or not, the link's key is spent: it is not offered again.
          pendingHashKey = null;
          started.current = true;
          navigate(next, { replace: true });
        }}
      >
        <p>
          You are signed in to <strong data-testid="current-org">{signedIn.organization.name}</strong> as “
          {signedIn.user?.name ?? signedIn.key?.name}”. The link you opened signs in with a different key (
          <span className="font-mono">{hashKey.slice(0, 12)}…</span>), which may belong to another organization.
        </p>
        <p className="mt-2">Switch only if you meant to; Cancel keeps you where you are.</p>
      </ConfirmDialog>
    );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = key.trim();
    if (!value) return;
    login.mutate(value, { onSuccess: () => navigate(next, { replace: true }) });
  };

  const error = login.error ? login.error.message || 'That key was not accepted.' : null;

  return (
    <div className="flex min-h-screen items-center justify-center bg-gradient-to-b from-slate-50 to-slate-100 px-4">
      <div className="w-full max-w-md">
        <div className="mb-8 flex flex-col items-center text-center">
          <span className="flex size-12 items-center justify-center rounded-xl bg-indigo-600 text-white shadow-md">
            <svg viewBox="0 0 32 32" className="size-7" aria-hidden="true">
              <path d="M8 10h16M8 16h10M8 22h13" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
            </svg>
          </span>
          <h1 className="mt-4 text-2xl font-semibold tracking-tight text-slate-900">Sign in to Switchboard</h1>
          <p className="mt-1.5 text-sm text-slate-500">Paste an API key to open the dashboard.</p>
        </div>
        <form
          onSubmit={submit}
          className="rounded-2xl border border-slate-200 bg-white p-7 shadow-sm"
          aria-busy={login.isPending}
        >
          <Field
            id="api-key"
            label="API key"
            hint="The server prints an admin key and a sign-in link on its first start. Keys are kept in an HttpOnly cookie, never in the browser's storage."
          >
            <Input
              icon={KeyRound}
              size="lg"
              name="key"
              type="password"
              autoComplete="off"
              spellCheck={false}
              ref={input}
              // The API's bound for a key (keys are 46 characters): a paste of something else is cut, not sent whole.
              maxLength={256}
              required
              placeholder="swb_…"
              value={key}
              onChange={(e) => setKey(e.target.value)}
              // A refused key: the field is invalid and described by the alert below it.
              {...(error ? { 'aria-invalid': true, 'aria-describedby': 'login-error' } : {})}
              className="font-mono"
            />
          </Field>
          {error && (
            <div id="login-error" className="mt-4">
              <ErrorAlert title="Sign-in failed" message={error} />
            </div>
          )}
          <Button type="submit" variant="primary" size="lg" className="mt-5 w-full" disabled={login.isPending}>
            {login.isPending && <Loader2 className="size-4 animate-spin" aria-hidden="true" />}
            {login.isPending ? 'Signing in…' : 'Sign in'}
          </Button>
        </form>
      </div>
    </div>
  );
}
