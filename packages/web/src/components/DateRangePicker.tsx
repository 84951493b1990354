import { format, isValid, parse, subDays } from 'date-fns';
import { ArrowRight, CalendarDays } from 'lucide-react';
import { useState } from 'react';
import { type DateRange, DayPicker } from 'react-day-picker';
import 'react-day-picker/style.css';
import { inZone } from '../lib/timeZone';
import { useMediaQuery } from '../lib/useMediaQuery';
import { Popover } from './Popover';
import { Button, cx } from './ui';

const ISO = 'yyyy-MM-dd';
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
/** A bound of a recent-time preset: an exact instant, not a day. */
const isInstant = (s: string) => s !== '' && !DAY_RE.test(s);
const toDate = (s: string): Date | undefined => {
  if (!s) return undefined;
  const d = isInstant(s) ? new Date(s) : parse(s, ISO, new Date());
  return isValid(d) ? d : undefined;
};
const toIso = (d: Date | undefined) => (d ? format(d, ISO) : '');
const label = (s: string) => {
  const d = toDate(s);
  if (!d) return '';
  if (isInstant(s)) return format(inZone(d.getTime()), 'MMM d, HH:mm');
  return format(d, d.getFullYear() === new Date().getFullYear() ? 'MMM d' : 'MMM d, yyyy');
};

/** The active-filter badge of a range: "Date: 2026-11-02 → 2026-11-05", "Since Dec 3, 14:05". */
export function dateBadge(from: string, to: string): string {
  if (isInstant(from) && !to) return `Since ${label(from)}`;
  const show = (s: string) => (isInstant(s) ? label(s) : s);
  if (from && to) return from === to ? `Date: ${show(from)}` : `Date: ${show(from)} → ${show(to)}`;
  return from ? `From: ${show(from)}` : `Until: ${show(to)}`;
}

/** An instant as the API takes it, to the second: `2026-12-03T14:05:00Z`. */
const instant = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The last minutes, from now on (the list keeps taking new sessions: no end is set). */
const RECENT: Array<{ label: string; minutes: number }> = [
  { label: 'Last 15 minutes', minutes: 15 },
  { label: 'Last hour', minutes: 60 },
];

const PRESETS: Array<{ label: string; days: number }> = [
  { label: 'Today', days: 0 },
  { label: 'Last 7 days', days: 6 },
  { label: 'Last 30 days', days: 29 },
  { label: 'Last 90 days', days: 89 },
];

/** Start and end day (both inclusive) as YYYY-MM-DD; the server includes the whole `to` day. */
export function DateRangePicker({
  from,
  to,
  onChange,
}: {
  from: string;
  to: string;
  onChange: (range: { from: string; to: string }) => void;
}) {
  const [draft, setDraft] = useState<DateRange | undefined>();
  const selected: DateRange | undefined =
    draft ??
    (from || to ? { from: toDate(from), to: toDate(to) ?? (isInstant(from) ? new Date() : undefined) } : undefined);
  const set = !!(from || to);
  // Two months side by side do not fit a phone.
  const wide = useMediaQuery('(min-width: 640px)');

  return (
    <Popover
      label="Date range"
      className="w-max p-3"
      buttonClassName={cx(
        'inline-flex h-9 items-center gap-2 rounded-lg border bg-white px-3 text-sm shadow-xs transition-colors hover:bg-slate-50',
        set ? 'border-indigo-300' : 'border-slate-300',
      )}
      trigger={
        <>
          <CalendarDays className="size-4 text-slate-400" aria-hidden="true" />
          <span className={from ? 'font-medium text-slate-900' : 'text-slate-500'}>{label(from) || 'Start date'}</span>
          <ArrowRight className="size-3.5 text-slate-300" aria-hidden="true" />
          <CalendarDays className="size-4 text-slate-400" aria-hidden="true" />
          <span className={to ? 'font-medium text-slate-900' : 'text-slate-500'}>{label(to) || 'End date'}</span>
        </>
      }
    >
      {(close) => (
        <div className="flex flex-col gap-3 sm:flex-row">
          <div className="flex shrink-0 flex-wrap gap-0.5 border-b border-slate-100 pb-2 sm:w-36 sm:flex-col sm:flex-nowrap sm:border-r sm:border-b-0 sm:pr-3 sm:pb-0">
            <p className="w-full px-2 pb-1 text-[11px] font-semibold tracking-wider whitespace-nowrap text-slate-500 uppercase">
              Quick ranges
            </p>
            {RECENT.map((p) => (
              <button
                key={p.label}
                type="button"
                className="rounded-md px-2 py-1.5 text-left text-sm whitespace-nowrap text-slate-700 hover:bg-slate-100"
                onClick={() => {
                  onChange({ from: instant(Date.now() - p.minutes * 60_000), to: '' });
                  setDraft(undefined);
                  close();
                }}
              >
                {p.label}
              </button>
            ))}
            {PRESETS.map((p) => (
              <button
                key={p.label}
                type="button"
                className="rounded-md px-2 py-1.5 text-left text-sm whitespace-nowrap text-slate-700 hover:bg-slate-100"
                onClick={() => {
                  const today = new Date();
                  onChange({ from: toIso(subDays(today, p.days)), to: toIso(today) });
                  setDraft(undefined);
                  close();
                }}
              >
                {p.label}
              </button>
            ))}
          </div>
          <div>
            <DayPicker
              mode="range"
              numberOfMonths={wide ? 2 : 1}
              selected={selected}
              defaultMonth={selected?.from ?? subDays(new Date(), 30)}
              disabled={{ after: new Date() }}
              onSelect={(range) => setDraft(range)}
              weekStartsOn={1}
            />
            <div className="mt-2 flex items-center justify-end gap-2 border-t border-slate-100 pt-3">
              <Button
                size="sm"
                variant="ghost"
                onClick={() => {
                  setDraft(undefined);
                  onChange({ from: '', to: '' });
                  close();
                }}
              >
                Clear dates
              </Button>
              <Button
                size="sm"
                variant="primary"
                disabled={!draft?.from}
                onClick={() => {
                  if (!draft?.from) return;
                  onChange({ from: toIso(draft.from), to: toIso(draft.to ?? draft.from) });
                  setDraft(undefined);
                  close();
                }}
              >
                Apply
              </Button>
            </div>
          </div>
        </div>
      )}
    </Popover>
  );
}
