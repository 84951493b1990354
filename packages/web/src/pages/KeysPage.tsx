import type { ApiKey, CreatedApiKey, Scope } from '@switchboard/contracts';
import { AlertTriangle, KeyRound, Plus, Trash2 } from 'lucide-react';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { useCreateKeyMutation, useKeysQuery, useMeQuery, useRevokeKeyMutation } from '../api/queries';
import { AdminRequired } from '../components/AdminRequired';
import { RelativeTime } from '../components/RelativeTime';
import { Button, Card, CopyButton, ErrorAlert, PageHeader, Spinner, cx } from '../components/ui';
import { dateTime } from '../lib/format';
import { SCOPE_LABELS, SCOPES } from '../lib/vocab';
import { useDocumentTitle } from '../lib/useDocumentTitle';

const SCOPE_HELP: Record<Scope, string> = {
  read: 'List, search and export sessions',
  ingest: 'Report sessions, messages and events',
  admin: 'Manage keys and webhooks',
};

function isForbidden(err: unknown) {
  return err instanceof ApiError && err.status === 403;
}

export default function KeysPage() {
  useDocumentTitle('API keys');
  const keys = useKeysQuery();
  const me = useMeQuery();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [confirm, setConfirm] = useState<ApiKey | null>(null);

  const forbidden = isForbidden(keys.error);

  return (
    <>
      <PageHeader
        title="API keys"
        subtitle="Keys let agents report sessions and let tools read them. A key is shown only once, when it is created."
        actions={
          !forbidden && (
            <Button variant="primary" onClick={() => setCreating(true)} disabled={creating}>
              <Plus className="size-4" aria-hidden="true" />
              Create key
            </Button>
          )
        }
      />

      {forbidden ? (
        <AdminRequired what="manage API keys" serverMessage={keys.error?.message} />
      ) : (
        <>
          {created && <NewKeyNotice created={created} onDismiss={() => setCreated(null)} />}
          {creating && (
            <CreateKeyForm
              onCancel={() => setCreating(false)}
              onCreated={(k) => {
                setCreating(false);
                setCreated(k);
              }}
            />
          )}
          <Card className="overflow-hidden">
            {keys.isPending ? (
              <Spinner label="Loading keys..." className="py-16" />
            ) : keys.isError ? (
              <div className="p-6">
                <ErrorAlert title="Could not load keys" message={keys.error.message} />
              </div>
            ) : keys.data.length === 0 ? (
              <p className="px-6 py-12 text-center text-sm text-slate-500">No keys yet.</p>
            ) : (
              <KeysTable keys={keys.data} currentKeyId={me.data?.key.id} onRevoke={setConfirm} />
            )}
          </Card>
        </>
      )}
      {confirm && (
        <RevokeDialog apiKey={confirm} current={confirm.id === me.data?.key.id} onClose={() => setConfirm(null)} />
      )}
    </>
  );
}

