import type { Session } from '@switchboard/contracts';
import { CheckCircle2 } from 'lucide-react';

/** A session's tags as small chips, and a check when it is reviewed: under its id in the lists. */
export function SessionTags({ s }: { s: Pick<Session, 'tags' | 'reviewedAt'> }) {
  if (!s.tags.length && !s.reviewedAt) return null;
  return (
    <div className="mt-1 flex flex-wrap items-center gap-1" data-testid="row-tags">
      {s.reviewedAt && (
        <span title="Reviewed" className="inline-flex text-green-600">
          <CheckCircle2 className="size-3.5" aria-hidden="true" />
          <span className="sr-only">Reviewed</span>
        </span>
      )}
      {s.tags.slice(0, 4).map((t) => (
        <span
          key={t}
          className="rounded border border-indigo-200 bg-indigo-50 px-1.5 text-[11px] leading-4 font-medium text-indigo-700"
        >
          {t}
        </span>
      ))}
      {s.tags.length > 4 && <span className="text-[11px] text-slate-500">+{s.tags.length - 4}</span>}
    </div>
  );
}
