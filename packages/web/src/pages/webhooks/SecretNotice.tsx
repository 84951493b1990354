import type { WebhookWithSecret } from '@switchboard/client';
import { SecretReveal } from '../../components/ui';

/** A signing secret to show once, and whether it replaced another (rotation). */
export interface SecretShown {
  hook: WebhookWithSecret;
  rotated: boolean;
}

export function SecretNotice({ notice, onDismiss }: { notice: SecretShown; onDismiss: () => void }) {
  const { hook, rotated } = notice;
  return (
    <SecretReveal
      testId="webhook-secret"
      valueTestId="secret-value"
      secret={hook.secret}
      copyLabel="Copy signing secret"
      onDismiss={onDismiss}
      title={
        <>
          {rotated ? 'New signing secret' : 'Signing secret'} for <span className="font-mono">{hook.url}</span>
        </>
      }
    >
      Copy it now: it will not be shown again. Your receiver verifies each delivery's{' '}
      <code className="font-mono">webhook-signature</code> with it.
      {rotated &&
        ' The previous secret keeps signing deliveries for 24 hours (each delivery carries both signatures), so you can switch your receiver over without losing events.'}
    </SecretReveal>
  );
}
