import { format, formatDistanceToNowStrict } from 'date-fns';
import { inZone } from './timeZone';

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
  return Number.isNaN(t) ? '—' : format(inZone(t), 'MMM d, yyyy HH:mm:ss');
}

export function timeOfDay(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : format(inZone(t), 'HH:mm:ss');
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

// ─── Insight figures ─────────────────────────────────────────────────────────────────────────
// One way to write each kind of figure everywhere: "850 ms", "1.2 s", "$0.43", "$12.1k", "12 %",
// "5.1k". A missing figure (null: no turns, no ended sessions) is an em dash, never a zero.

const DASH = '—';

/** A latency: "850 ms", "1.2 s", "12 s", "2.5 min". */
export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  if (v < 1000) return `${Math.round(v)} ms`;
  // 9,950 ms would round to "10.0 s": past that point whole seconds read better.
  if (v < 9_950) return `${(v / 1000).toFixed(1)} s`;
  if (v < 59_500) return `${Math.round(v / 1000)} s`;
  return `${(v / 60_000).toFixed(1)} min`;
}

/** 1,234 → "1.2k", 5,100,000 → "5.1M"; below 1,000 the plain number. */
export function compact(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  const a = Math.abs(n);
  if (a < 999.995) return number.format(Math.round(n * 100) / 100);
  const [div, unit] = a < 999_950 ? [1e3, 'k'] : a < 999_950_000 ? [1e6, 'M'] : [1e9, 'B'];
  const v = n / div;
  return `${Math.abs(v) < 100 ? v.toFixed(1).replace(/\.0$/, '') : Math.round(v)}${unit}`;
}

/** US dollars: "$0.43", "< $0.01", "$12.1k". Costs per session are often fractions of a cent. */
export function usd(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  if (v === 0) return '$0.00';
  if (v < 0.01) return '< $0.01';
  if (v < 999.995) return `$${v.toFixed(2)}`;
  return `$${compact(v)}`;
}

/**
 * Dollars down to fractions of a cent, for chart axes and per-session costs where "< $0.01"
 * would hide the figure: "$0.53", "$0.015", "$0.00064", and as `usd` from $1 up.
 */
export function usdFine(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  if (v === 0) return '$0';
  if (v >= 1) return usd(v);
  if (v >= 0.1) return `$${v.toFixed(2)}`;
  if (v < 0.0001) return '< $0.0001';
  return `$${Number(v.toPrecision(2))}`;
}

/** A share on a chart axis: "0 %", "1.25 %", "20 %" (the ticks are even steps, not rounded figures). */
export function percentAxis(rate: number): string {
  return `${Number((rate * 100).toFixed(2))} %`;
}

/**
 * A share from 0 to 1: "12 %", "3.4 %", "7.0 %", "0 %"; one decimal below 10 % (kept when it is
 * a zero, so a column of rates lines up).
 */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return DASH;
  const p = rate * 100;
  if (p === 0) return '0 %';
  if (Math.abs(p) < 9.95) return `${p.toFixed(1)} %`;
  return `${Math.round(p)} %`;
}

/** "5.1k tokens", "1 token". */
export function tokens(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  return `${compact(n)} ${n === 1 ? 'token' : 'tokens'}`;
}

/** A mean duration in seconds for cards: "45 s", "4.2 min", "1.5 h". */
export function seconds(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  if (v < 59.5) return `${Math.round(v)} s`;
  if (v < 3570) return `${(v / 60).toFixed(1).replace(/\.0$/, '')} min`;
  return `${(v / 3600).toFixed(1).replace(/\.0$/, '')} h`;
}

export interface Change {
  /** Up (1), down (−1) or unchanged at the precision shown (0). */
  direction: -1 | 0 | 1;
  /** The size of the change, without its sign: "12 %", "1.5 pp". */
  text: string;
  /** The same as a number: a fraction (0.12) for relative changes, points (1.5) for rates. */
  size: number;
}

/**
 * The change from `previous` to `current`, for "▲ 12 % vs previous 24 h". Rates change in
 * percentage points (a failure rate going from 2 % to 3 % is "1 pp" up, not "50 %"); everything
 * else relatively. Null when there is nothing to compare with (no figure, or growth from zero).
 */
export function change(
  current: number | null | undefined,
  previous: number | null | undefined,
  kind: 'relative' | 'points' = 'relative',
): Change | null {
  if (current === null || current === undefined || previous === null || previous === undefined) return null;
  if (!Number.isFinite(current) || !Number.isFinite(previous)) return null;
  if (kind === 'points') {
    const pp = (current - previous) * 100;
    const rounded = Math.abs(pp) < 10 ? Math.round(Math.abs(pp) * 10) / 10 : Math.round(Math.abs(pp));
    if (rounded === 0) return { direction: 0, text: '0 pp', size: 0 };
    return { direction: pp > 0 ? 1 : -1, text: `${rounded} pp`, size: Math.abs(pp) };
  }
  if (previous === 0) return current === 0 ? { direction: 0, text: '0 %', size: 0 } : null;
  const rel = (current - previous) / Math.abs(previous);
  const text = percent(Math.abs(rel));
  if (text === '0 %') return { direction: 0, text, size: 0 };
  return { direction: rel > 0 ? 1 : -1, text, size: Math.abs(rel) };
}
