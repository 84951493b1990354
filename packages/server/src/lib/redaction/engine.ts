/**
 * The redaction engine: a set of detectors and custom patterns compiled once, applied to every
 * string a session receives. Custom patterns are compiled by re2js (RE2's automata in pure
 * JavaScript): no backtracking, so a pattern like `(a+)+$` runs in time linear in the text,
 * whatever the text. A pattern RE2 cannot compile (backreferences, lookaround) is refused when
 * it is saved, with RE2's reason.
 */
import { RE2JS } from 're2js';
import { type CustomPattern, REDACTION_DETECTORS, type RedactionDetector } from '@switchboard/contracts';
import { DETECTORS, type Span } from './detectors.js';

export interface RedactionConfig {
  detectors: readonly RedactionDetector[];
  custom: readonly CustomPattern[];
}

export class PatternError extends Error {
  constructor(
    readonly index: number,
    readonly name: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** RE2's compile error, without the Java-style class name re2js puts in front. */
function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^[\w.]*Exception:\s*/, '');
}

/** Compiles custom patterns; throws PatternError naming the first one RE2 cannot compile. */
export function compilePatterns(custom: readonly CustomPattern[]) {
  return custom.map((c, i) => {
    try {
      return { name: c.name, re: RE2JS.compile(c.pattern) };
    } catch (err) {
      throw new PatternError(i, c.name, reasonOf(err));
    }
  });
}

/** A text after redaction: what replaced what, counted per detector or pattern. */
export interface Redacted {
  text: string;
  count: number;
}

/** What redaction left in a text: kept as it is when a stored text is redacted again. */
const MARKER = /\[redacted:[a-z0-9_-]{1,40}\]/g;

export class Redactor {
  private readonly detectors;
  private readonly patterns;
  /** A text without any of these characters cannot hold a built-in match. */
  private readonly needs: RegExp | null;

  /**
   * `keepMarkers`: for text stored earlier (applying redaction again, services/jobs/redaction.ts),
   * where `[redacted:…]` markers are already there. Only the text between them is redacted, so a
   * custom pattern that would match a marker (`\w+`, `redacted`) neither rewrites nor counts it
   * again: a second run over the same text changes and counts nothing.
   */
  constructor(
    config: RedactionConfig,
    private readonly opts: { keepMarkers?: boolean } = {},
  ) {
    const on = new Set(config.detectors);
    this.detectors = DETECTORS.filter((d) => on.has(d.name));
    this.patterns = compilePatterns(config.custom);
    const needs = [...new Set(this.detectors.map((d) => d.needs.source))];
    this.needs = needs.length ? new RegExp(needs.join('|')) : null;
  }

  /** True when nothing would ever be replaced. */
  get empty() {
    return this.detectors.length === 0 && this.patterns.length === 0;
  }

  /** Redacts one string; `tally` (if given) counts the replacements per name. */
  text(input: string, tally?: Map<string, number>): Redacted {
    if (!this.opts.keepMarkers || !input.includes('[redacted:')) return this.plain(input, tally);
    let text = '';
    let count = 0;
    let at = 0;
    for (const m of input.matchAll(MARKER)) {
      const r = this.plain(input.slice(at, m.index), tally);
      text += r.text + m[0];
      count += r.count;
      at = m.index + m[0].length;
    }
    const r = this.plain(input.slice(at), tally);
    return { text: text + r.text, count: count + r.count };
  }

  private plain(input: string, tally?: Map<string, number>): Redacted {
    let text = input;
    let count = 0;
    const replace = (name: string, found: Span[]) => {
      // A marker an earlier detector or pattern left is never matched again (a custom pattern
      // like `redacted` or `\w+` would otherwise rewrite it and count it twice).
      const markers = text.includes('[redacted:')
        ? [...text.matchAll(MARKER)].map((m): Span => [m.index, m.index + m[0].length])
        : [];
      const spans = markers.length
        ? found.filter(([start, end]) => !markers.some(([ms, me]) => start < me && end > ms))
        : found;
      if (!spans.length) return;
      spans.sort((a, b) => a[0] - b[0]);
      let out = '';
      let at = 0;
      let n = 0;
      for (const [start, end] of spans) {
        if (start < at || end <= start) continue; // overlapping (ip v4 inside v6): the first wins
        out += `${text.slice(at, start)}[redacted:${name}]`;
        at = end;
        n++;
      }
      text = out + text.slice(at);
      count += n;
      if (tally && n) tally.set(name, (tally.get(name) ?? 0) + n);
    };
    if (this.needs?.test(text)) for (const d of this.detectors) if (d.needs.test(text)) replace(d.name, d.find(text));
    for (const p of this.patterns) {
      const spans: Span[] = [];
      const m = p.re.matcher(text);
      while (m.find()) {
        // An empty match replaces nothing (and would never end).
        if (m.end() > m.start()) spans.push([m.start(), m.end()]);
      }
      replace(p.name, spans);
    }
    return { text, count };
  }

  /** Redacts every string value of a flat object (metadata); keys and other values as they are. */
  flat<T extends Record<string, unknown>>(values: T, counter: { n: number }): T {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(values)) {
      if (typeof v !== 'string') continue;
      const r = this.text(v);
      if (r.count) {
        out ??= { ...values };
        out[k] = r.text;
        counter.n += r.count;
      }
    }
    return (out ?? values) as T;
  }

  /** Redacts every string in a JSON value (event data), however deep; a copy where it changed. */
  deep<T>(value: T, counter: { n: number }): T {
    if (typeof value === 'string') {
      const r = this.text(value);
      counter.n += r.count;
      return (r.count ? r.text : value) as T;
    }
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((v) => {
        const r = this.deep(v, counter);
        if (r !== v) changed = true;
        return r;
      });
      return (changed ? out : value) as T;
    }
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const r = this.deep(v, counter);
      if (r !== v) {
        out ??= { ...(value as Record<string, unknown>) };
        out[k] = r;
      }
    }
    return (out ?? value) as T;
  }
}

/** Nothing redacted. */
export const NO_REDACTION = new Redactor({ detectors: [], custom: [] });

/** `SWITCHBOARD_REDACT=email,phone,card`: the detectors named, or an error naming the unknown. */
export function parseDetectorList(value: string): RedactionDetector[] {
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !(REDACTION_DETECTORS as readonly string[]).includes(n));
  if (unknown.length)
    throw new Error(`unknown detector ${unknown.join(', ')} (choose from ${REDACTION_DETECTORS.join(', ')})`);
  return [...new Set(names)] as RedactionDetector[];
}
