/**
 * Integrations: sessions in without writing code (docs/INTEGRATIONS.md). The settings to paste
 * for OpenTelemetry (with an ingest key made here), and the Vapi and Retell integrations: each
 * one's address, when its last request came and the requests it refused recently.
 */
import type { CreatedApiKey, Integration, IntegrationProvider } from '@switchboard/client';
import { Plus, Trash2 } from 'lucide-react';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { isForbidden } from '../api/client';
import {
  useCreateIntegrationMutation,
  useCreateKeyMutation,
  useDeleteIntegrationMutation,
  useIntegrationRequestsQuery,
  useIntegrationsQuery,
} from '../api/queries';
import { AdminRequired } from '../components/AdminRequired';
import { ProblemAlert } from '../components/ProblemAlert';
import { RelativeTime } from '../components/RelativeTime';
import {
  Badge,
  Button,
  Card,
  CardHeader,
  ConfirmDialog,
  CopyButton,
  cx,
  Field,
  Input,
  PageHeader,
  QueryState,
  Select,
} from '../components/ui';
import { dateTime } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';

const PROVIDERS: Record<
  IntegrationProvider,
  { label: string; secretLabel: string; secretHint: string; where: string }
> = {
  vapi: {
    label: 'Vapi',
    secretLabel: 'Server URL secret',
    secretHint:
      'The secret Vapi sends as x-vapi-secret, or the secret key of an HMAC credential (SHA256, header x-vapi-signature).',
    where: 'In Vapi, paste it as the Server URL of your assistant (or of the organization), with the same secret.',
  },
  retell: {
    label: 'Retell',
    secretLabel: 'Retell API key',
    secretHint: 'The API key Retell signs webhooks with (the one marked with the webhook badge in Retell).',
    where: 'In Retell, paste it as the agent’s (or the account’s) Webhook URL.',
  },
};

export default function IntegrationsPage() {
  useDocumentTitle('Integrations');
  const integrations = useIntegrationsQuery();
  const [creating, setCreating] = useState(false);
  const forbidden = isForbidden(integrations.error);
  const origin = window.location.origin;

  return (
    <>
      <PageHeader
        title="Integrations"
        subtitle="Sessions from OpenTelemetry traces, Vapi and Retell, without writing code."
      />
      {forbidden ? (
        <AdminRequired what="set up integrations" serverMessage={integrations.error?.message} />
      ) : (
        <div className="grid grid-cols-[minmax(0,1fr)] gap-6">
          <OtelCard origin={origin} />
          <Card>
            <CardHeader title="Vapi and Retell">
              <Button variant="primary" size="sm" onClick={() => setCreating(true)} disabled={creating}>
                <Plus className="size-4" aria-hidden="true" />
                Add integration
              </Button>
            </CardHeader>
            {creating && <CreateIntegrationForm onDone={() => setCreating(false)} />}
            <QueryState
              query={integrations}
              label="Loading integrations…"
              errorTitle="Could not load integrations"
              className="py-12"
              errorClassName="p-6"
              isEmpty={(data) => data.length === 0}
              empty={
                <p className="px-5 py-10 text-center text-sm text-slate-500">
                  No integrations yet. Add one to get an address for Vapi or Retell to post calls to.
                </p>
              }
            >
              {(data) => (
                <ul className="divide-y divide-slate-200">
                  {data.map((i) => (
                    <IntegrationItem key={i.id} integration={i} origin={origin} />
                  ))}
                </ul>
              )}
            </QueryState>
          </Card>
        </div>
      )}
    </>
  );
}

/**
 * A dark code block with a copy button (dark in both themes, like the onboarding's snippets). The
 * button has its own column: long settings scroll beside it instead of under it.
 */
