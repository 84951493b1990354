import type {
  Channel,
  CreateWebhookBody,
  SessionType,
  Status,
  StreamEventType as OutboxEventType,
  Webhook,
  WebhookDelivery,
  WebhookFilters,
  WebhookWithSecret,
} from '@switchboard/client';
import {
  AlertTriangle,
  ChevronDown,
  ChevronLeft,
  ChevronRight,
  ChevronUp,
  KeyRound,
  Pencil,
  Plus,
  Power,
  RotateCcw,
  Send,
  Trash2,
  Webhook as WebhookIcon,
  X,
} from 'lucide-react';
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ApiError, DELIVERY_PAGE_SIZE } from '../api/client';
import {
  useCreateWebhookMutation,
  useDeleteWebhookMutation,
  useDeliveriesQuery,
  useRetryDeliveryMutation,
  useRotateSecretMutation,
  useTestWebhookMutation,
  useUpdateWebhookMutation,
  useWebhooksQuery,
} from '../api/queries';
import { AdminRequired } from '../components/AdminRequired';
import { RelativeTime } from '../components/RelativeTime';
import { Button, Card, CopyButton, ErrorAlert, PageHeader, Spinner, cx } from '../components/ui';
import { dateTime, number } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import {
  CHANNEL_LABELS,
  CHANNELS,
  DELIVERY_STATUSES,
  SESSION_TYPES,
  STATUS_LABELS,
  STATUSES,
  TYPE_LABELS,
  WEBHOOK_EVENT_HELP,
  WEBHOOK_EVENT_TYPES,
} from '../lib/vocab';

type WebhookDeliveryStatus = WebhookDelivery['status'];

const isForbidden = (err: unknown) => err instanceof ApiError && err.status === 403;

/** A secret to show once, with why it is shown. */
interface SecretNotice {
  hook: WebhookWithSecret;
  rotated: boolean;
}

export default function WebhooksPage() {
  useDocumentTitle('Webhooks');
  const hooks = useWebhooksQuery();
  const [sp, setSp] = useSearchParams();
  const selectedId = sp.get('endpoint');
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<SecretNotice | null>(null);
  const forbidden = isForbidden(hooks.error);

  const select = (id: string | null) => {
    const next = new URLSearchParams(sp);
    if (id) next.set('endpoint', id);
    else next.delete('endpoint');
    setSp(next);
  };
  const selected = hooks.data?.find((h) => h.id === selectedId) ?? null;

  return (
    <>
      <PageHeader
        title="Webhooks"
        subtitle="Switchboard POSTs signed events (Standard Webhooks) to your endpoints as they happen."
        actions={
          !forbidden && (
            <Button variant="primary" onClick={() => setCreating(true)} disabled={creating}>
              <Plus className="size-4" aria-hidden="true" />
              Add endpoint
            </Button>
          )
        }
      />
      {forbidden ? (
        <AdminRequired what="manage webhooks" serverMessage={hooks.error?.message} />
      ) : (
        <>
          {secret && <SecretBox notice={secret} onDismiss={() => setSecret(null)} />}
          {creating && (
            <Card className="mb-6 p-6">
              <WebhookForm
                onCancel={() => setCreating(false)}
                onSaved={(h) => {
                  setCreating(false);
                  if ('secret' in h) setSecret({ hook: h, rotated: false });
                  select(h.id);
                }}
              />
            </Card>
          )}
          <Card className="overflow-hidden">
            {hooks.isPending ? (
              <Spinner label="Loading webhooks..." className="py-16" />
            ) : hooks.isError ? (
              <div className="p-6">
                <ErrorAlert
                  title="Could not load webhooks"
                  message={hooks.error.message}
                  action={
                    <Button size="sm" onClick={() => hooks.refetch()}>
                      Retry
                    </Button>
                  }
                />
              </div>
            ) : hooks.data.length === 0 ? (
              <EmptyHooks onCreate={() => setCreating(true)} />
            ) : (
              <WebhooksTable hooks={hooks.data} selectedId={selectedId} onSelect={select} />
            )}
          </Card>
          {selected && (
            <EndpointDetail
              key={selected.id}
              hook={selected}
              onRotated={(h) => setSecret({ hook: h, rotated: true })}
              onDeleted={() => {
                setSecret(null);
                select(null);
              }}
            />
          )}
          {selectedId && hooks.data && !selected && (
            <div className="mt-6">
              <ErrorAlert message="That endpoint does not exist (any more)." />
            </div>
          )}
        </>
      )}
    </>
  );
}

