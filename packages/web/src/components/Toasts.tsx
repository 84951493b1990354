/**
 * Toasts: short-lived notices stacked in the bottom-right corner. The region is a polite live
 * region that exists from the first render, because screen readers only announce changes to a
 * live region they already know about.
 */
import { X, XCircle } from 'lucide-react';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { cx } from './ui';

interface Toast {
  id: string;
  title: string;
  body?: ReactNode;
  link?: { to: string; label: string };
  tone?: 'error' | 'info';
}

interface ToastApi {
  show: (t: Toast) => void;
  dismiss: (id: string) => void;
}

const ToastContext = createContext<ToastApi | null>(null);

const TOAST_MS = 8_000;
// A replay after a long outage can fail dozens of sessions at once; a wall of toasts helps nobody.
const MAX_TOASTS = 4;

export function useToasts(): ToastApi {
  const ctx = useContext(ToastContext);
  if (!ctx) throw new Error('useToasts outside <ToastProvider>');
  return ctx;
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: string) => setToasts((cur) => cur.filter((t) => t.id !== id)), []);
  const show = useCallback(
    (t: Toast) => setToasts((cur) => [...cur.filter((x) => x.id !== t.id), t].slice(-MAX_TOASTS)),
    [],
  );
  const api = useMemo(() => ({ show, dismiss }), [show, dismiss]);
  return (
    <ToastContext.Provider value={api}>
      {children}
      <section
        aria-label="Notifications"
        aria-live="polite"
        className="pointer-events-none fixed right-4 bottom-4 z-50 flex w-[380px] max-w-[calc(100vw-2rem)] flex-col gap-2"
      >
        {toasts.map((t) => (
          <ToastCard key={t.id} toast={t} dismiss={dismiss} />
        ))}
      </section>
    </ToastContext.Provider>
  );
}

function ToastCard({ toast: t, dismiss }: { toast: Toast; dismiss: (id: string) => void }) {
  const onDismiss = useCallback(() => dismiss(t.id), [dismiss, t.id]);
  // Pausing while hovered or focused gives people time to read or reach the link (WCAG 2.2.1).
  const [paused, setPaused] = useState(false);
  const remaining = useRef(TOAST_MS);
  useEffect(() => {
    if (paused) return;
    const started = Date.now();
    const timer = setTimeout(onDismiss, remaining.current);
    return () => {
      clearTimeout(timer);
      remaining.current = Math.max(1_500, remaining.current - (Date.now() - started));
    };
  }, [paused, onDismiss]);
  const error = t.tone !== 'info';
  return (
    <article
      aria-label={t.title}
      data-testid="toast"
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
      className={cx(
        'pointer-events-auto flex items-start gap-3 rounded-xl border bg-white p-4 shadow-lg ring-1 ring-black/5',
        error ? 'border-red-200' : 'border-slate-200',
      )}
    >
      <XCircle
        className={cx('mt-0.5 size-5 shrink-0', error ? 'text-red-500' : 'text-indigo-500')}
        aria-hidden="true"
      />
      <div className="min-w-0 flex-1 text-sm">
        <p className="font-semibold text-slate-900">{t.title}</p>
        {t.body && <div className="mt-1 text-slate-600">{t.body}</div>}
        {t.link && (
          <Link
            to={t.link.to}
            onClick={onDismiss}
            className="mt-2 inline-block rounded font-medium text-indigo-600 hover:text-indigo-500 hover:underline"
          >
            {t.link.label}
          </Link>
        )}
      </div>
      <button
        type="button"
        onClick={onDismiss}
        aria-label={`Dismiss: ${t.title}`}
        className="-mt-1 -mr-1 inline-flex size-7 shrink-0 items-center justify-center rounded-md text-slate-400 hover:bg-slate-100 hover:text-slate-700"
      >
        <X className="size-4" aria-hidden="true" />
      </button>
    </article>
  );
}