function CodeBlock({ code, label, testId, wrap }: { code: string; label: string; testId?: string; wrap?: boolean }) {
  return (
    <div className="flex items-start rounded-lg bg-[#0f172a] text-[#e2e8f0] ring-1 ring-white/10 ring-inset">
      <pre
        className={cx(
          'min-w-0 flex-1 py-3 pl-4 font-mono text-[12.5px] leading-relaxed',
          // A URL wraps anywhere on a phone; settings keep their lines and scroll.
          wrap ? 'break-all whitespace-pre-wrap' : 'overflow-x-auto',
        )}
        data-testid={testId}
      >
        <code>{code}</code>
      </pre>
      <CopyButton
        value={code}
        label={label}
        className="m-2 shrink-0 text-[#94a3b8] hover:bg-[#ffffff1a] hover:text-[#fff]"
      />
    </div>
  );
}

function OtelCard({ origin }: { origin: string }) {
  const createKey = useCreateKeyMutation();
  const [key, setKey] = useState<CreatedApiKey | null>(null);
  const snippet = [
    `OTEL_EXPORTER_OTLP_ENDPOINT=${origin}/api/otlp`,
    `OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer ${key ? key.key : '<an ingest key>'}`,
    'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
  ].join('\n');
  return (
    <Card>
      <CardHeader title="OpenTelemetry">
        <Badge tone="indigo">OTLP/HTTP</Badge>
      </CardHeader>
      <div className="grid grid-cols-[minmax(0,1fr)] gap-4 p-5">
        <p className="text-sm text-slate-600">
          Agents instrumented with OpenTelemetry GenAI conventions, OpenInference or the Vercel AI SDK’s telemetry
          report their conversations when their exporter points here. Set these variables where the agent runs; each
          span needs a conversation id (<code className="text-xs">gen_ai.conversation.id</code>,{' '}
          <code className="text-xs">session.id</code>, …).
        </p>
        <CodeBlock code={snippet} label="Copy the OpenTelemetry settings" testId="otel-snippet" />
        {key ? (
          <p className="text-sm text-amber-800" role="status">
            The key “{key.name}” is in the settings above and will not be shown again: copy them now.
          </p>
        ) : (
          <div className="flex flex-wrap items-center gap-3">
            <Button
              onClick={() =>
                createKey.mutate({ name: 'OpenTelemetry exporter', scopes: ['ingest'] }, { onSuccess: setKey })
              }
              disabled={createKey.isPending}
            >
              {createKey.isPending ? 'Creating…' : 'Create an ingest key for these settings'}
            </Button>
            <span className="text-xs text-slate-500">Or use any key with the ingest scope.</span>
          </div>
        )}
        {createKey.error && <ProblemAlert title="Could not create the key" error={createKey.error} />}
      </div>
    </Card>
  );
}

function CreateIntegrationForm({ onDone }: { onDone: () => void }) {
  const [provider, setProvider] = useState<IntegrationProvider>('vapi');
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const [agentId, setAgentId] = useState('');
  const create = useCreateIntegrationMutation();
  const nameInput = useRef<HTMLInputElement>(null);
  useEffect(() => nameInput.current?.focus(), []);
  const p = PROVIDERS[provider];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || secret.length < 8) return;
    create.mutate(
      { provider, name: name.trim(), secret, ...(agentId.trim() ? { agentId: agentId.trim() } : {}) },
      { onSuccess: onDone },
    );
  };
  return (
    <form onSubmit={submit} aria-label="Add integration" className="border-b border-slate-200 bg-slate-50/60 p-5">
      <div className="grid gap-4 md:grid-cols-2">
        <Field label="Platform">
          <Select value={provider} onChange={(e) => setProvider(e.target.value as IntegrationProvider)}>
            <option value="vapi">Vapi</option>
            <option value="retell">Retell</option>
          </Select>
        </Field>
        <Field label="Name">
          <Input
            ref={nameInput}
            required
            maxLength={128}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. Scheduling line"
          />
        </Field>
        <Field label={p.secretLabel} hint={p.secretHint}>
          <Input
            required
            type="password"
            autoComplete="off"
            minLength={8}
            maxLength={512}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
          />
        </Field>
        <Field label="Agent id (optional)" hint="By default each session’s agent is the platform’s assistant or agent.">
          <Input
            maxLength={128}
            pattern="[A-Za-z0-9._:\-]{1,128}"
            value={agentId}
            onChange={(e) => setAgentId(e.target.value)}
          />
        </Field>
      </div>
      {create.error && <ProblemAlert className="mt-4" title="Could not add the integration" error={create.error} />}
      <div className="mt-4 flex justify-end gap-2">
        <Button onClick={onDone}>Cancel</Button>
        <Button type="submit" variant="primary" disabled={create.isPending || !name.trim() || secret.length < 8}>
          {create.isPending ? 'Adding…' : 'Add integration'}
        </Button>
      </div>
    </form>
  );
}

