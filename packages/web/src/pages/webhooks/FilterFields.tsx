import { ChevronRight, Plus, X } from 'lucide-react';
import { Button, Field, Fieldset, Input, ToggleChip } from '../../components/ui';
import { CHANNEL_LABELS, CHANNELS, SESSION_TYPES, STATUS_LABELS, STATUSES, TYPE_LABELS } from '../../lib/vocab';
import { type FormState, filterCount, filtersOf, toggle } from './formState';

/** The API's bound on metadata filters per endpoint. */
const MAX_METADATA_FILTERS = 16;

type SetField = <K extends keyof FormState>(k: K, v: FormState[K]) => void;

/** The endpoint's optional session filters, folded away unless some are set. */
export function FilterFields({ state: s, set }: { state: FormState; set: SetField }) {
  const active = filterCount(filtersOf(s));
  const setRow = (i: number, patch: Partial<FormState['metadata'][number]>) =>
    set(
      'metadata',
      s.metadata.map((x, j) => (j === i ? { ...x, ...patch } : x)),
    );

  return (
    <details className="group mt-5 rounded-lg border border-slate-200" open={active > 0}>
      <summary className="flex cursor-pointer items-center gap-2 rounded-lg px-3 py-2.5 text-sm font-medium text-slate-700 select-none hover:bg-slate-50">
        <ChevronRight className="size-4 text-slate-400 transition-transform group-open:rotate-90" aria-hidden="true" />
        Filters <span className="font-normal text-slate-400">(optional)</span>
        {active > 0 && <span className="rounded-full bg-indigo-100 px-2 text-xs text-indigo-700">{active} active</span>}
        <span className="ml-auto text-xs font-normal text-slate-500">
          Only events of sessions matching every filter are sent
        </span>
      </summary>
      <div className="grid gap-4 border-t border-slate-100 p-4 md:grid-cols-2">
        <ChipGroup
          legend="Channel"
          values={CHANNELS}
          labels={CHANNEL_LABELS}
          selected={s.channel}
          onChange={(v) => set('channel', v)}
        />
        <ChipGroup
          legend="Status"
          values={STATUSES}
          labels={STATUS_LABELS}
          selected={s.status}
          onChange={(v) => set('status', v)}
        />
        <ChipGroup
          legend="Type"
          values={SESSION_TYPES}
          labels={TYPE_LABELS}
          selected={s.type}
          onChange={(v) => set('type', v)}
        />
        <Field label="Agent IDs" note="comma-separated" size="sm">
          <Input
            value={s.agentIds}
            onChange={(e) => set('agentIds', e.target.value)}
            placeholder="support-bot, sales-assistant"
            className="font-mono"
          />
        </Field>
        <Field label="Search" size="sm">
          <Input
            maxLength={256}
            value={s.search}
            onChange={(e) => set('search', e.target.value)}
            placeholder="Session id prefix, agent, metadata…"
          />
        </Field>
        <Fieldset legend="Metadata (exact match)" size="sm">
          <div className="mt-1.5 space-y-2">
            {s.metadata.map((m, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
              <div key={i} className="flex items-center gap-2">
                <Input
                  aria-label={`Metadata key ${i + 1}`}
                  value={m.key}
                  onChange={(e) => setRow(i, { key: e.target.value })}
                  placeholder="key"
                  className="font-mono"
                />
                <span className="text-slate-400">=</span>
                <Input
                  aria-label={`Metadata value ${i + 1}`}
                  value={m.value}
                  onChange={(e) => setRow(i, { value: e.target.value })}
                  placeholder="value"
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
              disabled={s.metadata.length >= MAX_METADATA_FILTERS}
            >
              <Plus className="size-3.5" aria-hidden="true" />
              Add metadata filter
            </Button>
          </div>
        </Fieldset>
      </div>
    </details>
  );
}

function ChipGroup<T extends string>({
  legend,
  values,
  labels,
  selected,
  onChange,
}: {
  legend: string;
  values: readonly T[];
  labels: Record<T, string>;
  selected: T[];
  onChange: (v: T[]) => void;
}) {
  return (
    <Fieldset legend={legend} size="sm">
      <div className="mt-1.5 flex flex-wrap gap-1.5">
        {values.map((v) => (
          <ToggleChip key={v} checked={selected.includes(v)} onChange={() => onChange(toggle(selected, v))}>
            {labels[v]}
          </ToggleChip>
        ))}
      </div>
    </Fieldset>
  );
}
