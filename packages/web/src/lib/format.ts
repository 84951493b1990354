import { format, formatDistanceToNowStrict } from 'date-fns';

/** "5 minutes ago", "in 2 minutes" (clock skew), "just now". */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  if (Math.abs(now - t) < 45_000) return 'just now';
  return formatDistanceToNowStrict(t, { addSuffix: true });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '—' : format(t, 'MMM d, yyyy HH:mm:ss');
}

export function timeOfDay(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : format(t, 'HH:mm:ss');
}

/** Whole minutes for the table ("0 min" under a minute would read as broken, so "< 1 min"). */
export function durationMinutes(seconds: number): string {
  if (seconds < 60) return '< 1 min';
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/** "1:05" / "1:02:05" — an offset from the start of a call. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Precise duration for the detail page: "4 min 12 s". */
export function durationLong(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return [h ? `${h} h` : '', m ? `${m} min` : '', r ? `${r} s` : ''].filter(Boolean).join(' ');
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export const number = new Intl.NumberFormat('en-US');
