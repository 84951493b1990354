/**
 * A labelled form control. `Field` gives its control (`Input`, `Select`) an id, the label, and
 * `aria-describedby`/`aria-invalid` for the hint or error under it, through context, so a form
 * never wires ids by hand.
 */
import { createContext, type ReactNode, useContext, useId } from 'react';
import { cx } from './cx';

interface FieldControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

const FieldContext = createContext<FieldControlProps | null>(null);

/** The id and ARIA attributes of the enclosing `Field`'s control (none outside a field). */
export function useFieldControl(): FieldControlProps | null {
  return useContext(FieldContext);
}

const LABEL = {
  md: 'text-sm font-medium text-slate-700',
  sm: 'text-xs font-medium text-slate-600',
} as const;

export function Field({
  id: givenId,
  label,
  note,
  hint,
  error,
  size = 'md',
  inline = false,
  className,
  children,
}: {
  /** The control's id, when something outside the field refers to it; generated otherwise. */
  id?: string;
  label: ReactNode;
  /** Shown after the label in a lighter weight: "optional", "comma-separated". */
  note?: string;
  hint?: ReactNode;
  /** Replaces the hint and marks the control invalid. */
  error?: ReactNode;
  size?: keyof typeof LABEL;
  /** Label and control side by side (a toolbar filter) instead of stacked. */
  inline?: boolean;
  className?: string;
  children: ReactNode;
}) {
  const generated = useId();
  const id = givenId ?? generated;
  const messageId = `${id}-message`;
  const message = error || hint;
  const control: FieldControlProps = {
    id,
    ...(message ? { 'aria-describedby': messageId } : {}),
    ...(error ? { 'aria-invalid': true as const } : {}),
  };
  if (inline) {
    return (
      <div className={cx('flex items-center gap-2', className)}>
        <label htmlFor={id} className="text-sm text-slate-600">
          {label}
        </label>
        <FieldContext.Provider value={control}>{children}</FieldContext.Provider>
      </div>
    );
  }
  return (
    <div className={className}>
      <label htmlFor={id} className={cx('block', LABEL[size])}>
        {label}
        {note && <span className="font-normal text-slate-400"> ({note})</span>}
      </label>
      <div className="mt-1.5">
        <FieldContext.Provider value={control}>{children}</FieldContext.Provider>
      </div>
      {message && (
        <p id={messageId} className={cx('mt-1 text-xs', error ? 'text-red-600' : 'text-slate-500')}>
          {message}
        </p>
      )}
    </div>
  );
}

/** A group of choices under one legend (checkboxes, radios, chips). */
export function Fieldset({
  legend,
  note,
  size = 'md',
  className,
  children,
}: {
  legend: ReactNode;
  note?: string;
  size?: keyof typeof LABEL;
  className?: string;
  children: ReactNode;
}) {
  return (
    <fieldset className={className}>
      <legend className={LABEL[size]}>
        {legend}
        {note && <span className="font-normal text-slate-400"> ({note})</span>}
      </legend>
      {children}
    </fieldset>
  );
}
