import type { Webhook } from '@switchboard/client';
import { ChevronLeft, ChevronRight, RotateCcw } from 'lucide-react';
import { useState } from 'react';
import { DELIVERY_PAGE_SIZE } from '../../api/client';
import { useDeliveriesQuery, useRetryDeliveryMutation } from '../../api/queries';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Button, Card, CardHeader, cx, Field, QueryState, Select, TBody, Th, THead } from '../../components/ui';
import { number } from '../../lib/format';
import { DELIVERY_STATUSES } from '../../lib/vocab';
import { DELIVERY_STATUS, DeliveryRow } from './DeliveryRow';
import { type DeliveryView, useDeliveryView } from './deliveryView';

/** The deliveries to one endpoint, newest first: status filter, cursor paging, attempts, Retry. */
export function DeliveryLog({ hook }: { hook: Webhook }) {
  const view = useDeliveryView();
  const cursor = view.trail.at(-1);
  const query = useDeliveriesQuery(hook.id, { status: view.status || undefined, cursor });
  const [open, setOpen] = useState<Set<string>>(new Set());
  const retry = useRetryDeliveryMutation();
  const toggle = (id: string) =>
    setOpen((cur) => {
      const next = new Set(cur);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <Card className="mt-6 overflow-hidden" aria-busy={query.isFetching || undefined}>
      <CardHeader title="Delivery log" as="h3">
        <div className="flex items-center gap-2">
          <Field label="Status" inline>
            <Select
              size="sm"
              value={view.status}
              onChange={(e) => view.setStatus(e.target.value as DeliveryView['status'])}
            >
              <option value="">All</option>
              {DELIVERY_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {DELIVERY_STATUS[s].label}
                </option>
              ))}
            </Select>
          </Field>
          <Button size="sm" onClick={() => query.refetch()} aria-label="Refresh delivery log">
            <RotateCcw className={cx('size-3.5', query.isFetching && 'animate-spin')} aria-hidden="true" />
            Refresh
          </Button>
        </div>
      </CardHeader>
      {retry.error && (
        <div className="px-5">
          <ProblemAlert className="mt-4" title="Could not retry" error={retry.error} />
        </div>
      )}
      <QueryState
        query={query}
        label="Loading deliveries..."
        errorTitle="Could not load deliveries"
        className="py-12"
        errorClassName="p-5"
        isEmpty={(page) => page.data.length === 0}
        empty={
          <p className="px-5 py-10 text-center text-sm text-slate-500" data-testid="deliveries-empty">
            {view.status ? `No ${DELIVERY_STATUS[view.status].label.toLowerCase()} deliveries.` : 'No deliveries yet.'}{' '}
            Send a test event to check the endpoint.
          </p>
        }
      >
        {(page) => (
          <div className="relative overflow-x-auto">
            <table className={cx('w-full text-sm', query.isPlaceholderData && 'opacity-60')}>
              <caption className="sr-only">Deliveries to {hook.url}, newest first</caption>
              <THead>
                <Th className="w-10">
                  <span className="sr-only">Attempt log</span>
                </Th>
                <Th>Event</Th>
                <Th>Status</Th>
                <Th align="right">Attempts</Th>
                <Th>Response</Th>
                <Th align="right">Latency</Th>
                <Th>Error</Th>
                <Th>Next attempt</Th>
                <Th>Created</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </THead>
              <TBody>
                {page.data.map((d) => (
                  <DeliveryRow
                    key={d.id}
                    d={d}
                    expanded={open.has(d.id)}
                    onToggle={() => toggle(d.id)}
                    retrying={retry.isPending && retry.variables?.deliveryId === d.id}
                    onRetry={() => retry.mutate({ webhookId: hook.id, deliveryId: d.id })}
                  />
                ))}
              </TBody>
            </table>
          </div>
        )}
      </QueryState>
      {query.data && query.data.pagination.total > 0 && (
        <DeliveryPager
          page={view.page}
          shown={query.data.data.length}
          total={query.data.pagination.total}
          nextCursor={query.isPlaceholderData ? null : (query.data.pagination.nextCursor ?? null)}
          onNewer={view.newer}
          onOlder={view.older}
        />
      )}
    </Card>
  );
}

function DeliveryPager({
  page,
  shown,
  total,
  nextCursor,
  onNewer,
  onOlder,
}: {
  page: number;
  shown: number;
  total: number;
  nextCursor: string | null;
  onNewer: () => void;
  onOlder: (cursor: string) => void;
}) {
  const from = (page - 1) * DELIVERY_PAGE_SIZE + 1;
  return (
    <div className="flex items-center justify-between border-t border-slate-200 px-5 py-3 text-sm text-slate-600">
      <p data-testid="deliveries-summary">
        {shown ? `${number.format(from)}–${number.format(from + shown - 1)}` : '0'} of {number.format(total)} deliveries
      </p>
      <div className="flex gap-2">
        <Button size="sm" disabled={page === 1} onClick={onNewer}>
          <ChevronLeft className="size-3.5" aria-hidden="true" />
          Newer
        </Button>
        <Button size="sm" disabled={!nextCursor} onClick={() => nextCursor && onOlder(nextCursor)}>
          Older
          <ChevronRight className="size-3.5" aria-hidden="true" />
        </Button>
      </div>
    </div>
  );
}
