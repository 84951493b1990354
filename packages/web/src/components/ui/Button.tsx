import { type ButtonHTMLAttributes, forwardRef } from 'react';
import { cx } from './cx';

type Variant = 'primary' | 'secondary' | 'ghost' | 'danger' | 'ghost-danger';
const VARIANTS: Record<Variant, string> = {
  primary: 'bg-indigo-600 text-white shadow-sm hover:bg-indigo-500 disabled:bg-indigo-300 border border-transparent',
  secondary:
    'bg-white text-slate-700 border border-slate-300 shadow-xs hover:bg-slate-50 hover:text-slate-900 disabled:text-slate-400 disabled:bg-slate-50',
  ghost: 'text-slate-600 hover:bg-slate-100 hover:text-slate-900 border border-transparent disabled:text-slate-300',
  danger: 'bg-red-600 text-white shadow-sm hover:bg-red-500 disabled:bg-red-300 border border-transparent',
  /** A destructive action that should not shout: "Delete", "Revoke" beside other actions. */
  'ghost-danger': 'text-red-600 hover:bg-red-50 hover:text-red-700 border border-transparent disabled:text-red-300',
};

const SIZES = {
  sm: 'h-8 px-2.5 text-xs',
  md: 'h-9 px-3.5 text-sm',
  lg: 'h-10 px-4 text-sm',
  icon: 'size-9 p-0',
  'icon-sm': 'size-7 p-0',
} as const;

interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  size?: keyof typeof SIZES;
}

export const Button = forwardRef<HTMLButtonElement, ButtonProps>(function Button(
  { variant = 'secondary', size = 'md', className, type = 'button', ...rest },
  ref,
) {
  return (
    <button
      ref={ref}
      type={type}
      className={cx(
        'inline-flex items-center justify-center gap-2 rounded-lg font-medium whitespace-nowrap transition-colors disabled:cursor-not-allowed [&_svg]:shrink-0',
        SIZES[size],
        VARIANTS[variant],
        className,
      )}
      {...rest}
    />
  );
});