function EmptyHooks({ onCreate }: { onCreate: () => void }) {
  return (
    <div className="flex flex-col items-center px-6 py-14 text-center">
      <span className="flex size-12 items-center justify-center rounded-full bg-slate-100">
        <WebhookIcon className="size-6 text-slate-400" aria-hidden="true" />
      </span>
      <h2 className="mt-3 text-base font-semibold text-slate-900">No endpoints yet</h2>
      <p className="mt-1 max-w-md text-sm text-slate-500">
        Add an endpoint to receive session, message and event notifications, for example to page someone when a session
        fails.
      </p>
      <Button variant="primary" className="mt-4" onClick={onCreate}>
        <Plus className="size-4" aria-hidden="true" />
        Add endpoint
      </Button>
    </div>
  );
}

// ─── List ────────────────────────────────────────────────────────────────────────────────────

const th = 'px-5 py-3 text-left text-xs font-semibold tracking-wide text-slate-500 uppercase';

function EventChips({ events }: { events: string[] }) {
  if (events.includes('*'))
    return (
      <span className="rounded-md border border-indigo-200 bg-indigo-50 px-1.5 py-0.5 text-xs font-medium text-indigo-700">
        All events
      </span>
    );
  return (
    <span className="flex flex-wrap gap-1">
      {events.map((e) => (
        <span
          key={e}
          className="rounded-md border border-slate-200 bg-slate-50 px-1.5 py-0.5 font-mono text-[11px] text-slate-700"
        >
          {e}
        </span>
      ))}
    </span>
  );
}

function EnabledBadge({ hook }: { hook: Webhook }) {
  if (hook.enabled)
    return (
      <span className="inline-flex items-center gap-1.5 rounded-full border border-green-200 bg-green-50 px-2.5 py-0.5 text-xs font-medium text-green-700">
        <span className="size-1.5 rounded-full bg-green-500" aria-hidden="true" />
        Enabled
      </span>
    );
  return (
    <span className="inline-flex flex-col items-start gap-1">
      <span className="inline-flex items-center gap-1.5 rounded-full border border-slate-200 bg-slate-100 px-2.5 py-0.5 text-xs font-medium text-slate-600">
        <span className="size-1.5 rounded-full bg-slate-400" aria-hidden="true" />
        Disabled
      </span>
      {hook.disabledReason && <span className="text-xs text-red-600">{hook.disabledReason}</span>}
    </span>
  );
}

