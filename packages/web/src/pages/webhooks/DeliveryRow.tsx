import type { WebhookDelivery } from '@switchboard/client';
import { ChevronDown, ChevronUp, RotateCcw } from 'lucide-react';
import { RelativeTime } from '../../components/RelativeTime';
import { Badge, Button, cx, type Tone } from '../../components/ui';
import { dateTime, number } from '../../lib/format';

type DeliveryStatus = WebhookDelivery['status'];

export const DELIVERY_STATUS: Record<DeliveryStatus, { label: string; tone: Tone }> = {
  pending: { label: 'Pending', tone: 'amber' },
  succeeded: { label: 'Succeeded', tone: 'green' },
  failed: { label: 'Failed', tone: 'red' },
};

function ResponseCode({ code }: { code: number | null }) {
  if (code === null) return <None />;
  const ok = code >= 200 && code < 300;
  return <span className={cx('font-mono text-xs font-medium', ok ? 'text-green-700' : 'text-red-600')}>{code}</span>;
}

const None = () => <span className="text-slate-400">—</span>;

const td = 'px-5 py-2.5 align-top';

/** One delivery, and under it (when expanded) the log of its attempts. */
export function DeliveryRow({
  d,
  expanded,
  onToggle,
  retrying,
  onRetry,
}: {
  d: WebhookDelivery;
  expanded: boolean;
  onToggle: () => void;
  retrying: boolean;
  onRetry: () => void;
}) {
  const last = d.attemptLog.at(-1);
  const logId = `attempts-${d.id}`;
  const status = DELIVERY_STATUS[d.status];
  return (
    <>
      <tr data-delivery-id={d.id} className={cx(expanded && 'bg-slate-50/60')}>
        <td className={cx(td, 'pr-0')}>
          <Button
            size="icon-sm"
            variant="ghost"
            aria-expanded={expanded}
            aria-controls={logId}
            aria-label={`Attempt log of event ${d.eventId}`}
            onClick={onToggle}
            disabled={d.attemptLog.length === 0}
          >
            {expanded ? (
              <ChevronUp className="size-4" aria-hidden="true" />
            ) : (
              <ChevronDown className="size-4" aria-hidden="true" />
            )}
          </Button>
        </td>
        <td className={td}>
          <span className="block font-mono text-xs font-medium text-slate-900">{d.eventType}</span>
          <span className="block font-mono text-[11px] text-slate-500" title="webhook-id">
            {d.eventId}
          </span>
        </td>
        <td className={td}>
          <Badge tone={status.tone} data-delivery-status={d.status}>
            {status.label}
          </Badge>
        </td>
        <td className={cx(td, 'text-right tabular-nums')}>{d.attempts}</td>
        <td className={td}>
          <ResponseCode code={d.lastResponseStatus} />
        </td>
        <td className={cx(td, 'text-right whitespace-nowrap tabular-nums text-slate-600')}>
          {last ? `${number.format(last.latencyMs)} ms` : <None />}
        </td>
        <td className={cx(td, 'max-w-[260px] min-w-[120px]')}>
          {d.lastError ? (
            <span className="line-clamp-2 text-xs break-words text-red-600" title={d.lastError}>
              {d.lastError}
            </span>
          ) : (
            <None />
          )}
        </td>
        <td className={cx(td, 'whitespace-nowrap text-slate-600')}>
          {d.nextAttemptAt && d.status === 'pending' ? (
            <span title={dateTime(d.nextAttemptAt)}>
              <RelativeTime iso={d.nextAttemptAt} />
            </span>
          ) : (
            <None />
          )}
        </td>
        <td className={cx(td, 'whitespace-nowrap text-slate-600')} title={dateTime(d.createdAt)}>
          <RelativeTime iso={d.createdAt} />
        </td>
        <td className={cx(td, 'text-right')}>
          {d.status !== 'succeeded' && (
            <Button size="sm" onClick={onRetry} disabled={retrying} aria-label={`Retry event ${d.eventId}`}>
              <RotateCcw className="size-3.5" aria-hidden="true" />
              {retrying ? 'Retrying…' : 'Retry'}
            </Button>
          )}
        </td>
      </tr>
      {expanded && (
        <tr id={logId} className="bg-slate-50/60">
          <td />
          <td colSpan={9} className="px-5 pb-4">
            <ol
              className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white text-xs"
              aria-label={`Attempts of event ${d.eventId}`}
            >
              {d.attemptLog.map((a) => (
                <li key={a.attempt} className="grid grid-cols-[90px_200px_80px_90px_minmax(0,1fr)] gap-3 px-3 py-2">
                  <span className="font-medium text-slate-700">Attempt {a.attempt}</span>
                  <span className="text-slate-600">{dateTime(a.at)}</span>
                  <ResponseCode code={a.responseStatus} />
                  <span className="text-slate-600 tabular-nums">{number.format(a.latencyMs)} ms</span>
                  <span className="break-words text-red-600">{a.error ?? ''}</span>
                </li>
              ))}
            </ol>
          </td>
        </tr>
      )}
    </>
  );
}