function IntegrationItem({ integration: i, origin }: { integration: Integration; origin: string }) {
  const [confirm, setConfirm] = useState(false);
  const url = `${origin}${i.url}`;
  const p = PROVIDERS[i.provider];
  return (
    <li className="grid grid-cols-[minmax(0,1fr)] gap-3 p-5" data-integration-id={i.id}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex min-w-0 items-center gap-2">
          <span className="font-medium wrap-anywhere text-slate-900">{i.name}</span>
          <Badge tone={i.provider === 'vapi' ? 'violet' : 'sky'}>{p.label}</Badge>
        </div>
        <Button size="sm" variant="ghost-danger" onClick={() => setConfirm(true)} aria-label={`Delete ${i.name}`}>
          <Trash2 className="size-3.5" aria-hidden="true" />
          <span className="hidden sm:inline">Delete</span>
        </Button>
      </div>
      <div className="grid grid-cols-[minmax(0,1fr)] gap-1.5">
        <span className="text-xs font-medium text-slate-500">
          {i.provider === 'vapi' ? 'Server URL' : 'Webhook URL'}
        </span>
        <CodeBlock code={url} label={`Copy the ${p.label} URL`} testId="integration-url" wrap />
        <p className="text-xs text-slate-500">{p.where}</p>
      </div>
      <RecentRequests integration={i} />
      {confirm && <DeleteDialog integration={i} onClose={() => setConfirm(false)} />}
    </li>
  );
}

function RecentRequests({ integration: i }: { integration: Integration }) {
  const requests = useIntegrationRequestsQuery(i.id);
  const refusals = (requests.data ?? []).filter((r) => !r.accepted).slice(0, 5);
  let last: ReactNode = <span className="text-slate-400">No request yet</span>;
  if (i.lastRequestAt)
    last = (
      <span title={dateTime(i.lastRequestAt)}>
        <RelativeTime iso={i.lastRequestAt} />
      </span>
    );
  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-2 text-sm">
      <p className="text-slate-600" data-testid="last-request">
        Last request: {last}
      </p>
      {refusals.length > 0 && (
        <div className="rounded-lg border border-red-200 bg-red-50 p-3" data-testid="refusals">
          <p className="text-xs font-semibold text-red-800">Recently refused</p>
          <ul className="mt-1.5 grid gap-1">
            {refusals.map((r) => (
              <li key={r.at + (r.reason ?? '')} className="text-xs text-red-800">
                <span className="font-mono">{r.status}</span> <RelativeTime iso={r.at} />
                {r.eventType ? ` · ${r.eventType}` : ''} — <span className={cx('wrap-anywhere')}>{r.reason}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function DeleteDialog({ integration, onClose }: { integration: Integration; onClose: () => void }) {
  const remove = useDeleteIntegrationMutation();
  return (
    <ConfirmDialog
      title={`Delete “${integration.name}”?`}
      confirmLabel="Delete integration"
      pendingLabel="Deleting…"
      pending={remove.isPending}
      error={remove.error && <ProblemAlert title="Could not delete" error={remove.error} />}
      onConfirm={() => remove.mutateAsync(integration.id)}
      onClose={onClose}
    >
      <p>Its address will answer 404 from now on. The sessions it already made stay.</p>
    </ConfirmDialog>
  );
}
