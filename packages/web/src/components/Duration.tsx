import type { Status } from '@switchboard/contracts';
import { durationLong, durationMinutes } from '../lib/format';

/** Minutes for an ended session, "Ongoing" for an active one. */
export function Duration({ seconds, status }: { seconds: number | null; status: Status }) {
  if (status === 'active' || seconds === null) {
    return status === 'active' ? (
      <span className="font-medium text-green-700">Ongoing</span>
    ) : (
      <span className="text-slate-400">—</span>
    );
  }
  return (
    <span className="tabular-nums" title={durationLong(seconds)}>
      {durationMinutes(seconds)}
    </span>
  );
}
