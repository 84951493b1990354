/**
 * The delivery log's view in the URL, beside `?endpoint=`: `status=failed` filters it, and each
 * `cursor=` is a `nextCursor` followed from the first page, oldest last. The log is newest first
 * and pages forward by cursor only, so the trail is what "Newer" steps back along; keeping it in
 * the URL makes reload, Back and a copied link show the same page.
 */
import type { WebhookDeliveryStatus } from '@switchboard/contracts';
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { DELIVERY_STATUSES } from '../../lib/vocab';

export const DELIVERY_VIEW_PARAMS = ['status', 'cursor'] as const;

/** The API's bound on a cursor; a longer one in a hand-edited link is dropped, not sent. */
const MAX_CURSOR = 256;

export interface DeliveryView {
  status: WebhookDeliveryStatus | '';
  /** The cursors followed so far; the last is the current page's (none on the first page). */
  trail: string[];
}

function parseDeliveryView(sp: URLSearchParams): DeliveryView {
  const status = sp.get('status') ?? '';
  return {
    status: (DELIVERY_STATUSES as readonly string[]).includes(status) ? (status as WebhookDeliveryStatus) : '',
    trail: sp.getAll('cursor').filter((c) => c && c.length <= MAX_CURSOR),
  };
}

export function useDeliveryView() {
  const [sp, setSp] = useSearchParams();
  const view = useMemo(() => parseDeliveryView(sp), [sp]);

  const write = useCallback(
    (change: (v: DeliveryView) => DeliveryView) =>
      setSp((cur) => {
        const next = change(parseDeliveryView(cur));
        const p = new URLSearchParams(cur);
        for (const name of DELIVERY_VIEW_PARAMS) p.delete(name);
        if (next.status) p.set('status', next.status);
        for (const c of next.trail) p.append('cursor', c);
        return p;
      }),
    [setSp],
  );

  /** A new filter starts again from the newest deliveries. */
  const setStatus = useCallback((status: DeliveryView['status']) => write(() => ({ status, trail: [] })), [write]);
  const older = useCallback((cursor: string) => write((v) => ({ ...v, trail: [...v.trail, cursor] })), [write]);
  const newer = useCallback(() => write((v) => ({ ...v, trail: v.trail.slice(0, -1) })), [write]);

  return { ...view, page: view.trail.length + 1, setStatus, older, newer };
}
