import type { Status } from '@switchboard/contracts';
import { STATUS_LABELS } from '../lib/vocab';
import { Badge, type Tone } from './ui';

const TONES: Record<Status, Tone> = {
  active: 'green',
  completed: 'blue',
  failed: 'red',
  cancelled: 'orange',
};

/** A session's status; an active one has a pulsing dot. */
export function StatusBadge({ status }: { status: Status }) {
  return (
    <Badge data-status={status} tone={TONES[status] ?? 'slate'} dot pulse={status === 'active'}>
      {STATUS_LABELS[status] ?? status}
    </Badge>
  );
}
