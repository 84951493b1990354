import { Columns3 } from 'lucide-react';
import { Popover } from './Popover';
import { OPTIONAL_COLUMN_IDS, OPTIONAL_COLUMNS, type OptionalColumn } from './SessionsTable';
import { Checkbox, cx } from './ui';

/** "Columns": adds the optional figures to the sessions table; the six default columns stay. */
export function ColumnPicker({
  selected,
  onChange,
}: {
  selected: OptionalColumn[];
  onChange: (next: OptionalColumn[]) => void;
}) {
  const count = selected.length;
  return (
    <Popover
      label="Columns"
      align="right"
      className="w-56 p-1.5"
      buttonClassName={cx(
        'inline-flex h-9 items-center gap-2 rounded-lg border bg-white px-3 text-sm font-medium shadow-xs transition-colors hover:bg-slate-50',
        count ? 'border-indigo-300 text-indigo-700' : 'border-slate-300 text-slate-700',
      )}
      trigger={
        <>
          <Columns3 className="size-4 text-slate-400" aria-hidden="true" />
          Columns
          {count > 0 && (
            <span className="rounded-full bg-indigo-600 px-1.5 text-[11px] leading-4 font-semibold text-white tabular-nums">
              +{count}
            </span>
          )}
        </>
      }
    >
      {() => (
        <fieldset>
          <legend className="px-2.5 pt-1 pb-1.5 text-[11px] font-semibold tracking-wider text-slate-400 uppercase">
            Add columns
          </legend>
          {OPTIONAL_COLUMN_IDS.map((c) => {
            const checked = selected.includes(c);
            return (
              <label
                key={c}
                className="flex cursor-pointer items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm text-slate-700 hover:bg-slate-50 has-[:focus-visible]:bg-slate-100"
              >
                <Checkbox
                  checked={checked}
                  onChange={() => onChange(checked ? selected.filter((v) => v !== c) : [...selected, c])}
                />
                {OPTIONAL_COLUMNS[c].label}
              </label>
            );
          })}
        </fieldset>
      )}
    </Popover>
  );
}
