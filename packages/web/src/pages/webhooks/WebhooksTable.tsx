import type { Webhook } from '@switchboard/client';
import { Plus, Webhook as WebhookIcon } from 'lucide-react';
import { RelativeTime } from '../../components/RelativeTime';
import { Button, cx, EmptyState, TBody, Th, THead } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { EnabledBadge, EventChips } from './WebhookBadges';

/** The endpoints, one row each; "Manage" opens one below the table. */
export function WebhooksTable({
  hooks,
  selectedId,
  onSelect,
}: {
  hooks: Webhook[];
  selectedId: string | null;
  onSelect: (id: string | null) => void;
}) {
  return (
    <table className="w-full text-sm">
      <caption className="sr-only">Webhook endpoints</caption>
      <THead>
        <Th>Endpoint</Th>
        {/* On a phone: the endpoint, whether it is on, and its button. */}
        <Th className="hidden md:table-cell">Events</Th>
        <Th>Status</Th>
        <Th className="hidden sm:table-cell">Created</Th>
        <Th align="right">
          <span className="sr-only">Actions</span>
        </Th>
      </THead>
      <TBody>
        {hooks.map((h) => {
          const active = h.id === selectedId;
          return (
            <tr key={h.id} data-webhook-id={h.id} className={cx(active && 'bg-indigo-50/40')}>
              <td className="max-w-[150px] px-5 py-3 sm:max-w-[420px]">
                <span className="block truncate font-mono text-[13px] text-slate-900" title={h.url}>
                  {h.url}
                </span>
                {h.description && <span className="block truncate text-xs text-slate-500">{h.description}</span>}
              </td>
              <td className="hidden px-5 py-3 md:table-cell">
                <EventChips events={h.events} />
              </td>
              <td className="px-5 py-3">
                <EnabledBadge hook={h} />
              </td>
              <td
                className="hidden px-5 py-3 whitespace-nowrap text-slate-600 sm:table-cell"
                title={dateTime(h.createdAt)}
              >
                <RelativeTime iso={h.createdAt} />
              </td>
              <td className="px-5 py-3 text-right">
                <Button
                  size="sm"
                  variant={active ? 'primary' : 'secondary'}
                  aria-expanded={active}
                  aria-label={`${active ? 'Hide' : 'Manage'} ${h.url}`}
                  onClick={() => onSelect(active ? null : h.id)}
                >
                  {active ? 'Hide' : 'Manage'}
                </Button>
              </td>
            </tr>
          );
        })}
      </TBody>
    </table>
  );
}

export function NoWebhooks({ onCreate }: { onCreate: () => void }) {
  return (
    <EmptyState
      icon={WebhookIcon}
      title="No endpoints yet"
      className="py-14"
      action={
        <Button variant="primary" onClick={onCreate}>
          <Plus className="size-4" aria-hidden="true" />
          Add endpoint
        </Button>
      }
    >
      Add an endpoint to receive session, message and event notifications, for example to page someone when a session
      fails.
    </EmptyState>
  );
}
