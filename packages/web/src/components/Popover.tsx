import { type ReactNode, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { cx } from './ui';

/**
 * A button that opens a panel below it. Closes on outside click and Escape (focus returns to the
 * button); the panel is in the tab order right after its button.
 */
export function Popover({
  trigger,
  label,
  children,
  align = 'left',
  className,
  buttonClassName,
}: {
  trigger: ReactNode;
  label: string;
  children: (close: () => void) => ReactNode;
  align?: 'left' | 'right';
  className?: string;
  buttonClassName?: string;
}) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const id = useId();
  // Open towards the left when the panel would run off the right edge of the window. On a
  // phone-sized window the panel spans the width under its button instead (and scrolls when it
  // is taller than what is left below it), whichever side the button is on.
  const [flip, setFlip] = useState(false);
  const [sheet, setSheet] = useState<{ top: number; maxHeight: number } | null>(null);
  useLayoutEffect(() => {
    if (!open) {
      setFlip(false);
      setSheet(null);
      return;
    }
    if (window.innerWidth < 640) {
      const b = button.current?.getBoundingClientRect();
      const top = (b?.bottom ?? 0) + 6;
      setSheet({ top, maxHeight: Math.max(200, window.innerHeight - top - 8) });
      return;
    }
    const r = panel.current?.getBoundingClientRect();
    if (r && r.right > window.innerWidth - 8) setFlip(true);
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  return (
    <div ref={root} className="relative">
      <button
        ref={button}
        type="button"
        aria-label={label}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen((o) => !o)}
        className={buttonClassName}
      >
        {trigger}
      </button>
      {open && (
        <div
          ref={panel}
          id={id}
          role="dialog"
          aria-label={label}
          style={sheet ? { top: sheet.top, maxHeight: sheet.maxHeight } : undefined}
          className={cx(
            'z-30 rounded-xl border border-slate-200 bg-white shadow-lg ring-1 ring-black/5',
            className,
            sheet
              ? 'fixed inset-x-2 w-auto! max-w-none! overflow-y-auto'
              : cx('absolute top-full mt-1.5', align === 'right' || flip ? 'right-0' : 'left-0'),
          )}
        >
          {children(close)}
        </div>
      )}
    </div>
  );
}
