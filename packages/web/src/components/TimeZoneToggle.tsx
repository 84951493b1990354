import { getTimeZone, setTimeZone, type TimeZoneChoice, useTimeZone, zoneLabel } from '../lib/timeZone';
import { cx } from './ui';

const CHOICES: Array<{ value: TimeZoneChoice; label: string; title: string }> = [
  { value: 'local', label: 'Local', title: 'Times in this browser’s time zone' },
  { value: 'utc', label: 'UTC', title: 'Times in UTC' },
];

/** Local or UTC for every time the dashboard shows, with the zone in use spelled out under it. */
export function TimeZoneToggle() {
  const choice = useTimeZone();
  return (
    <div className="mb-3 px-3">
      <div className="flex items-center justify-between gap-2">
        <span className="text-xs font-medium text-slate-500" id="tz-label">
          Times
        </span>
        <div
          role="radiogroup"
          aria-labelledby="tz-label"
          className="inline-flex rounded-lg border border-slate-200 bg-slate-50 p-0.5"
        >
          {CHOICES.map((c) => {
            const on = choice === c.value;
            return (
              // biome-ignore lint/a11y/useSemanticElements: a segmented control like the theme's
              <button
                key={c.value}
                type="button"
                role="radio"
                aria-checked={on}
                title={c.title}
                onClick={() => getTimeZone() !== c.value && setTimeZone(c.value)}
                className={cx(
                  'inline-flex h-7 items-center rounded-md px-2 text-xs font-medium transition-colors',
                  on ? 'bg-white text-slate-900 shadow-xs' : 'text-slate-500 hover:text-slate-900',
                )}
              >
                {c.label}
              </button>
            );
          })}
        </div>
      </div>
      <p className="mt-1 truncate text-[11px] text-slate-500" data-testid="time-zone" title={zoneLabel(choice)}>
        {zoneLabel(choice)}
      </p>
    </div>
  );
}
