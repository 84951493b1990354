/** Checkboxes and radios: bare, as a bordered option with a hint, or as a pill in a row of filters. */
import type { InputHTMLAttributes, ReactNode } from 'react';
import { cx } from './cx';

type BoxProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'type'>;

export function Checkbox({ className, ...rest }: BoxProps) {
  return <input type="checkbox" className={cx('size-4 accent-indigo-600', className)} {...rest} />;
}

export function Radio({ className, ...rest }: BoxProps) {
  return <input type="radio" className={cx('size-4 accent-indigo-600', className)} {...rest} />;
}

/** A checkbox in a bordered box with its label and a line of help; highlighted while checked. */
export function OptionCard({
  checked,
  onChange,
  label,
  hint,
}: {
  checked: boolean;
  onChange: () => void;
  label: ReactNode;
  hint?: ReactNode;
}) {
  return (
    <label
      className={cx(
        'flex cursor-pointer items-start gap-2 rounded-lg border p-2.5 text-sm',
        checked ? 'border-indigo-300 bg-indigo-50/50' : 'border-slate-200 hover:bg-slate-50',
      )}
    >
      <Checkbox className="mt-0.5 shrink-0" checked={checked} onChange={onChange} />
      <span className="min-w-0">
        <span className="block font-medium text-slate-900">{label}</span>
        {hint && <span className="block text-xs text-slate-500">{hint}</span>}
      </span>
    </label>
  );
}

/** A checkbox drawn as a pill, for a row of on/off values. */
export function ToggleChip({
  checked,
  onChange,
  children,
}: {
  checked: boolean;
  onChange: () => void;
  children: ReactNode;
}) {
  return (
    <label
      className={cx(
        'inline-flex cursor-pointer items-center gap-1.5 rounded-full border px-2.5 py-1 text-xs font-medium has-focus-visible:ring-2 has-focus-visible:ring-indigo-500/40',
        checked
          ? 'border-indigo-300 bg-indigo-50 text-indigo-700'
          : 'border-slate-200 text-slate-600 hover:bg-slate-50',
      )}
    >
      <Checkbox className="size-3.5" checked={checked} onChange={onChange} />
      {children}
    </label>
  );
}
