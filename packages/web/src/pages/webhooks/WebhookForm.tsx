import type { CreateWebhookBody, Webhook, WebhookWithSecret } from '@switchboard/client';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { LIMITS } from '@switchboard/contracts';
import { ApiError } from '../../api/client';
import { useCreateWebhookMutation, useUpdateWebhookMutation } from '../../api/queries';
import { fieldPath, ProblemAlert } from '../../components/ProblemAlert';
import { Button, Checkbox, Field, Fieldset, Input, OptionCard, Radio } from '../../components/ui';
import { OUTBOX_EVENT_TYPES, WEBHOOK_EVENT_HELP } from '../../lib/vocab';
import { FilterFields } from './FilterFields';
import { type FormState, filterCount, filtersOf, initialState, toggle } from './formState';

/** Create an endpoint, or edit one (`hook`): URL, events, filters, and on edit whether it is enabled. */
export function WebhookForm({
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
  useEffect(() => urlRef.current?.focus(), []);
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setS((cur) => ({ ...cur, [k]: v }));

  const problemErrors = mutation.error instanceof ApiError ? (mutation.error.problem?.errors ?? []) : [];
  const urlErrors = problemErrors.filter((e) => fieldPath(e.path).split('/')[0] === 'url').map((e) => e.message);
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

  return (
    <form onSubmit={submit} aria-label={hook ? 'Edit webhook endpoint' : 'Add webhook endpoint'} noValidate>
      <h2 className="text-base font-semibold text-slate-900">{hook ? 'Edit endpoint' : 'New endpoint'}</h2>
      <div className="mt-4 grid gap-5 md:grid-cols-2">
        <Field
          label="Endpoint URL"
          error={urlErrors.length ? urlErrors.join('; ') : undefined}
          hint="http(s); internal and private addresses are refused unless the operator allows them."
        >
          <Input
            ref={urlRef}
            type="url"
            required
            maxLength={LIMITS.webhookUrlLength}
            value={s.url}
            onChange={(e) => set('url', e.target.value)}
            placeholder="https://example.com/hooks/switchboard"
            className="font-mono"
          />
        </Field>
        <Field label="Description" note="optional">
          <Input
            maxLength={LIMITS.webhookDescriptionLength}
            value={s.description}
            onChange={(e) => set('description', e.target.value)}
            placeholder="e.g. Page on-call when a phone session fails"
          />
        </Field>
      </div>

      <Fieldset legend="Events" className="mt-5">
        <div className="mt-1.5 flex flex-wrap gap-4 text-sm">
          <label className="inline-flex cursor-pointer items-center gap-2">
            <Radio name="events" checked={s.allEvents} onChange={() => set('allEvents', true)} />
            All events <code className="rounded bg-slate-100 px-1 text-xs">*</code>
          </label>
          <label className="inline-flex cursor-pointer items-center gap-2">
            <Radio name="events" checked={!s.allEvents} onChange={() => set('allEvents', false)} />
            Only selected events
          </label>
        </div>
        {!s.allEvents && (
          <div className="mt-3 grid gap-2 sm:grid-cols-2 lg:grid-cols-5">
            {OUTBOX_EVENT_TYPES.map((e) => (
              <OptionCard
                key={e}
                checked={s.events.includes(e)}
                onChange={() => set('events', toggle(s.events, e))}
                label={<span className="font-mono text-xs">{e}</span>}
                hint={WEBHOOK_EVENT_HELP[e]}
              />
            ))}
          </div>
        )}
        {noEvents && (
          <p className="mt-1.5 text-xs text-red-600" role="alert">
            Choose at least one event type.
          </p>
        )}
      </Fieldset>

      <FilterFields state={s} set={set} />

      {hook && (
        <label className="mt-5 inline-flex cursor-pointer items-center gap-2 text-sm font-medium text-slate-700">
          <Checkbox checked={s.enabled} onChange={(e) => set('enabled', e.target.checked)} />
          Enabled
          {hook.disabledReason && !hook.enabled && (
            <span className="font-normal text-slate-500">(disabled by Switchboard: {hook.disabledReason})</span>
          )}
        </label>
      )}

      {mutation.error && (
        <ProblemAlert
          className="mt-4"
          title={hook ? 'Could not save' : 'Could not add the endpoint'}
          error={mutation.error}
        />
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
