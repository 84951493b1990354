/**
 * `Badge`: a rounded pill for a state (status, channel, enabled), optionally with a dot or an
 * icon. `Tag`: a small square-cornered label for a value (an event type, a scope, a filter).
 * Tones are whole class names so Tailwind finds them.
 */
import type { LucideIcon } from 'lucide-react';
import type { HTMLAttributes } from 'react';
import { cx } from './cx';

const TONES = {
  slate: { badge: 'border-slate-200 bg-slate-50 text-slate-700', dot: 'bg-slate-400' },
  gray: { badge: 'border-slate-200 bg-slate-100 text-slate-600', dot: 'bg-slate-400' },
  green: { badge: 'border-green-200 bg-green-50 text-green-700', dot: 'bg-green-500' },
  emerald: { badge: 'border-emerald-200 bg-emerald-50 text-emerald-700', dot: 'bg-emerald-500' },
  blue: { badge: 'border-blue-200 bg-blue-50 text-blue-700', dot: 'bg-blue-500' },
  sky: { badge: 'border-sky-200 bg-sky-50 text-sky-700', dot: 'bg-sky-500' },
  indigo: { badge: 'border-indigo-200 bg-indigo-50 text-indigo-700', dot: 'bg-indigo-500' },
  violet: { badge: 'border-violet-200 bg-violet-50 text-violet-700', dot: 'bg-violet-500' },
  fuchsia: { badge: 'border-fuchsia-200 bg-fuchsia-50 text-fuchsia-700', dot: 'bg-fuchsia-500' },
  red: { badge: 'border-red-200 bg-red-50 text-red-700', dot: 'bg-red-500' },
  orange: { badge: 'border-orange-200 bg-orange-50 text-orange-700', dot: 'bg-orange-500' },
  amber: { badge: 'border-amber-200 bg-amber-50 text-amber-800', dot: 'bg-amber-500' },
} as const;

export type Tone = keyof typeof TONES;

interface BadgeProps extends HTMLAttributes<HTMLSpanElement> {
  tone?: Tone;
  /** A coloured dot before the text; `pulse` makes it ping (something live). */
  dot?: boolean;
  pulse?: boolean;
  icon?: LucideIcon;
}

export function Badge({ tone = 'slate', dot, pulse, icon: Icon, className, children, ...rest }: BadgeProps) {
  const t = TONES[tone];
  return (
    <span
      className={cx(
        'inline-flex items-center gap-1.5 rounded-full border px-2.5 py-0.5 text-xs font-medium whitespace-nowrap',
        t.badge,
        className,
      )}
      {...rest}
    >
      {dot && (
        <span className="relative flex size-1.5" aria-hidden="true">
          {pulse && <span className={cx('absolute inline-flex size-full rounded-full animate-sb-ping', t.dot)} />}
          <span className={cx('relative inline-flex size-1.5 rounded-full', t.dot)} />
        </span>
      )}
      {Icon && <Icon className="size-3.5" aria-hidden="true" />}
      {children}
    </span>
  );
}

export function Tag({
  tone = 'slate',
  className,
  children,
  ...rest
}: HTMLAttributes<HTMLSpanElement> & { tone?: 'slate' | 'indigo' | 'amber' }) {
  return (
    <span className={cx('rounded-md border px-1.5 py-0.5 text-xs', TONES[tone].badge, className)} {...rest}>
      {children}
    </span>
  );
}
