import type { Webhook } from '@switchboard/client';
import { Badge, Tag } from '../../components/ui';

/** The event types an endpoint subscribes to; `*` reads "All events". */
export function EventChips({ events }: { events: string[] }) {
  if (events.includes('*'))
    return (
      <Tag tone="indigo" className="font-medium">
        All events
      </Tag>
    );
  return (
    <span className="flex flex-wrap gap-1">
      {events.map((e) => (
        <Tag key={e} className="font-mono text-[11px]">
          {e}
        </Tag>
      ))}
    </span>
  );
}

/** Enabled, or Disabled with the reason when Switchboard disabled it (too many failures). */
export function EnabledBadge({ hook }: { hook: Webhook }) {
  if (hook.enabled)
    return (
      <Badge tone="green" dot>
        Enabled
      </Badge>
    );
  return (
    <span className="inline-flex flex-col items-start gap-1">
      <Badge tone="gray" dot>
        Disabled
      </Badge>
      {hook.disabledReason && <span className="text-xs text-red-600">{hook.disabledReason}</span>}
    </span>
  );
}
