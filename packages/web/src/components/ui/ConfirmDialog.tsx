/**
 * "Are you sure?" before an action that cannot be undone. A native modal `<dialog>`: the page
 * behind it is inert and Escape cancels. Tab and Shift+Tab cycle inside it (the browser would
 * otherwise let focus leave for its own toolbar), and focus returns to the control that opened it.
 */
import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef } from 'react';
import { Button } from './Button';

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), [tabindex="0"]';

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  pendingLabel,
  variant = 'danger',
  pending,
  error,
  onConfirm,
  onClose,
}: {
  title: ReactNode;
  children: ReactNode;
  confirmLabel: string;
  /** The confirm button's text while the action runs ("Deleting…"). */
  pendingLabel: string;
  variant?: 'danger' | 'primary';
  pending: boolean;
  /** Why the action failed; the dialog stays open so the user can try again or cancel. */
  error?: ReactNode;
  /** Runs the action; the dialog closes when it resolves and stays open when it rejects. */
  onConfirm: () => Promise<unknown>;
  /** Called once the dialog has closed (cancelled or done). */
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = ref.current;
    // Effects may run twice (StrictMode); the dialog opens once.
    if (!dialog || dialog.open) return;
    opener.current = document.activeElement;
    dialog.showModal();
  }, []);

  const close = () => ref.current?.close();
  const closed = () => {
    // Browsers put focus back themselves as a rule; this covers those that do not, and leaves it
    // alone when the action moved it on purpose (a secret shown once takes focus).
    const back = opener.current;
    const active = document.activeElement;
    const lost = !active || active === document.body || ref.current?.contains(active);
    if (lost && back instanceof HTMLElement && back.isConnected) back.focus();
    onClose();
  };
  const confirm = () => {
    onConfirm().then(close, () => {
      // The caller shows the error (`error`); keep the dialog open.
    });
  };
  const trapTab = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== 'Tab') return;
    const items = [...e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = items[0];
    const last = items.at(-1);
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      onClose={closed}
      onKeyDown={trapTab}
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-xl border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40"
    >
      <div className="p-6">
        <h2 id={titleId} className="text-lg font-semibold text-slate-900">
          {title}
        </h2>
        <div id={bodyId} className="mt-2 text-sm text-slate-600">
          {children}
        </div>
        {error && <div className="mt-4">{error}</div>}
      </div>
      <div className="flex justify-end gap-2 border-t border-slate-100 bg-slate-50 px-6 py-3">
        <Button onClick={close}>Cancel</Button>
        <Button variant={variant} disabled={pending} onClick={confirm}>
          {pending ? pendingLabel : confirmLabel}
        </Button>
      </div>
    </dialog>
  );
}
