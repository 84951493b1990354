/**
 * The redaction engine (lib/redaction): the built-in detectors against a corpus of personal data
 * and of look-alikes that must survive (precision and recall printed and held above a floor), and
 * custom patterns, which run in linear time however hostile.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REDACTION_DETECTORS } from '@switchboard/contracts';
import { luhn, mod97 } from '../../src/lib/redaction/detectors.js';
import { parseDetectorList, PatternError, Redactor } from '../../src/lib/redaction/engine.js';
import { LOOK_ALIKES, POSITIVES } from './redaction-corpus.js';

const ALL = new Redactor({ detectors: REDACTION_DETECTORS, custom: [] });

describe('lib/redaction: built-in detectors', () => {
  test('the corpus: precision and recall per detector', () => {
    const stats = new Map<string, { tp: number; fn: number; fp: number }>();
    const of = (d: string) => {
      const s = stats.get(d) ?? { tp: 0, fn: 0, fp: 0 };
      stats.set(d, s);
      return s;
    };
    const misses: string[] = [];
    for (const { text, pii } of POSITIVES) {
      const tally = new Map<string, number>();
      const out = ALL.text(text, tally).text;
      for (const [value, detector] of pii) {
        const found = !out.includes(value) && out.includes(`[redacted:${detector}]`);
        if (found) of(detector).tp++;
        else {
          of(detector).fn++;
          misses.push(`missed ${detector} ${JSON.stringify(value)} → ${JSON.stringify(out)}`);
        }
      }
      // Replacements beyond what the text holds, or by the wrong detector, are false positives.
      for (const [detector, n] of tally) {
        const expected = pii.filter(([, d]) => d === detector).length;
        if (n > expected) {
          of(detector).fp += n - expected;
          misses.push(`extra ${detector} in ${JSON.stringify(text)} → ${JSON.stringify(out)}`);
        }
      }
    }
    for (const text of LOOK_ALIKES) {
      const tally = new Map<string, number>();
      const out = ALL.text(text, tally).text;
      for (const [detector, n] of tally) {
        of(detector).fp += n;
        misses.push(`look-alike taken by ${detector}: ${JSON.stringify(text)} → ${JSON.stringify(out)}`);
      }
    }
    let tp = 0;
    let fn = 0;
    let fp = 0;
    const lines: string[] = [];
    for (const d of REDACTION_DETECTORS) {
      const s = of(d);
      tp += s.tp;
      fn += s.fn;
      fp += s.fp;
      const precision = s.tp / Math.max(1, s.tp + s.fp);
      const recall = s.tp / Math.max(1, s.tp + s.fn);
      lines.push(
        `  ${d.padEnd(6)} precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}  (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})`,
      );
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(
      `redaction corpus: ${POSITIVES.length} texts with personal data, ${LOOK_ALIKES.length} look-alikes\n${lines.join('\n')}\n  all    precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}`,
    );
    if (misses.length) console.log(misses.map((m) => `  ${m}`).join('\n'));
    assert.ok(precision >= 0.97, `precision ${precision.toFixed(3)} below 0.97`);
    assert.ok(recall >= 0.95, `recall ${recall.toFixed(3)} below 0.95`);
    for (const d of REDACTION_DETECTORS) {
      const s = of(d);
      assert.ok(s.tp / Math.max(1, s.tp + s.fn) >= 0.85, `${d}: recall below 0.85`);
    }
  });

  test('every look-alike survives unchanged', () => {
    const taken = LOOK_ALIKES.filter((t) => ALL.text(t).text !== t);
    assert.deepEqual(taken, []);
  });

  test('a match becomes [redacted:<detector>] and is counted once', () => {
    const r = ALL.text('mail a@example.com or b@example.com, call +44 20 7946 0958');
    assert.equal(r.text, 'mail [redacted:email] or [redacted:email], call [redacted:phone]');
    assert.equal(r.count, 3);
  });

  test('only the detectors turned on run', () => {
    const text = 'jane@example.com +44 20 7946 0958 4111111111111111';
    const emailOnly = new Redactor({ detectors: ['email'], custom: [] });
    assert.equal(emailOnly.text(text).text, '[redacted:email] +44 20 7946 0958 4111111111111111');
    // Without the card detector a card number is not taken for a phone number (16 digits).
    const phoneOnly = new Redactor({ detectors: ['phone'], custom: [] });
    assert.equal(phoneOnly.text(text).text, 'jane@example.com [redacted:phone] 4111111111111111');
    assert.equal(new Redactor({ detectors: [], custom: [] }).text(text).count, 0);
  });

  test('checksums: Luhn and mod-97', () => {
    assert.ok(luhn('4111111111111111'));
    assert.ok(!luhn('4111111111111112'));
    assert.ok(mod97('GB82WEST12345698765432'));
    assert.ok(!mod97('GB82WEST12345698765433'));
  });

  test('metadata strings and event data strings, however deep; other values as they are', () => {
    const counter = { n: 0 };
    const flat = ALL.flat({ email: 'a@example.com', n: 4111111111111111, ok: true, none: null }, counter);
    assert.deepEqual(flat, { email: '[redacted:email]', n: 4111111111111111, ok: true, none: null });
    const deep = ALL.deep({ a: [{ b: 'ip 192.0.2.1' }, 3], c: { d: 'fine' } }, counter);
    assert.deepEqual(deep, { a: [{ b: 'ip [redacted:ip]' }, 3], c: { d: 'fine' } });
    assert.equal(counter.n, 2);
    // Unchanged values are the same objects (no copy when nothing matched).
    const same = { a: { b: 'nothing here' } };
    assert.equal(ALL.deep(same, counter), same);
  });

  test('SWITCHBOARD_REDACT parses a list and names an unknown detector', () => {
    assert.deepEqual(parseDetectorList('email, PHONE,card,'), ['email', 'phone', 'card']);
    assert.deepEqual(parseDetectorList(''), []);
    assert.throws(() => parseDetectorList('email,passport'), /unknown detector passport/);
  });

  test('a long text without personal data is scanned in linear time', () => {
    const unit = 'Order 12345678 on 2024-12-04 at 13:45, v1.2.3, $1,234.56 ';
    const time = (n: number) => {
      const text = unit.repeat(n);
      const t = performance.now();
      ALL.text(text);
      return performance.now() - t;
    };
    time(50); // warm up
    // The fastest of five runs each: on a loaded machine any one run can lose its core for tens of
    // milliseconds, which says nothing about the scan.
    const fastest = (n: number) => Math.min(...Array.from({ length: 5 }, () => time(n)));
    const small = fastest(200);
    const big = fastest(1600);
    // Eight times the text: linear is ~8×, quadratic 64×. Bounded generously for a loaded machine.
    assert.ok(big < small * 24 + 50, `8× the text took ${big.toFixed(1)} ms against ${small.toFixed(1)} ms`);
  });
});

describe('lib/redaction: custom patterns', () => {
  test('a match becomes [redacted:<name>]', () => {
    const r = new Redactor({ detectors: [], custom: [{ name: 'employee', pattern: 'EMP-\\d{6}' }] });
    assert.deepEqual(r.text('badge EMP-123456 and EMP-654321'), {
      text: 'badge [redacted:employee] and [redacted:employee]',
      count: 2,
    });
    const ci = new Redactor({ detectors: [], custom: [{ name: 'codename', pattern: '(?i)project\\s+falcon' }] });
    assert.equal(ci.text('about PROJECT Falcon').text, 'about [redacted:codename]');
  });

  test('an empty match replaces nothing', () => {
    const r = new Redactor({ detectors: [], custom: [{ name: 'x', pattern: 'a*' }] });
    assert.deepEqual(r.text('bbb'), { text: 'bbb', count: 0 });
    assert.equal(r.text('baab').text, 'b[redacted:x]b');
  });

  test('patterns RE2 cannot compile are refused with the reason', () => {
    for (const [pattern, reason] of [
      ['(a)\\1', /invalid escape sequence/],
      ['(?<=a)b', /invalid named capture|lookbehind/],
      ['(abc', /missing closing \)/],
    ] as const) {
      assert.throws(
        () =>
          new Redactor({
            detectors: [],
            custom: [
              { name: 'ok', pattern: 'fine' },
              { name: 'bad', pattern },
            ],
          }),
        (err: unknown) =>
          err instanceof PatternError && err.index === 1 && err.name === 'bad' && reason.test(err.message),
      );
    }
  });

  test('a catastrophic-backtracking pattern runs in linear time', () => {
    const hostile = new Redactor({ detectors: [], custom: [{ name: 'evil', pattern: '(a+)+$' }] });
    const benign = new Redactor({ detectors: [], custom: [{ name: 'plain', pattern: 'b+$' }] });
    // A backtracking engine takes 2^n steps on n a's followed by a non-match: 30 would be minutes.
    const text = `${'a'.repeat(50_000)}!`;
    const time = (r: Redactor) => {
      const t = performance.now();
      r.text(text);
      return performance.now() - t;
    };
    time(hostile);
    time(benign);
    const h = Math.min(time(hostile), time(hostile), time(hostile));
    const b = Math.min(time(benign), time(benign), time(benign));
    console.log(`(a+)+$ on 50,000 characters: ${h.toFixed(1)} ms; b+$: ${b.toFixed(1)} ms`);
    assert.ok(h < b * 10 + 100, `the hostile pattern took ${h.toFixed(1)} ms against ${b.toFixed(1)} ms`);
    // And it grows linearly: twice the text, about twice the time.
    const double = `${'a'.repeat(100_000)}!`;
    const t = performance.now();
    hostile.text(double);
    const h2 = performance.now() - t;
    assert.ok(h2 < h * 5 + 100, `twice the text took ${h2.toFixed(1)} ms against ${h.toFixed(1)} ms`);
  });
});