function KeysTable({
  keys,
  currentKeyId,
  onRevoke,
}: {
  keys: ApiKey[];
  currentKeyId?: string;
  onRevoke: (k: ApiKey) => void;
}) {
  const th = 'px-5 py-3 text-left text-xs font-semibold tracking-wide text-slate-500 uppercase';
  return (
    <table className="w-full text-sm">
      <caption className="sr-only">API keys</caption>
      <thead className="border-b border-slate-200 bg-slate-50/80">
        <tr>
          <th scope="col" className={th}>
            Name
          </th>
          <th scope="col" className={th}>
            Key
          </th>
          <th scope="col" className={th}>
            Scopes
          </th>
          <th scope="col" className={th}>
            Created
          </th>
          <th scope="col" className={th}>
            Last used
          </th>
          <th scope="col" className={cx(th, 'text-right')}>
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {keys.map((k) => {
          const revoked = !!k.revokedAt;
          return (
            <tr key={k.id} data-key-id={k.id} className={revoked ? 'bg-slate-50/60 text-slate-400' : ''}>
              <td className="px-5 py-3">
                <span className={cx('font-medium', revoked ? 'text-slate-400 line-through' : 'text-slate-900')}>
                  {k.name}
                </span>
                {k.id === currentKeyId && (
                  <span className="ml-2 rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-700">
                    This session
                  </span>
                )}
              </td>
              <td className="px-5 py-3 font-mono text-xs">{k.prefix}…</td>
              <td className="px-5 py-3">
                <div className="flex flex-wrap gap-1">
                  {k.scopes.map((s) => (
                    <span
                      key={s}
                      className={cx(
                        'rounded-md border px-1.5 py-0.5 text-xs font-medium',
                        s === 'admin'
                          ? 'border-amber-200 bg-amber-50 text-amber-800'
                          : 'border-slate-200 bg-slate-50 text-slate-700',
                        revoked && 'opacity-60',
                      )}
                    >
                      {SCOPE_LABELS[s] ?? s}
                    </span>
                  ))}
                </div>
              </td>
              <td className="px-5 py-3 text-slate-600" title={dateTime(k.createdAt)}>
                <RelativeTime iso={k.createdAt} />
              </td>
              <td className="px-5 py-3 text-slate-600">
                {k.lastUsedAt ? <RelativeTime iso={k.lastUsedAt} /> : <span className="text-slate-400">Never</span>}
              </td>
              <td className="px-5 py-3 text-right">
                {revoked ? (
                  <span className="text-xs font-medium text-red-600" title={dateTime(k.revokedAt)}>
                    Revoked
                  </span>
                ) : (
                  <Button
                    size="sm"
                    variant="ghost"
                    className="text-red-600 hover:bg-red-50 hover:text-red-700"
                    onClick={() => onRevoke(k)}
                    aria-label={`Revoke key ${k.name}`}
                  >
                    <Trash2 className="size-3.5" aria-hidden="true" />
                    Revoke
                  </Button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function CreateKeyForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: (k: CreatedApiKey) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const create = useCreateKeyMutation();
  const nameInput = useRef<HTMLInputElement>(null);
  useEffect(() => nameInput.current?.focus(), []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || scopes.length === 0) return;
    create.mutate({ name: name.trim(), scopes }, { onSuccess: onCreated });
  };
  return (
    <Card className="mb-6 p-6">
      <form onSubmit={submit} aria-label="Create API key">
        <h2 className="text-base font-semibold text-slate-900">New API key</h2>
        <div className="mt-4 grid gap-5 md:grid-cols-[minmax(0,1fr)_minmax(0,1.4fr)]">
          <div>
            <label htmlFor="key-name" className="block text-sm font-medium text-slate-700">
              Name
            </label>
            <input
              id="key-name"
              ref={nameInput}
              required
              maxLength={128}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="e.g. Production voice agent"
              className="mt-1.5 h-9 w-full rounded-lg border border-slate-300 px-3 text-sm focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none"
            />
          </div>
          <fieldset>
            <legend className="text-sm font-medium text-slate-700">Scopes</legend>
            <div className="mt-1.5 grid gap-2 sm:grid-cols-3">
              {SCOPES.map((s) => (
                <label
                  key={s}
                  className={cx(
                    'flex cursor-pointer items-start gap-2 rounded-lg border p-2.5 text-sm',
                    scopes.includes(s) ? 'border-indigo-300 bg-indigo-50/50' : 'border-slate-200 hover:bg-slate-50',
                  )}
                >
                  <input
                    type="checkbox"
                    className="mt-0.5 size-4 accent-indigo-600"
                    checked={scopes.includes(s)}
                    onChange={() => setScopes((cur) => (cur.includes(s) ? cur.filter((x) => x !== s) : [...cur, s]))}
                  />
                  <span>
                    <span className="block font-medium text-slate-900">{SCOPE_LABELS[s]}</span>
                    <span className="block text-xs text-slate-500">{SCOPE_HELP[s]}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
        </div>
        {create.error && (
          <div className="mt-4">
            <ErrorAlert title="Could not create the key" message={create.error.message} />
          </div>
        )}
        <div className="mt-5 flex justify-end gap-2">
          <Button onClick={onCancel}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={create.isPending || !name.trim() || scopes.length === 0}>
            {create.isPending ? 'Creating…' : 'Create key'}
          </Button>
        </div>
      </form>
    </Card>
  );
}

function NewKeyNotice({ created, onDismiss }: { created: CreatedApiKey; onDismiss: () => void }) {
  return (
    <div role="status" className="mb-6 rounded-xl border border-amber-200 bg-amber-50 p-5">
      <div className="flex items-start gap-3">
        <AlertTriangle className="mt-0.5 size-5 shrink-0 text-amber-600" aria-hidden="true" />
        <div className="min-w-0 flex-1">
          <h2 className="font-semibold text-amber-900">Copy your new key “{created.name}” now</h2>
          <p className="mt-0.5 text-sm text-amber-800">
            For your security it will not be shown again. Store it in a secret manager; anyone with it can act with its
            scopes.
          </p>
          <div className="mt-3 flex items-center gap-2 rounded-lg border border-amber-200 bg-white py-1.5 pr-1.5 pl-3">
            <KeyRound className="size-4 shrink-0 text-slate-400" aria-hidden="true" />
            <code className="min-w-0 flex-1 font-mono text-sm break-all text-slate-900" data-testid="new-key">
              {created.key}
            </code>
            <CopyButton value={created.key} label="Copy API key" />
          </div>
        </div>
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          Done
        </Button>
      </div>
    </div>
  );
}

function RevokeDialog({ apiKey, current, onClose }: { apiKey: ApiKey; current: boolean; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const revoke = useRevokeKeyMutation();
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-labelledby="revoke-title"
      className="m-auto w-full max-w-md rounded-xl border border-slate-200 p-0 shadow-xl backdrop:bg-slate-900/40"
    >
      <div className="p-6">
        <h2 id="revoke-title" className="text-lg font-semibold text-slate-900">
          Revoke “{apiKey.name}”?
        </h2>
        <p className="mt-2 text-sm text-slate-600">
          Requests with <span className="font-mono">{apiKey.prefix}…</span> will fail with 401 immediately. This cannot
          be undone.
          {current && (
            <strong className="mt-2 block text-red-700">
              This is the key you are signed in with: you will be signed out.
            </strong>
          )}
        </p>
        {revoke.error && (
          <div className="mt-4">
            <ErrorAlert message={revoke.error.message} />
          </div>
        )}
      </div>
      <div className="flex justify-end gap-2 border-t border-slate-100 bg-slate-50 px-6 py-3">
        <Button onClick={() => ref.current?.close()}>Cancel</Button>
        <Button
          variant="danger"
          disabled={revoke.isPending}
          onClick={() => revoke.mutate(apiKey.id, { onSuccess: () => ref.current?.close() })}
        >
          {revoke.isPending ? 'Revoking…' : 'Revoke key'}
        </Button>
      </div>
    </dialog>
  );
}
