/**
 * Filters on the session figures: "has errors", "has handoffs", "first response slower than N s",
 * "cost above $X". Each is one of the API's range parameters (`errors[gte]=1`,
 * `firstResponseMs[gt]=3000`…), kept in the URL under that name like every other filter.
 */
import type { RangeField, RangeOp, RangeParam } from '@switchboard/contracts';
import { SlidersHorizontal } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import type { RangeFilterValues } from '../lib/filters';
import { ms, number, seconds, usd } from '../lib/format';
import { Popover } from './Popover';
import { Button, Checkbox, cx, Field, Input } from './ui';

const HAS_ERRORS = 'errors[gte]' satisfies RangeParam;
const HAS_HANDOFFS = 'handoffs[gte]' satisfies RangeParam;
const SLOWER_THAN = 'firstResponseMs[gt]' satisfies RangeParam;
const COST_ABOVE = 'costUsd[gt]' satisfies RangeParam;

const FIELD_LABELS: Record<RangeField, string> = {
  durationSeconds: 'Duration',
  messageCount: 'Messages',
  turns: 'Turns',
  firstResponseMs: 'First response',
  avgResponseMs: 'Avg response',
  maxResponseMs: 'Slowest response',
  handoffs: 'Handoffs',
  errors: 'Errors',
  interruptions: 'Interruptions',
  costUsd: 'Cost',
  inputTokens: 'Input tokens',
  outputTokens: 'Output tokens',
};
const OP_SYMBOLS: Record<RangeOp, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤' };

function valueText(field: RangeField, v: number): string {
  if (field === 'firstResponseMs' || field === 'avgResponseMs' || field === 'maxResponseMs') return ms(v);
  if (field === 'costUsd') return usd(v);
  if (field === 'durationSeconds') return seconds(v);
  return number.format(v);
}

/** The words of one range filter's badge: "Has errors", "First response > 3.0 s", "Turns ≥ 3". */
export function rangeLabel(param: RangeParam, v: number): string {
  if (param === HAS_ERRORS && v === 1) return 'Has errors';
  if (param === HAS_HANDOFFS && v === 1) return 'Has handoffs';
  const [, field, op] = /^(\w+)\[(\w+)\]$/.exec(param) as unknown as [string, RangeField, RangeOp];
  return `${FIELD_LABELS[field]} ${OP_SYMBOLS[op]} ${valueText(field, v)}`;
}

/** Text of a number field → a number, or undefined for blank and nonsense. */
function parsePositive(text: string): number | undefined {
  const v = Number(text.replace(',', '.'));
  return text.trim() !== '' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

export function RangeFilterPopover({
  ranges,
  onChange,
}: {
  ranges: RangeFilterValues;
  onChange: (next: RangeFilterValues) => void;
}) {
  const count = Object.keys(ranges).length;
  return (
    <Popover
      label="More filters"
      className="w-72 p-4"
      buttonClassName={cx(
        'inline-flex h-9 items-center gap-1.5 rounded-lg border bg-white px-3 text-sm shadow-xs transition-colors hover:bg-slate-50',
        count ? 'border-indigo-300 font-medium text-indigo-700' : 'border-slate-300 text-slate-700',
      )}
      trigger={
        <>
          <SlidersHorizontal className="size-4 text-slate-400" aria-hidden="true" />
          More
          {count > 0 && (
            <span className="rounded-full bg-indigo-600 px-1.5 text-[11px] leading-4 font-semibold text-white tabular-nums">
              {count}
            </span>
          )}
        </>
      }
    >
      {(close) => (
        <RangeForm
          ranges={ranges}
          onApply={(next) => {
            onChange(next);
            close();
          }}
        />
      )}
    </Popover>
  );
}

function RangeForm({ ranges, onApply }: { ranges: RangeFilterValues; onApply: (next: RangeFilterValues) => void }) {
  const [errors, setErrors] = useState(ranges[HAS_ERRORS] === 1);
  const [handoffs, setHandoffs] = useState(ranges[HAS_HANDOFFS] === 1);
  const slow = ranges[SLOWER_THAN];
  const [slowerThan, setSlowerThan] = useState(slow === undefined ? '' : String(slow / 1000));
  const [costAbove, setCostAbove] = useState(ranges[COST_ABOVE] === undefined ? '' : String(ranges[COST_ABOVE]));
  const slowS = parsePositive(slowerThan);
  const cost = parsePositive(costAbove);
  const slowBad = slowerThan.trim() !== '' && slowS === undefined;
  const costBad = costAbove.trim() !== '' && cost === undefined;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (slowBad || costBad) return;
    // Range filters this form does not show (a hand-written `turns[gte]=3`) are kept.
    const next: RangeFilterValues = { ...ranges };
    const set = (k: RangeParam, v: number | undefined) => {
      if (v === undefined) delete next[k];
      else next[k] = v;
    };
    set(HAS_ERRORS, errors ? 1 : ranges[HAS_ERRORS] === 1 ? undefined : ranges[HAS_ERRORS]);
    set(HAS_HANDOFFS, handoffs ? 1 : ranges[HAS_HANDOFFS] === 1 ? undefined : ranges[HAS_HANDOFFS]);
    set(SLOWER_THAN, slowS === undefined ? undefined : Math.round(slowS * 1000));
    set(COST_ABOVE, cost);
    onApply(next);
  };

  return (
    <form onSubmit={submit} className="space-y-3" aria-label="Filter by session figures">
      <div className="space-y-1.5">
        <label className="flex cursor-pointer items-center gap-2.5 text-sm text-slate-700">
          <Checkbox checked={errors} onChange={() => setErrors(!errors)} />
          Has errors
        </label>
        <label className="flex cursor-pointer items-center gap-2.5 text-sm text-slate-700">
          <Checkbox checked={handoffs} onChange={() => setHandoffs(!handoffs)} />
          Has handoffs
        </label>
      </div>
      <Field label="First response slower than" size="sm" error={slowBad ? 'A number of seconds, e.g. 3' : undefined}>
        <div className="flex items-center gap-2">
          <Input
            size="sm"
            inputMode="decimal"
            placeholder="e.g. 3"
            value={slowerThan}
            onChange={(e) => setSlowerThan(e.target.value)}
          />
          <span className="text-sm text-slate-500">s</span>
        </div>
      </Field>
      <Field label="Cost above" size="sm" error={costBad ? 'An amount in dollars, e.g. 0.50' : undefined}>
        <div className="flex items-center gap-2">
          <span className="text-sm text-slate-500">$</span>
          <Input
            size="sm"
            inputMode="decimal"
            placeholder="e.g. 0.50"
            value={costAbove}
            onChange={(e) => setCostAbove(e.target.value)}
          />
        </div>
      </Field>
      <div className="flex justify-end gap-2 border-t border-slate-100 pt-3">
        <Button
          size="sm"
          variant="ghost"
          onClick={() => {
            const next: RangeFilterValues = { ...ranges };
            for (const k of [HAS_ERRORS, HAS_HANDOFFS, SLOWER_THAN, COST_ABOVE] as const) delete next[k];
            onApply(next);
          }}
        >
          Clear
        </Button>
        <Button size="sm" variant="primary" type="submit" disabled={slowBad || costBad}>
          Apply
        </Button>
      </div>
    </form>
  );
}
