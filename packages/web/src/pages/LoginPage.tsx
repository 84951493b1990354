import { AtSign, KeyRound, Loader2, LockKeyhole } from 'lucide-react';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { usePasswordLoginMutation, useSsoQuery } from '../api/accounts';
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

/** Why the issuer's round trip was refused (`/login?sso=<reason>`, set by the SSO callback). */
const SSO_ERRORS: Record<string, string> = {
  state: 'The sign-in took too long or did not start in this browser. Try again.',
  issuer: 'The identity provider’s answer could not be verified. Try again, or ask an admin.',
  unverified: 'Your identity provider did not confirm your e-mail address.',
  'not-invited': 'Your account has not been invited to Switchboard (or is disabled). Ask an admin for an invitation.',
  unavailable: 'The identity provider cannot be reached right now. Try again shortly.',
};

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
  const emailInput = useRef<HTMLInputElement>(null);
  useEffect(() => emailInput.current?.focus(), []);
  const passwordLogin = usePasswordLoginMutation();
  const sso = useSsoQuery();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const ssoError = SSO_ERRORS[params.get('sso') ?? ''];

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
  const passwordError = passwordLogin.error
    ? passwordLogin.error.message || 'That e-mail address and password were not accepted.'
    : null;
  const submitPassword = (e: FormEvent) => {
    e.preventDefault();
    passwordLogin.mutate({ email: email.trim(), password }, { onSuccess: () => navigate(next, { replace: true }) });
  };

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
          <p className="mt-1.5 text-sm text-slate-500">With your e-mail address, SSO, or an API key.</p>
        </div>
        {ssoError && (
          <div className="mb-4">
            <ErrorAlert title="SSO sign-in failed" message={ssoError} />
          </div>
        )}
        <form
          onSubmit={submitPassword}
          aria-label="Sign in with e-mail"
          className="mb-4 rounded-2xl border border-slate-200 bg-white p-7 shadow-sm"
          aria-busy={passwordLogin.isPending}
        >
          <Field id="login-email" label="E-mail">
            <Input
              icon={AtSign}
              size="lg"
              name="email"
              type="email"
              autoComplete="username"
              ref={emailInput}
              required
              maxLength={254}
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </Field>
          <div className="mt-4">
            <Field id="login-password" label="Password">
              <Input
                icon={LockKeyhole}
                size="lg"
                name="password"
                type="password"
                autoComplete="current-password"
                required
                maxLength={1024}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                {...(passwordError ? { 'aria-invalid': true, 'aria-describedby': 'password-error' } : {})}
              />
            </Field>
          </div>
          {passwordError && (
            <div id="password-error" className="mt-4">
              <ErrorAlert title="Sign-in failed" message={passwordError} />
            </div>
          )}
          <Button type="submit" variant="primary" size="lg" className="mt-5 w-full" disabled={passwordLogin.isPending}>
            {passwordLogin.isPending && <Loader2 className="size-4 animate-spin" aria-hidden="true" />}
            {passwordLogin.isPending ? 'Signing in…' : 'Sign in with e-mail'}
          </Button>
          {sso.data?.enabled && (
            <a
              href="/api/v1/auth/oidc/start"
              className="mt-3 flex h-11 w-full items-center justify-center rounded-lg border border-slate-300 bg-white text-sm font-medium text-slate-700 hover:bg-slate-50"
            >
              Sign in with SSO
            </a>
          )}
        </form>
        <p className="mb-2 text-center text-xs font-medium uppercase tracking-wide text-slate-400">
          or with an API key
        </p>
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
          <Button type="submit" variant="secondary" size="lg" className="mt-5 w-full" disabled={login.isPending}>
            {login.isPending && <Loader2 className="size-4 animate-spin" aria-hidden="true" />}
            {login.isPending ? 'Signing in…' : 'Sign in'}
          </Button>
        </form>
      </div>
    </div>
  );
}
