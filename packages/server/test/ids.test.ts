/** UUIDv7 ids (RFC 9562) for items an agent sends without one. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uuidv7 } from '../src/lib/ids.js';

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('uuidv7: version 7, RFC variant, the millisecond in front, in order and unique across refills of the random pool', () => {
  const now = Date.parse('2026-11-29T12:00:00.000Z');
  const ids = Array.from({ length: 5000 }, () => uuidv7(now));
  for (const id of ids) assert.match(id, UUIDV7);
  assert.equal(Number.parseInt(ids[0].replace(/-/g, '').slice(0, 12), 16), now);
  assert.equal(new Set(ids).size, ids.length);
  // Same millisecond: the 12-bit counter keeps them in order (it carries into the time).
  assert.deepEqual([...ids].sort(), ids);
  // The random part is random: no two ids share it, and it is not constant across a pool refill.
  const randomPart = ids.map((id) => id.slice(19));
  assert.equal(new Set(randomPart).size, ids.length);
  const later = uuidv7(now + 10_000);
  assert.ok(later > ids[ids.length - 1]);
});
