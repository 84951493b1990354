import { type ApiKey, type CreatedApiKey, LIMITS, type Scope } from '@switchboard/contracts';
import { Plus, Trash2 } from 'lucide-react';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { isForbidden } from '../api/client';
import { useCreateKeyMutation, useKeysQuery, useMeQuery, useRevokeKeyMutation } from '../api/queries';
import { AdminRequired } from '../components/AdminRequired';
import { ProblemAlert } from '../components/ProblemAlert';
import { RelativeTime } from '../components/RelativeTime';
import {
  Badge,
  Button,
  Card,
  ConfirmDialog,
  cx,
  Field,
  Fieldset,
  Input,
  OptionCard,
  PageHeader,
  QueryState,
  SecretReveal,
  Tag,
  TBody,
  Th,
  THead,
} from '../components/ui';
import { dateTime } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { SCOPE_LABELS, SCOPES } from '../lib/vocab';

const SCOPE_HELP: Record<Scope, string> = {
  read: 'List, search and export sessions',
  ingest: 'Report sessions, messages and events',
  admin: 'Manage keys and webhooks (and everything review does)',
  review: 'Tag, score, note and mark sessions reviewed; saved views; bulk actions',
};

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
          {created && (
            <SecretReveal
              title={`Copy your new key “${created.name}” now`}
              secret={created.key}
              copyLabel="Copy API key"
              valueTestId="new-key"
              onDismiss={() => setCreated(null)}
            >
              For your security it will not be shown again. Store it in a secret manager; anyone with it can act with
              its scopes.
            </SecretReveal>
          )}
          {creating && (
            <CreateKeyForm
              onCancel={() => setCreating(false)}
              onCreated={(k) => {
                setCreating(false);
                setCreated(k);
              }}
            />
          )}
          <Card className="relative overflow-x-auto">
            <QueryState
              query={keys}
              label="Loading keys..."
              errorTitle="Could not load keys"
              className="py-16"
              errorClassName="p-6"
              isEmpty={(data) => data.length === 0}
              empty={<p className="px-6 py-12 text-center text-sm text-slate-500">No keys yet.</p>}
            >
              {(data) => <KeysTable keys={data} currentKeyId={me.data?.key?.id} onRevoke={setConfirm} />}
            </QueryState>
          </Card>
        </>
      )}
      {confirm && (
        <RevokeDialog apiKey={confirm} current={confirm.id === me.data?.key?.id} onClose={() => setConfirm(null)} />
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
  return (
    <table className="w-full text-sm">
      <caption className="sr-only">API keys</caption>
      <THead>
        <Th>Name</Th>
        {/* On a phone the prefix goes under the name, and the dates are left out. */}
        <Th className="hidden sm:table-cell">Key</Th>
        <Th>Scopes</Th>
        <Th className="hidden md:table-cell">Created</Th>
        <Th className="hidden md:table-cell">Last used</Th>
        <Th align="right">
          <span className="sr-only">Actions</span>
        </Th>
      </THead>
      <TBody>
        {keys.map((k) => {
          const revoked = !!k.revokedAt;
          return (
            <tr key={k.id} data-key-id={k.id} className={revoked ? 'bg-slate-50/60 text-slate-400' : ''}>
              <td className="px-5 py-3">
                <span
                  className={cx(
                    'font-medium wrap-anywhere',
                    revoked ? 'text-slate-400 line-through' : 'text-slate-900',
                  )}
                >
                  {k.name}
                </span>
                {k.id === currentKeyId && (
                  <Badge tone="indigo" className="ml-2 border-transparent">
                    This session
                  </Badge>
                )}
                <span className="mt-0.5 block font-mono text-xs text-slate-500 sm:hidden">{k.prefix}…</span>
              </td>
              <td className="hidden px-5 py-3 font-mono text-xs sm:table-cell">{k.prefix}…</td>
              <td className="px-5 py-3">
                <div className="flex flex-wrap gap-1">
                  {k.scopes.map((s) => (
                    <Tag
                      key={s}
                      tone={s === 'admin' ? 'amber' : 'slate'}
                      className={cx('font-medium', revoked && 'opacity-60')}
                    >
                      {SCOPE_LABELS[s] ?? s}
                    </Tag>
                  ))}
                </div>
              </td>
              <td className="hidden px-5 py-3 text-slate-600 md:table-cell" title={dateTime(k.createdAt)}>
                <RelativeTime iso={k.createdAt} />
              </td>
              <td className="hidden px-5 py-3 text-slate-600 md:table-cell">
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
                    variant="ghost-danger"
                    onClick={() => onRevoke(k)}
                    aria-label={`Revoke key ${k.name}`}
                  >
                    <Trash2 className="size-3.5" aria-hidden="true" />
                    <span className="hidden sm:inline">Revoke</span>
                  </Button>
                )}
              </td>
            </tr>
          );
        })}
      </TBody>
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
          <Field label="Name">
            <Input
              ref={nameInput}
              required
              maxLength={LIMITS.keyNameLength}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="e.g. Production voice agent"
            />
          </Field>
          <Fieldset legend="Scopes">
            <div className="mt-1.5 grid gap-2 sm:grid-cols-3">
              {SCOPES.map((s) => (
                <OptionCard
                  key={s}
                  checked={scopes.includes(s)}
                  onChange={() => setScopes((cur) => (cur.includes(s) ? cur.filter((x) => x !== s) : [...cur, s]))}
                  label={SCOPE_LABELS[s]}
                  hint={SCOPE_HELP[s]}
                />
              ))}
            </div>
          </Fieldset>
        </div>
        {create.error && <ProblemAlert className="mt-4" title="Could not create the key" error={create.error} />}
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

function RevokeDialog({ apiKey, current, onClose }: { apiKey: ApiKey; current: boolean; onClose: () => void }) {
  const revoke = useRevokeKeyMutation();
  return (
    <ConfirmDialog
      title={`Revoke “${apiKey.name}”?`}
      confirmLabel="Revoke key"
      pendingLabel="Revoking…"
      pending={revoke.isPending}
      error={revoke.error && <ProblemAlert title="Could not revoke" error={revoke.error} />}
      onConfirm={() => revoke.mutateAsync(apiKey.id)}
      onClose={onClose}
    >
      <p>
        Requests with <span className="font-mono">{apiKey.prefix}…</span> will fail with 401 immediately. This cannot be
        undone.
        {current && (
          <strong className="mt-2 block text-red-700">
            This is the key you are signed in with: you will be signed out.
          </strong>
        )}
      </p>
    </ConfirmDialog>
  );
}