function WebhooksTable({
  hooks,
  selectedId,
  onSelect,
}: {
  hooks: Webhook[];
  selectedId: string | null;
  onSelect: (id: string | null) => void;
}) {
  return (
    <table className="w-full text-sm">
      <caption className="sr-only">Webhook endpoints</caption>
      <thead className="border-b border-slate-200 bg-slate-50/80">
        <tr>
          <th scope="col" className={th}>
            Endpoint
          </th>
          <th scope="col" className={th}>
            Events
          </th>
          <th scope="col" className={th}>
            Status
          </th>
          <th scope="col" className={th}>
            Created
          </th>
          <th scope="col" className={cx(th, 'text-right')}>
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {hooks.map((h) => {
          const active = h.id === selectedId;
          return (
            <tr key={h.id} data-webhook-id={h.id} className={cx(active && 'bg-indigo-50/40')}>
              <td className="max-w-[420px] px-5 py-3">
                <span className="block truncate font-mono text-[13px] text-slate-900" title={h.url}>
                  {h.url}
                </span>
                {h.description && <span className="block truncate text-xs text-slate-500">{h.description}</span>}
              </td>
              <td className="px-5 py-3">
                <EventChips events={h.events} />
              </td>
              <td className="px-5 py-3">
                <EnabledBadge hook={h} />
              </td>
              <td className="px-5 py-3 whitespace-nowrap text-slate-600" title={dateTime(h.createdAt)}>
                <RelativeTime iso={h.createdAt} />
              </td>
              <td className="px-5 py-3 text-right">
                <Button
                  size="sm"
                  variant={active ? 'primary' : 'secondary'}
                  aria-expanded={active}
                  aria-label={`${active ? 'Hide' : 'Manage'} ${h.url}`}
                  onClick={() => onSelect(active ? null : h.id)}
                >
                  {active ? 'Hide' : 'Manage'}
                </Button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

// ─── Secret shown once ───────────────────────────────────────────────────────────────────────

function SecretBox({ notice, onDismiss }: { notice: SecretNotice; onDismiss: () => void }) {
  const { hook, rotated } = notice;
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div
      ref={ref}
      tabIndex={-1}
      role="status"
      data-testid="webhook-secret"
      className="mb-6 rounded-xl border border-amber-200 bg-amber-50 p-5 outline-none"
    >
      <div className="flex items-start gap-3">
        <AlertTriangle className="mt-0.5 size-5 shrink-0 text-amber-600" aria-hidden="true" />
        <div className="min-w-0 flex-1">
          <h2 className="font-semibold text-amber-900">
            {rotated ? 'New signing secret' : 'Signing secret'} for <span className="font-mono">{hook.url}</span>
          </h2>
          <p className="mt-0.5 text-sm text-amber-800">
            Copy it now: it will not be shown again. Your receiver verifies each delivery's{' '}
            <code className="font-mono">webhook-signature</code> with it.
            {rotated &&
              ' The previous secret keeps signing deliveries for 24 hours (each delivery carries both signatures), so you can switch your receiver over without losing events.'}
          </p>
          <div className="mt-3 flex items-center gap-2 rounded-lg border border-amber-200 bg-white py-1.5 pr-1.5 pl-3">
            <KeyRound className="size-4 shrink-0 text-slate-400" aria-hidden="true" />
            <code className="min-w-0 flex-1 font-mono text-sm break-all text-slate-900" data-testid="secret-value">
              {hook.secret}
            </code>
            <CopyButton value={hook.secret} label="Copy signing secret" />
          </div>
        </div>
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          Done
        </Button>
      </div>
    </div>
  );
}

// ─── Create / edit ───────────────────────────────────────────────────────────────────────────

interface FormState {
  url: string;
  description: string;
  allEvents: boolean;
  events: OutboxEventType[];
  enabled: boolean;
  channel: Channel[];
  status: Status[];
  type: SessionType[];
  agentIds: string;
  search: string;
  metadata: Array<{ key: string; value: string }>;
}

function initialState(h?: Webhook): FormState {
  const f = h?.filters ?? {};
  return {
    url: h?.url ?? '',
    description: h?.description ?? '',
    allEvents: !h || h.events.includes('*'),
    events: (h?.events.filter((e) => e !== '*') as OutboxEventType[] | undefined) ?? [],
    enabled: h?.enabled ?? true,
    channel: (f.channel as Channel[] | undefined) ?? [],
    status: (f.status as Status[] | undefined) ?? [],
    type: (f.type as SessionType[] | undefined) ?? [],
    agentIds: f.agentId?.join(', ') ?? '',
    search: f.search ?? '',
    metadata: Object.entries(f.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
}

function filtersOf(s: FormState): WebhookFilters {
  const f: WebhookFilters = {};
  if (s.channel.length) f.channel = s.channel;
  if (s.status.length) f.status = s.status;
  if (s.type.length) f.type = s.type;
  const agents = [
    ...new Set(
      s.agentIds
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    ),
  ];
  if (agents.length) f.agentId = agents;
  if (s.search.trim()) f.search = s.search.trim();
  const meta = s.metadata.filter((m) => m.key.trim());
  if (meta.length) f.metadata = Object.fromEntries(meta.map((m) => [m.key.trim(), m.value]));
  return f;
}

const filterCount = (f: WebhookFilters) => Object.keys(f).length;

/** "/url" and "body/url" and "url" all name the URL field. */
const fieldOf = (path: string) => path.replace(/^\/?(body\/)?/, '').split('/')[0] ?? '';

const inputClass =
  'mt-1.5 h-9 w-full rounded-lg border border-slate-300 px-3 text-sm focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none aria-invalid:border-red-400';

function WebhookForm({
  hook,
  onCancel,
  onSaved,
}: {
  hook?: Webhook;
  onCancel: () => void;
  onSaved: (h: Webhook | WebhookWithSecret) => void;
}) {
  const [s, setS] = useState<FormState>(() => initialState(hook));
  const create = useCreateWebhookMutation();
  const update = useUpdateWebhookMutation();
  const mutation = hook ? update : create;
  const urlRef = useRef<HTMLInputElement>(null);
  const id = useId();
  useEffect(() => urlRef.current?.focus(), []);
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setS((cur) => ({ ...cur, [k]: v }));
  const toggle = <T,>(list: T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  const problemErrors = mutation.error instanceof ApiError ? (mutation.error.problem?.errors ?? []) : [];
  const errorFor = (field: string) => problemErrors.filter((e) => fieldOf(e.path) === field).map((e) => e.message);
  const urlErrors = errorFor('url');
  const noEvents = !s.allEvents && s.events.length === 0;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!s.url.trim() || noEvents) return;
    const events: CreateWebhookBody['events'] = s.allEvents ? ['*'] : s.events;
    const filters = filtersOf(s);
    if (hook) {
      // Filters are always sent, so clearing them all in the form clears them on the server.
      update.mutate(
        {
          id: hook.id,
          body: { url: s.url.trim(), description: s.description, events, filters, enabled: s.enabled },
        },
        { onSuccess: onSaved },
      );
    } else {
      const body: CreateWebhookBody = { url: s.url.trim(), events };
      if (s.description.trim()) body.description = s.description.trim();
      if (filterCount(filters)) body.filters = filters;
      create.mutate(body, { onSuccess: onSaved });
    }
  };

  const check = (checked: boolean, label: ReactNode, onChange: () => void, hint?: string) => (
    <label
      className={cx(
        'flex cursor-pointer items-start gap-2 rounded-lg border p-2.5 text-sm',
        checked ? 'border-indigo-300 bg-indigo-50/50' : 'border-slate-200 hover:bg-slate-50',
      )}
    >
      <input type="checkbox" className="mt-0.5 size-4 accent-indigo-600" checked={checked} onChange={onChange} />
      <span className="min-w-0">
        <span className="block font-medium text-slate-900">{label}</span>
        {hint && <span className="block text-xs text-slate-500">{hint}</span>}
      </span>
    </label>
  );

  const chipGroup = <T extends string>(
    legend: string,
    values: readonly T[],
    labels: Record<T, string>,
    selected: T[],
    onChange: (v: T[]) => void,
  ) => (
    <fieldset>
      <legend className="text-xs font-medium text-slate-600">{legend}</legend>
      <div className="mt-1.5 flex flex-wrap gap-1.5">
        {values.map((v) => (
          <label
            key={v}
            className={cx(
              'inline-flex cursor-pointer items-center gap-1.5 rounded-full border px-2.5 py-1 text-xs font-medium has-focus-visible:ring-2 has-focus-visible:ring-indigo-500/40',
              selected.includes(v)
                ? 'border-indigo-300 bg-indigo-50 text-indigo-700'
                : 'border-slate-200 text-slate-600 hover:bg-slate-50',
            )}
          >
            <input
              type="checkbox"
              className="size-3.5 accent-indigo-600"
              checked={selected.includes(v)}
              onChange={() => onChange(toggle(selected, v))}
            />
            {labels[v]}
          </label>
        ))}
      </div>
    </fieldset>
  );

  const activeFilters = filterCount(filtersOf(s));

  return (
    <form onSubmit={submit} aria-label={hook ? 'Edit webhook endpoint' : 'Add webhook endpoint'} noValidate>
      <h2 className="text-base font-semibold text-slate-900">{hook ? 'Edit endpoint' : 'New endpoint'}</h2>
      <div className="mt-4 grid gap-5 md:grid-cols-2">
        <div>
          <label htmlFor={`${id}-url`} className="block text-sm font-medium text-slate-700">
            Endpoint URL
          </label>
          <input
            id={`${id}-url`}
            ref={urlRef}
            type="url"
            required
            maxLength={2048}
            value={s.url}
            onChange={(e) => set('url', e.target.value)}
            placeholder="https://example.com/hooks/switchboard"
            aria-invalid={urlErrors.length > 0 || undefined}
            aria-describedby={urlErrors.length ? `${id}-url-error` : `${id}-url-help`}
            className={cx(inputClass, 'font-mono')}
          />
          {urlErrors.length ? (
            <p id={`${id}-url-error`} className="mt-1 text-xs text-red-600">
              {urlErrors.join('; ')}
            </p>
          ) : (
            <p id={`${id}-url-help`} className="mt-1 text-xs text-slate-500">
              http(s); internal and private addresses are refused unless the operator allows them.
            </p>
          )}
        </div>
        <div>
          <label htmlFor={`${id}-desc`} className="block text-sm font-medium text-slate-700">
            Description <span className="font-normal text-slate-400">(optional)</span>
          </label>
          <input
            id={`${id}-desc`}
            maxLength={512}
            value={s.description}
            onChange={(e) => set('description', e.target.value)}
            placeholder="e.g. Page on-call when a phone session fails"
            className={inputClass}
          />
        </div>
      </div>

      <fieldset className="mt-5">
        <legend className="text-sm font-medium text-slate-700">Events</legend>
        <div className="mt-1.5 flex flex-wrap gap-4 text-sm">
          <label className="inline-flex cursor-pointer items-center gap-2">
            <input
              type="radio"
              name={`${id}-events`}
              className="size-4 accent-indigo-600"
              checked={s.allEvents}
              onChange={() => set('allEvents', true)}
            />
            All events <code className="rounded bg-slate-100 px-1 text-xs">*</code>
          </label>
          <label className="inline-flex cursor-pointer items-center gap-2">
            <input
              type="radio"
              name={`${id}-events`}
              className="size-4 accent-indigo-600"
              checked={!s.allEvents}
              onChange={() => set('allEvents', false)}
            />
            Only selected events
          </label>
        </div>
        {!s.allEvents && (
          <div className="mt-3 grid gap-2 sm:grid-cols-2 lg:grid-cols-5">
            {WEBHOOK_EVENT_TYPES.map((e) =>
              check(
                s.events.includes(e),
                <span className="font-mono text-xs">{e}</span>,
                () => set('events', toggle(s.events, e)),
                WEBHOOK_EVENT_HELP[e],
              ),
            )}
          </div>
        )}
        {noEvents && (
          <p className="mt-1.5 text-xs text-red-600" role="alert">
            Choose at least one event type.
          </p>
        )}
      </fieldset>

      <details className="group mt-5 rounded-lg border border-slate-200" open={activeFilters > 0}>
        <summary className="flex cursor-pointer items-center gap-2 rounded-lg px-3 py-2.5 text-sm font-medium text-slate-700 select-none hover:bg-slate-50">
          <ChevronRight
            className="size-4 text-slate-400 transition-transform group-open:rotate-90"
            aria-hidden="true"
          />
          Filters <span className="font-normal text-slate-400">(optional)</span>
          {activeFilters > 0 && (
            <span className="rounded-full bg-indigo-100 px-2 text-xs text-indigo-700">{activeFilters} active</span>
          )}
          <span className="ml-auto text-xs font-normal text-slate-500">
            Only events of sessions matching every filter are sent
          </span>
        </summary>
        <div className="grid gap-4 border-t border-slate-100 p-4 md:grid-cols-2">
          {chipGroup('Channel', CHANNELS, CHANNEL_LABELS, s.channel, (v) => set('channel', v))}
          {chipGroup('Status', STATUSES, STATUS_LABELS, s.status, (v) => set('status', v))}
          {chipGroup('Type', SESSION_TYPES, TYPE_LABELS, s.type, (v) => set('type', v))}
          <div>
            <label htmlFor={`${id}-agents`} className="block text-xs font-medium text-slate-600">
              Agent IDs <span className="font-normal text-slate-400">(comma-separated)</span>
            </label>
            <input
              id={`${id}-agents`}
              value={s.agentIds}
              onChange={(e) => set('agentIds', e.target.value)}
              placeholder="support-bot, sales-assistant"
              className={cx(inputClass, 'font-mono')}
            />
          </div>
          <div>
            <label htmlFor={`${id}-search`} className="block text-xs font-medium text-slate-600">
              Search
            </label>
            <input
              id={`${id}-search`}
              maxLength={256}
              value={s.search}
              onChange={(e) => set('search', e.target.value)}
              placeholder="Session id prefix, agent, metadata…"
              className={inputClass}
            />
          </div>
          <fieldset>
            <legend className="text-xs font-medium text-slate-600">Metadata (exact match)</legend>
            <div className="mt-1.5 space-y-2">
              {s.metadata.map((m, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
                <div key={i} className="flex items-center gap-2">
                  <input
                    aria-label={`Metadata key ${i + 1}`}
                    value={m.key}
                    onChange={(e) =>
                      set(
                        'metadata',
                        s.metadata.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)),
                      )
                    }
                    placeholder="key"
                    className={cx(inputClass, 'mt-0 font-mono')}
                  />
                  <span className="text-slate-400">=</span>
                  <input
                    aria-label={`Metadata value ${i + 1}`}
                    value={m.value}
                    onChange={(e) =>
                      set(
                        'metadata',
                        s.metadata.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)),
                      )
                    }
                    placeholder="value"
                    className={cx(inputClass, 'mt-0')}
                  />
                  <Button
                    size="icon"
                    variant="ghost"
                    aria-label={`Remove metadata filter ${i + 1}`}
                    onClick={() =>
                      set(
                        'metadata',
                        s.metadata.filter((_, j) => j !== i),
                      )
                    }
                  >
                    <X className="size-4" aria-hidden="true" />
                  </Button>
                </div>
              ))}
              <Button
                size="sm"
                variant="ghost"
                onClick={() => set('metadata', [...s.metadata, { key: '', value: '' }])}
                disabled={s.metadata.length >= 16}
              >
                <Plus className="size-3.5" aria-hidden="true" />
                Add metadata filter
              </Button>
            </div>
          </fieldset>
        </div>
      </details>

      {hook && (
        <label className="mt-5 inline-flex cursor-pointer items-center gap-2 text-sm font-medium text-slate-700">
          <input
            type="checkbox"
            className="size-4 accent-indigo-600"
            checked={s.enabled}
            onChange={(e) => set('enabled', e.target.checked)}
          />
          Enabled
          {hook.disabledReason && !hook.enabled && (
            <span className="font-normal text-slate-500">(disabled by Switchboard: {hook.disabledReason})</span>
          )}
        </label>
      )}

      {mutation.error && (
        <ProblemAlert title={hook ? 'Could not save' : 'Could not add the endpoint'} error={mutation.error} />
      )}
      <div className="mt-5 flex justify-end gap-2">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" disabled={mutation.isPending || !s.url.trim() || noEvents}>
          {mutation.isPending ? 'Saving…' : hook ? 'Save changes' : 'Add endpoint'}
        </Button>
      </div>
    </form>
  );
}

/** The message and every field error of a problem document. */
function ProblemAlert({ title, error }: { title: string; error: Error }) {
  const errors = error instanceof ApiError ? (error.problem?.errors ?? []) : [];
  const forbidden = isForbidden(error);
  return (
    <div role="alert" className="mt-4 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm">
      <p className="flex items-center gap-2 font-medium text-red-800">
        <AlertTriangle className="size-4 shrink-0 text-red-500" aria-hidden="true" />
        {title}
      </p>
      <p className="mt-0.5 text-red-700">{forbidden ? 'This needs a key with the admin scope.' : error.message}</p>
      {errors.length > 0 && (
        <ul className="mt-1.5 list-disc space-y-0.5 pl-9 text-red-700" data-testid="field-errors">
          {errors.map((e) => (
            <li key={`${e.path}:${e.message}`}>
              <code className="font-mono text-xs">{e.path.replace(/^\/?(body\/)?/, '') || 'body'}</code> {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

// ─── One endpoint: actions and delivery log ──────────────────────────────────────────────────

function EndpointDetail({
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
  const filters = hook.filters ?? {};

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
                  <FilterSummary filters={filters} />
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
            <Button
              variant="ghost"
              className="text-red-600 hover:bg-red-50 hover:text-red-700"
              onClick={() => setConfirm('delete')}
            >
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
        {error && <ProblemAlert title="That did not work" error={error} />}
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
        <span key={p} className="rounded-md border border-slate-200 bg-slate-50 px-1.5 py-0.5 text-xs">
          {p}
        </span>
      ))}
    </span>
  );
}

function useModal(onClose: () => void) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return { ref, props: { ref, onClose } as const, close: () => ref.current?.close() };
}

const dialogClass = 'm-auto w-full max-w-md rounded-xl border border-slate-200 p-0 shadow-xl backdrop:bg-slate-900/40';

function DeleteDialog({ hook, onClose, onDeleted }: { hook: Webhook; onClose: () => void; onDeleted: () => void }) {
  const modal = useModal(onClose);
  const del = useDeleteWebhookMutation();
  return (
    <dialog {...modal.props} aria-labelledby="delete-hook-title" className={dialogClass}>
      <div className="p-6">
        <h2 id="delete-hook-title" className="text-lg font-semibold text-slate-900">
          Delete this endpoint?
        </h2>
        <p className="mt-2 text-sm break-all text-slate-600">
          Nothing more is sent to <span className="font-mono">{hook.url}</span>, and its delivery log is deleted with
          it. This cannot be undone.
        </p>
        {del.error && <ProblemAlert title="Could not delete" error={del.error} />}
      </div>
      <div className="flex justify-end gap-2 border-t border-slate-100 bg-slate-50 px-6 py-3">
        <Button onClick={modal.close}>Cancel</Button>
        <Button
          variant="danger"
          disabled={del.isPending}
          onClick={() =>
            del.mutate(hook.id, {
              onSuccess: () => {
                modal.close();
                onDeleted();
              },
            })
          }
        >
          {del.isPending ? 'Deleting…' : 'Delete endpoint'}
        </Button>
      </div>
    </dialog>
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
  const modal = useModal(onClose);
  const rotate = useRotateSecretMutation();
  return (
    <dialog {...modal.props} aria-labelledby="rotate-title" className={dialogClass}>
      <div className="p-6">
        <h2 id="rotate-title" className="text-lg font-semibold text-slate-900">
          Rotate the signing secret?
        </h2>
        <p className="mt-2 text-sm text-slate-600">
          A new secret is generated and shown once. The current one keeps signing deliveries for another 24 hours (each
          delivery carries both signatures meanwhile), so update your receiver within that time.
        </p>
        {rotate.error && <ProblemAlert title="Could not rotate" error={rotate.error} />}
      </div>
      <div className="flex justify-end gap-2 border-t border-slate-100 bg-slate-50 px-6 py-3">
        <Button onClick={modal.close}>Cancel</Button>
        <Button
          variant="primary"
          disabled={rotate.isPending}
          onClick={() =>
            rotate.mutate(hook.id, {
              onSuccess: (h) => {
                modal.close();
                onRotated(h);
              },
            })
          }
        >
          {rotate.isPending ? 'Rotating…' : 'Rotate secret'}
        </Button>
      </div>
    </dialog>
  );
}

// ─── Delivery log ────────────────────────────────────────────────────────────────────────────

const DELIVERY_STYLE: Record<WebhookDeliveryStatus, { label: string; className: string }> = {
  pending: { label: 'Pending', className: 'border-amber-200 bg-amber-50 text-amber-800' },
  succeeded: { label: 'Succeeded', className: 'border-green-200 bg-green-50 text-green-700' },
  failed: { label: 'Failed', className: 'border-red-200 bg-red-50 text-red-700' },
};

function DeliveryBadge({ status }: { status: WebhookDeliveryStatus }) {
  const s = DELIVERY_STYLE[status];
  return (
    <span
      data-delivery-status={status}
      className={cx('inline-flex rounded-full border px-2.5 py-0.5 text-xs font-medium whitespace-nowrap', s.className)}
    >
      {s.label}
    </span>
  );
}

function ResponseCode({ code }: { code: number | null }) {
  if (code === null) return <span className="text-slate-400">—</span>;
  const ok = code >= 200 && code < 300;
  return <span className={cx('font-mono text-xs font-medium', ok ? 'text-green-700' : 'text-red-600')}>{code}</span>;
}

function DeliveryLog({ hook }: { hook: Webhook }) {
  const [status, setStatus] = useState<WebhookDeliveryStatus | ''>('');
  // The cursors of the pages before the current one; the log is newest first, so page 1 has none.
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const [pending, setPending] = useState(false);
  // Pending deliveries change within seconds: follow them until they settle.
  const query = useDeliveriesQuery(
    hook.id,
    { status: status || undefined, cursor },
    { refetchInterval: pending ? 2_000 : 15_000 },
  );
  useEffect(() => {
    setPending(!!query.data?.data.some((d) => d.status === 'pending'));
  }, [query.data]);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const retry = useRetryDeliveryMutation();
  const page = cursors.length;
  const total = query.data?.pagination.total ?? 0;
  const from = (page - 1) * DELIVERY_PAGE_SIZE + 1;
  const shown = query.data?.data.length ?? 0;
  const selectId = useId();

  const changeStatus = (v: WebhookDeliveryStatus | '') => {
    setStatus(v);
    setCursors([undefined]);
  };

  return (
    <Card className="mt-6 overflow-hidden" aria-busy={query.isFetching || undefined}>
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 px-5 py-3.5">
        <h3 className="text-sm font-semibold text-slate-900">Delivery log</h3>
        <div className="flex items-center gap-2">
          <label htmlFor={selectId} className="text-sm text-slate-600">
            Status
          </label>
          <select
            id={selectId}
            value={status}
            onChange={(e) => changeStatus(e.target.value as WebhookDeliveryStatus | '')}
            className="h-8 rounded-lg border border-slate-300 bg-white px-2 text-sm focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none"
          >
            <option value="">All</option>
            {DELIVERY_STATUSES.map((s) => (
              <option key={s} value={s}>
                {DELIVERY_STYLE[s].label}
              </option>
            ))}
          </select>
          <Button size="sm" onClick={() => query.refetch()} aria-label="Refresh delivery log">
            <RotateCcw className={cx('size-3.5', query.isFetching && 'animate-spin')} aria-hidden="true" />
            Refresh
          </Button>
        </div>
      </div>
      {retry.error && (
        <div className="px-5">
          <ProblemAlert title="Could not retry" error={retry.error} />
        </div>
      )}
      {query.isPending ? (
        <Spinner label="Loading deliveries..." className="py-12" />
      ) : query.isError ? (
        <div className="p-5">
          <ErrorAlert title="Could not load deliveries" message={query.error.message} />
        </div>
      ) : query.data.data.length === 0 ? (
        <p className="px-5 py-10 text-center text-sm text-slate-500" data-testid="deliveries-empty">
          {status ? `No ${DELIVERY_STYLE[status].label.toLowerCase()} deliveries.` : 'No deliveries yet.'} Send a test
          event to check the endpoint.
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className={cx('w-full text-sm', query.isPlaceholderData && 'opacity-60')}>
            <caption className="sr-only">Deliveries to {hook.url}, newest first</caption>
            <thead className="border-b border-slate-200 bg-slate-50/80">
              <tr>
                <th scope="col" className={cx(th, 'w-10')}>
                  <span className="sr-only">Attempt log</span>
                </th>
                <th scope="col" className={th}>
                  Event
                </th>
                <th scope="col" className={th}>
                  Status
                </th>
                <th scope="col" className={cx(th, 'text-right')}>
                  Attempts
                </th>
                <th scope="col" className={th}>
                  Response
                </th>
                <th scope="col" className={cx(th, 'text-right')}>
                  Latency
                </th>
                <th scope="col" className={th}>
                  Error
                </th>
                <th scope="col" className={th}>
                  Next attempt
                </th>
                <th scope="col" className={th}>
                  Created
                </th>
                <th scope="col" className={th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {query.data.data.map((d) => (
                <DeliveryRows
                  key={d.id}
                  d={d}
                  expanded={open.has(d.id)}
                  onToggle={() =>
                    setOpen((cur) => {
                      const next = new Set(cur);
                      if (next.has(d.id)) next.delete(d.id);
                      else next.add(d.id);
                      return next;
                    })
                  }
                  retrying={retry.isPending && retry.variables?.deliveryId === d.id}
                  onRetry={() => retry.mutate({ webhookId: hook.id, deliveryId: d.id })}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {query.data && total > 0 && (
        <div className="flex items-center justify-between border-t border-slate-200 px-5 py-3 text-sm text-slate-600">
          <p data-testid="deliveries-summary">
            {shown ? `${number.format(from)}–${number.format(from + shown - 1)}` : '0'} of {number.format(total)}{' '}
            deliveries
          </p>
          <div className="flex gap-2">
            <Button size="sm" disabled={page === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
              <ChevronLeft className="size-3.5" aria-hidden="true" />
              Newer
            </Button>
            <Button
              size="sm"
              disabled={!query.data.pagination.nextCursor || query.isPlaceholderData}
              onClick={() => {
                const next = query.data.pagination.nextCursor;
                if (next) setCursors((c) => [...c, next]);
              }}
            >
              Older
              <ChevronRight className="size-3.5" aria-hidden="true" />
            </Button>
          </div>
        </div>
      )}
    </Card>
  );
}

function DeliveryRows({
  d,
  expanded,
  onToggle,
  retrying,
  onRetry,
}: {
  d: WebhookDelivery;
  expanded: boolean;
  onToggle: () => void;
  retrying: boolean;
  onRetry: () => void;
}) {
  const last = d.attemptLog.at(-1);
  const td = 'px-5 py-2.5 align-top';
  const logId = `attempts-${d.id}`;
  return (
    <>
      <tr data-delivery-id={d.id} className={cx(expanded && 'bg-slate-50/60')}>
        <td className={cx(td, 'pr-0')}>
          <Button
            size="icon"
            variant="ghost"
            className="size-7"
            aria-expanded={expanded}
            aria-controls={logId}
            aria-label={`Attempt log of event ${d.eventId}`}
            onClick={onToggle}
            disabled={d.attemptLog.length === 0}
          >
            {expanded ? (
              <ChevronUp className="size-4" aria-hidden="true" />
            ) : (
              <ChevronDown className="size-4" aria-hidden="true" />
            )}
          </Button>
        </td>
        <td className={td}>
          <span className="block font-mono text-xs font-medium text-slate-900">{d.eventType}</span>
          <span className="block font-mono text-[11px] text-slate-500" title="webhook-id">
            {d.eventId}
          </span>
        </td>
        <td className={td}>
          <DeliveryBadge status={d.status} />
        </td>
        <td className={cx(td, 'text-right tabular-nums')}>{d.attempts}</td>
        <td className={td}>
          <ResponseCode code={d.lastResponseStatus} />
        </td>
        <td className={cx(td, 'text-right whitespace-nowrap tabular-nums text-slate-600')}>
          {last ? `${number.format(last.latencyMs)} ms` : <span className="text-slate-400">—</span>}
        </td>
        <td className={cx(td, 'max-w-[260px] min-w-[120px]')}>
          {d.lastError ? (
            <span className="line-clamp-2 text-xs break-words text-red-600" title={d.lastError}>
              {d.lastError}
            </span>
          ) : (
            <span className="text-slate-400">—</span>
          )}
        </td>
        <td className={cx(td, 'whitespace-nowrap text-slate-600')}>
          {d.nextAttemptAt && d.status === 'pending' ? (
            <span title={dateTime(d.nextAttemptAt)}>
              <RelativeTime iso={d.nextAttemptAt} />
            </span>
          ) : (
            <span className="text-slate-400">—</span>
          )}
        </td>
        <td className={cx(td, 'whitespace-nowrap text-slate-600')} title={dateTime(d.createdAt)}>
          <RelativeTime iso={d.createdAt} />
        </td>
        <td className={cx(td, 'text-right')}>
          {d.status !== 'succeeded' && (
            <Button size="sm" onClick={onRetry} disabled={retrying} aria-label={`Retry event ${d.eventId}`}>
              <RotateCcw className="size-3.5" aria-hidden="true" />
              {retrying ? 'Retrying…' : 'Retry'}
            </Button>
          )}
        </td>
      </tr>
      {expanded && (
        <tr id={logId} className="bg-slate-50/60">
          <td />
          <td colSpan={9} className="px-5 pb-4">
            <ol
              className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white text-xs"
              aria-label={`Attempts of event ${d.eventId}`}
            >
              {d.attemptLog.map((a) => (
                <li key={a.attempt} className="grid grid-cols-[90px_200px_80px_90px_minmax(0,1fr)] gap-3 px-3 py-2">
                  <span className="font-medium text-slate-700">Attempt {a.attempt}</span>
                  <span className="text-slate-600">{dateTime(a.at)}</span>
                  <ResponseCode code={a.responseStatus} />
                  <span className="text-slate-600 tabular-nums">{number.format(a.latencyMs)} ms</span>
                  <span className="break-words text-red-600">{a.error ?? ''}</span>
                </li>
              ))}
            </ol>
          </td>
        </tr>
      )}
    </>
  );
}
