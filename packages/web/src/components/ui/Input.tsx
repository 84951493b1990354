import type { LucideIcon } from 'lucide-react';
import { forwardRef, type InputHTMLAttributes } from 'react';
import { cx } from './cx';
import { useFieldControl } from './Field';

/** The look of every text control (inputs and selects). */
export const CONTROL =
  'block rounded-lg border border-slate-300 bg-white text-sm text-slate-900 placeholder:text-slate-400 focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none aria-invalid:border-red-400';

export const HEIGHTS = { sm: 'h-8', md: 'h-9', lg: 'h-10' } as const;

interface InputProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'size'> {
  /** An icon inside the field, at the left. */
  icon?: LucideIcon;
  size?: keyof typeof HEIGHTS;
}

/** A text input; inside a `Field` it takes the field's id and ARIA attributes. */
export const Input = forwardRef<HTMLInputElement, InputProps>(function Input(
  { icon: Icon, size = 'md', className, ...rest },
  ref,
) {
  const field = useFieldControl();
  const input = (
    <input
      ref={ref}
      {...field}
      {...rest}
      className={cx(CONTROL, 'w-full', HEIGHTS[size], Icon ? 'pr-3 pl-9' : 'px-3', className)}
    />
  );
  if (!Icon) return input;
  return (
    <div className="relative">
      <Icon
        className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-slate-400"
        aria-hidden="true"
      />
      {input}
    </div>
  );
});
