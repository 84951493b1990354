import { dateTime, relativeTime } from '../lib/format';
import { useNow } from '../lib/useNow';

/** "5 minutes ago", re-rendered by the shared 30 s clock; the exact time is in the tooltip. */
export function RelativeTime({ iso }: { iso: string }) {
  const now = useNow();
  return (
    <time dateTime={iso} title={dateTime(iso)} className="whitespace-nowrap">
      {relativeTime(iso, now)}
    </time>
  );
}
