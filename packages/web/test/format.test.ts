/** The dashboard's number formatters (src/lib/format.ts): what people read on every page. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { change, compact, ms, percent, percentAxis, seconds, tokens, usd, usdFine } from '../src/lib/format.ts';

describe('format', () => {
  test('latency', () => {
    assert.equal(ms(0), '0 ms');
    assert.equal(ms(850), '850 ms');
    assert.equal(ms(999.4), '999 ms');
    assert.equal(ms(1000), '1.0 s');
    assert.equal(ms(1234), '1.2 s');
    assert.equal(ms(4200), '4.2 s');
    assert.equal(ms(9_960), '10 s');
    assert.equal(ms(42_000), '42 s');
    assert.equal(ms(150_000), '2.5 min');
    assert.equal(ms(null), '—');
  });

  test('compact numbers', () => {
    assert.equal(compact(0), '0');
    assert.equal(compact(999), '999');
    assert.equal(compact(1000), '1k');
    assert.equal(compact(5_120), '5.1k');
    assert.equal(compact(12_345), '12.3k');
    assert.equal(compact(123_456), '123k');
    assert.equal(compact(999_960), '1M');
    assert.equal(compact(5_100_000), '5.1M');
  });

  test('dollars', () => {
    assert.equal(usd(0), '$0.00');
    assert.equal(usd(0.004), '< $0.01');
    assert.equal(usd(0.43), '$0.43');
    assert.equal(usd(12.5), '$12.50');
    assert.equal(usd(999.99), '$999.99');
    assert.equal(usd(999.999), '$1k');
    assert.equal(usd(12_100), '$12.1k');
    assert.equal(usd(null), '—');
    assert.equal(usdFine(0), '$0');
    assert.equal(usdFine(0.5), '$0.50');
    assert.equal(usdFine(0.015), '$0.015');
    assert.equal(usdFine(0.000642), '$0.00064');
    assert.equal(usdFine(0.00001), '< $0.0001');
    assert.equal(usdFine(12_100), '$12.1k');
  });

  test('percentages', () => {
    assert.equal(percent(0), '0 %');
    assert.equal(percent(0.034), '3.4 %');
    assert.equal(percent(0.05), '5.0 %');
    assert.equal(percent(0.0999), '10 %');
    assert.equal(percent(0.12), '12 %');
    assert.equal(percent(1), '100 %');
    assert.equal(percent(null), '—');
    assert.equal(percentAxis(0.0125), '1.25 %');
    assert.equal(percentAxis(0.2), '20 %');
  });

  test('tokens and seconds', () => {
    assert.equal(tokens(1), '1 token');
    assert.equal(tokens(5_100), '5.1k tokens');
    assert.equal(seconds(45), '45 s');
    assert.equal(seconds(252), '4.2 min');
    assert.equal(seconds(5400), '1.5 h');
  });

  test('change against the previous period', () => {
    assert.deepEqual(change(112, 100), { direction: 1, text: '12 %', size: 0.12 });
    assert.deepEqual(change(50, 100), { direction: -1, text: '50 %', size: 0.5 });
    assert.deepEqual(change(100, 100), { direction: 0, text: '0 %', size: 0 });
    assert.equal(change(5, 0), null, 'growth from zero has no percentage');
    assert.equal(change(null, 3), null);
    // Rates move in percentage points.
    assert.equal(change(0.03, 0.02, 'points')?.text, '1 pp');
    assert.equal(change(0.03, 0.02, 'points')?.direction, 1);
    assert.equal(change(0.2, 0.35, 'points')?.text, '15 pp');
    assert.equal(change(0.2, 0.35, 'points')?.direction, -1);
    assert.deepEqual(change(0.1, 0.1, 'points'), { direction: 0, text: '0 pp', size: 0 });
  });
});
