import { AlertTriangle, KeyRound } from 'lucide-react';
import { type ReactNode, useEffect, useRef } from 'react';
import { Button } from './Button';
import { CopyButton } from './CopyButton';

/**
 * A secret the server returns once (a new API key, a webhook signing secret): shown with a copy
 * button and a warning until the user dismisses it. It takes focus when it appears, so a screen
 * reader reads it and the keyboard is next to the copy button.
 */
export function SecretReveal({
  title,
  children,
  secret,
  copyLabel,
  valueTestId,
  testId,
  onDismiss,
}: {
  title: ReactNode;
  /** Why it is shown once and what to do with it. */
  children: ReactNode;
  secret: string;
  copyLabel: string;
  valueTestId?: string;
  testId?: string;
  onDismiss: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div
      ref={ref}
      tabIndex={-1}
      role="status"
      data-testid={testId}
      className="mb-6 rounded-xl border border-amber-200 bg-amber-50 p-5 outline-none"
    >
      <div className="flex items-start gap-3">
        <AlertTriangle className="mt-0.5 size-5 shrink-0 text-amber-600" aria-hidden="true" />
        <div className="min-w-0 flex-1">
          <h2 className="font-semibold text-amber-900">{title}</h2>
          <p className="mt-0.5 text-sm text-amber-800">{children}</p>
        </div>
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          Done
        </Button>
      </div>
      {/* Below the text at full width (under it, past the icon, from sm): a link or key is long. */}
      <div className="mt-3 flex items-center gap-2 rounded-lg border border-amber-200 bg-white py-1.5 pr-1.5 pl-3 sm:ml-8">
        <KeyRound className="size-4 shrink-0 text-slate-400" aria-hidden="true" />
        <code className="min-w-0 flex-1 font-mono text-sm break-all text-slate-900" data-testid={valueTestId}>
          {secret}
        </code>
        <CopyButton value={secret} label={copyLabel} />
      </div>
    </div>
  );
}
