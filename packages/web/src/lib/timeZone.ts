/**
 * Which clock the dashboard shows times in: the browser's own time zone (the default) or UTC,
 * a choice kept in this browser. Every absolute time (`dateTime`, `timeOfDay`, the date range)
 * goes through `inZone`, and the shell shows which zone is in use, so "14:05" is never ambiguous
 * between two people comparing notes.
 */
import { useSyncExternalStore } from 'react';

export type TimeZoneChoice = 'local' | 'utc';

const KEY = 'switchboard.timeZone';
const listeners = new Set<() => void>();

function read(): TimeZoneChoice {
  try {
    return localStorage.getItem(KEY) === 'utc' ? 'utc' : 'local';
  } catch {
    return 'local';
  }
}

let current: TimeZoneChoice = read();

export function getTimeZone(): TimeZoneChoice {
  return current;
}

export function setTimeZone(choice: TimeZoneChoice): void {
  current = choice;
  try {
    localStorage.setItem(KEY, choice);
  } catch {
    /* private mode: this tab only */
  }
  for (const l of listeners) l();
}

export function useTimeZone(): TimeZoneChoice {
  return useSyncExternalStore((l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, getTimeZone);
}

/** The browser's zone by name: "Europe/Berlin"; "UTC" where the browser does not say. */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** "UTC+1", "UTC−3:30", "UTC" for an instant in the browser's zone. */
function offsetLabel(at: number): string {
  const minutes = -new Date(at).getTimezoneOffset();
  if (minutes === 0) return 'UTC';
  const sign = minutes > 0 ? '+' : '−';
  const a = Math.abs(minutes);
  return `UTC${sign}${Math.floor(a / 60)}${a % 60 ? `:${String(a % 60).padStart(2, '0')}` : ''}`;
}

/** What the shell shows: "UTC", or "Europe/Berlin (UTC+1)". */
export function zoneLabel(choice: TimeZoneChoice = current, now = Date.now()): string {
  if (choice === 'utc') return 'UTC';
  const name = browserZone();
  const offset = offsetLabel(now);
  return name === offset ? name : `${name} (${offset})`;
}

/**
 * A Date whose local fields read as the chosen zone's wall clock, for date-fns' `format` (which
 * formats in the browser's zone): itself in the browser's zone, shifted by its offset for UTC.
 */
export function inZone(t: number): Date {
  const d = new Date(t);
  return current === 'utc' ? new Date(t + d.getTimezoneOffset() * 60_000) : d;
}
