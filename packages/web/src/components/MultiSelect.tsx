import { ChevronDown } from 'lucide-react';
import { type ReactNode, useState } from 'react';
import { Popover } from './Popover';
import { cx } from './ui';

interface Option<T extends string> {
  value: T;
  label: string;
  icon?: ReactNode;
  hint?: string;
}

/** A dropdown of checkboxes: the API takes comma-separated lists for channel, status and agent. */
export function MultiSelect<T extends string>({
  label,
  options,
  selected,
  onChange,
  emptyText = 'No options',
  searchable = false,
}: {
  label: string;
  options: Option<T>[];
  selected: T[];
  onChange: (next: T[]) => void;
  emptyText?: string;
  /** A box above the options that narrows them by name (long lists: agents). */
  searchable?: boolean;
}) {
  const count = selected.length;
  const [query, setQuery] = useState('');
  const q = query.trim().toLowerCase();
  const shown = q
    ? options.filter((o) => o.label.toLowerCase().includes(q) || o.value.toLowerCase().includes(q))
    : options;
  // Compact: "Channel" → "Web" → "Channel (2)"; the accessible name always says which filter it is.
  const single = count === 1 ? (options.find((o) => o.value === selected[0])?.label ?? selected[0]) : null;
  return (
    <Popover
      label={`${label} filter`}
      className="w-60 p-1.5"
      buttonClassName={cx(
        'inline-flex h-9 items-center gap-1.5 rounded-lg border bg-white px-3 text-sm shadow-xs transition-colors hover:bg-slate-50',
        count ? 'border-indigo-300 text-slate-900' : 'border-slate-300 text-slate-700',
      )}
      trigger={
        <>
          {single ? (
            <span className="max-w-36 truncate font-medium text-indigo-700">{single}</span>
          ) : (
            <span className={count ? 'font-medium text-indigo-700' : 'text-slate-700'}>{label}</span>
          )}
          {count > 1 && (
            <span className="rounded-full bg-indigo-600 px-1.5 text-[11px] leading-4 font-semibold text-white tabular-nums">
              {count}
            </span>
          )}
          <ChevronDown className="size-4 text-slate-400" aria-hidden="true" />
        </>
      }
    >
      {() => (
        <fieldset>
          <legend className="sr-only">{label}</legend>
          {searchable && options.length > 0 && (
            <div className="mb-1 border-b border-slate-100 px-1 pt-0.5 pb-1.5">
              <input
                type="search"
                aria-label={`Find ${label.toLowerCase()}`}
                placeholder={`Find ${label.toLowerCase()}…`}
                value={query}
                maxLength={256}
                onChange={(e) => setQuery(e.target.value)}
                className="h-8 w-full rounded-md border border-slate-300 bg-white px-2.5 text-sm text-slate-900 placeholder:text-slate-400 focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none"
              />
            </div>
          )}
          <div className="max-h-72 overflow-y-auto">
            {options.length === 0 && <p className="px-2.5 py-2 text-sm text-slate-500">{emptyText}</p>}
            {options.length > 0 && shown.length === 0 && (
              <p className="px-2.5 py-2 text-sm text-slate-500">
                No {label.toLowerCase()} matches “{query.trim()}”
              </p>
            )}
            {shown.map((o) => {
              const checked = selected.includes(o.value);
              return (
                <label
                  key={o.value}
                  className="flex cursor-pointer items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm text-slate-700 hover:bg-slate-50 has-[:focus-visible]:bg-slate-100"
                >
                  <input
                    type="checkbox"
                    className="size-4 shrink-0 rounded border-slate-300 accent-indigo-600"
                    checked={checked}
                    onChange={() => onChange(checked ? selected.filter((v) => v !== o.value) : [...selected, o.value])}
                  />
                  {o.icon}
                  <span className="min-w-0 flex-1 truncate">{o.label}</span>
                  {o.hint && <span className="text-xs text-slate-400 tabular-nums">{o.hint}</span>}
                </label>
              );
            })}
          </div>
          {count > 0 && (
            <div className="mt-1 border-t border-slate-100 pt-1">
              <button
                type="button"
                onClick={() => onChange([])}
                className="w-full rounded-md px-2.5 py-1.5 text-left text-sm text-slate-500 hover:bg-slate-50 hover:text-slate-800"
              >
                Clear {label.toLowerCase()}
              </button>
            </div>
          )}
        </fieldset>
      )}
    </Popover>
  );
}
