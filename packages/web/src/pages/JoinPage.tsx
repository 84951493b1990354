/**
 * Making an account from a one-time link: `/setup#token=…` (the first admin, from the link the
 * server prints at its first start) and `/invite#token=…` (an invitation). The token is read
 * from the fragment, which never reaches a server or a log, and dropped from the address bar.
 */
import { AtSign, Loader2, LockKeyhole, UserRound } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useAcceptInvitationMutation, useSetupMutation } from '../api/accounts';
import { Button, ErrorAlert, Field, Input } from '../components/ui';
import { useDocumentTitle } from '../lib/useDocumentTitle';

let pendingToken: string | null = null;
function takeToken(): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (m?.[1]) {
    window.history.replaceState(window.history.state, '', window.location.pathname);
    pendingToken = m[1];
  }
  return pendingToken;
}

export default function JoinPage({ kind }: { kind: 'setup' | 'invite' }) {
  useDocumentTitle(kind === 'setup' ? 'Create the first admin' : 'Join Switchboard');
  const navigate = useNavigate();
  const [token] = useState(takeToken);
  const setup = useSetupMutation();
  const accept = useAcceptInvitationMutation();
  const mutation = kind === 'setup' ? setup : accept;
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const mismatch = repeat !== '' && repeat !== password;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!token || mismatch) return;
    const done = { onSuccess: () => navigate('/', { replace: true }) };
    if (kind === 'setup') setup.mutate({ token, email: email.trim(), name: name.trim(), password }, done);
    else accept.mutate({ token, name: name.trim(), password }, done);
  };

  return (
    <div className="flex min-h-screen items-center justify-center bg-gradient-to-b from-slate-50 to-slate-100 px-4 py-8">
      <div className="w-full max-w-md">
        <div className="mb-6 text-center">
          <h1 className="text-2xl font-semibold tracking-tight text-slate-900">
            {kind === 'setup' ? 'Create the first admin' : 'Join your team on Switchboard'}
          </h1>
          <p className="mt-1.5 text-sm text-slate-500">
            {kind === 'setup'
              ? 'This account manages people, keys and webhooks. The link works once.'
              : 'Choose the name your team sees and a password. The link works once.'}
          </p>
        </div>
        {!token ? (
          <ErrorAlert
            title="This link has no token"
            message="Open the whole link you were given (it ends with #token=…), or ask for a new one."
          />
        ) : (
          <form
            onSubmit={submit}
            aria-label={kind === 'setup' ? 'Create the first admin' : 'Accept the invitation'}
            className="space-y-4 rounded-2xl border border-slate-200 bg-white p-7 shadow-sm"
            aria-busy={mutation.isPending}
          >
            {kind === 'setup' && (
              <Field id="join-email" label="E-mail">
                <Input
                  icon={AtSign}
                  type="email"
                  autoComplete="username"
                  required
                  maxLength={254}
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                />
              </Field>
            )}
            <Field id="join-name" label="Name">
              <Input
                icon={UserRound}
                autoComplete="name"
                required
                maxLength={128}
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            </Field>
            <Field id="join-password" label="Password" hint="At least 10 characters.">
              <Input
                icon={LockKeyhole}
                type="password"
                autoComplete="new-password"
                required
                minLength={10}
                maxLength={1024}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </Field>
            <Field
              id="join-repeat"
              label="Repeat the password"
              error={mismatch ? 'The two passwords differ.' : undefined}
            >
              <Input
                icon={LockKeyhole}
                type="password"
                autoComplete="new-password"
                required
                value={repeat}
                onChange={(e) => setRepeat(e.target.value)}
              />
            </Field>
            {mutation.error && (
              <ErrorAlert
                title={kind === 'setup' ? 'The account was not created' : 'The invitation was not accepted'}
                message={mutation.error.message}
              />
            )}
            <Button
              type="submit"
              variant="primary"
              size="lg"
              className="w-full"
              disabled={mutation.isPending || mismatch}
            >
              {mutation.isPending && <Loader2 className="size-4 animate-spin" aria-hidden="true" />}
              {kind === 'setup' ? 'Create admin account' : 'Join'}
            </Button>
          </form>
        )}
      </div>
    </div>
  );
}
