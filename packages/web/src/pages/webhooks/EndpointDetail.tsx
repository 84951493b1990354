import type { Channel, Status, Webhook, WebhookFilters, WebhookWithSecret } from '@switchboard/client';
import { KeyRound, Pencil, Power, Send, Trash2 } from 'lucide-react';
import { useState } from 'react';
import {
  useDeleteWebhookMutation,
  useRotateSecretMutation,
  useTestWebhookMutation,
  useUpdateWebhookMutation,
} from '../../api/queries';
import { ProblemAlert } from '../../components/ProblemAlert';
import { RelativeTime } from '../../components/RelativeTime';
import { Button, Card, ConfirmDialog, Tag } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { CHANNEL_LABELS, STATUS_LABELS } from '../../lib/vocab';
import { DeliveryLog } from './DeliveryLog';
import { WebhookForm } from './WebhookForm';
import { EnabledBadge, EventChips } from './WebhookBadges';

/** One endpoint: what it receives, its actions (test, edit, enable, rotate, delete) and its log. */
export function EndpointDetail({
  hook,
  onRotated,
  onDeleted,
}: {
  hook: Webhook;
  onRotated: (h: WebhookWithSecret) => void;
  onDeleted: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState<'delete' | 'rotate' | null>(null);
  const update = useUpdateWebhookMutation();
  const test = useTestWebhookMutation();
  const [notice, setNotice] = useState<string | null>(null);

  const toggleEnabled = () =>
    update.mutate(
      { id: hook.id, body: { enabled: !hook.enabled } },
      { onSuccess: (h) => setNotice(h.enabled ? 'Endpoint enabled.' : 'Endpoint disabled: nothing is sent to it.') },
    );
  const sendTest = () =>
    test.mutate(hook.id, {
      onSuccess: (d) => setNotice(`Test event ${d.eventId} queued; it appears in the log below.`),
    });
  const error = update.error ?? test.error;

  return (
    <section aria-labelledby="endpoint-title" className="mt-6" data-testid="endpoint-detail">
      <Card className="p-5">
        <div className="flex flex-wrap items-start justify-between gap-4">
          <div className="min-w-0">
            <div className="flex items-center gap-3">
              <h2 id="endpoint-title" className="truncate font-mono text-base font-semibold text-slate-900">
                {hook.url}
              </h2>
              <EnabledBadge hook={hook} />
            </div>
            <p className="mt-1 text-sm text-slate-500">
              {hook.description || 'No description'} · created {dateTime(hook.createdAt)} · updated{' '}
              <RelativeTime iso={hook.updatedAt} />
            </p>
            <dl className="mt-3 flex flex-wrap gap-x-8 gap-y-2 text-sm">
              <div>
                <dt className="text-xs font-medium text-slate-500">Events</dt>
                <dd className="mt-1">
                  <EventChips events={hook.events} />
                </dd>
              </div>
              <div>
                <dt className="text-xs font-medium text-slate-500">Filters</dt>
                <dd className="mt-1 text-slate-700">
                  <FilterSummary filters={hook.filters ?? {}} />
                </dd>
              </div>
            </dl>
          </div>
          <div className="flex flex-wrap items-center gap-2">
            <Button
              onClick={sendTest}
              disabled={test.isPending || !hook.enabled}
              title={hook.enabled ? undefined : 'Enable the endpoint to send a test event'}
            >
              <Send className="size-4" aria-hidden="true" />
              {test.isPending ? 'Sending…' : 'Send test event'}
            </Button>
            <Button onClick={() => setEditing(true)} disabled={editing}>
              <Pencil className="size-4" aria-hidden="true" />
              Edit
            </Button>
            <Button onClick={toggleEnabled} disabled={update.isPending}>
              <Power className="size-4" aria-hidden="true" />
              {hook.enabled ? 'Disable' : 'Enable'}
            </Button>
            <Button onClick={() => setConfirm('rotate')}>
              <KeyRound className="size-4" aria-hidden="true" />
              Rotate secret
            </Button>
            <Button variant="ghost-danger" onClick={() => setConfirm('delete')}>
              <Trash2 className="size-4" aria-hidden="true" />
              Delete
            </Button>
          </div>
        </div>
        {notice && !error && (
          <p role="status" className="mt-3 text-sm text-slate-600" data-testid="endpoint-notice">
            {notice}
          </p>
        )}
        {error && <ProblemAlert className="mt-4" title="That did not work" error={error} />}
        {editing && (
          <div className="mt-5 border-t border-slate-100 pt-5">
            <WebhookForm
              hook={hook}
              onCancel={() => setEditing(false)}
              onSaved={() => {
                setEditing(false);
                setNotice('Changes saved.');
              }}
            />
          </div>
        )}
      </Card>
      <DeliveryLog hook={hook} />
      {confirm === 'delete' && <DeleteDialog hook={hook} onClose={() => setConfirm(null)} onDeleted={onDeleted} />}
      {confirm === 'rotate' && <RotateDialog hook={hook} onClose={() => setConfirm(null)} onRotated={onRotated} />}
    </section>
  );
}

function FilterSummary({ filters: f }: { filters: WebhookFilters }) {
  const parts: string[] = [];
  if (f.channel?.length) parts.push(`channel: ${f.channel.map((c) => CHANNEL_LABELS[c as Channel] ?? c).join(', ')}`);
  if (f.status?.length) parts.push(`status: ${f.status.map((s) => STATUS_LABELS[s as Status] ?? s).join(', ')}`);
  if (f.type?.length) parts.push(`type: ${f.type.join(', ')}`);
  if (f.agentId?.length) parts.push(`agent: ${f.agentId.join(', ')}`);
  if (f.search) parts.push(`search: “${f.search}”`);
  for (const [k, v] of Object.entries(f.metadata ?? {})) parts.push(`${k} = ${v}`);
  if (!parts.length) return <span className="text-slate-400">None — every session</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {parts.map((p) => (
        <Tag key={p}>{p}</Tag>
      ))}
    </span>
  );
}

function DeleteDialog({ hook, onClose, onDeleted }: { hook: Webhook; onClose: () => void; onDeleted: () => void }) {
  const del = useDeleteWebhookMutation();
  return (
    <ConfirmDialog
      title="Delete this endpoint?"
      confirmLabel="Delete endpoint"
      pendingLabel="Deleting…"
      pending={del.isPending}
      error={del.error && <ProblemAlert title="Could not delete" error={del.error} />}
      onConfirm={async () => {
        await del.mutateAsync(hook.id);
        onDeleted();
      }}
      onClose={onClose}
    >
      <p className="break-all">
        Nothing more is sent to <span className="font-mono">{hook.url}</span>, and its delivery log is deleted with it.
        This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}

function RotateDialog({
  hook,
  onClose,
  onRotated,
}: {
  hook: Webhook;
  onClose: () => void;
  onRotated: (h: WebhookWithSecret) => void;
}) {
  const rotate = useRotateSecretMutation();
  return (
    <ConfirmDialog
      title="Rotate the signing secret?"
      confirmLabel="Rotate secret"
      pendingLabel="Rotating…"
      variant="primary"
      pending={rotate.isPending}
      error={rotate.error && <ProblemAlert title="Could not rotate" error={rotate.error} />}
      onConfirm={async () => onRotated(await rotate.mutateAsync(hook.id))}
      onClose={onClose}
    >
      <p>
        A new secret is generated and shown once. The current one keeps signing deliveries for another 24 hours (each
        delivery carries both signatures meanwhile), so update your receiver within that time.
      </p>
    </ConfirmDialog>
  );
}
